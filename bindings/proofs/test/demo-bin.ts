// The built `venus-cluster` bin the native end-to-end tests run (`venus-cluster demo`, the same
// cluster the demo starts: devnet verifying natively, manager, workers, poster), and whether
// those tests can run here.
import { execFile } from 'node:child_process'
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { expect } from 'vitest'
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
function runDemoBin(
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

/** What every native demo summary holds (the rest is the caller's `T`). */
export interface NativeDemoSummary {
  ok: boolean
  proofs: { kind: string }
  wallMs: number
  sectors: { number: number; sealMs: number; activation: number }[]
  stages: { stage: string; meanMs: number }[]
  power: { rawBytes: string; qaBytes: string }
  windowPoSt: { included: boolean; ms: number }
}

/**
 * Runs `venus-cluster demo --json --proofs native --sectors 1 <flags>` with a limit of `minutes`,
 * checks that it succeeded on native proofs with its one sector active, and returns the summary.
 */
export async function runNativeDemo<T>(
  flags: readonly string[],
  minutes: number,
): Promise<NativeDemoSummary & T> {
  const { stdout, stderr, code } = await runDemoBin(
    ['demo', '--json', '--proofs', 'native', '--sectors', '1', ...flags, '--timeout', `${minutes}m`],
    (minutes + 1) * 60_000,
  )
  expect(code, stderr.slice(-4000)).toBe(0)
  const s = JSON.parse(stdout.trim()) as NativeDemoSummary & T
  expect(s.ok).toBe(true)
  expect(s.proofs.kind).toBe('native')
  expect(s.sectors).toHaveLength(1)
  expect(s.sectors[0]!.activation).toBeGreaterThan(0)
  return s
}
