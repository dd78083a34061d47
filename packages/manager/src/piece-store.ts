/**
 * The piece store proxy: `GET /piecestore/<pieceCID>` streams the file named
 * `<pieceCID>` from the first `[[Common.PieceStores]]` directory holding it, else redirects to the
 * market (`302 <market>/resource?resource-id=<cid>`), or answers 404 without a market.
 */
import { createReadStream } from 'node:fs'
import { stat } from 'node:fs/promises'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { join } from 'node:path'
import type { ManagerConfig } from '@venus-cluster/core'
import { gateRequest, type RequestAuth } from '@venus-cluster/core/auth'
import { answerPreflight, refuseBrowserRequest } from '@venus-cluster/core/http'
import { CID } from 'multiformats/cid'
import { marketHttpBase } from './config.js'

/** Options of {@link createPieceStoreHandler}. */
export interface PieceStoreHandlerOptions {
  /** Directories searched in order; a function is re-read per request (config reloads). */
  dirs: readonly string[] | (() => readonly string[])
  /** Market HTTP base (`http://host:port`); '' or absent = no redirect, 404 instead. */
  marketUrl?: string | (() => string) | undefined
  /**
   * Token checks (the manager's authority): a request needs a valid token with `read`, as the
   * RPC API does, or to come from a trusted network (`RequestAuth.tokenless`). Absent = no
   * checks (`--no-auth`). The token goes in `Authorization: Bearer`; `?token=` is refused (401).
   * Either way a request without the header from a foreign web page is refused (403).
   */
  auth?: RequestAuth | undefined
}

/** A plain request listener for one path prefix: returns false when the URL is not its own. */
export type PieceStoreHandler = (req: IncomingMessage, res: ServerResponse) => boolean

const PREFIX = '/piecestore/'

function text(res: ServerResponse, status: number, body: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', ...headers })
  res.end(`${body}\n`)
}

/**
 * Builds the `/piecestore/` handler. Attach it before other listeners of the daemon's server:
 * `server.on('request', (req, res) => { if (pieces(req, res)) return; … })`.
 *
 * @example
 * ```ts
 * const pieces = createPieceStoreHandler({ dirs: ['/data/pieces'], marketUrl: 'http://market:41235' })
 * createServer((req, res) => pieces(req, res) || res.writeHead(404).end()).listen(1789)
 * ```
 */
export function createPieceStoreHandler(opts: PieceStoreHandlerOptions): PieceStoreHandler {
  const dirs = typeof opts.dirs === 'function' ? opts.dirs : () => opts.dirs as readonly string[]
  const market =
    typeof opts.marketUrl === 'function' ? opts.marketUrl : () => (opts.marketUrl as string) ?? ''
  return (req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname
    if (!path.startsWith(PREFIX)) return false
    if (req.method === 'OPTIONS') {
      answerPreflight(req, res, 'GET')
      return true
    }
    if (req.method !== 'GET') {
      text(res, 405, 'method not allowed', { allow: 'GET' })
      return true
    }
    if (opts.auth === undefined && !req.headers.authorization) {
      const refusal = refuseBrowserRequest(req)
      if (refusal !== undefined) {
        text(res, refusal.status, refusal.message)
        return true
      }
    }
    const name = decodeURIComponent(path.slice(PREFIX.length))
    let cid: CID
    try {
      // Only plain multibase characters: the name becomes a file name below.
      if (!/^[A-Za-z0-9]+$/.test(name)) throw new Error('not a CID string')
      cid = CID.parse(name)
    } catch (err) {
      text(res, 400, `bad piece CID ${JSON.stringify(name)}: ${(err as Error).message}`)
      return true
    }
    void (async () => {
      if (opts.auth !== undefined && !(await authorized(opts.auth, req, res))) return
      await serve(name, cid, dirs(), market(), req, res)
    })().catch((err: unknown) => {
      if (!res.headersSent) text(res, 500, `reading piece failed: ${(err as Error).message}`)
      else res.destroy(err as Error)
    })
    return true
  }
}

async function serve(
  name: string,
  cid: CID,
  dirs: readonly string[],
  market: string,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  for (const dir of dirs) {
    const file = join(dir, name)
    const st = await stat(file).catch(() => undefined)
    if (!st?.isFile()) continue
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(st.size) })
    const stream = createReadStream(file)
    req.once('close', () => stream.destroy())
    stream.on('error', (err) => res.destroy(err))
    stream.pipe(res)
    return
  }
  if (market !== '') {
    const location = `${market.replace(/\/+$/, '')}/resource?resource-id=${cid.toString()}`
    res.writeHead(302, { location })
    res.end()
    return
  }
  text(res, 404, `piece ${cid.toString()} not found in any piece store`)
}

async function authorized(auth: RequestAuth, req: IncomingMessage, res: ServerResponse): Promise<boolean> {
  const gate = await gateRequest(auth, req, 'read')
  if (!gate.ok) text(res, gate.status, gate.message, gate.headers)
  return gate.ok
}

/**
 * The `/piecestore/` handler of a running manager: directories and market base read from its
 * live config (`pieceStores`, `market.api`) per request, so SIGUSR1 reloads apply.
 *
 * @example
 * ```ts
 * const pieces = managerPieceStoreHandler(manager)
 * server.on('request', (req, res) => pieces(req, res) || next(req, res))
 * ```
 */
export function managerPieceStoreHandler(
  manager: { readonly config: Pick<ManagerConfig, 'pieceStores' | 'market'> },
  auth?: RequestAuth,
): PieceStoreHandler {
  return createPieceStoreHandler({
    dirs: () => manager.config.pieceStores.map((p) => p.path),
    marketUrl: () => marketHttpBase(manager.config.market.api),
    auth,
  })
}
