import { commitmentToCid } from '@venus-cluster/core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type ServedMiner, servedMiner } from '../../__fixtures__/served-miner.js'
import { vsmCli } from '../../__fixtures__/vsm-cli.js'

const DAY = 2880
let env: ServedMiner

beforeAll(async () => {
  // Injected sectors expire minSectorExpiration + the prove-commit window from now: ~40 days.
  env = await servedMiner('cli-extend', { minSectorExpiration: 10 * DAY })
  env.devnet.injectSectors(
    env.miner,
    [1, 2, 3, 4, 5].map((n) => ({
      sectorNumber: n,
      sealedCid: commitmentToCid(new Uint8Array(32).fill(n), 'commR').toString(),
    })),
  )
})
afterAll(() => env?.close())

const sectors = (...args: string[]) => vsmCli(['--home', env.home, 'util', 'sealer', 'sectors', ...args])
const expirations = () =>
  [...env.devnet.worldAt().miners.get(env.minerId)!.sectors.values()]
    .sort((a, b) => a.sectorNumber - b.sectorNumber)
    .map((s) => s.expiration)

describe('venus-sector-manager util sealer sectors check-expire | extend', () => {
  it('lists the sectors expiring within the cutoff with their extension bounds', async () => {
    const r = await sectors('check-expire', '--json')
    expect(r.code, r.err).toBe(0)
    const out = JSON.parse(r.out) as {
      Head: number
      Sectors: { sectorNumber: number; expiration: number; activation: number; maxExpiration: number }[]
    }
    expect(out.Sectors.map((s) => s.sectorNumber).sort()).toEqual([1, 2, 3, 4, 5])
    for (const s of out.Sectors) expect(s.maxExpiration).toBe(s.activation + 5 * 365 * DAY)
    const text = await sectors('check-expire')
    expect(text.out).toMatch(
      /^1\t5\t[\d.]+ (atto|femto|pico|nano|micro|milli)?FIL\t\d+\t\d+ \(in [\d.]+ days\)/m,
    )
    expect((await sectors('check-expire', '--cutoff', '100')).out).toContain('expires within 100 epochs')
    expect((await sectors('check-expire', '--cutoff', 'soon')).err).toContain(
      '--cutoff must be a non-negative integer, got "soon"',
    )
  })

  it('refuses bad selections with the flag or argument named', async () => {
    expect((await sectors('extend', '99')).err).toContain('not active sectors of')
    expect((await sectors('extend', '1', '--from', '5')).err).toContain('give sector numbers or --from/--to')
    expect((await sectors('extend', '1', '--extension', '5', '--new-expiration', '9')).err).toMatch(
      /--extension.*cannot be used with.*--new-expiration/,
    )
    expect((await sectors('extend', '1', '--max-sectors', '0')).err).toContain(
      '--max-sectors must be 1 … 25000',
    )
  })

  it('shows the plan without --really-do-it and skips too small an extension', async () => {
    const before = expirations()
    const dry = await sectors('extend', '1', '2', '3', '--extension', String(100 * DAY))
    expect(dry.code, dry.err).toBe(0)
    expect(dry.out).toContain('Selected 3 sectors; extending 3 in 1 message(s)')
    expect(dry.out).toContain('nothing sent; pass --really-do-it')
    const small = await sectors('extend', '1', '--extension', String(DAY))
    expect(small.out).toContain('skipped 1: would gain 2880 epochs, less than --tolerance')
    expect(small.out).toContain('nothing to extend')
    expect(expirations()).toEqual(before)
  })

  it('extends the selected sectors on chain, several messages when --max-sectors is small', async () => {
    const before = expirations()
    const head = env.devnet.head().height
    const r = await sectors(
      '--json',
      'extend',
      '--from',
      String(head),
      '--to',
      String(head + 60 * DAY),
      '--extension',
      String(100 * DAY),
      '--max-sectors',
      '2',
      '--really-do-it',
      '--poll',
      '50',
    )
    expect(r.code, r.err).toBe(0)
    const out = JSON.parse(r.out) as { Sent: string[]; Skipped: unknown[] }
    expect(out.Sent).toHaveLength(3)
    expect(out.Skipped).toEqual([])
    const after = expirations()
    // One tolerance window: sectors share the earliest wanted expiration of their partition.
    after.forEach((e, i) => {
      expect(e - before[i]!).toBeGreaterThan(100 * DAY - 7 * DAY)
      expect(e - before[i]!).toBeLessThanOrEqual(100 * DAY)
    })
  }, 60_000)
})
