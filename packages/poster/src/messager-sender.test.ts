import { rename } from 'node:fs/promises'
import { join } from 'node:path'
import {
  createMessagerClient,
  type MessagerClient,
  type MessagerMessage,
  MessageState,
  runsToNumbers,
  sectorName,
} from '@venus-cluster/core'
import { devnetTransport } from '@venus-cluster/devnet'
import { afterEach, describe, expect, it } from 'vitest'
import { type Harness, mineTo, nextOpenOf, provingHarness } from './__fixtures__/devnet.js'
import { messagerPoSt } from './messager-sender.js'

let h: Harness | undefined
afterEach(async () => {
  await h?.close()
  h = undefined
})

function fakeMessager(state: Partial<MessagerMessage>) {
  const pushed: { id: string; msg: unknown; spec: unknown }[] = []
  const client: Pick<MessagerClient, 'pushMessageWithId' | 'getMessageByUid'> = {
    async pushMessageWithId(id, msg, spec) {
      pushed.push({ id, msg, spec })
      return id
    },
    async getMessageByUid(id) {
      return { ID: id, Height: 0, Receipt: null, ErrorMsg: '', ...state } as MessagerMessage
    },
  }
  return { client, pushed }
}

describe('messagerPoSt', () => {
  it('pushes each message under a fresh UID with the fee settings and an expiry', async () => {
    const { client, pushed } = fakeMessager({})
    const { send } = messagerPoSt(client, { gasOverEstimation: 1.2 })
    const req = {
      from: 't01001',
      to: 't01000',
      method: 5,
      params: Uint8Array.of(1, 2),
      maxFee: 7n,
      gasFeeCap: 9n,
      expireEpoch: 120,
    }
    const a = await send(req, {})
    const b = await send(req, {})
    expect(a).not.toBe(b)
    expect(pushed.map((p) => p.id)).toEqual([a, b])
    expect(pushed[0]!.msg).toMatchObject({
      To: 't01000',
      From: 't01001',
      Method: 5,
      Value: '0',
      GasFeeCap: '9',
      Params: 'AQI=',
    })
    expect(pushed[0]!.spec).toEqual({
      expireEpoch: 120,
      gasOverEstimation: 1.2,
      maxFee: '7',
      gasOverPremium: 0,
    })
  })

  it('reports inclusion height and exit code on chain, nothing while pending, and a given-up message as failed', async () => {
    const onChain = messagerPoSt(
      fakeMessager({ State: MessageState.OnChainMsg, Height: 42, Receipt: { ExitCode: 16 } as never }).client,
    )
    expect(await onChain.lookup('x', {})).toEqual({ height: 42, exitCode: 16 })
    expect(
      await messagerPoSt(fakeMessager({ State: MessageState.FillMsg }).client).lookup('x', {}),
    ).toBeNull()
    const failed = messagerPoSt(
      fakeMessager({ State: MessageState.FailedMsg, ErrorMsg: 'gas estimation' }).client,
    )
    expect(await failed.lookup('x', {})).toEqual({ failed: 'gas estimation' })
  })
})

