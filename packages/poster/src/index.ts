/**
 * @venus-cluster/poster
 *
 * @packageDocumentation
 */
export {}
