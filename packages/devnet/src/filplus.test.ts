import {
  addressToBytes,
  cborDecode,
  cborEncode,
  DatacapMethod,
  datacapTokens,
  decodeBatchReturn,
  decodeBigInt,
  decodeRemoveExpiredAllocationsReturn,
  decodeRemoveExpiredClaimsReturn,
  encodeAllocationRequests,
  encodeDatacapTransfer,
  encodeExtendClaimTerms,
  encodeRemoveExpiredAllocations,
  encodeRemoveExpiredClaims,
  VerifregMethod,
} from '@venus-cluster/core'
import { CID } from 'multiformats/cid'
import { describe, expect, it } from 'vitest'
import { preCommitData, proveCommitData, testPiece } from './__fixtures__/data-sectors.js'
import { fakeVerifier } from './__fixtures__/fake-proofs.js'
import { advanceTo, b64, commRCid, nextDeadline, send, setupMiner, submitPoSt } from './__fixtures__/flow.js'
import { testRpcContext } from './__fixtures__/rpc-context.js'
import { createDevnet, type Devnet } from './devnet.js'
import { lotusMethods } from './lotus-api.js'
import { encodeParams } from './params-codec.js'
import { allocateDatacap, createVerifiedClient } from './testing/verified.js'

const DAY = 2880
const wire = (v: unknown) => JSON.parse(JSON.stringify(v)) as unknown

function api(devnet: Devnet) {
  const methods = lotusMethods(devnet)
  return async (name: string, params: unknown[]) =>
    wire(await methods[`Filecoin.${name}`]!(wire(params) as unknown[], testRpcContext))
}

async function setup(seed: string) {
  const devnet = createDevnet({ seed, proofs: fakeVerifier() })
  const who = await setupMiner(devnet)
  const { client, clientId } = await createVerifiedClient(devnet, { datacap: 1n << 20n })
  return { devnet, who, client, clientId, call: api(devnet) }
}

/** Proves the sector's partition once, so the sector is active (carries power, may be extended). */
async function proveOnce(devnet: Devnet, who: Awaited<ReturnType<typeof setupMiner>>, sector: number) {
  const s = devnet.worldAt().miners.get(who.minerId)!.sectors.get(sector)!
  await advanceTo(devnet, nextDeadline(devnet, who.minerId, s.deadline).open)
  const r = await submitPoSt(devnet, who, s.deadline, [{ index: s.partition }])
  expect(r.receipt.exitCode, r.receipt.error).toBe(0)
}

