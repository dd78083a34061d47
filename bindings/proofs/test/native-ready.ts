// Whether the real-proof tests can run here: they need the built addon, the 2KiB parameters in
// the parameter cache, and VENUS_NATIVE_TESTS=1 (they take minutes; `scripts/test-all.sh` sets
// it in its native step after `npm run build:native` and the parameter generation). The SnapDeals
// tests also need the update circuit's parameters (`parts` includes 'update').
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import {
  initNativeProofs,
  isNativeProofsAvailable,
  type ParameterPart,
  SEALING_PARAMETER_PARTS,
} from '../src/index.js'
import { appliedNativeProofsSettings } from '../src/settings.js'

export function nativeTestsReady(
  sectorSize = 2048,
  parts: readonly ParameterPart[] = SEALING_PARAMETER_PARTS,
): { ready: boolean; why: string } {
  if (process.env.VENUS_NATIVE_TESTS !== '1') return { ready: false, why: 'VENUS_NATIVE_TESTS is not 1' }
  if (!isNativeProofsAvailable()) return { ready: false, why: 'addon not built (npm run build:native)' }
  const addon = initNativeProofs()
  const dir = appliedNativeProofsSettings()?.parameterCache ?? ''
  for (const part of parts) {
    for (const name of addon.parameterFileNames(part, sectorSize)) {
      if (!existsSync(join(dir, name))) {
        return { ready: false, why: `parameter file missing: ${join(dir, name)} (venus-cluster util params)` }
      }
    }
  }
  return { ready: true, why: '' }
}
