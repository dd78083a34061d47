/**
 * Serving a devnet over HTTP POST and WebSocket: Lotus API on `/rpc/v1`, messager on `/rpc/v0`,
 * Lotus-style JWT auth with per-method permissions.
 * The JSON-RPC layer is the core go-jsonrpc compatible server.
 */
import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { RpcPermission } from '@venus-cluster/core'
import { createHttpServer, type HttpLimits } from '@venus-cluster/core/http'
import { createRpcServer } from '@venus-cluster/core/rpc'
import { controlMethodPermissions } from './control-api.js'
import type { Devnet } from './devnet.js'
import { lotusMethodPermissions } from './lotus-api.js'
import { messagerMethodPermissions } from './messager-api.js'
import { type DevnetTokens, devnetTokens } from './tokens.js'
import { devnetMethods } from './transport.js'

/** Options of {@link serveDevnet}. */
export interface ServeDevnetOptions {
  /** Interface to bind (default 127.0.0.1). */
  host?: string
  /** Port (default 0 = any free port). */
  port?: number
  /** Token secret (default random per call). */
  tokenSecret?: Uint8Array
  /** Serve without auth: every caller gets admin permissions. */
  noAuth?: boolean
  /** HTTP timeouts and connection caps (defaults: core's `DEFAULT_HTTP_LIMITS`). */
  http?: Partial<HttpLimits>
}

/** A served devnet. */
export interface ServedDevnet {
  host: string
  port: number
  /** `/ip4/<host>/tcp/<port>` (what the manager config's `Api` fields take). */
  multiaddr: string
  /** `http://host:port/rpc/v1`. */
  httpUrl: string
  /** `ws://host:port/rpc/v1`. */
  wsUrl: string
  /** `ws://host:port/rpc/v0` (messager). */
  messagerUrl: string
  /** A token with every permission. */
  adminToken: string
  /** Lotus env style `TOKEN:/ip4/host/tcp/port/http`. */
  chainApiInfo: string
  /** Same for the messager. */
  messagerApiInfo: string
  tokens: DevnetTokens
  server: Server
  close(): Promise<void>
}

/**
 * Serves a devnet's Lotus and messager APIs.
 *
 * @example
 * ```ts
 * const served = await serveDevnet(devnet, { port: 1234 })
 * console.log(served.chainApiInfo)
 * await served.close()
 * ```
 */
export async function serveDevnet(devnet: Devnet, opts: ServeDevnetOptions = {}): Promise<ServedDevnet> {
  const host = opts.host ?? '127.0.0.1'
  const tokens = devnetTokens(opts.tokenSecret)
  const methods = devnetMethods(devnet)
  const permissions: Record<string, RpcPermission> = {
    ...lotusMethodPermissions,
    ...messagerMethodPermissions,
    ...controlMethodPermissions,
  }
  const rpc = createRpcServer({
    path: ['/rpc/v1', '/rpc/v0'],
    methods,
    permissions: (method) => permissions[method] ?? 'admin',
    authorize: async (token): Promise<readonly RpcPermission[]> => {
      if (opts.noAuth) return ['read', 'write', 'sign', 'admin']
      // Lotus: no token at all means read-only.
      if (token === undefined) return ['read']
      return tokens.verify(token)
    },
  })
  // One listener answers every request (400 for a target it cannot route, 404 for no route).
  const server = createHttpServer({ routes: [(req, res) => rpc.handleHttp(req, res)], limits: opts.http })
  rpc.attach(server, { requests: false })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(opts.port ?? 0, host, () => {
      server.off('error', reject)
      resolve()
    })
  })
  const port = (server.address() as AddressInfo).port
  const adminToken = await tokens.issue('admin')
  const ipProto = host.includes(':') ? 'ip6' : 'ip4'
  const multiaddr = `/${ipProto}/${host}/tcp/${port}`
  const hostPort = host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`
  return {
    host,
    port,
    multiaddr,
    httpUrl: `http://${hostPort}/rpc/v1`,
    wsUrl: `ws://${hostPort}/rpc/v1`,
    messagerUrl: `ws://${hostPort}/rpc/v0`,
    adminToken,
    chainApiInfo: `${adminToken}:${multiaddr}/http`,
    messagerApiInfo: `${adminToken}:${multiaddr}/http`,
    tokens,
    server,
    async close() {
      await rpc.close()
      // Running calls are settled (or cut) by now. What is left are keep-alive sockets, and a
      // request arriving on one would find no handler and hold server.close() forever.
      const done = new Promise<void>((resolve) => server.close(() => resolve()))
      server.closeAllConnections()
      await done
    },
  }
}
