/**
 * @venus-cluster/manager
 *
 * @packageDocumentation
 */
export {}
