/**
 * HTTP routes the manager daemon serves beside `/rpc/v0`: the dashboard (`/ui`, `/ui/api/*`)
 * and Prometheus `/metrics`. Each needs a token with `read` when auth is on; the token comes
 * from the `Authorization` header or the `venus_token` cookie. `/ui?token=` (the address an
 * operator is given) sets the cookie, so the page's own requests carry it; no other path takes
 * a token in its URL.
 */
import { readFile } from 'node:fs/promises'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { createRequire } from 'node:module'
import type { RpcPermission } from '@venus-cluster/core'
import { gateRequest, type RequestAuth, TOKEN_COOKIE } from '@venus-cluster/core/auth'
import { answerPreflight, refuseBrowserRequest } from '@venus-cluster/core/http'
import type { ManagerHealth } from '../health.js'
import type { SectorManager } from '../manager.js'
import type { SectorHistory } from '../metrics/history.js'
import type { ManagerMetrics } from '../metrics/manager-metrics.js'
import { dashboardCharts } from './charts.js'
import { CHARTS_SCRIPT } from './charts-page.js'
import { dashboardOverview, dashboardSector } from './data.js'
import { DASHBOARD_HTML } from './page.js'

/** The installed uPlot files the page loads (read once, on first request). */
const UPLOT_FILES: Record<string, { file: string; type: string }> = {
  '/ui/uplot.js': { file: 'uplot/dist/uPlot.iife.min.js', type: 'text/javascript; charset=utf-8' },
  '/ui/uplot.css': { file: 'uplot/dist/uPlot.min.css', type: 'text/css; charset=utf-8' },
}
const assets = new Map<string, Promise<string>>()
function asset(file: string): Promise<string> {
  let p = assets.get(file)
  if (p === undefined) {
    const require = createRequire(import.meta.url)
    // The package the files come from (and the version the page gets), as a dependency checker sees it.
    const { version } = require('uplot/package.json') as { version: string }
    p = readFile(require.resolve(file), 'utf8').then((text) => `/* uPlot ${version} (MIT) */\n${text}`)
    // A failed read is tried again on the next request.
    p.catch(() => assets.delete(file))
    assets.set(file, p)
  }
  return p
}

/** The window of `/ui/api/charts` (`?window=` ms): at least a minute, at most 30 days. */
const CHART_WINDOW = { min: 60_000, max: 30 * 24 * 3_600_000, default: 24 * 3_600_000 }

/** Options of {@link createManagerHttpRoutes}. */
export interface ManagerHttpRoutesOptions {
  manager: SectorManager
  metrics: ManagerMetrics
  history: SectorHistory
  /** Token checker (with trusted networks, if any); undefined = auth off (every caller may read). */
  auth: RequestAuth | undefined
  /** The latest health snapshot, shown as a banner when the manager is not ready. */
  health?: (() => ManagerHealth) | undefined
  /** Whether `/metrics` is served (default true); without it the path is left to other routes. */
  serveMetrics?: boolean | undefined
}

function send(
  res: ServerResponse,
  status: number,
  type: string,
  body: string,
  headers: Record<string, string> = {},
) {
  res.writeHead(status, {
    'content-type': type,
    'content-length': Buffer.byteLength(body),
    'cache-control': 'no-store',
    ...headers,
  })
  res.end(body)
}

const json = (res: ServerResponse, status: number, v: unknown) =>
  send(
    res,
    status,
    'application/json',
    JSON.stringify(v, (_k, x) => (typeof x === 'bigint' ? x.toString() : x)),
  )

/**
 * Returns a request handler that answers `/ui…` and `/metrics` and returns false for any other
 * path (left to the RPC server).
 *
 * @example
 * ```ts
 * const routes = createManagerHttpRoutes({ manager, metrics, history, auth })
 * server.on('request', (req, res) => { if (!routes(req, res) && !rpcPath(req)) notFound(res) })
 * ```
 */
