/**
 * Where an unsealed piece the market asked for goes. The destination comes from a peer (the
 * market, or a gateway relaying it), so it decides nothing about credentials or local files:
 *
 * - `market://<store>/<pieceCid>` becomes a PUT to the CONFIGURED market's
 *   `/resource?resource-id=<pieceCid>&store=<store>` with the configured token — whatever host,
 *   scheme or token the request carried is dropped. This is the only destination a credential
 *   goes to.
 * - `http(s)://…` is a PUT without credentials (a URL with a user or password is refused).
 * - `file:///path` is a copy to a file under one of `[Common.Unseal] AllowedFileDirs`; any other
 *   path is refused.
 * - `store://<name>/<pieceCid>` is a copy into the configured piece store `<name>`, as
 *   `<dir>/<pieceCid>`, which the piece store then serves.
 */
import { isAbsolute, normalize, sep } from 'node:path'
import { parseApiInfo, VenusError } from '@venus-cluster/core'
import { marketHttpBase } from '../config.js'

/** A resolved destination. */
export type UnsealDestTarget =
  | { kind: 'http'; url: string; headers: Record<string, string> }
  | { kind: 'file'; path: string }

/** What resolving a destination reads from the configuration. */
export interface DestConfig {
  /** `[Common.API] Market` and its token ('' = no market). */
  market: { api: string; token: string }
  /** Directories `file://` destinations may name. */
  allowedFileDirs: readonly string[]
  /** Piece stores by name, for `store://`. */
  pieceStores: readonly { name: string; path: string }[]
}

function refused(dest: string, why: string): VenusError {
  return new VenusError(
    'INVALID_ARGUMENT',
    `UnsealRequest.Dest ${JSON.stringify(dest.slice(0, 120))}: ${why}`,
    {
      details: { field: 'UnsealRequest.Dest' },
    },
  )
}

/** Whether `path` is `dir` or inside it (both absolute and normalized). */
function inside(path: string, dir: string): boolean {
  const d = normalize(dir).replace(/\/+$/, '')
  return path === d || path.startsWith(d + sep)
}

/**
 * Checks a destination and resolves it against the configuration (see the module comment). Run
 * once when the request arrives (so a bad one is refused at once) and again at upload time (so a
 * reloaded config applies).
 *
 * @throws VenusError `INVALID_ARGUMENT` naming `UnsealRequest.Dest` and why.
 * @example
 * ```ts
 * resolveUnsealDest('market://store-1/baga…', 'baga…', {
 *   market: { api: 'http://10.0.0.6:41235', token: 't' }, allowedFileDirs: [], pieceStores: [],
 * })
 * // { kind: 'http', url: 'http://10.0.0.6:41235/resource?resource-id=baga…&store=store-1', headers: { authorization: 'Bearer t' } }
 * ```
 */
export function resolveUnsealDest(dest: string, pieceCid: string, cfg: DestConfig): UnsealDestTarget {
  let u: URL
  try {
    u = new URL(dest)
  } catch {
    throw refused(dest, 'is not a URL')
  }
  switch (u.protocol) {
    case 'market:': {
      const store = decodeURIComponent(u.hostname)
      const cid = decodeURIComponent(u.pathname.replace(/^\//, ''))
      if (store === '' || !/^[A-Za-z0-9._-]{1,128}$/.test(store))
        throw refused(dest, 'needs a store name: market://<store>/<pieceCid>')
      if (cid !== pieceCid) throw refused(dest, `names piece ${cid}, not the piece asked for (${pieceCid})`)
      if (cfg.market.api === '')
        throw refused(dest, 'market:// needs the market API to be configured ([Common.API] Market)')
      const base = marketHttpBase(parseApiInfo(cfg.market.api, { version: 'v0' }).httpUrl)
      if (base === '') throw refused(dest, 'the configured market API has no HTTP address')
      const url = new URL('/resource', base)
      url.searchParams.set('resource-id', pieceCid)
      url.searchParams.set('store', store)
      const token = parseApiInfo(cfg.market.api, { token: cfg.market.token || undefined }).token ?? ''
      return {
        kind: 'http',
        url: url.href,
        headers: token === '' ? {} : { authorization: `Bearer ${token}` },
      }
    }
    case 'http:':
    case 'https:':
      if (u.username !== '' || u.password !== '') throw refused(dest, 'must not carry a user or password')
      return { kind: 'http', url: u.href, headers: {} }
    case 'file:': {
      if (u.host !== '') throw refused(dest, 'file:// must name a local path (file:///…)')
      const path = normalize(decodeURIComponent(u.pathname))
      if (!isAbsolute(path) || path.includes('\0')) throw refused(dest, 'must be an absolute path')
      const dir = cfg.allowedFileDirs.find((d) => inside(path, d) && path !== normalize(d))
      if (dir === undefined)
        throw refused(
          dest,
          cfg.allowedFileDirs.length === 0
            ? 'file:// destinations are refused ([Common.Unseal] AllowedFileDirs is empty)'
            : `is not under an allowed directory (${cfg.allowedFileDirs.join(', ')})`,
        )
      return { kind: 'file', path }
    }
    case 'store:': {
      const name = decodeURIComponent(u.hostname)
      const cid = decodeURIComponent(u.pathname.replace(/^\//, ''))
      if (cid !== pieceCid) throw refused(dest, `names piece ${cid}, not the piece asked for (${pieceCid})`)
      const store = cfg.pieceStores.find((s) => s.name === name)
      if (store === undefined) throw refused(dest, `piece store ${JSON.stringify(name)} is not configured`)
      return { kind: 'file', path: `${normalize(store.path).replace(/\/+$/, '')}/${pieceCid}` }
    }
    default:
      throw refused(dest, 'the scheme must be market, http, https, file or store')
  }
}
