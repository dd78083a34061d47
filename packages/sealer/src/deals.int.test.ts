import { createServer, type Server } from 'node:http'
import { commitmentToCid, mockProofs } from '@venus-cluster/core'
import { afterEach, describe, expect, it } from 'vitest'
import { type WorkerEnv, workerEnv } from './__fixtures__/env.js'
import { fakeSealer } from './__fixtures__/fake-sealer.js'
import { createSealingWorker, type SealingWorker } from './worker.js'

let env: WorkerEnv | undefined
let worker: SealingWorker | undefined
let server: Server | undefined
afterEach(async () => {
  await worker?.stop()
  await new Promise((r) => (server ? server.close(r) : r(undefined)))
  env?.cleanup()
})

describe('deal sectors', () => {
  it('fetches pieces through the manager piece proxy (following its redirect with the token) and seals them', async () => {
    const proofs = mockProofs()
    const payload = new Uint8Array(900).map((_, i) => (i * 7) % 251)
    const { commP } = await proofs.generatePieceCommitment({
      proofType: 5,
      source: payload,
      unpaddedSize: 1016,
    })
    const cid = commitmentToCid(commP, 'commP').toString()
    const auth: (string | undefined)[] = []
    server = createServer((req, res) => {
      if (req.url === `/piecestore/${cid}`) {
        auth.push(req.headers.authorization)
        res.writeHead(302, { location: `/market/resource?resource-id=${cid}` }).end()
      } else if (req.url === `/market/resource?resource-id=${cid}`) {
        auth.push(req.headers.authorization)
        res.end(Buffer.from(payload))
      } else res.writeHead(404).end()
    })
    await new Promise<void>((r) => server?.listen(0, '127.0.0.1', r))
    const addr = server.address()
    const port = typeof addr === 'object' && addr !== null ? addr.port : 0
    env = await workerEnv({
      managerAddr: `/ip4/127.0.0.1/tcp/${port}`,
      sealing: 'enable_deals = true\nmax_deals = 2',
    })
    env.config.sectorManager.pieceToken = 'secret'
    const fake = fakeSealer({ sectors: 1, persistStores: { ps1: env.persist } })
    fake.methods['Venus.AcquireDeals'] = (params) => {
      expect(params[1]).toEqual({ MaxDeals: 2 })
      return [
        { ID: 7, PayloadSize: 900, Piece: { Size: 1024, Cid: { '/': cid } }, Proposal: null },
        { ID: 0, PayloadSize: 1016, Piece: { Size: 1024, Cid: { '/': cid } }, Proposal: null },
      ]
    }
    worker = createSealingWorker({
      config: env.config,
      proofs,
      sealer: fake.client,
      controlApi: false,
      managerToken: 'manager-token',
    })
    await worker.start()
    for (let i = 0; i < 1000 && fake.finalized.length === 0; i++) await new Promise((r) => setTimeout(r, 10))
    expect(fake.finalized).toEqual(['m-1000-s-1'])
    // The manager's token goes to the manager only, the piece token only to the market.
    expect(auth).toEqual(['Bearer manager-token', 'Bearer secret'])
    const pre = fake.calls.find((c) => c.method === 'SubmitPreCommit')
    expect((pre?.params[1] as { Deals: number[] } | undefined)?.Deals).toEqual([7, 0])
  })

  it('pauses the thread when piece data does not match the deal CID, keeping the sector', async () => {
    const proofs = mockProofs()
    const other = await proofs.generatePieceCommitment({
      proofType: 5,
      source: new Uint8Array(1016).fill(9),
      unpaddedSize: 1016,
    })
    const cid = commitmentToCid(other.commP, 'commP').toString()
    server = createServer((_req, res) => res.end(Buffer.alloc(1016, 1)))
    await new Promise<void>((r) => server?.listen(0, '127.0.0.1', r))
    const addr = server.address()
    const port = typeof addr === 'object' && addr !== null ? addr.port : 0
    env = await workerEnv({ managerAddr: `/ip4/127.0.0.1/tcp/${port}`, sealing: 'enable_deals = true' })
    const fake = fakeSealer({ sectors: 1 })
    fake.methods['Venus.AcquireDeals'] = () => [
      { ID: 3, PayloadSize: 1016, Piece: { Size: 1024, Cid: { '/': cid } }, Proposal: null },
    ]
    worker = createSealingWorker({ config: env.config, proofs, sealer: fake.client, controlApi: false })
    await worker.start()
    const t = worker.threads[0]
    for (let i = 0; i < 500 && !t?.info().paused; i++) await new Promise((r) => setTimeout(r, 10))
    expect(t?.info()).toMatchObject({
      paused: true,
      state: 'DealsAcquired',
      sectorId: { miner: 1000, number: 1 },
    })
    expect(t?.info().lastError).toMatch(/deal 3: piece data does not match its CID/)
    expect(fake.aborted).toEqual([])
  })
})
