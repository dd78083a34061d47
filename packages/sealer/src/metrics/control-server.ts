/**
 * The worker's HTTP server: the control API (`VenusWorker.*` at `/` and `/rpc/v0`) and
 * Prometheus `/metrics`, both behind the same token check.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { createRpcServer, type RpcMethod, tokenFromRequest } from '@venus-cluster/core'
import { type ControlAuthorize, workerControlPermission } from '../auth/control-auth.js'
import type { WorkerMetrics } from './worker-metrics.js'

/** Options of {@link serveWorkerControl}. */
export interface ServeWorkerControlOptions {
  methods: Record<string, RpcMethod>
  host: string
  port: number
  /** Token check; undefined = auth off. */
  authorize: ControlAuthorize | undefined
  metrics?: WorkerMetrics | undefined
}

/** A listening control server. */
export interface WorkerControlServer {
  url: string
  port: number
  close(): Promise<void>
}

/**
 * Starts the control server.
 *
 * @example
 * ```ts
 * const s = await serveWorkerControl({ methods, host: '127.0.0.1', port: 17890, authorize, metrics })
 * ```
 */
export async function serveWorkerControl(opts: ServeWorkerControlOptions): Promise<WorkerControlServer> {
  const { authorize, metrics } = opts
  const rpc = createRpcServer({
    methods: opts.methods,
    path: ['/', '/rpc/v0'],
    permissions: workerControlPermission,
    ...(authorize ? { authorize } : {}),
  })
  const server = createServer()
  const text = (res: ServerResponse, status: number, body: string, type = 'text/plain') => {
    res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(body) })
    res.end(body)
  }
  const serveMetrics = async (req: IncomingMessage, res: ServerResponse) => {
    if (authorize) {
      let perms: readonly string[]
      try {
        perms = await authorize(tokenFromRequest(req))
      } catch {
        return text(res, 401, 'unauthorized\n')
      }
      if (!perms.includes('read')) return text(res, 403, "forbidden: the token lacks 'read'\n")
    }
    if (!metrics) return text(res, 404, 'metrics are not enabled\n')
    text(res, 200, await metrics.scrape(), metrics.contentType)
  }
  const onRequest = (req: IncomingMessage, res: ServerResponse) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname
    if (path === '/metrics') {
      serveMetrics(req, res).catch(() => res.destroy())
      return
    }
    if (!rpc.handleHttp(req, res)) text(res, 404, 'not found\n')
  }
  rpc.attach(server)
  // attach() also adds a request listener; keep only ours, which routes to the RPC itself.
  server.removeAllListeners('request')
  server.on('request', onRequest)
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(opts.port, opts.host, () => {
      server.off('error', reject)
      resolve()
    })
  })
  const port = (server.address() as AddressInfo).port
  const host = opts.host === '0.0.0.0' ? '127.0.0.1' : opts.host === '::' ? '::1' : opts.host
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}/`,
    port,
    async close() {
      await rpc.close()
      server.closeAllConnections()
      await new Promise<void>((r) => server.close(() => r()))
    },
  }
}
