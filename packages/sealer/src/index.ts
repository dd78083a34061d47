/**
 * @venus-cluster/sealer
 *
 * @packageDocumentation
 */
export {}
