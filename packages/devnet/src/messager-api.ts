/**
 * A venus-messager / sophon-messager stand-in (`Message.*`) on top of the devnet's
 * mpool: messages are queued by id, filled (nonce, gas, stand-in signature) and pushed; their
 * state follows the chain.
 */
import { randomUUID } from 'node:crypto'
import {
  type LotusMessage,
  MessageState,
  type RpcMethod,
  type RpcPermission,
  VenusError,
} from '@venus-cluster/core'
import type { Devnet, DevnetMessageLookup } from './devnet.js'
import { cidJson, receiptJson, tipsetKeyJson } from './json.js'
import { type DevnetStoredMessage, devnetSign } from './messages.js'

/** One message known to the devnet's messager (kept on the Devnet so it is persisted). */
export interface MessagerEntry {
  id: string
  message: LotusMessage
  meta: Record<string, unknown>
  stored: DevnetStoredMessage | undefined
  failed: boolean
  errorMsg: string
  createdAt: string
  updatedAt: string
}

/** Entries being filled right now (several method tables may share one devnet's queue). */
const filling = new WeakSet<MessagerEntry>()

/** Required permission of every served messager method. */
export const messagerMethodPermissions: Record<string, RpcPermission> = {
  'Message.PushMessage': 'write',
  'Message.PushMessageWithId': 'write',
  'Message.HasMessageByUid': 'read',
  'Message.GetMessageByUid': 'read',
  'Message.WaitMessage': 'read',
  'Message.GetMessageBySignedCid': 'read',
  'Message.GetMessageByUnsignedCid': 'read',
  'Message.MarkBadMessage': 'write',
  'Message.ReplaceMessage': 'write',
  'Message.WalletHas': 'read',
  'Message.HasAddress': 'read',
}

/**
 * Builds the `Message.*` method table of the devnet's messager.
 *
 * @example
 * ```ts
 * const methods = messagerMethods(devnet)
 * await methods['Message.PushMessageWithId'](['id-1', msg, null], {})
 * ```
 */
