/**
 * The worker's HTTP server: the control API (`VenusWorker.*` at `/` and `/rpc/v0`) and
 * Prometheus `/metrics`, both behind the same token check (in the `Authorization` header only).
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { RpcMethod } from '@venus-cluster/core'
import { tokenFromRequest } from '@venus-cluster/core/auth'
import {
  answerPreflight,
  createHttpServer,
  type HttpLimits,
  refuseBrowserRequest,
} from '@venus-cluster/core/http'
import { createRpcServer } from '@venus-cluster/core/rpc'
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
  /** HTTP timeouts and connection caps (defaults: core's `DEFAULT_HTTP_LIMITS`). */
  http?: Partial<HttpLimits> | undefined
  /** Largest request body (default 1 MiB: control calls carry a thread index or two). */
  maxBodyBytes?: number | undefined
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
    maxBodyBytes: opts.maxBodyBytes ?? 1024 * 1024,
    queryToken: false,
    jsonOnlyWithoutToken: true,
  })
  const text = (res: ServerResponse, status: number, body: string, type = 'text/plain') => {
    res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(body) })
    res.end(body)
  }
  const serveMetrics = async (req: IncomingMessage, res: ServerResponse) => {
    if (req.method === 'OPTIONS') return answerPreflight(req, res, 'GET, HEAD')
    if (req.method !== 'GET' && req.method !== 'HEAD') return text(res, 405, 'use GET\n')
    const refusal = req.headers.authorization ? undefined : refuseBrowserRequest(req)
    if (refusal !== undefined) return text(res, refusal.status, `${refusal.message}\n`)
    if (new URLSearchParams(req.url?.split('?')[1] ?? '').has('token'))
      return text(res, 401, 'unauthorized: tokens are not accepted in the URL (send Authorization: Bearer)\n')
    if (authorize) {
      let perms: readonly string[]
      try {
        perms = await authorize(tokenFromRequest(req, { query: false }))
      } catch {
        return text(res, 401, 'unauthorized\n')
      }
      if (!perms.includes('read')) return text(res, 403, "forbidden: the token lacks 'read'\n")
    }
    if (!metrics) return text(res, 404, 'metrics are not enabled\n')
    text(res, 200, await metrics.scrape(), metrics.contentType)
  }
  const metricsRoute = (req: IncomingMessage, res: ServerResponse): boolean => {
    if (new URL(req.url ?? '/', 'http://x').pathname !== '/metrics') return false
    serveMetrics(req, res).catch(() => res.destroy())
    return true
  }
  // One listener answers every request (400 for a target it cannot route, 404 for no route).
  const server = createHttpServer({
    routes: [metricsRoute, (req, res) => rpc.handleHttp(req, res)],
    limits: opts.http,
  })
  rpc.attach(server, { requests: false })
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
