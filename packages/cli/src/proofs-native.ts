import { importOptional } from '@venus-cluster/core'

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