describe('WindowPoStScheduler through the messager', () => {
  it('sends WindowPoSt through the messager and counts it landed only once buried by Confidence epochs', async () => {
    const { m, open, h } = await sectorOneDeadline('poster-messager', 3)
    await mineTo(h, open + 4)
    const landed = m.events.find((e) => e.type === 'landed' && e.open === open)
    if (landed?.type !== 'landed') throw new Error(`no landed event: ${JSON.stringify(m.events.slice(-5))}`)
    expect(landed.exitCode).toBe(0)
    // The id is the messager's UID, and the message it stands for is the one on chain.
    const entry = h.devnet.messagerEntries.get(landed.cid)
    expect(entry?.stored).toBeDefined()
    expect(h.devnet.searchMessage(entry!.stored!.cid)?.receipt.exitCode).toBe(0)

    await mineTo(h, landed.height + 2)
    expect(m.events.some((e) => e.type === 'deadline-proven' && e.open === open)).toBe(false)
    await mineTo(h, landed.height + 3)
    const proven = m.events.find((e) => e.type === 'deadline-proven' && e.open === open)
    expect(proven?.type === 'deadline-proven' && proven.height).toBe(landed.height + 3)
    expect(m.events.filter((e) => e.type === 'deadline-missed' || e.type === 'error')).toEqual([])
  })

  it('waits again when a reorg moves the message before it is buried, and proves the deadline', async () => {
    const { m, open, h } = await sectorOneDeadline('poster-messager-reorg', 3)
    // Sent at open + 1, included at open + 2, its receipt is at open + 3.
    await mineTo(h, open + 3)
    const first = m.events.find((e) => e.type === 'landed' && e.open === open)
    expect(first).toBeDefined()
    // Revert the inclusion and replay it one epoch later (a null round on the new fork).
    const ts = await h.devnet.reorg(2, { nullRounds: 1 })
    await m.scheduler.settled(ts.height)
    await mineTo(h, open + 11)
    const landings = m.events.filter((e) => e.type === 'landed' && e.open === open)
    expect(landings.length).toBeGreaterThanOrEqual(2)
    const last = landings.at(-1)!
    const proven = m.events.find((e) => e.type === 'deadline-proven' && e.open === open)
    // Proven counting from the inclusion that stayed, not the reverted one.
    expect(proven?.type === 'deadline-proven' && last.type === 'landed' && proven.height - last.height).toBe(
      3,
    )
    expect(m.events.filter((e) => e.type === 'deadline-missed' || e.type === 'error')).toEqual([])
    expect(runsToNumbers(await h.chain.stateMinerFaults(m.miner))).toEqual([])
  })

  it('follows a fault declaration until it is buried by Confidence epochs', async () => {
    h = await provingHarness({
      seed: 'poster-messager-declare',
      miners: 1,
      sectors: 8,
      challengeWindow: 12,
      viaMessager: true,
      config: { confidence: 3, declareFaults: true },
    })
    const m = h.miners[0]!
    const sealed = join(h.root, 'sealed', sectorName({ miner: m.minerId, number: 5 }))
    await rename(sealed, `${sealed}.bak`)
    const declared = async () => m.events.find((e) => e.type === 'declared' && e.kind === 'faults')
    for (let i = 0; i < 48 * 12 && !(await declared()); i++) await h.step(1)
    const d = await declared()
    if (d?.type !== 'declared') throw new Error('no fault declared')
    expect(d.sectors).toEqual([5])
    const entry = h.devnet.messagerEntries.get(d.cid)
    expect(entry).toBeDefined()
    for (let i = 0; i < 5 && !h.devnet.searchMessage(entry!.stored!.cid); i++) await h.step(1)
    const at = h.devnet.searchMessage(entry!.stored!.cid)!.executed.height
    const landed = () => m.events.filter((e) => e.type === 'declaration-landed' && e.cid === d.cid)
    await mineTo(h, at + 2)
    expect(landed()).toEqual([])
    await mineTo(h, at + 3)
    expect(landed()).toHaveLength(1)
    expect(runsToNumbers(await h.chain.stateMinerFaults(m.miner))).toEqual([5])
  })

  it('sends a proof again when the messager gives its message up, and waits for the new one to be buried', async () => {
    h = await provingHarness({
      seed: 'poster-messager-failed',
      miners: 1,
      sectors: 8,
      challengeWindow: 12,
      viaMessager: true,
      config: { confidence: 3 },
      // The first push cannot be filled (unknown sender) and the messager gives it up.
      send: (chain) => {
        const real = messagerPoSt(createMessagerClient(chain.rpc))
        let first = true
        return async (msg, o) => {
          if (!first) return real.send(msg, o)
          first = false
          const id = await real.send({ ...msg, from: 't0999999' }, o)
          await chain.rpc.call('Message.MarkBadMessage', [id])
          return id
        }
      },
    })
    const m = h.miners[0]!
    await h.step(48 * 12)
    const failed = m.events.find((e) => e.type === 'error' && /submit: message .* failed: /.test(e.message))
    if (failed?.type !== 'error' || failed.open === undefined) throw new Error('the give-up was not seen')
    const open = failed.open
    expect(m.events.filter((e) => e.type === 'submitted' && e.open === open)).toHaveLength(2)
    const landed = m.events.find((e) => e.type === 'landed' && e.open === open)
    const proven = m.events.find((e) => e.type === 'deadline-proven' && e.open === open)
    expect(
      landed?.type === 'landed' && proven?.type === 'deadline-proven' && proven.height - landed.height,
    ).toBe(3)
    expect(m.events.filter((e) => e.type === 'deadline-missed')).toEqual([])
    expect(m.events.filter((e) => e.type === 'error')).toHaveLength(1)
    expect(runsToNumbers(await h.chain.stateMinerFaults(m.miner))).toEqual([])
  })

  it('sends nothing twice when the partitions show up posted anyway, and counts them once buried', async () => {
    const { m, open, first, h } = await firstProofGivenUp('poster-messager-posted', 3)
    await mineTo(h, open + 11)
    const signed = h.devnet.messagerEntries.get(first.cid)!.stored!.cid
    const at = h.devnet.searchMessage(signed)!.executed.height
    const proven = m.events.find((e) => e.type === 'deadline-proven' && e.open === open)
    // Buried by 3 epochs counted from the tipset that holds it (its receipt is one epoch later).
    expect(proven?.type === 'deadline-proven' && proven.height).toBe(at - 1 + 3)
    expect(m.events.filter((e) => e.type === 'submitted' && e.open === open)).toHaveLength(1)
    expect(m.events.filter((e) => e.type === 'deadline-missed')).toEqual([])
  })

  it('counts partitions posted by another message as proven when the window closes before they are buried', async () => {
    // Deeper than the window: nothing is buried before it closes.
    const { m, open, h } = await firstProofGivenUp('poster-messager-close', 20)
    await mineTo(h, open + 11)
    expect(m.events.some((e) => e.type === 'deadline-proven' && e.open === open)).toBe(false)
    await mineTo(h, open + 13)
    const proven = m.events.find((e) => e.type === 'deadline-proven' && e.open === open)
    expect(proven?.type === 'deadline-proven' && proven.height).toBe(open + 12)
    // Not sent again, neither while posted nor in the window's last epoch.
    expect(m.events.filter((e) => e.type === 'submitted' && e.open === open)).toHaveLength(1)
    expect(m.events.filter((e) => e.type === 'deadline-missed')).toEqual([])
  })
})

