import { importOptional, type ProofsBackend } from '@venus-cluster/core'

/**
 * The package with the real proofs: an optional peer dependency of the CLI, so that mock-proof
 * setups (devnets, tests, demos) install without its 12 MB addon.
 */
export const PROOFS_NATIVE_PACKAGE = '@venus-cluster/proofs-native'

/**
 * Imports `@venus-cluster/proofs-native`. When it is not installed, rejects with
 * `PROOFS_NATIVE_UNAVAILABLE` whose message names the package to install, then `alternative`
 * (e.g. `'or use --proofs mock'`). The package loads its addon lazily; its own calls say which
 * platform package or build is missing. `load` is the import itself (tests replace it).
 *
 * @example
 * ```ts
 * const mod = await importProofsNative<{ nativeProofs: () => ProofsBackend }>('or use --proofs mock')
 * const proofs = mod.nativeProofs()
 * ```
 */
export function importProofsNative<T>(
  alternative?: string,
  load: () => Promise<unknown> = () => import(PROOFS_NATIVE_PACKAGE),
): Promise<T> {
  return importOptional(PROOFS_NATIVE_PACKAGE, load as () => Promise<T>, {
    feature: 'the native proofs backend',
    code: 'PROOFS_NATIVE_UNAVAILABLE',
    ...(alternative === undefined ? {} : { hint: alternative }),
  })
}

/**
 * One line for start-up logs naming the proofs backend and, for the native one, whether it proves
 * on a GPU (`GPU: cuda: 1 GPU (…)`, `GPU: none: CPU build`, `GPU: none: CPU fallback (…)`).
 * Loads the native addon when it is not loaded yet.
 *
 * @example
 * ```ts
 * await proofsBackendLine(mockProofs()) // 'proofs: mock 0.1.0 (not real proofs)'
 * ```
 */
export async function proofsBackendLine(backend: ProofsBackend): Promise<string> {
  const info = await backend.info()
  return (
    `proofs: ${info.name} ${info.version}${info.realProofs ? '' : ' (not real proofs)'}` +
    (info.gpu === undefined ? '' : `; GPU: ${info.gpu}`)
  )
}
