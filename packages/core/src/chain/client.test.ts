import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { VenusError } from '../errors/index.js'
import { customTransport } from '../rpc/transports.js'
import { createChainClient } from './client.js'
import type { LotusHeadChange, LotusMessage, LotusSectorPreCommitInfo } from './types.js'
import { decodeBase64Json, decodeBigIntJson, encodeBase64Json, isLotusTipSet } from './wire.js'

const samples = JSON.parse(
  readFileSync(new URL('./__fixtures__/lotus-responses.json', import.meta.url), 'utf8'),
) as Record<string, unknown>

/** A custom transport answering from the Lotus samples through a JSON round trip, recording calls. */
function sampleTransport() {
  const calls: { method: string; params: unknown[] }[] = []
  const t = customTransport({
    async request(method, params) {
      calls.push({ method, params: JSON.parse(JSON.stringify(params)) as unknown[] })
      if (!(method in samples)) throw new VenusError('RPC_METHOD_NOT_FOUND', `method '${method}' not found`)
      return JSON.parse(JSON.stringify(samples[method]))
    },
  })
  return { t, calls }
}

const C = { '/': 'bafy2bzacea3wsdh6y3a36tb3skempjoxqpuyompjbmfeyf34fi3uy6uue42v4' }
const msg = samples['Filecoin.ChainGetMessage'] as LotusMessage