describe('Fil+ on the devnet: DataCap, allocations, claims and QA power', () => {
  it('claims a client allocation when its piece activates, burning the DataCap and counting the piece ten times', async () => {
    const { devnet, who, client, clientId, call } = await setup('filplus-claim')
    expect(await call('StateVerifiedClientStatus', [client, []])).toBe(String(1 << 20))
    expect(await call('StateVerifiedRegistryRootKey', [[]])).toBe('t0100')
    const piece = testPiece(2048, 7)
    const [id] = await allocateDatacap(devnet, client, [
      { provider: who.minerId, data: piece.cid, size: 2048 },
    ])
    expect(id).toBe(1)
    expect(await call('StateVerifiedClientStatus', [client, []])).toBe(String((1 << 20) - 2048))
    expect(await call('StateGetAllocation', [client, id, []])).toMatchObject({
      Client: clientId,
      Provider: who.minerId,
      Data: { '/': piece.cid },
      Size: 2048,
      TermMin: 180 * DAY,
      TermMax: 270 * DAY,
    })
    expect(Object.keys((await call('StateGetAllocations', [client, []])) as object)).toEqual(['1'])

    const pre = await preCommitData(devnet, who, 1, [piece])
    expect(pre.receipt.exitCode, pre.receipt.error).toBe(0)
    await advanceTo(devnet, devnet.head().height + devnet.params.preCommitChallengeDelay + 1)
    const r = await proveCommitData(devnet, who, 1, [{ ...piece, allocation: { client: clientId, id: id! } }])
    expect(r.receipt.exitCode, r.receipt.error).toBe(0)
    expect(decodeBatchReturn(r.receipt.return!)).toEqual({ successCount: 1, failCodes: [] })
    const activated = r.included.height

    // The allocation became a claim of the same id; the DataCap it held is burned.
    expect(await call('StateGetAllocation', [client, id, []])).toBeNull()
    expect(await call('StateGetClaim', [who.miner, id, []])).toEqual({
      Provider: who.minerId,
      Client: clientId,
      Data: { '/': piece.cid },
      Size: 2048,
      TermMin: 180 * DAY,
      TermMax: 270 * DAY,
      TermStart: activated,
      Sector: 1,
    })
    expect(devnet.worldAt().datacap.get(6) ?? 0n).toBe(0n)
    const s = devnet.worldAt().miners.get(who.minerId)!.sectors.get(1)!
    expect(s.verifiedDealWeight).toBe(2048n * BigInt(s.expiration - activated))
    expect(s.flags).toBe(1)
    expect(s.initialPledge).toBe(20480n * devnet.params.initialPledgePerByte)
    expect(await call('StateSectorGetInfo', [who.miner, 1, []])).toMatchObject({
      PowerBaseEpoch: activated,
      Flags: 1,
    })

    await proveOnce(devnet, who, 1)
    expect(await call('StateMinerPower', [who.miner, []])).toMatchObject({
      MinerPower: { RawBytePower: '2048', QualityAdjPower: '20480' },
    })
    // Lotus' pledge estimate for a sector full of verified data is ten times the raw one (× 1.1).
    const full = BigInt(
      (await call('StateMinerInitialPledgeForSector', [180 * DAY, 2048, 2048, []])) as string,
    )
    const none = BigInt((await call('StateMinerInitialPledgeForSector', [180 * DAY, 2048, 0, []])) as string)
    expect(full).toBe(10n * none)
  })

  it('refuses claims that do not match the allocation or come after its expiration; the DataCap goes back once it expired', async () => {
    const { devnet, who, client, clientId, call } = await setup('filplus-refuse')
    const piece = testPiece(2048, 9)
    const other = testPiece(2048, 3)
    const head = devnet.head().height
    const [id] = await allocateDatacap(devnet, client, [
      { provider: who.minerId, data: piece.cid, size: 2048, expiration: head + 30 },
    ])
    await preCommitData(devnet, who, 1, [other])
    await preCommitData(devnet, who, 2, [piece])
    await advanceTo(devnet, devnet.head().height + devnet.params.preCommitChallengeDelay + 1)
    // The piece is not the allocation's: the claim is forbidden and the sector is not activated.
    const wrong = await proveCommitData(devnet, who, 1, [
      { ...other, allocation: { client: clientId, id: id! } },
    ])
    expect(wrong.receipt.exitCode).toBe(18)
    expect(wrong.receipt.error).toMatch(/all data activations failed.*could not be claimed \(exit 18\)/)
    // With every activation required the failed claim aborts as an illegal argument.
    const strict = await proveCommitData(
      devnet,
      who,
      1,
      [{ ...other, allocation: { client: clientId, id: id! } }],
      {
        requireActivationSuccess: true,
      },
    )
    expect(strict.receipt.exitCode).toBe(16)
    // Too late: the allocation expired.
    await advanceTo(devnet, head + 40)
    const late = await proveCommitData(devnet, who, 2, [
      { ...piece, allocation: { client: clientId, id: id! } },
    ])
    expect(late.receipt.exitCode).toBe(18)
    expect(devnet.worldAt().miners.get(who.minerId)!.sectors.size).toBe(0)
    // Unverified, the same piece activates.
    const plain = await proveCommitData(devnet, who, 2, [piece])
    expect(plain.receipt.exitCode, plain.receipt.error).toBe(0)
    expect(devnet.worldAt().miners.get(who.minerId)!.sectors.get(2)!.dealWeight).toBeGreaterThan(0n)

    // Anyone may remove the expired allocation; the client gets its DataCap back.
    const rm = await send(devnet, {
      To: 't06',
      From: who.owner,
      Method: VerifregMethod.RemoveExpiredAllocations,
      Params: b64(encodeRemoveExpiredAllocations({ client: clientId, allocationIds: [] })),
    })
    expect(rm.receipt.exitCode, rm.receipt.error).toBe(0)
    expect(decodeRemoveExpiredAllocationsReturn(rm.receipt.return!)).toEqual({
      considered: [id],
      results: { successCount: 1, failCodes: [] },
      datacapRecovered: datacapTokens(2048),
    })
    expect(await call('StateVerifiedClientStatus', [client, []])).toBe(String(1 << 20))
  })

  it('validates allocation requests and the DataCap paid for them as the verified registry does', async () => {
    const { devnet, who, client } = await setup('filplus-requests')
    const piece = testPiece(2048, 1)
    const head = devnet.head().height
    const transfer = (amount: bigint, a: Record<string, number>) =>
      send(devnet, {
        To: 't07',
        From: client,
        Method: DatacapMethod.Transfer,
        Params: b64(
          encodeDatacapTransfer({
            to: 't06',
            amount,
            operatorData: encodeAllocationRequests({
              allocations: [
                {
                  provider: who.minerId,
                  data: CID.parse(piece.cid) as never,
                  size: 2048,
                  termMin: 180 * DAY,
                  termMax: 200 * DAY,
                  expiration: head + 100,
                  ...a,
                },
              ],
              extensions: [],
            }),
          }),
        ),
      })
    const cases: [bigint, Record<string, number>, RegExp][] = [
      [datacapTokens(2048), { termMin: 100 }, /term min 100 below 518400/],
      [datacapTokens(2048), { termMax: 6 * 365 * DAY }, /term max .* above 5259600/],
      [datacapTokens(2048), { expiration: head + 61 * DAY }, /more than 172800 epochs ahead/],
      [datacapTokens(2048), { provider: 100 }, /provider 100 is not a miner/],
      [datacapTokens(1024), {}, /does not match the requests'/],
      [datacapTokens(1 << 21), {}, /DataCap balance/],
    ]
    for (const [amount, change, error] of cases) {
      const r = await transfer(amount, change)
      expect(r.receipt.exitCode).not.toBe(0)
      expect(r.receipt.error).toMatch(error)
    }
    // DataCap moves only to or from the registry.
    const stray = await send(devnet, {
      To: 't07',
      From: client,
      Method: DatacapMethod.Transfer,
      Params: b64(
        encodeDatacapTransfer({ to: who.owner, amount: datacapTokens(1), operatorData: new Uint8Array() }),
      ),
    })
    expect(stray.receipt.error).toMatch(/only to or from the verified registry/)
    // FRC-46 Balance (params: the address as a byte string) reads the client's DataCap tokens.
    const balance = async (params: Uint8Array) =>
      send(devnet, { To: 't07', From: client, Method: DatacapMethod.Balance, Params: b64(params) })
    const got = await balance(cborEncode(addressToBytes(client)))
    expect(got.receipt.exitCode).toBe(0)
    expect(decodeBigInt(cborDecode(got.receipt.return!) as Uint8Array)).toBe(
      devnet.worldAt().datacap.get(devnet.resolve(client)!),
    )
    expect((await balance(cborEncode([1, 2]))).receipt.error).toMatch(/Balance params: expected an address/)
    // Only the root key adds verifiers; only a verifier adds clients; ClaimAllocations is miners' only.
    const notRoot = await send(devnet, {
      To: 't06',
      From: client,
      Method: VerifregMethod.AddVerifier,
      Params: b64(
        encodeParams.createMiner({
          owner: client,
          worker: client,
          windowPoStProofType: 10,
          peer: new Uint8Array(),
          multiaddrs: [],
        }),
      ),
    })
    expect(notRoot.receipt.exitCode).toBe(21)
    const claimDirect = await send(devnet, {
      To: 't06',
      From: client,
      Method: VerifregMethod.ClaimAllocations,
    })
    expect(claimDirect.receipt.error).toMatch(/only takes calls from miner actors/)
  })

  it('makes a verified market deal an allocation its sector claims, and activates the deal in the market', async () => {
    const { devnet, who, client, clientId, call } = await setup('filplus-market')
    const piece = testPiece(1024, 5)
    const dealId = devnet.publishTestDeal({
      pieceCid: piece.cid,
      pieceSize: 1024,
      client,
      provider: who.miner,
      verified: true,
    })
    const allocId = (await call('StateGetAllocationIdForPendingDeal', [dealId, []])) as number
    expect(allocId).toBeGreaterThan(0)
    const deal = devnet.worldAt().deals.get(dealId)!
    expect(await call('StateGetAllocationForPendingDeal', [dealId, []])).toMatchObject({
      Client: clientId,
      Provider: who.minerId,
      Size: 1024,
      TermMin: deal.endEpoch - deal.startEpoch,
      TermMax: deal.endEpoch - deal.startEpoch + 90 * DAY,
      Expiration: deal.startEpoch,
    })
    expect(await call('StateMarketStorageDeal', [dealId, []])).toMatchObject({
      Proposal: { VerifiedDeal: true, Client: `t0${clientId}`, PieceSize: 1024 },
      State: { SectorStartEpoch: -1 },
    })
    expect(() =>
      devnet.publishTestDeal({
        pieceCid: piece.cid,
        pieceSize: 1 << 21,
        client,
        provider: who.miner,
        verified: true,
      }),
    ).toThrow(/has 1047552 bytes of DataCap, the deal needs 2097152/)
    const filler = testPiece(1024, 0)
    const pre = await preCommitData(devnet, who, 1, [piece, filler], { expiration: deal.endEpoch + 40 * DAY })
    expect(pre.receipt.exitCode, pre.receipt.error).toBe(0)
    await advanceTo(devnet, devnet.head().height + devnet.params.preCommitChallengeDelay + 1)
    const r = await proveCommitData(
      devnet,
      who,
      1,
      [{ ...piece, allocation: { client: clientId, id: allocId }, dealId }, filler],
      { requireNotificationSuccess: true },
    )
    expect(r.receipt.exitCode, r.receipt.error).toBe(0)
    expect(await call('StateGetAllocationIdForPendingDeal', [dealId, []])).toBe(0)
    expect(await call('StateGetAllocationForPendingDeal', [dealId, []])).toBeNull()
    expect(await call('StateMarketStorageDeal', [dealId, []])).toMatchObject({
      State: { SectorNumber: 1, SectorStartEpoch: r.included.height },
    })
    expect(Object.keys((await call('StateGetClaims', [who.miner, []])) as object)).toEqual([String(allocId)])
    const s = devnet.worldAt().miners.get(who.minerId)!.sectors.get(1)!
    const duration = BigInt(s.expiration - r.included.height)
    expect([s.verifiedDealWeight, s.dealWeight]).toEqual([1024n * duration, 1024n * duration])
  })

  it('lets only the claim client extend its term, and anyone remove claims past their term', async () => {
    const { devnet, who, client, clientId, call } = await setup('filplus-terms')
    const piece = testPiece(2048, 4)
    devnet.injectSectors(who.miner, [
      {
        sectorNumber: 1,
        sealedCid: commRCid(1),
        claims: [{ client: clientId, data: piece.cid, size: 2048, termMax: 200 * DAY }],
      },
    ])
    const [claimId] = Object.keys((await call('StateGetClaims', [who.miner, []])) as object).map(Number)
    const extend = (from: string, termMax: number) =>
      send(devnet, {
        To: 't06',
        From: from,
        Method: VerifregMethod.ExtendClaimTermsExported,
        Params: b64(encodeExtendClaimTerms([{ provider: who.minerId, claimId: claimId!, termMax }])),
      })
    // The provider cannot: only the claim's client may (any DataCap holder may with a DataCap payment).
    const byProvider = await extend(who.owner, 300 * DAY)
    expect(decodeBatchReturn(byProvider.receipt.return!).failCodes).toEqual([{ index: 0, code: 18 }])
    const shorter = await extend(client, 100 * DAY)
    expect(decodeBatchReturn(shorter.receipt.return!).failCodes).toEqual([{ index: 0, code: 16 }])
    const ok = await extend(client, 300 * DAY)
    expect(decodeBatchReturn(ok.receipt.return!)).toEqual({ successCount: 1, failCodes: [] })
    expect(await call('StateGetClaim', [who.miner, claimId, []])).toMatchObject({ TermMax: 300 * DAY })
    // Paying DataCap, another client extends it further (the claim's size is burned).
    const pay = await send(devnet, {
      To: 't07',
      From: client,
      Method: DatacapMethod.Transfer,
      Params: b64(
        encodeDatacapTransfer({
          to: 't06',
          amount: datacapTokens(2048),
          operatorData: encodeAllocationRequests({
            allocations: [],
            extensions: [{ provider: who.minerId, claim: claimId!, termMax: 400 * DAY }],
          }),
        }),
      ),
    })
    expect(pay.receipt.exitCode, pay.receipt.error).toBe(0)
    expect(await call('StateVerifiedClientStatus', [client, []])).toBe(String((1 << 20) - 2048))

    const removeClaims = () =>
      send(devnet, {
        To: 't06',
        From: who.owner,
        Method: VerifregMethod.RemoveExpiredClaims,
        Params: b64(encodeRemoveExpiredClaims({ provider: who.minerId, claimIds: [claimId!] })),
      })
    const early = decodeRemoveExpiredClaimsReturn((await removeClaims()).receipt.return!)
    expect(early.results.failCodes).toEqual([{ index: 0, code: 18 }])
    await advanceTo(devnet, devnet.head().height + 400 * DAY + 1)
    const late = decodeRemoveExpiredClaimsReturn((await removeClaims()).receipt.return!)
    expect(late.results).toEqual({ successCount: 1, failCodes: [] })
    expect(await call('StateGetClaims', [who.miner, []])).toEqual({})
  })

  it('extends sectors with claims: kept claims bound the new expiration, dropped ones only in the last 30 days', async () => {
    const { devnet, who, clientId, call } = await setup('filplus-extend')
    const head = devnet.head().height
    const piece = testPiece(2048, 6)
    const half = testPiece(1024, 8)
    devnet.injectSectors(who.miner, [
      {
        sectorNumber: 1,
        sealedCid: commRCid(1),
        expiration: head + 200 * DAY,
        claims: [{ client: clientId, data: piece.cid, size: 2048, termMax: 300 * DAY }],
      },
      {
        sectorNumber: 2,
        sealedCid: commRCid(2),
        expiration: head + 20 * DAY,
        claims: [
          { client: clientId, data: half.cid, size: 1024, termMax: 300 * DAY },
          { client: clientId, data: half.cid, size: 1024, termMax: 300 * DAY },
        ],
      },
    ])
    const claims = Object.entries(
      (await call('StateGetClaims', [who.miner, []])) as Record<string, { Sector: number }>,
    )
    const of = (sector: number) => claims.filter(([, c]) => c.Sector === sector).map(([id]) => Number(id))
    const [c1] = of(1)
    const [c2a, c2b] = of(2)
    const at = (n: number) => devnet.worldAt().miners.get(who.minerId)!.sectors.get(n)!
    const extend = (n: number, newExpiration: number, keep: number[], drop: number[], plain = false) =>
      send(devnet, {
        To: who.miner,
        From: who.owner,
        Method: 32,
        Params: b64(
          encodeParams.extendSectorExpiration2([
            {
              deadline: at(n).deadline,
              partition: at(n).partition,
              sectors: plain ? [n] : [],
              sectorsWithClaims: plain ? [] : [{ sectorNumber: n, maintainClaims: keep, dropClaims: drop }],
              newExpiration,
            },
          ]),
        ),
      })
    const missing = await extend(1, head + 250 * DAY, [], [], true)
    expect(missing.receipt.error).toMatch(/claim missing from declaration for sector 1/)
    const beyond = await extend(1, head + 301 * DAY, [c1!], [])
    expect([beyond.receipt.exitCode, beyond.receipt.error]).toEqual([
      18,
      expect.stringMatching(/claim only allows extension to/),
    ])
    const dropEarly = await extend(1, head + 250 * DAY, [], [c1!])
    expect([dropEarly.receipt.exitCode, dropEarly.receipt.error]).toEqual([
      18,
      expect.stringMatching(/attempt to drop claims/),
    ])
    const older = devnet.worldAt()
    const kept = await extend(1, head + 290 * DAY, [c1!], [])
    expect(kept.receipt.exitCode, kept.receipt.error).toBe(0)
    // Miner state is copy-on-write: the tipset before the extension still holds the old sector.
    expect(older.miners.get(who.minerId)!.sectors.get(1)!.expiration).toBe(head + 200 * DAY)
    const now = kept.included.height
    expect(at(1)).toMatchObject({ expiration: head + 290 * DAY, powerBaseEpoch: now })
    expect(at(1).verifiedDealWeight).toBe(2048n * BigInt(head + 290 * DAY - now))

    // Near the end of its life sector 2 may drop one claim: its QA power loses that piece.
    const partial = await extend(2, head + 200 * DAY, [c2a!], [])
    expect(partial.receipt.error).toMatch(
      /declared verified deal space in claims \(1024\) does not match verified deal space \(2048\)/,
    )
    const dropped = await extend(2, head + 200 * DAY, [c2a!], [c2b!])
    expect(dropped.receipt.exitCode, dropped.receipt.error).toBe(0)
    const t = dropped.included.height
    expect(at(2).verifiedDealWeight).toBe(1024n * BigInt(head + 200 * DAY - t))
    expect(await call('StateMinerPower', [who.miner, []])).toMatchObject({
      MinerPower: { RawBytePower: '4096', QualityAdjPower: String(20480 + 2048 + 9 * 1024) },
    })
  })
})
