/**
 * The venus-market (droplet) client behind {@link ManagerMarket}: deals for a sector come from
 * `VENUS_MARKET.AssignUnPackedDeals`, deals the manager cannot use go back with
 * `VENUS_MARKET.UpdateDealStatus(miner, dealId, "Undefine")`.
 */
import {
  commitmentToCid,
  createRpcClient,
  httpTransport,
  parseApiInfo,
  type RpcClient,
  VenusError,
  zeroCommitment,
} from '@venus-cluster/core'
import type { ManagerMarket, ManagerMarketDeal } from './market.js'

/** One entry of `AssignUnPackedDeals` (`DealInfoIncludePath`: the deal proposal, flattened). */
interface MarketDealInfo {
  DealID: number
  PieceCID: { '/': string } | null
  PieceSize: number
  PayloadSize: number
  Offset?: number
  Length?: number
  VerifiedDeal?: boolean
  Client?: string
  Provider?: string
  Label?: unknown
  StartEpoch?: number
  EndEpoch?: number
  StoragePricePerEpoch?: string
  ProviderCollateral?: string
  ClientCollateral?: string
  PublishCid?: { '/': string } | null
}

/** Options of {@link createVenusMarket}. */
export interface VenusMarketOptions {
  /** `[Common.API] Market`: `TOKEN:/ip4/…/tcp/41235`, a multiaddr or a URL. */
  api: string
  /** Token when the API info carries none (`[Common.API] Token`). */
  token?: string
  /** Per-call time limit (default 60 s). */
  timeoutMs?: number
  /** The JSON-RPC client (default: HTTP to `api`); a seam for tests. */
  client?: RpcClient
}

/** A {@link ManagerMarket} over venus-market's API, with `close()` for its connection. */
export interface VenusMarket extends ManagerMarket {
  close(): Promise<void>
}

const NS = 'VENUS_MARKET'

function marketError(method: string, what: string, details: Record<string, unknown> = {}): VenusError {
  return new VenusError('MARKET_FAILED', `${NS}.${method}: ${what}`, { details: { method, ...details } })
}

/**
 * Connects to venus-market. `assignDeals` returns the real deals (DealID > 0) after checking the
 * market's filler pieces (DealID 0) carry the zero CommP of their size — if one does not, every
 * deal of the answer goes back to the market and the call fails; the manager then lays out its
 * own filler pieces after the deals.
 *
 * @example
 * ```ts
 * const market = createVenusMarket({ api: 'eyJ…:/ip4/10.0.0.6/tcp/41235' })
 * const daemon = await startManagerNode({ ...opts, market })
 * ```
 */
export function createVenusMarket(opts: VenusMarketOptions): VenusMarket {
  const client =
    opts.client ??
    (() => {
      const info = parseApiInfo(opts.api, { version: 'v0', ...(opts.token ? { token: opts.token } : {}) })
      return createRpcClient(httpTransport(info.httpUrl, info.token ? { token: info.token } : {}), {
        timeoutMs: opts.timeoutMs ?? 60_000,
      })
    })()
  const address = (miner: number) => `t0${miner}`

  async function release(miner: number, dealIds: number[]): Promise<void> {
    for (const id of dealIds) {
      if (id === 0) continue
      await client.call(`${NS}.UpdateDealStatus`, [address(miner), id, 'Undefine'])
    }
  }

  return {
    async assignDeals(miner, sector, spec) {
      const got = await client.call<MarketDealInfo[] | null>(`${NS}.AssignUnPackedDeals`, [
        { Miner: miner, Number: sector },
        spec.sectorSize,
        {
          MaxPiece: spec.maxDeals ?? 0,
          MaxPieceSize: 0,
          MinPiece: 0,
          MinPieceSize: 0,
          MinUsedSpace: 0,
          StartEpoch: 0,
          EndEpoch: 0,
        },
      ])
      if (got === null) return []
      if (!Array.isArray(got)) throw marketError('AssignUnPackedDeals', 'the answer is not a list')
      const deals: ManagerMarketDeal[] = []
      let bad: VenusError | undefined
      for (const [i, d] of got.entries()) {
        const cid = d?.PieceCID?.['/']
        if (
          typeof d?.DealID !== 'number' ||
          typeof cid !== 'string' ||
          typeof d.PieceSize !== 'number' ||
          typeof d.PayloadSize !== 'number'
        ) {
          bad ??= marketError(
            'AssignUnPackedDeals',
            `entry ${i} lacks DealID, PieceCID, PieceSize or PayloadSize`,
            {
              entry: i,
            },
          )
          continue
        }
        if (d.DealID === 0) {
          const zero = commitmentToCid(zeroCommitment(d.PieceSize), 'commP').toString()
          if (cid !== zero) {
            bad ??= marketError(
              'AssignUnPackedDeals',
              `filler piece ${i} (DealID 0, ${d.PieceSize} bytes) has CommP ${cid}, not the zero piece ${zero}`,
              { entry: i, pieceCid: cid, expected: zero },
            )
          }
          continue
        }
        deals.push({
          id: d.DealID,
          pieceCid: cid,
          pieceSize: d.PieceSize,
          payloadSize: d.PayloadSize,
          proposal: {
            PieceCID: d.PieceCID,
            PieceSize: d.PieceSize,
            VerifiedDeal: d.VerifiedDeal ?? false,
            Client: d.Client ?? '',
            Provider: d.Provider ?? '',
            Label: d.Label ?? '',
            StartEpoch: d.StartEpoch ?? 0,
            EndEpoch: d.EndEpoch ?? 0,
            StoragePricePerEpoch: d.StoragePricePerEpoch ?? '0',
            ProviderCollateral: d.ProviderCollateral ?? '0',
            ClientCollateral: d.ClientCollateral ?? '0',
          },
        })
      }
      if (bad !== undefined) {
        await release(
          miner,
          deals.map((d) => d.id),
        ).catch(() => {})
        throw bad
      }
      return deals
    },
    release,
    close: () => client.close(),
  }
}
