// The built `venus-cluster` bin the native end-to-end tests run (`venus-cluster demo`, the same
// cluster the demo starts: devnet verifying natively, manager, workers, poster), and whether
// those tests can run here.
import { execFile } from 'node:child_process'
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import type { ParameterPart } from '../src/index.js'
import { nativeTestsReady } from './native-ready.js'

export const demoBin = fileURLToPath(
  new URL('../../../packages/cli/dist/bin/venus-cluster.js', import.meta.url),
)

/** {@link nativeTestsReady}, and the bin built. */
export function demoBinReady(parts?: readonly ParameterPart[]): { ready: boolean; why: string } {
  const native = nativeTestsReady(2048, parts)
  if (!native.ready) return native
  if (!existsSync(demoBin))
    return { ready: false, why: `${demoBin} not built (npx tsc -b tsconfig.build.json)` }
  return { ready: true, why: '' }
}

/** Runs `venus-cluster <args>`; resolves with its output and exit code (never rejects). */
export function runDemoBin(
  args: readonly string[],
  timeoutMs: number,
): Promise<{ stdout: string; stderr: string; code: number }> {
  return new Promise((resolve) =>
    execFile(
      process.execPath,
      [demoBin, ...args],
      { timeout: timeoutMs, maxBuffer: 16 << 20 },
      (err, out, errOut) =>
        resolve({
          stdout: out,
          stderr: errOut,
          code: err === null ? 0 : typeof err.code === 'number' ? err.code : 1,
        }),
    ),
  )
}