export function messagerMethods(devnet: Devnet): Record<string, RpcMethod> {
  const entries = devnet.messagerEntries
  const now = () => new Date().toISOString()

  const fill = async (e: MessagerEntry): Promise<void> => {
    if (e.stored !== undefined || e.failed || filling.has(e)) return
    filling.add(e)
    try {
      e.stored = await devnet.pushMessage({
        To: e.message.To,
        From: e.message.From,
        Value: e.message.Value,
        Method: e.message.Method,
        Params: e.message.Params,
      })
      e.errorMsg = ''
    } catch (err) {
      e.errorMsg = err instanceof Error ? err.message : String(err)
    } finally {
      filling.delete(e)
    }
    e.updatedAt = now()
  }
  // Messages that could not be filled (estimation failed, e.g. too early) are retried per head.
  devnet.subscribe(() => {
    for (const e of entries.values()) if (e.stored === undefined && !e.failed) void fill(e)
  })

  const push = async (id: string, raw: unknown, spec: unknown): Promise<string> => {
    if (entries.has(id))
      throw new VenusError('ALREADY_EXISTS', `message id ${id} exists already`, { details: { id } })
    if (typeof raw !== 'object' || raw === null)
      throw new VenusError('RPC_INVALID_PARAMS', 'Message.PushMessage: message must be an object')
    const m = raw as Record<string, unknown>
    if (typeof m.To !== 'string' || typeof m.From !== 'string')
      throw new VenusError('RPC_INVALID_PARAMS', 'Message.PushMessage: To and From are required')
    let from = m.From
    const id0 = devnet.resolve(from)
    const acct = id0 === undefined ? undefined : devnet.worldAt().accounts.get(id0)
    if (acct) from = acct.key
    const message: LotusMessage = {
      Version: 0,
      To: m.To,
      From: from,
      Nonce: 0,
      Value: typeof m.Value === 'string' ? m.Value : '0',
      GasLimit: 0,
      GasFeeCap: '0',
      GasPremium: '0',
      Method: typeof m.Method === 'number' ? m.Method : 0,
      Params: typeof m.Params === 'string' && m.Params !== '' ? m.Params : null,
    }
    const t = now()
    const e: MessagerEntry = {
      id,
      message,
      meta: (spec as Record<string, unknown> | null) ?? {
        expireEpoch: 0,
        gasOverEstimation: 0,
        maxFee: '0',
        gasOverPremium: 0,
      },
      stored: undefined,
      failed: false,
      errorMsg: '',
      createdAt: t,
      updatedAt: t,
    }
    entries.set(id, e)
    await fill(e)
    return id
  }

  const lookup = (e: MessagerEntry): DevnetMessageLookup | undefined =>
    e.stored ? devnet.searchMessage(e.stored.cid) : undefined

  const toJson = (e: MessagerEntry): Record<string, unknown> => {
    const l = lookup(e)
    const msg = e.stored?.message ?? e.message
    let state: number = e.failed
      ? MessageState.FailedMsg
      : e.stored
        ? MessageState.FillMsg
        : MessageState.UnFillMsg
    if (l) state = MessageState.OnChainMsg
    return {
      ID: e.id,
      UnsignedCid: e.stored ? cidJson(e.stored.unsignedCid) : null,
      SignedCid: e.stored ? cidJson(e.stored.cid) : null,
      ...msg,
      Signature: e.stored?.signature ?? null,
      Height: l ? l.executed.height : 0,
      Confidence: l ? devnet.head().height - l.executed.height : 0,
      Receipt: l ? receiptJson(l.receipt) : null,
      TipSetKey: l ? tipsetKeyJson(l.executed) : [],
      Meta: e.meta,
      WalletName: 'devnet',
      State: state,
      ErrorMsg: e.failed
        ? e.errorMsg || 'marked bad'
        : l && l.receipt.exitCode !== 0
          ? l.receipt.error
          : e.errorMsg,
      CreatedAt: e.createdAt,
      UpdatedAt: e.updatedAt,
    }
  }

  const get = (id: unknown): MessagerEntry => {
    const e = typeof id === 'string' ? entries.get(id) : undefined
    if (e === undefined)
      throw new VenusError('MESSAGE_NOT_FOUND', `message ${String(id)} not found`, { details: { id } })
    return e
  }
  const byCid = (cid: unknown, signed: boolean): MessagerEntry => {
    const c = typeof cid === 'object' && cid !== null ? (cid as { '/': string })['/'] : cid
    for (const e of entries.values())
      if (e.stored && (signed ? e.stored.cid : e.stored.unsignedCid) === c) return e
    throw new VenusError('MESSAGE_NOT_FOUND', `message ${String(c)} not found`)
  }

  const methods: Record<string, RpcMethod> = {
    'Message.PushMessage': (params) => push(randomUUID(), params[0], params[1] ?? null),
    'Message.PushMessageWithId': (params) => {
      if (typeof params[0] !== 'string' || params[0] === '')
        throw new VenusError('RPC_INVALID_PARAMS', 'Message.PushMessageWithId: id must be a non-empty string')
      return push(params[0], params[1], params[2] ?? null)
    },
    'Message.HasMessageByUid': (params) => typeof params[0] === 'string' && entries.has(params[0]),
    'Message.GetMessageByUid': (params) => toJson(get(params[0])),
    'Message.GetMessageBySignedCid': (params) => toJson(byCid(params[0], true)),
    'Message.GetMessageByUnsignedCid': (params) => toJson(byCid(params[0], false)),
    'Message.WaitMessage': async (params, ctx) => {
      const e = get(params[0])
      const confidence = typeof params[1] === 'number' ? params[1] : 0
      for (;;) {
        if (e.failed) return toJson(e)
        if (e.stored) {
          await devnet.waitMessage(e.stored.cid, confidence + 1, ctx.signal ? { signal: ctx.signal } : {})
          return toJson(e)
        }
        await new Promise<void>((resolve, reject) => {
          const un = devnet.subscribe((c) => {
            if (c[0]?.type !== 'current') {
              un()
              resolve()
            }
          })
          ctx.signal?.addEventListener('abort', () => {
            un()
            reject(new VenusError('ABORTED', 'WaitMessage aborted'))
          })
        })
      }
    },
    'Message.ReplaceMessage': (params) => {
      const p = (params[0] ?? {}) as Record<string, unknown>
      const e = get(p.ID)
      if (e.stored === undefined || lookup(e) !== undefined) {
        throw new VenusError('INVALID_ARGUMENT', `message ${e.id} is not pending in the mpool`, {
          details: { id: e.id },
        })
      }
      const old = e.stored.message
      // Auto: bump premium and fee cap by 25 %, like Lotus' replace-by-fee minimum.
      const bump = (v: string) => ((BigInt(v) * 125n) / 100n + 1n).toString()
      const str = (v: unknown, d: string) => (typeof v === 'string' && v !== '' && v !== '0' ? v : d)
      const next: LotusMessage = {
        ...old,
        GasLimit: typeof p.GasLimit === 'number' && p.GasLimit > 0 ? p.GasLimit : old.GasLimit,
        GasPremium: p.Auto === false ? str(p.GasPremium, old.GasPremium) : bump(old.GasPremium),
        GasFeeCap: p.Auto === false ? str(p.GasFeecap, old.GasFeeCap) : bump(old.GasFeeCap),
      }
      e.stored = devnet.push(devnetSign(next))
      e.updatedAt = now()
      return cidJson(e.stored.cid)
    },
    'Message.MarkBadMessage': (params) => {
      const e = get(params[0])
      e.failed = true
      e.updatedAt = now()
      return null
    },
    'Message.WalletHas': (params) => typeof params[0] === 'string' && devnet.resolve(params[0]) !== undefined,
    'Message.HasAddress': (params) =>
      typeof params[0] === 'string' && devnet.resolve(params[0]) !== undefined,
  }
  return methods
}
