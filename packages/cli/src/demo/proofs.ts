/**
 * Which proofs backend the demo uses: native when the addon loads and the PoRep parameters of
 * the sector size are in the parameter cache, otherwise the mock backend (with a notice).
 */
import { readdir, readFile, stat } from 'node:fs/promises'
import { homedir } from 'node:os'
import { join } from 'node:path'
import { mockProofs, type ProofsBackend, VenusError } from '@venus-cluster/core'
import { importProofsNative } from '../proofs-native.js'

/** `--proofs` values. */
export type DemoProofsChoice = 'auto' | 'mock' | 'native'

/** The backend chosen and why. */
export interface DemoProofs {
  kind: 'mock' | 'native'
  backend: ProofsBackend
  /** Why this kind was chosen (printed as a notice). */
  reason: string
}

/** The parameter cache the native backend reads (`$FIL_PROOFS_PARAMETER_CACHE` or the venus cache). */
export function parameterCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.FIL_PROOFS_PARAMETER_CACHE) return env.FIL_PROOFS_PARAMETER_CACHE
  const root = env.XDG_CACHE_HOME
    ? join(env.XDG_CACHE_HOME, 'venus-cluster')
    : join(homedir(), '.cache', 'venus-cluster')
  return join(root, 'params')
}

/**
 * Whether `dir` holds PoRep parameters (`.params` + `.vk`) for `sectorSize`, judged by the
 * `.meta` files written next to them (`{"sector_size":2048}`).
 *
 * @example
 * ```ts
 * await hasPoRepParameters('/var/tmp/filecoin-proof-parameters', 2048)
 * ```
 */
export async function hasPoRepParameters(dir: string, sectorSize: number): Promise<boolean> {
  const names = await readdir(dir).catch(() => [] as string[])
  for (const meta of names.filter((n) => n.includes('stacked-proof-of-replication') && n.endsWith('.meta'))) {
    try {
      const parsed = JSON.parse(await readFile(join(dir, meta), 'utf8')) as { sector_size?: unknown }
      if (parsed.sector_size !== sectorSize) continue
      const base = meta.slice(0, -'.meta'.length)
      const sizes = await Promise.all([`${base}.params`, `${base}.vk`].map((f) => stat(join(dir, f))))
      if (sizes.every((s) => s.size > 0)) return true
    } catch {
      // An unreadable or partial set does not count.
    }
  }
  return false
}

async function loadNative(): Promise<ProofsBackend> {
  const mod = await importProofsNative<{
    nativeProofs: () => ProofsBackend
    loadProofsAddon: () => unknown
  }>('or use --proofs mock')
  // Throws PROOFS_NATIVE_UNAVAILABLE saying which platform package to install or how to build.
  mod.loadProofsAddon()
  return mod.nativeProofs()
}

/**
 * Picks the backend for `choice`.
 *
 * @example
 * ```ts
 * const p = await chooseDemoProofs('auto', 2048) // { kind: 'mock', reason: 'native proofs addon not built' ... }
 * ```
 */
export async function chooseDemoProofs(choice: DemoProofsChoice, sectorSize: number): Promise<DemoProofs> {
  const mock = (reason: string): DemoProofs => ({ kind: 'mock', backend: mockProofs(), reason })
  if (choice === 'mock') return mock('mock proofs (--proofs mock): fast, deterministic, not real proofs')
  const dir = parameterCacheDir()
  let native: ProofsBackend
  try {
    native = await loadNative()
  } catch (err) {
    if (choice === 'native')
      throw new VenusError(
        'PROOFS_NATIVE_UNAVAILABLE',
        `native proofs asked for, but ${err instanceof Error ? err.message : 'the addon cannot be loaded'}`,
        {
          cause: err,
        },
      )
    return mock(
      'MOCK proofs: the native proofs addon is not available (--proofs native says why); these are not real proofs',
    )
  }
  if (!(await hasPoRepParameters(dir, sectorSize))) {
    const hint = `no PoRep parameters for this sector size in ${dir} (venus-gen-params)`
    if (choice === 'native')
      throw new VenusError('PROOFS_NATIVE_UNAVAILABLE', `native proofs asked for, but ${hint}`, {
        details: { dir, sectorSize },
      })
    return mock(`MOCK proofs: ${hint}; these are not real proofs`)
  }
  // Whether the proofs run on a GPU (VENUS_PROOFS_GPU=1 with the CUDA build) or the CPU.
  const gpu = (await native.info()).gpu ?? 'none'
  return {
    kind: 'native',
    backend: native,
    reason:
      `native proofs (parameters in ${dir}; GPU: ${gpu}); C2 takes minutes on a small machine` +
      (choice === 'auto' ? ' (--proofs mock runs in seconds)' : ''),
  }
}
