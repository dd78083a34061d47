// damocles's export-json as a source. The export file in __fixtures__ is written in the shape of
// damocles-manager v0.13.0's `SectorState` as Go's encoding/json prints it (PascalCase keys,
// `omitempty` on Ticket/Seed/Pre/Proof/LatestState, venus's DealInfoV2 fields inlined, null
// CIDs): a finalized CC sector (11), a finalized deal sector (12), an aborted one (13), one in
// flight with its precommit sent (14) and a snap-upgraded one (15).
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { isVenusError } from '@venus-cluster/core'
import { describe, expect, it } from 'vitest'
import type { OnChainSector } from '../chain.js'
import { createServiceContext } from '../context.js'
import { createFakeChain } from '../fake-chain.js'
import { newSector } from '../sector.js'
import { openSqliteStore } from '../store/sqlite.js'
import {
  damoclesCandidates,
  parseDamoclesExport,
  recordFromDamocles,
  recordToDamocles,
} from './damocles-json.js'
import { SectorImporter } from './importer.js'

const FILE = join(import.meta.dirname, '__fixtures__', 'damocles-export.jsonl')
const text = readFileSync(FILE, 'utf8')

async function setup() {
  const store = await openSqliteStore({ path: ':memory:' })
  const fake = createFakeChain({ miners: { 1000: 2048 } })
  const entries = parseDamoclesExport(text, FILE)
  const onChain = new Map<number, OnChainSector>()
  for (const n of [11, 12, 15]) {
    const s = entries.find((e) => e.state.ID.Number === n)?.state
    onChain.set(n, {
      sectorNumber: n,
      sealProof: 5,
      sealedCid: s?.Pre?.CommR['/'] ?? '',
      activation: 500,
      expiration: 600_000,
      initialPledge: 0n,
    })
  }
  const chain = { ...fake, sectorInfo: async (_m: number, n: number) => onChain.get(n) ?? null }
  const ctx = createServiceContext({ store, chain, messager: fake, config: { miners: [] } })
  return { store, ctx, entries }
}

