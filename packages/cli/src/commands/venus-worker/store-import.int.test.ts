// `venus-worker store import-original`: a dry run first, then the sealing store of the original
// worker (a fixture of the sealer package, RocksDB left by a killed worker) becomes usable.
import { cpSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { vwCli } from '../../__fixtures__/vsm-cli.js'

const FIXTURES = join(import.meta.dirname, '../../../../sealer/src/original/__fixtures__')
const dir = mkdtempSync(join(tmpdir(), 'vw-import-orig-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe('venus-worker store import-original', () => {
  it('says what would happen, then writes the record and unblocks the store', async () => {
    const store = join(dir, 'store1')
    cpSync(join(FIXTURES, 'stores', 'c2done'), store, { recursive: true })
    mkdirSync(join(store, 'data'), { recursive: true })
    const dry = await vwCli(['store', 'import-original', '-l', store])
    expect(dry.err).toBe('')
    expect(dry.out).toContain(`${store}: m-1000-n-9 (C2Done): take-over: goes on from C2Done`)
    expect(dry.out).toContain('dry run: nothing was written')
    expect(readdirSync(join(store, 'meta'))).not.toContain('info.json')
    const done = await vwCli(['store', 'import-original', '-l', store, '--really-do-it'])
    expect(done.code).toBe(0)
    expect(readdirSync(join(store, 'meta'))).toEqual(
      expect.arrayContaining(['info.json', 'original-meta-imported.json']),
    )
  })

  it('imports an exported record for a RocksDB it cannot read, and names the export step otherwise', async () => {
    const store = join(dir, 'store2')
    cpSync(join(FIXTURES, 'stores', 'pc1done'), store, { recursive: true })
    const bad = await vwCli(['store', 'import-original', '-l', store])
    expect(bad.code).not.toBe(0)
    expect(bad.err).toMatch(/compressed table files.*--record record\.json/)
    expect(bad.err).not.toMatch(/\n\s+at /)
    const ok = await vwCli([
      'store',
      'import-original',
      '-l',
      store,
      '--record',
      join(FIXTURES, 'records', 'pc1done.json'),
      '--really-do-it',
    ])
    expect(ok.err).toBe('')
    expect(ok.out).toContain('m-1000-n-7 (PC1Done): take-over: goes on from PC1Done')
  })
})
