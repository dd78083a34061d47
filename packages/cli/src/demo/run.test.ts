import { isVenusError } from '@venus-cluster/core'
import { describe, expect, it } from 'vitest'
import { type DemoOptions, runDemo } from './run.js'

const base: DemoOptions = {
  proofs: 'mock',
  sectors: 1,
  workers: 1,
  sectorSize: 2048,
  blockTimeMs: 100,
  windowPoSt: false,
  timeoutMs: 1000,
  keep: false,
}

async function usageError(opts: Partial<DemoOptions>): Promise<string> {
  const err = await runDemo({ ...base, ...opts }).then(
    () => undefined,
    (e: unknown) => e,
  )
  if (!isVenusError(err)) throw new Error(`expected a VenusError, got ${String(err)}`)
  expect(err.code).toBe('CLI_USAGE')
  return err.message
}

describe('runDemo input checks (before anything starts)', () => {
  it('rejects sector sizes the devnet cannot seal, naming the flag', async () => {
    expect(await usageError({ sectorSize: 32 * 2 ** 30 })).toMatch(
      /--sector-size must be 2KiB or 8MiB.*32GiB/,
    )
  })
  it('rejects sector and worker counts out of range', async () => {
    expect(await usageError({ sectors: 0 })).toMatch(/--sectors/)
    expect(await usageError({ sectors: 1.5 })).toMatch(/--sectors/)
    expect(await usageError({ workers: 0 })).toMatch(/--workers/)
  })
})