describe('import from a damocles export file', () => {
  it('reads every record of the file with its line', () => {
    const entries = parseDamoclesExport(text, FILE)
    expect(entries.map((e) => [e.line, e.state.ID.Number])).toEqual([
      [1, 11],
      [2, 12],
      [3, 13],
      [4, 14],
      [5, 15],
    ])
    const deal = recordFromDamocles(entries[1]?.state as never)
    expect(deal.pieces?.[0]).toMatchObject({ dealId: 77, payloadSize: 1900, piece: { size: 2048 } })
    expect(deal.preCommit?.dealIds).toEqual([77])
    expect(deal.latestReport?.worker.instance).toBe('worker-a')
  })

  it('plans, then writes: proven and aborted records offline, the in-flight one online, the upgraded one refused', async () => {
    const { store, ctx, entries } = await setup()
    await store.createSector(newSector({ miner: 1000, number: 16 }, 5))
    const importer = new SectorImporter(ctx, { allocatedNumbers: async () => [11, 5] })
    const plan = await importer.plan(damoclesCandidates(entries, FILE))
    expect(plan.applied).toBe(false)
    expect(plan.items.map((i) => [i.id.number, i.action, i.conflict])).toEqual([
      [11, 'import', undefined],
      [12, 'import', undefined],
      [13, 'import', undefined],
      [14, 'take-over', undefined],
      [15, 'skip', 'refused'],
    ])
    expect(plan.items[4]?.reason).toMatch(/snap-upgraded/)
    expect(plan.items[0]?.reason).toMatch(/files not located: attach their stores/)
    expect(await store.listSectors(false)).toEqual([])
    const imported: number[] = []
    importer.on('sector:imported', (e) => imported.push(e.sector.number))
    const done = await importer.apply(plan)
    expect(done.counts).toEqual({ import: 3, takeOver: 1, skip: 1 })
    expect(imported).toEqual([11, 12, 13, 14])
    expect((await store.listSectors(false)).map((s) => [s.id.number, s.finalized, s.abortReason])).toEqual([
      [11, true, ''],
      [12, true, ''],
      [13, false, 'ticket expired'],
    ])
    const online = (await store.listSectors(true)).find((s) => s.id.number === 14)
    // The in-flight sector keeps its messager id, so its worker can go on polling the precommit.
    expect(online?.messages.preCommit).toBe('bafy2bzacea14precommit')
    // Allocated on chain up to 15 (runs [11, 5] = 11…15), and the file's numbers: 15. Number 16
    // has a record here, which allocation skips on its own.
    expect(done.lastNumbers).toEqual({ 1000: 15 })
    expect(await store.lastNumber(1000)).toBe(15)
    await store.close()
  })

  it('finds conflicts: a known number, another CommR on chain', async () => {
    const { store, ctx, entries } = await setup()
    await store.createSector(newSector({ miner: 1000, number: 11 }, 5))
    const changed = entries.map((e) =>
      e.state.ID.Number === 12
        ? { ...e, state: { ...e.state, Pre: { ...e.state.Pre!, CommR: { '/': 'bagboea4b5abcbogus' } } } }
        : e,
    )
    const plan = await new SectorImporter(ctx).plan(damoclesCandidates(changed, FILE))
    expect(plan.items[0]).toMatchObject({ action: 'skip', conflict: 'already-known' })
    expect(plan.items[1]).toMatchObject({ action: 'skip', conflict: 'chain' })
    expect(plan.items[1]?.reason).toMatch(/CommR differs: the record has bagboea4b5abcbogus/)
    await store.close()
  })

  it('writes records back in the same format, which reads back to the same records', async () => {
    const { entries } = await setup()
    for (const e of entries.filter((x) => !x.state.Upgraded)) {
      const rec = recordFromDamocles(e.state)
      const out = recordToDamocles(rec)
      expect(recordFromDamocles(JSON.parse(JSON.stringify(out)))).toEqual(rec)
      expect(out).toMatchObject({
        ID: e.state.ID,
        SectorType: 5,
        Imported: true,
        Finalized: e.state.Finalized,
      })
    }
    // A record of our own: filler and deal pieces in Pieces (DealInfoV2), CIDs as links.
    const own = { ...newSector({ miner: 1000, number: 3 }, 5), finalized: true }
    own.pieces = [{ dealId: 9, payloadSize: 100, piece: { size: 2048, cid: 'baga6ea4seaq' }, proposal: null }]
    const out = recordToDamocles(own)
    expect(out.Pieces?.[0]?.DealInfo).toMatchObject({ DealID: 9, IsBuiltinMarket: true, PayloadSize: 100 })
    expect(out.Ticket).toBeUndefined()
    expect(recordFromDamocles(out).pieces?.[0]?.dealId).toBe(9)
  })

  it('names the file, line and key of a bad record', () => {
    const lines = text.split('\n')
    lines[2] = lines[2]?.replace('"SectorType":5', '"SectorType":"five"') ?? ''
    try {
      parseDamoclesExport(lines.join('\n'), 'export.json')
      expect.unreachable()
    } catch (err) {
      expect(isVenusError(err, 'INVALID_ARGUMENT')).toBe(true)
      expect((err as Error).message).toBe('export.json:3: SectorType: not a seal proof number')
    }
    expect(() => parseDamoclesExport('{"ID":', 'x.json')).toThrow(/x\.json:1: not valid JSON/)
  })

  it('names the file, line and key of bytes that are not base64', () => {
    const lines = text.split('\n')
    lines[1] = lines[1]?.replace(/"Seed":\{"Seed":"[^"]*"/, '"Seed":{"Seed":"not base64!"') ?? ''
    const entries = parseDamoclesExport(lines.join('\n'), 'export.json')
    expect(() => damoclesCandidates(entries, 'export.json')).toThrow(
      'export.json:2: Seed.Seed: not padded base64',
    )
  })
})
