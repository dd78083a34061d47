/**
 * Test helpers that other packages and SDK users import from `@venus-cluster/core/testing`:
 * conformance suites for the pluggable interfaces. Kept out of the main entry so that
 * production code never loads a test framework.
 *
 * @packageDocumentation
 */
export * from './config/read-only-dir.js'
export * from './http/conformance.js'
export * from './proofs/conformance.js'
export * from './testing/fake-market.js'
