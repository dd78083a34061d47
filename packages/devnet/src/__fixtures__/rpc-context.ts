import { RPC_PERMISSIONS, type RpcContext } from '@venus-cluster/core'

/** What the RPC server hands a method when a test calls a method table directly: every permission. */
export const testRpcContext: RpcContext = {
  signal: new AbortController().signal,
  permissions: RPC_PERMISSIONS,
  transport: 'inproc',
}
