/**
 * `@venus-cluster/core/mock`: the mock proofs backend on its own entry point, for programs and
 * tests that want fast, deterministic "proofs" without the rest of core. The same functions are
 * exported from `@venus-cluster/core`.
 *
 * @example
 * ```ts
 * import { mockProofs } from '@venus-cluster/core/mock'
 * const proofs = mockProofs()
 * const info = await proofs.info() // { name: 'mock', realProofs: false, … }
 * ```
 *
 * @packageDocumentation
 */

export type { ProofsBackend, ProofsBackendInfo } from './proofs/backend.js'
export { type MockProofsCall, type MockProofsOptions, mockProofs } from './proofs/mock.js'
export { mockAggregateLength } from './proofs/mock-derive.js'
