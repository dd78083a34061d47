/**
 * Piece downloads through the manager's piece proxy: `GET <manager>/piecestore/<cid>`;
 * on a redirect the worker follows it itself and adds the bearer `piece_token` only there.
 */
import { VenusError } from '@venus-cluster/core'

/** Fetches a deal's piece payload (through the manager's piece proxy). */
export type PieceFetcher = (pieceCid: string, payloadSize: number, signal: AbortSignal) => Promise<Uint8Array>

/**
 * A fetcher for the manager at `managerUrl` (any `ws(s)://` or `http(s)://` URL of it). The
 * manager's own token (`managerToken`) goes to the manager, `pieceToken` only to the market it
 * redirects to: neither leaks to the other side.
 *
 * @example
 * ```ts
 * const fetchPiece = pieceProxyFetcher('ws://127.0.0.1:1789/rpc/v0', pieceToken, managerToken)
 * const bytes = await fetchPiece('baga6ea4sea…', 1024, signal)
 * ```
 */
export function pieceProxyFetcher(
  managerUrl: string,
  pieceToken?: string,
  managerToken?: string,
): PieceFetcher {
  const u = new URL(managerUrl)
  u.protocol = u.protocol === 'wss:' || u.protocol === 'https:' ? 'https:' : 'http:'
  const base = `${u.protocol}//${u.host}`
  return async (cid, payloadSize, signal) => {
    const first = await fetch(`${base}/piecestore/${encodeURIComponent(cid)}`, {
      redirect: 'manual',
      signal,
      headers: managerToken === undefined ? {} : { Authorization: `Bearer ${managerToken}` },
    })
    let res = first
    if (first.status >= 300 && first.status < 400) {
      const loc = first.headers.get('location')
      if (loc === null) throw new VenusError('NOT_FOUND', `piece ${cid}: redirect without a location`)
      res = await fetch(new URL(loc, base), {
        signal,
        headers: pieceToken === undefined ? {} : { Authorization: `Bearer ${pieceToken}` },
      })
    }
    if (!res.ok) {
      throw new VenusError('NOT_FOUND', `piece ${cid}: HTTP ${res.status} from the piece store`, {
        details: { cid, status: res.status },
      })
    }
    const body = new Uint8Array(await res.arrayBuffer())
    if (body.length < payloadSize) {
      throw new VenusError(
        'INVALID_ARGUMENT',
        `piece ${cid}: got ${body.length} bytes, payload is ${payloadSize}`,
      )
    }
    return body.subarray(0, payloadSize)
  }
}
