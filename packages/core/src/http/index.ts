/**
 * `@venus-cluster/core/http`: the hardened HTTP servers of the cluster's daemons — request and
 * header timeouts, connection caps, path routing, request targets that cannot be routed, and
 * refusals of cross-origin browser requests.
 *
 * @packageDocumentation
 */
export * from './browser.js'
export * from './server.js'
export * from './target.js'
