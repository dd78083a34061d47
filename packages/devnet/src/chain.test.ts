import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { fakeVerifier } from './__fixtures__/fake-proofs.js'
import { commRCid, FIL, preCommit, setupMiner } from './__fixtures__/flow.js'
import { createDevnet, type DevnetHeadChange } from './devnet.js'
import { gasForMessage, nextBaseFee } from './gas.js'
import { messagerMethods } from './messager-api.js'

describe('devnet chain', () => {
  it('is deterministic from its seed: same seed, same tipset CIDs and randomness', async () => {
    const a = createDevnet({ seed: 42, proofs: fakeVerifier() })
    const b = createDevnet({ seed: 42, proofs: fakeVerifier() })
    const c = createDevnet({ seed: 43, proofs: fakeVerifier() })
    await Promise.all([a.mine(3), b.mine(3), c.mine(3)])
    expect(a.head().cid).toBe(b.head().cid)
    expect(a.head().cid).not.toBe(c.head().cid)
    expect(a.ticketDigest(2)).toEqual(b.ticketDigest(2))
    expect(a.newAccount()).toBe(b.newAccount())
  })

  it('skips heights for null rounds and resolves them as Lotus does', async () => {
    const d = createDevnet({ seed: 'null', proofs: fakeVerifier() })
    await d.mine(2)
    await d.mine(1, { nullRounds: 3 })
    expect(d.head().height).toBe(6)
    expect(d.tipsetAtHeight(4).height).toBe(2)
    // Ticket randomness of a null epoch uses the next non-null tipset.
    expect(d.ticketDigest(4)).toEqual(d.ticketDigest(6))
    d.nullRounds(2)
    await d.mine(1)
    expect(d.head().height).toBe(9)
  })

  it('includes messages in the next tipset with nonces and receipts, and moves balances', async () => {
    const d = createDevnet({ seed: 'msgs', proofs: fakeVerifier() })
    const to = d.newAccount('secp256k1')
    const c1 = await d.faucet(to, 5n * FIL)
    const c2 = await d.faucet(to, 2n * FIL)
    expect(d.nonceOf(d.faucetAddress())).toBe(2)
    await d.mine(1)
    expect(d.searchMessage(c1)).toBeUndefined() // included, receipt in the child
    await d.mine(1)
    const l = d.searchMessage(c2)!
    expect(l.receipt.exitCode).toBe(0)
    expect(l.executed.height).toBe(l.included.height + 1)
    expect(d.balance(to)).toBe(7n * FIL)
    expect(d.resolve(to)).toBeGreaterThanOrEqual(1000)
  })

  it('reverts k tipsets and re-applies their messages on a new fork, notifying revert then apply', async () => {
    const d = createDevnet({ seed: 'reorg', proofs: fakeVerifier() })
    const to = d.newAccount()
    await d.mine(2)
    const cid = await d.faucet(to, FIL)
    await d.mine(3)
    const before = d.searchMessage(cid)!
    const oldHead = d.head()
    const batches: DevnetHeadChange[][] = []
    d.subscribe((c) => batches.push(c))
    await d.reorg(3)
    expect(d.head().height).toBe(oldHead.height)
    expect(d.head().cid).not.toBe(oldHead.cid)
    const last = batches[batches.length - 1]!
    expect(last.map((c) => c.type)).toEqual(['revert', 'revert', 'revert', 'apply', 'apply', 'apply'])
    expect(last[0]!.tipset.cid).toBe(oldHead.cid)
    expect(last.slice(3).map((c) => c.tipset.height)).toEqual([3, 4, 5])
    const after = d.searchMessage(cid)!
    expect(after.receipt.exitCode).toBe(0)
    expect(after.included.cid).not.toBe(before.included.cid)
    expect(d.balance(to)).toBe(FIL)
    expect(d.onChain(oldHead)).toBe(false)
    expect(d.tipsetByCid(oldHead.cid)).toBe(oldHead)
    // Ticket randomness changed on the new fork.
    expect(d.ticketDigest(4)).not.toEqual(d.ticketDigest(4, oldHead))
  })

  it('charges FIP-0100 calibrated gas per method', () => {
    expect(gasForMessage({ method: 28, to: 'miner', sectors: 1 })).toBe(16_700_000)
    expect(gasForMessage({ method: 28, to: 'miner', sectors: 4 }) / 4).toBeCloseTo(4_600_000, -3)
    expect(gasForMessage({ method: 34, to: 'miner', sectors: 1 })).toBe(267_500_000)
    expect(gasForMessage({ method: 34, to: 'miner', sectors: 4 }) / 4).toBeCloseTo(145_000_000, -3)
    expect(gasForMessage({ method: 34, to: 'miner', sectors: 4, aggregate: true }) / 4).toBeCloseTo(
      129_300_000,
      -3,
    )
  })

  it('moves the base fee by at most 1/8 towards the target and never below the minimum', () => {
    expect(nextBaseFee(1000n, 10_000_000_000, 10_000_000_000, 100n)).toBe(1125n)
    expect(nextBaseFee(1000n, 0, 10_000_000_000, 100n)).toBe(875n)
    expect(nextBaseFee(1000n, 5_000_000_000, 10_000_000_000, 100n)).toBe(1000n)
    expect(nextBaseFee(100n, 0, 10_000_000_000, 100n)).toBe(100n)
  })

  it('raises the base fee of the next tipset when a tipset is packed above target', async () => {
    const d = createDevnet({
      seed: 'fee',
      proofs: fakeVerifier(),
      params: { blockGasLimit: 20_000_000, initialBaseFee: 1000n },
    })
    for (let i = 0; i < 3; i++) {
      await d.pushMessage({
        To: d.newAccount(),
        From: d.faucetAddress(),
        Value: '1',
        Method: 0,
        GasLimit: 6_000_000,
        GasFeeCap: '100000',
      })
    }
    await d.mine(1)
    expect(d.head().gasLimitUsed).toBe(18_000_000)
    const prev = d.head().parentBaseFee
    expect(prev).toBe(875n) // genesis 1000 with an empty parent: −1/8
    await d.mine(1)
    expect(d.head().parentBaseFee).toBe(prev + (prev * 8_000_000n) / 10_000_000n / 8n)
  })

  it('rejects a message the sender cannot pay for', async () => {
    const d = createDevnet({ seed: 'poor', proofs: fakeVerifier() })
    const poor = d.newAccount()
    await d.faucet(poor, 1000n)
    await d.mine(2)
    await expect(
      d.pushMessage({
        To: d.faucetAddress(),
        From: poor,
        Value: '1',
        Method: 0,
        GasLimit: 1_000_000,
        GasFeeCap: '100',
      }),
    ).rejects.toMatchObject({
      code: 'INSUFFICIENT_FUNDS',
    })
  })

  it('survives a restart from its data directory', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'devnet-'))
    try {
      const a = createDevnet({ seed: 'persist', proofs: fakeVerifier(), dataDir: dir })
      await a.start()
      const who = await setupMiner(a)
      await preCommit(a, who, [1])
      await a.faucet(a.newAccount(), FIL) // left pending in the mpool
      await a.stop()
      const b = createDevnet({ seed: 'persist', proofs: fakeVerifier(), dataDir: dir })
      await b.start()
      expect(b.head().cid).toBe(a.head().cid)
      expect(b.worldAt()).toEqual(a.worldAt())
      expect(b.worldAt().miners.get(who.minerId)!.preCommits.has(1)).toBe(true)
      expect(b.pending()).toHaveLength(1)
      expect(b.newAccount()).toBe(a.newAccount())
      await b.stop()
      // The messager's queue survives a restart too.
      const m1 = messagerMethods(b)
      await b.start()
      await m1['Message.PushMessageWithId']!(
        ['keep', { To: b.faucetAddress(), From: who.owner, Value: '1', Method: 0 }, null],
        {} as never,
      )
      await b.stop()
      const c = createDevnet({ seed: 'persist', proofs: fakeVerifier(), dataDir: dir })
      await c.start()
      expect(c.head().cid).toBe(b.head().cid)
      const m2 = messagerMethods(c)
      expect(await m2['Message.HasMessageByUid']!(['keep'], {} as never)).toBe(true)
      await c.mine(3)
      expect(
        (await m2['Message.GetMessageByUid']!(['keep'], {} as never)) as { State: number },
      ).toMatchObject({ State: 3 })
      await c.stop()
      const wrong = createDevnet({ seed: 'other', proofs: fakeVerifier(), dataDir: dir })
      await expect(wrong.start()).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' })
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })

  it('mines on a timer after start() and stops cleanly', async () => {
    const d = createDevnet({ seed: 'timer', proofs: fakeVerifier(), blockTimeMs: 5 })
    await d.start()
    await new Promise<void>((resolve) => {
      const un = d.subscribe(() => {
        if (d.head().height >= 3) {
          un()
          resolve()
        }
      })
    })
    await d.stop()
    const h = d.head().height
    await new Promise((r) => setTimeout(r, 30))
    expect(d.head().height).toBe(h)
  })

  it('re-applies a reverted pre-commit on the new fork of a reorg with null rounds', async () => {
    const d = createDevnet({ seed: 'reorg-actor', proofs: fakeVerifier() })
    const who = await setupMiner(d)
    const pc = await preCommit(d, who, [9])
    expect(pc.receipt.exitCode).toBe(0)
    const oldIncluded = pc.included
    await d.reorg(2, { nullRounds: 1 })
    expect(d.head().height).toBe(oldIncluded.height + 2)
    expect(d.tipsetAtHeight(oldIncluded.height + 1).height).toBe(oldIncluded.height)
    const again = d.searchMessage(pc.message.cid)
    expect(again?.receipt.exitCode).toBe(0)
    expect(again?.included.cid).not.toBe(oldIncluded.cid)
    expect(d.worldAt().miners.get(who.minerId)!.preCommits.get(9)!.preCommitEpoch).toBe(
      again!.included.height,
    )
  })

  it('keeps every tipset snapshot isolated from later changes (copy-on-write miners)', async () => {
    const d = createDevnet({ seed: 'cow', proofs: fakeVerifier() })
    const who = await setupMiner(d)
    const before = d.head()
    await preCommit(d, who, [1])
    d.injectSectors(who.miner, [{ sectorNumber: 2, sealedCid: commRCid(2) }])
    await d.mine(1)
    const old = d.worldAt(before).miners.get(who.minerId)!
    expect(old.preCommits.size).toBe(0)
    expect(old.sectors.size).toBe(0)
    const now = d.worldAt().miners.get(who.minerId)!
    expect(now.preCommits.has(1)).toBe(true)
    expect(now.sectors.has(2)).toBe(true)
    expect(
      d
        .worldAt(d.tipsetAtHeight(d.head().height - 1))
        .miners.get(who.minerId)!
        .sectors.has(2),
    ).toBe(true)
  })
})