/**
 * A harness whose first proof of sector 1's deadline is submitted at open + 1 and then given up
 * by the messager after it reached the mempool (so it lands all the same).
 */
async function firstProofGivenUp(seed: string, confidence: number) {
  const { m, open, h } = await sectorOneDeadline(seed, confidence)
  await mineTo(h!, open + 1)
  const first = m.events.find((e) => e.type === 'submitted' && e.open === open)
  if (first?.type !== 'submitted') throw new Error('not submitted at open + 1')
  await createMessagerClient(devnetTransport(h!.devnet)).markBadMessage(first.cid)
  return { m, open, first, h }
}

/** A one-miner harness (8 sectors, PoSt through the messager) and the next open of sector 1's deadline. */
async function sectorOneDeadline(seed: string, confidence: number) {
  const harness = await provingHarness({
    seed,
    miners: 1,
    sectors: 8,
    challengeWindow: 12,
    viaMessager: true,
    config: { confidence },
  })
  h = harness
  const m = harness.miners[0]!
  const loc = (await harness.chain.stateSectorPartition(m.miner, 1))!
  // The harness comes back narrowed: the module's `h` (for cleanup) may be undefined to the checker.
  return { m, open: await nextOpenOf(harness, m.miner, loc.Deadline), h: harness }
}