export function createManagerHttpRoutes(
  opts: ManagerHttpRoutesOptions,
): (req: IncomingMessage, res: ServerResponse) => boolean {
  const { manager, metrics, history, auth } = opts

  async function allowed(
    req: IncomingMessage,
    res: ServerResponse,
    need: RpcPermission,
    path: string,
  ): Promise<boolean> {
    if (auth === undefined) {
      // Auth off: anyone may read, but not a foreign page through a browser on this network.
      const refusal = req.headers.authorization ? undefined : refuseBrowserRequest(req)
      if (refusal !== undefined) send(res, refusal.status, 'text/plain', `${refusal.message}\n`)
      return refusal === undefined
    }
    const gate = await gateRequest(auth, req, need, 'Authorization: Bearer, or open /ui?token=…', {
      queryToken: path === '/ui' || path === '/ui/',
    })
    if (!gate.ok) send(res, gate.status, 'text/plain', `${gate.message}\n`, gate.headers)
    return gate.ok
  }

  async function serve(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    if (req.method === 'OPTIONS') {
      answerPreflight(req, res, 'GET, HEAD')
      return
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      send(res, 405, 'text/plain', 'use GET\n', { allow: 'GET, HEAD' })
      return
    }
    const path = url.pathname
    if (!(await allowed(req, res, 'read', path))) return
    if (path === '/metrics') {
      send(res, 200, metrics.contentType, await metrics.scrape())
      return
    }
    if (path === '/ui' || path === '/ui/') {
      const q = url.searchParams.get('token')
      if (q !== null && auth !== undefined) {
        // Keep the token out of the address bar and history: cookie, then a clean URL.
        res.writeHead(303, {
          location: '/ui',
          'set-cookie': `${TOKEN_COOKIE}=${encodeURIComponent(q)}; Path=/; HttpOnly; SameSite=Strict`,
          'content-length': 0,
        })
        res.end()
        return
      }
      send(res, 200, 'text/html; charset=utf-8', DASHBOARD_HTML, {
        'content-security-policy':
          "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'",
      })
      return
    }
    if (path === '/ui/api/overview') {
      const page: { offset?: number; limit?: number } = {}
      for (const key of ['offset', 'limit'] as const) {
        const v = url.searchParams.get(key)
        if (v === null) continue
        const n = Number(v)
        if (!Number.isSafeInteger(n) || n < 0) {
          json(res, 400, { error: `${key} must be a non-negative integer` })
          return
        }
        page[key] = n
      }
      json(res, 200, await dashboardOverview(manager, metrics, opts.health?.(), page))
      return
    }
    if (path === '/ui/api/charts') {
      const raw = url.searchParams.get('window')
      const windowMs = raw === null ? CHART_WINDOW.default : Number(raw)
      if (!Number.isSafeInteger(windowMs) || windowMs < CHART_WINDOW.min || windowMs > CHART_WINDOW.max) {
        json(res, 400, {
          error: `window must be milliseconds from ${CHART_WINDOW.min} to ${CHART_WINDOW.max}`,
        })
        return
      }
      json(res, 200, await dashboardCharts(manager, metrics, windowMs))
      return
    }
    if (path === '/ui/charts.js') {
      send(res, 200, 'text/javascript; charset=utf-8', CHARTS_SCRIPT)
      return
    }
    const file = UPLOT_FILES[path]
    if (file !== undefined) {
      send(res, 200, file.type, await asset(file.file))
      return
    }
    if (path === '/ui/api/sector') {
      const miner = Number(url.searchParams.get('miner'))
      const number = Number(url.searchParams.get('number'))
      if (!Number.isSafeInteger(miner) || !Number.isSafeInteger(number) || miner < 0 || number < 0) {
        json(res, 400, { error: 'miner and number must be non-negative integers' })
        return
      }
      const s = await dashboardSector(manager, history, miner, number)
      if (s === undefined) json(res, 404, { error: `sector m-${miner}-n-${number} not found` })
      else json(res, 200, s)
      return
    }
    send(res, 404, 'text/plain', 'not found\n')
  }

  const metricsPath = opts.serveMetrics === false ? undefined : '/metrics'
  return (req, res) => {
    const url = new URL(req.url ?? '/', 'http://x')
    if (url.pathname !== metricsPath && url.pathname !== '/ui' && !url.pathname.startsWith('/ui/'))
      return false
    serve(req, res, url).catch((err: unknown) => {
      if (!res.headersSent)
        send(res, 500, 'text/plain', `internal error: ${String((err as Error)?.message ?? err)}\n`)
      else res.destroy()
    })
    return true
  }
}
