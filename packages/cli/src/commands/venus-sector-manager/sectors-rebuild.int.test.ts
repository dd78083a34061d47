import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { mockProofs, parseWorkerConfig, prepareFileStore, prepareSealingStore } from '@venus-cluster/core'
import { createFakeChain, defaultMinerConfig, startManagerNode } from '@venus-cluster/manager'
import { createSealingWorker } from '@venus-cluster/sealer'
import { afterAll, describe, expect, it } from 'vitest'
import { sealDataSector } from '../../../../sealer/src/__fixtures__/data-sector.js'
import { vsmCli as cli } from '../../__fixtures__/vsm-cli.js'
import { sectorArgs } from './sectors-rebuild.js'

const dirs: string[] = []
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true })
})

describe('util sealer sectors rebuild | unseal | repair-tasks', () => {
  it('names a sector as <miner> <number> or in one word, and says what it takes otherwise', () => {
    expect(sectorArgs(['t01000', '3'])).toEqual({ Miner: 1000, Number: 3 })
    expect(sectorArgs(['m-1000-n-3'])).toEqual({ Miner: 1000, Number: 3 })
    expect(sectorArgs(['s-t01000-3'])).toEqual({ Miner: 1000, Number: 3 })
    expect(() => sectorArgs(['1000'])).toThrow(/<sector>: give <miner> <number>/)
  })

  it('unseals a piece through an unseal worker and writes it with --output; refuses to rebuild a sector not on chain', async () => {
    const home = mkdtempSync(join(tmpdir(), 'vsm-cli-repair-'))
    dirs.push(home)
    const ps = join(home, 'ps1')
    await prepareFileStore(ps)
    const store = join(home, 'store0')
    await prepareSealingStore(store)
    const chain = createFakeChain({ miners: { 1000: 2048 } })
    const node = await startManagerNode({
      home,
      listen: '127.0.0.1:0',
      config: { miners: [defaultMinerConfig(1000, 't01001')], persistStores: [{ name: 'ps1', path: ps }] },
      chain,
      messager: chain,
      tickMs: 3_600_000,
      auth: 'off',
    })
    const listen = `127.0.0.1:${node.port}`
    const worker = createSealingWorker({
      config: parseWorkerConfig(
        `[worker]\nname = "u1"\n[sector_manager.rpc_client]\naddr = "/ip4/127.0.0.1/tcp/${node.port}/http"\n[sealing]\nrecover_interval = "20ms"\n[[sealing_thread]]\nlocation = "${store}"\nplan = "unseal"\n[[attached]]\nname = "ps1"\nlocation = "${ps}"\n`,
        'unseal.toml',
      ),
      proofs: mockProofs(),
      controlApi: false,
    })
    try {
      const data = await sealDataSector({
        proofs: mockProofs(),
        store: node.manager.store,
        persist: ps,
        scratch: join(home, 'scratch'),
        miner: 1000,
        number: 40,
      })
      await worker.start()
      const out = join(home, 'piece.out')
      const piece = data.cids[1] as string
      const sealer = ['util', 'sealer', '--listen', listen, 'sectors']
      const r = await cli([...sealer, 'unseal', 't01000', '40', '--piece', piece, '--output', out])
      expect(r.err).toBe('')
      expect(r.code).toBe(0)
      expect(r.out).toContain(`wrote 900 bytes of ${piece} to ${out}`)
      expect(Buffer.from(readFileSync(out)).equals(data.payloads[1] as Buffer)).toBe(true)
      const tasks = await cli([...sealer, 'repair-tasks'])
      expect(tasks.out).toMatch(new RegExp(`m-1000-n-40\\tunseal ${piece}\\tdone\\tworker u1`))
      // Not on chain (the fake chain never saw it): nothing to rebuild, and why.
      const rb = await cli([...sealer, 'rebuild', 'm-1000-n-40'])
      expect(rb.code).toBe(1)
      expect(rb.err).toContain('the sector is not on chain: there is nothing to rebuild')
      const usage = await cli([...sealer, 'rebuild', '40'])
      expect(usage.code).toBe(1)
      expect(usage.err).toContain('<sector>: give <miner> <number>')
      const badPiece = await cli([...sealer, 'unseal', '1000', '40', '--piece', 'nope!'])
      expect(badPiece.code).toBe(1)
      expect(badPiece.err).toContain('Venus.UnsealPieceRequest: params[1] must be a piece CID')
    } finally {
      await worker.stop()
      await node.stop()
    }
  }, 60_000)
})
