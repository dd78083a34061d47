import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { Devnet } from '@venus-cluster/devnet'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type ServedMiner, servedMiner } from '../../__fixtures__/served-miner.js'
import { vsmCli } from '../../__fixtures__/vsm-cli.js'

const FIL = 10n ** 18n
let env: ServedMiner
let home = ''
let devnet: Devnet
let miner = ''
let owner = ''

beforeAll(async () => {
  // A devnet that mines on its own, served with JWT auth; messages go through its messager.
  env = await servedMiner('cli-actor')
  ;({ home, devnet, miner, owner } = env)
})
afterAll(() => env?.close())

const actor = (...args: string[]) => vsmCli(['--home', home, 'util', 'sealer', 'actor', ...args])

describe('venus-sector-manager util sealer actor', () => {
  it('adds funds to the miner, shows the balance, and withdraws them to the owner', async () => {
    const before = JSON.parse((await actor('balance', '--json')).out)
    expect(before.Miner).toBe(miner)

    const add = await actor('add-balance', owner, '2.5', '--poll', '50')
    expect(add.code).toBe(0)
    expect(add.out).toContain(`sent 2.5 FIL from ${owner} to ${miner}`)
    const after = JSON.parse((await actor('balance', '--json')).out)
    expect(BigInt(after.Balance) - BigInt(before.Balance)).toBe(2n * FIL + FIL / 2n)
    expect(BigInt(after.Available)).toBeGreaterThanOrEqual(2n * FIL + FIL / 2n)
    const text = await actor('balance')
    expect(text.out).toMatch(/Available: [\d.]+ FIL/)

    const tooMuch = await actor('withdraw', '1000000', '--poll', '50')
    expect(tooMuch.code).toBe(1)
    expect(tooMuch.err).toContain('available, less than the 1000000 FIL asked for')

    const ownerBefore = devnet.balance(owner)
    const w = await actor('withdraw', '1 FIL', '--poll', '50')
    expect(w.code).toBe(0)
    expect(w.out).toContain(`withdrew 1 FIL from ${miner} to its owner`)
    // The owner gets the 1 FIL and pays the gas of its own message.
    const gained = devnet.balance(owner) - ownerBefore
    expect(gained).toBeGreaterThan(FIL / 2n)
    expect(gained).toBeLessThanOrEqual(FIL)

    const all = await actor('--json', 'withdraw', '--poll', '50')
    expect(all.code).toBe(0)
    expect(BigInt(JSON.parse(all.out).Withdrawn)).toBe(BigInt(after.Available) - FIL)
    // withdraw waits for --confidence (default 6) epochs on top of the message.
    const entry = devnet.messagerEntries.get(JSON.parse(all.out).Uid as string)
    const landed = devnet.searchMessage(entry?.stored?.cid ?? '')
    expect(
      devnet.head().height - (landed?.executed.height ?? Number.POSITIVE_INFINITY),
    ).toBeGreaterThanOrEqual(6)
    expect((await actor('withdraw', '--confidence', 'six')).err).toContain(
      '--confidence must be a non-negative integer, got "six"',
    )
    expect(BigInt(JSON.parse((await actor('balance', '--json')).out).Available)).toBe(0n)
    expect((await actor('withdraw')).err).toContain('has nothing available to withdraw')
  }, 60_000)

  it('waits for the withdrawal already sent when re-run with the same --exid, and checks --poll', async () => {
    expect((await actor('add-balance', owner, '1', '--poll', '50', '--exid', 'topup')).code).toBe(0)
    const first = await actor('withdraw', '0.5', '--exid', 'w1', '--poll', '50')
    expect(first.out).toContain('withdrew 0.5 FIL')
    const again = await actor('withdraw', '0.5', '--exid', 'w1', '--poll', '50')
    expect(again.code, again.err).toBe(0)
    expect(again.err).toContain('already pushed')
    expect(again.out).toContain('withdrew 0.5 FIL')
    expect((await actor('withdraw', '--poll', 'soon')).err).toContain(
      '--poll must be a whole number of milliseconds',
    )
  }, 60_000)

  it('lists the owner and worker with their key addresses and balances', async () => {
    const r = await actor('control', 'list', '--json')
    expect(r.code).toBe(0)
    const rows = JSON.parse(r.out).Addresses as { Role: string; ID: string; Key: string; Balance: string }[]
    expect(rows.map((x) => x.Role)).toEqual(['owner', 'worker'])
    expect(rows[0]?.Key).toBe(owner)
    expect(rows[0]?.ID).toMatch(/^t0\d+$/)
    expect(BigInt(rows[0]?.Balance ?? '0')).toBe(devnet.balance(owner))
    expect((await actor('control', 'list')).out).toMatch(/^owner\tt0\d+\tt3\w+\t[\d.]+ FIL$/m)
  })

  it('replaces the control addresses only with --really-do-it, from the owner', async () => {
    const ctl = devnet.newAccount('secp256k1')
    await devnet.faucet(ctl, FIL)
    // The faucet is a message: the account exists once a tipset includes it.
    for (let i = 0; i < 200 && devnet.resolve(ctl) === undefined; i++)
      await new Promise((r) => setTimeout(r, 20))
    const dry = await actor('control', 'set', ctl)
    expect(dry.code, dry.err).toBe(0)
    expect(dry.out).toContain('Control addresses now: none')
    expect(dry.out).toMatch(/Control addresses after: t0\d+/)
    expect(dry.out).toContain('nothing sent; pass --really-do-it')
    expect((await actor('control', 'list')).out).not.toContain('control-0')

    const real = await actor('control', 'set', ctl, '--really-do-it', '--poll', '50')
    expect(real.code).toBe(0)
    expect(real.out).toContain('control addresses changed on chain')
    const rows = JSON.parse((await actor('control', 'list', '--json')).out).Addresses as {
      Role: string
      Key: string
    }[]
    expect(rows.find((r) => r.Role === 'control-0')?.Key).toBe(ctl)

    const cleared = await actor('control', 'set', 'none', '--really-do-it', '--poll', '50')
    expect(cleared.out).toContain('Control addresses after: none')
    expect((await actor('control', 'set', 'not-an-address')).err).toContain('is not a Filecoin address')
  }, 60_000)

  it('shows which configured sender uses each address, and warns of a sender that is none of them', async () => {
    const stranger = devnet.newAccount('secp256k1')
    await devnet.faucet(stranger, FIL)
    for (let i = 0; i < 200 && devnet.resolve(stranger) === undefined; i++)
      await new Promise((r) => setTimeout(r, 20))
    const cfg = join(home, 'sector-manager.cfg')
    const original = readFileSync(cfg, 'utf8')
    const id = miner.slice(2)
    writeFileSync(
      cfg,
      `${original}[Commitment]\n[Commitment.Miners]\n[Commitment.Miners.${id}]\n[Commitment.Miners.${id}.Controls]\nPreCommit = "${owner}"\nProveCommit = "${owner}"\n[PoSt]\n[PoSt.Actors]\n[PoSt.Actors.${id}]\nSender = "${stranger}"\n`,
    )
    try {
      const r = await actor('control', 'list', '--verbose')
      expect(r.code, r.err).toBe(0)
      expect(r.out).toMatch(/^owner\tt0\d+\tt3\w+\t[\d.]+ FIL\tprecommit,provecommit$/m)
      expect(r.out).toContain(
        `warning: the post sender ${stranger} is not the owner, the worker or a control address`,
      )
      const plain = await actor('control', 'list')
      expect(plain.out).toMatch(/^owner\tt0\d+\tt3\w+\t[\d.]+ FIL$/m)
      expect(JSON.parse((await actor('control', 'list', '--json')).out).Warnings).toHaveLength(1)
    } finally {
      writeFileSync(cfg, original)
    }
  })

  it('refuses amounts that are not FIL amounts and an unknown --miner', async () => {
    const bad = await actor('add-balance', owner, 'lots')
    expect(bad.code).toBe(1)
    expect(bad.err).toContain('<amount>: cannot read "lots" as a FIL amount')
    expect((await actor('add-balance', owner, '0')).err).toContain('<amount> must be more than 0')
    expect((await actor('--miner', 'x12', 'balance')).err).toContain('--miner x12 is not a miner actor id')
  })

  it('says when a sector has no precommit on chain (util chain pci)', async () => {
    const r = await vsmCli(['--home', home, 'util', 'chain', 'pci', miner, '7'])
    expect(r.code).toBe(1)
    expect(r.err).toContain(`no precommit on chain for sector 7 of ${miner}`)
  })
})
