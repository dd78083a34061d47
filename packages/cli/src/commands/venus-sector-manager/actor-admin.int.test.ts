import { commitmentToCid } from '@venus-cluster/core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type ServedMiner, servedMiner } from '../../__fixtures__/served-miner.js'
import { vsmCli } from '../../__fixtures__/vsm-cli.js'

const FIL = 10n ** 18n
// Long enough (4 s at 40 ms blocks) that the early confirmation is early even on a loaded machine.
const DELAY = 100
let env: ServedMiner

beforeAll(async () => {
  env = await servedMiner('cli-actor-admin', { workerKeyChangeDelay: DELAY })
})
afterAll(() => env?.close())

const actor = (...args: string[]) =>
  vsmCli(['--home', env.home, 'util', 'sealer', 'actor', ...args, '--poll', '50'])
const info = () => env.devnet.worldAt().miners.get(env.minerId)!

/** A funded account of `kind`, once a tipset has created it. */
async function account(kind: 'bls' | 'secp256k1'): Promise<{ key: string; id: string }> {
  const key = env.devnet.newAccount(kind)
  await env.devnet.faucet(key, 5n * FIL)
  for (let i = 0; i < 200 && env.devnet.resolve(key) === undefined; i++)
    await new Promise((r) => setTimeout(r, 20))
  return { key, id: env.devnet.idAddress(env.devnet.resolve(key)!) }
}

describe('venus-sector-manager util sealer actor: owner, worker, fee debt, compaction', () => {
  it('changes the worker in two steps, refusing a non-BLS worker and an early confirmation', async () => {
    const secp = await account('secp256k1')
    expect((await actor('propose-change-worker', secp.key)).err).toContain('the worker must be a BLS account')
    const next = await account('bls')

    const dry = await actor('propose-change-worker', next.key)
    expect(dry.code, dry.err).toBe(0)
    expect(dry.out).toContain('nothing sent; pass --really-do-it')
    expect(info().pendingWorker).toBeNull()

    const proposed = await actor('--json', 'propose-change-worker', next.key, '--really-do-it')
    expect(proposed.code, proposed.err).toBe(0)
    const { WorkerChangeEpoch } = JSON.parse(proposed.out) as { WorkerChangeEpoch: number }
    expect(info().pendingWorker?.worker).toBe(env.devnet.resolve(next.key))
    expect((await actor('propose-change-worker', next.key, '--really-do-it')).err).toContain(
      'is already proposed; confirm it from epoch',
    )

    const early = await actor('confirm-change-worker', next.id, '--really-do-it')
    expect(early.code).toBe(1)
    expect(early.err).toMatch(/can be confirmed from epoch \d+; the head is at \d+/)
    const other = await account('bls')
    expect((await actor('confirm-change-worker', other.key)).err).toContain(`is ${next.id}, not ${other.key}`)
    while (env.devnet.head().height < WorkerChangeEpoch) await new Promise((r) => setTimeout(r, 40))

    const done = await actor('confirm-change-worker', next.id, '--really-do-it')
    expect(done.code, done.err).toBe(0)
    expect(done.out).toContain(`the worker of ${env.miner} is now ${next.id}`)
    expect(info().worker).toBe(env.devnet.resolve(next.key))
    expect((await actor('confirm-change-worker', next.id)).err).toContain('has no worker change proposed')
  }, 60_000)

  it('repays the fee debt a missed proving period left, from the worker by default', async () => {
    expect((await actor('repay-debt')).err).toContain('has no fee debt')
    // One proving sector, then a whole proving period without a proof: its fault fee becomes debt
    // because the pledge locks everything the miner has.
    env.devnet.injectSectors(env.miner, [
      { sectorNumber: 100, sealedCid: commitmentToCid(new Uint8Array(32).fill(7), 'commR').toString() },
    ])
    await env.devnet.mine(1, { nullRounds: env.devnet.params.wpostProvingPeriod + 60 })
    const debt = info().feeDebt
    expect(debt).toBeGreaterThan(0n)
    expect((await actor('add-balance', env.owner, '1')).code).toBe(0)
    const stranger = await account('bls')
    expect((await actor('repay-debt', '--from', stranger.key)).err).toContain(
      'is not the owner, the worker or a control address',
    )
    expect((await actor('repay-debt', '0')).err).toContain('[amount] must be more than 0')

    const paid = await actor('--json', 'repay-debt')
    expect(paid.code, paid.err).toBe(0)
    const out = JSON.parse(paid.out) as { Amount: string; FeeDebt: string; From: string }
    expect(BigInt(out.Amount)).toBe(debt)
    expect(out.FeeDebt).toBe('0')
    expect(out.From).toBe(env.devnet.idAddress(info().worker))
    expect(info().feeDebt).toBe(0n)
  }, 60_000)

  it('compacts allocated sector numbers with exactly one mask option', async () => {
    expect((await actor('compact-allocated')).err).toContain(
      'give exactly one of --mask-last-offset and --mask-upto-n',
    )
    expect((await actor('compact-allocated', '--mask-upto-n', 'ten')).err).toContain(
      '--mask-upto-n must be a non-negative integer, got "ten"',
    )
    expect((await actor('compact-allocated', '--mask-last-offset', '100')).err).toContain(
      'the highest allocated sector number (100) is not above the mask offset 101',
    )
    const dry = await actor('compact-allocated', '--mask-last-offset', '10')
    expect(dry.code, dry.err).toBe(0)
    expect(dry.out).toContain('Masks sector numbers 0 … 89 (90 not allocated yet)')
    expect(info().allocated.has(50)).toBe(false)

    const real = await actor('compact-allocated', '--mask-upto-n', '60', '--really-do-it')
    expect(real.code, real.err).toBe(0)
    expect(real.out).toContain('sector numbers 0 … 59 are now allocated on chain')
    expect([...info().allocated].sort((a, b) => a - b).slice(0, 3)).toEqual([0, 1, 2])
    expect(info().allocated.has(59) && !info().allocated.has(60)).toBe(true)
  }, 60_000)

  it('hands the owner role over: proposal by the owner, acceptance by the new owner', async () => {
    const next = await account('bls')
    const stranger = await account('bls')
    expect((await actor('set-owner', next.key, stranger.key)).err).toContain('is neither the owner')
    const proposed = await actor('set-owner', next.key, env.owner, '--really-do-it')
    expect(proposed.code, proposed.err).toBe(0)
    expect(proposed.out).toContain(`${next.id} is proposed; it becomes the owner when it accepts`)
    expect((await actor('set-owner', stranger.id, next.key)).err).toContain(
      `has ${next.id} proposed as owner; <new-owner> must be it`,
    )
    const accepted = await actor('set-owner', next.id, next.key, '--really-do-it')
    expect(accepted.code, accepted.err).toBe(0)
    expect(accepted.out).toContain(`the owner of ${env.miner} is now ${next.id}`)
    expect(info().owner).toBe(env.devnet.resolve(next.key))
    expect((await actor('set-owner', 'nonsense', next.key)).err).toContain(
      '<new-owner>: "nonsense" is not a Filecoin address',
    )
  }, 60_000)
})
