/**
 * `GET /healthz` (liveness) and `GET /readyz` (readiness) of the manager daemon. Both answer
 * without a token, like the health checks of load balancers and orchestrators expect: they carry
 * no secrets (states, heights, ages and error codes only) and start no work upstream (`/readyz`
 * serves the monitor's last snapshot).
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { HealthMonitor } from './health.js'

/** The paths {@link healthHttpHandler} answers. */
export const HEALTH_PATHS = ['/healthz', '/readyz'] as const

/**
 * Returns a handler that answers `/healthz` and `/readyz` and returns false for any other path.
 * `/healthz`: 200 `{"status":"ok"}` while the process serves requests. `/readyz`: the
 * {@link ManagerHealth} snapshot, 200 when ready and 503 when not.
 *
 * @example
 * ```ts
 * const health = healthHttpHandler(monitor)
 * server.on('request', (req, res) => { if (!health(req, res)) other(req, res) })
 * ```
 */
export function healthHttpHandler(
  monitor: Pick<HealthMonitor, 'current'>,
): (req: IncomingMessage, res: ServerResponse) => boolean {
  return (req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname
    if (path !== '/healthz' && path !== '/readyz') return false
    const send = (status: number, value: unknown, headers: Record<string, string> = {}) => {
      const body = `${JSON.stringify(value)}\n`
      res.writeHead(status, {
        'content-type': 'application/json',
        'content-length': Buffer.byteLength(body),
        'cache-control': 'no-store',
        ...headers,
      })
      res.end(req.method === 'HEAD' ? undefined : body)
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      send(405, { error: 'use GET' }, { allow: 'GET, HEAD' })
      return true
    }
    if (path === '/healthz') {
      send(200, { status: 'ok' })
      return true
    }
    const h = monitor.current()
    send(h.ready ? 200 : 503, h)
    return true
  }
}
