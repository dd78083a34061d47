/**
 * @venus-cluster/devnet
 *
 * @packageDocumentation
 */
export {}