describe('createChainClient', () => {
  it('decodes sample Lotus responses into typed shapes', async () => {
    const { t } = sampleTransport()
    const chain = createChainClient(t)
    const head = await chain.chainHead()
    expect(isLotusTipSet(head)).toBe(true)
    expect(head.Height).toBe(10101)
    expect(head.Cids).toEqual([C])
    expect(decodeBigIntJson(head.Blocks[0]?.ParentWeight)).toBe(12345678901234567890n)
    const info = await chain.stateMinerInfo('t01000')
    expect(info.SectorSize).toBe(34359738368)
    expect(info.WindowPoStProofType).toBe(13)
    const dl = await chain.stateMinerProvingDeadline('t01000')
    expect(dl.Index).toBe(21)
    expect(dl.Close - dl.Open).toBe(dl.WPoStChallengeWindow)
    expect((await chain.stateMinerPartitions('t01000', 21))[0]?.AllSectors).toEqual([0, 3])
    expect((await chain.stateSectorPreCommitInfo('t01000', 9))?.Info.SealedCID['/']).toMatch(/^bagboea4b/)
    expect(await chain.stateMinerAvailableBalance('t01000')).toBe(123456789012345678901234n)
    expect(await chain.walletBalance('t0100')).toBe(999999999999999999999n)
    expect(await chain.stateMinerInitialPledgeForSector(518400, 34359738368, 0)).toBe(5984291028574391n)
    const rand = await chain.stateGetRandomnessFromTickets(2, 10000, new Uint8Array([1, 2, 3]))
    expect(rand).toEqual(Uint8Array.from({ length: 32 }, (_, i) => i))
    expect(await chain.stateNetworkVersion()).toBe(28)
    expect(await chain.stateNetworkName()).toBe('localnet-2a4b0c7e')
    expect(await chain.stateMinerSectorAllocated('t01000', 9)).toBe(true)
    const lookup = await chain.stateSearchMsg(C)
    expect(lookup?.Receipt.ExitCode).toBe(0)
    expect(decodeBase64Json(lookup?.Receipt.Return ?? null)).toEqual(new TextEncoder().encode('byte array'))
    const call = await chain.stateCall(msg)
    expect(call.MsgRct?.ExitCode === 0 && call.Error === '').toBe(true)
    expect((await chain.gasEstimateMessageGas(msg, null)).GasPremium).toBe('99000')
    expect((await chain.mpoolPushMessage(msg, { MaxFee: '0' })).Signature.Type).toBe(2)
    expect((await chain.stateGetActor('t01000')).Balance).toBe('1000000000000000000000')
  })

  it('sends positional params with the head TipSetKey, base64 entropy and Lotus defaults', async () => {
    const { t, calls } = sampleTransport()
    const chain = createChainClient(t)
    const pre: LotusSectorPreCommitInfo = {
      SealProof: 8,
      SectorNumber: 9,
      SealedCID: C,
      SealRandEpoch: 1,
      DealIDs: null,
      Expiration: 2,
    }
    await chain.stateGetRandomnessFromBeacon(5, 100, new Uint8Array([7]), [C])
    await chain.stateGetRandomnessFromTickets(2, 100, null)
    await chain.chainGetTipSetByHeight(50)
    await chain.stateMinerPreCommitDepositForPower('t01000', pre)
    await chain.stateWaitMsg(C, 5)
    await chain.stateSearchMsg(C, { lookbackLimit: 100, allowReplaced: false })
    await chain.stateMinerSectors('t01000', null)
    expect(calls).toEqual([
      { method: 'Filecoin.StateGetRandomnessFromBeacon', params: [5, 100, 'Bw==', [C]] },
      { method: 'Filecoin.StateGetRandomnessFromTickets', params: [2, 100, null, []] },
      { method: 'Filecoin.ChainGetTipSetByHeight', params: [50, []] },
      { method: 'Filecoin.StateMinerPreCommitDepositForPower', params: ['t01000', pre, []] },
      { method: 'Filecoin.StateWaitMsg', params: [C, 5, -1, true] },
      { method: 'Filecoin.StateSearchMsg', params: [[], C, 100, false] },
      { method: 'Filecoin.StateMinerSectors', params: ['t01000', null, []] },
    ])
  })

  it('refuses randomness that is not 32 bytes and balances that are not integers', async () => {
    const chain = createChainClient(
      customTransport({
        request: async (method) =>
          method.includes('Randomness') ? encodeBase64Json(new Uint8Array(31)) : '12.5',
      }),
    )
    await expect(chain.stateGetRandomnessDigestFromBeacon(1)).rejects.toMatchObject({ code: 'RPC_TRANSPORT' })
    await expect(chain.walletBalance('t0100')).rejects.toMatchObject({ code: 'RPC_TRANSPORT' })
  })

  it('streams ChainNotify through a custom transport with subscribe', async () => {
    const head = samples['Filecoin.ChainHead']
    const batches: LotusHeadChange[][] = [
      [{ Type: 'current', Val: head as LotusHeadChange['Val'] }],
      [{ Type: 'apply', Val: head as LotusHeadChange['Val'] }],
    ]
    const chain = createChainClient(
      customTransport({
        request: async () => null,
        subscribe: async function* (method) {
          expect(method).toBe('Filecoin.ChainNotify')
          yield* batches
        },
      }),
    )
    const got: string[] = []
    for await (const b of chain.chainNotify({ resubscribe: false })) got.push(b.map((c) => c.Type).join(','))
    expect(got).toEqual(['current', 'apply'])
  })

  it('resubscribes ChainNotify after the stream drops with RPC_CLOSED', async () => {
    let subs = 0
    const chain = createChainClient(
      customTransport({
        request: async () => null,
        subscribe: async function* () {
          subs++
          yield [{ Type: 'current', Val: { Cids: [], Blocks: [], Height: subs } }]
          if (subs < 3) throw new VenusError('RPC_CLOSED', 'connection dropped')
          yield [{ Type: 'apply', Val: { Cids: [], Blocks: [], Height: 10 } }]
        },
      }),
    )
    const resubs: number[] = []
    const heights: string[] = []
    const ac = new AbortController()
    for await (const b of chain.chainNotify({
      signal: ac.signal,
      minDelayMs: 1,
      onResubscribe: (n) => resubs.push(n),
    })) {
      heights.push(`${b[0]?.Type}@${b[0]?.Val.Height}`)
      if (heights.length === 4) ac.abort()
    }
    expect(heights).toEqual(['current@1', 'current@2', 'current@3', 'apply@10'])
    expect(resubs).toEqual([1, 2])
  })

  it('does not resubscribe after a non-transport failure', async () => {
    const chain = createChainClient(
      customTransport({
        request: async () => null,
        // biome-ignore lint/correctness/useYield: fails before the first value on purpose
        subscribe: async function* () {
          throw new VenusError('PERMISSION_DENIED', 'no')
        },
      }),
    )
    await expect(chain.chainNotify()[Symbol.asyncIterator]().next()).rejects.toMatchObject({
      code: 'PERMISSION_DENIED',
    })
  })
})
