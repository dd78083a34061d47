import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { UnsealRequest } from '@venus-cluster/core'
import { startFakeMarket } from '@venus-cluster/core/testing'
import { afterEach, describe, expect, it } from 'vitest'
import { sealedDealSector } from '../__fixtures__/repair-records.js'
import type { ManagerChain, ManagerMessager } from '../chain.js'
import { defaultMinerConfig } from '../config.js'
import { createServiceContext } from '../context.js'
import { RepairTasks } from '../repair/tasks.js'
import { openSqliteStore } from '../store/sqlite.js'
import { resolveUnsealDest } from './dests.js'
import { MarketUnsealService } from './service.js'

const PIECE = 'baga6ea4seaqao7s73y24kcutaosvacpdjgfe5pw76ooefnyqw4ynr3d2y6x2mpq'
const commR = Uint8Array.from({ length: 32 }, (_, i) => i + 1)
const commD = Uint8Array.from({ length: 32 }, (_, i) => 40 - i)
const spec = { allowedMiners: null, allowedProofTypes: null }

const cleanups: (() => Promise<void> | void)[] = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

async function waitFor(what: string, cond: () => boolean | Promise<boolean>, ms = 10_000): Promise<void> {
  const end = Date.now() + ms
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 10))
  }
}

async function setup(over: { token?: string; reconnectMs?: number } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'vsm-market-unseal-'))
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }))
  const persist = join(dir, 'persist')
  const allowed = join(dir, 'allowed')
  const pieces = join(dir, 'pieces')
  for (const d of [persist, allowed, pieces]) mkdirSync(d)
  const market = await startFakeMarket({ token: over.token ?? 'market-secret' })
  cleanups.push(() => market.close())
  const store = await openSqliteStore({ path: ':memory:' })
  cleanups.push(() => store.close())
  const chain = {
    async networkParams() {
      return { addressPrefix: 't' }
    },
  } as unknown as ManagerChain
  const ctx = createServiceContext({
    store,
    chain,
    messager: {} as ManagerMessager,
    config: {
      miners: [defaultMinerConfig(1000, 't01001')],
      persistStores: [{ name: 'ps1', path: persist }],
      pieceStores: [{ name: 'pieces', path: pieces }],
      market: { api: market.url, token: over.token ?? 'market-secret' },
      unseal: { listenMarketEvents: true, allowedFileDirs: [allowed] },
    },
  })
  const repair = new RepairTasks(ctx)
  const svc = new MarketUnsealService({
    context: ctx,
    repair,
    reconnectMinDelayMs: over.reconnectMs ?? 20,
    uploadAttempts: 1,
  })
  await svc.start()
  cleanups.push(() => svc.stop())
  await market.waitForStream('t01000')
  const id = await sealedDealSector(store, { miner: 1000, number: 7 }, PIECE, { commR, commD })
  /** What a worker does: takes the task, writes the copy, submits it. */
  const unsealAsWorker = async () => {
    const job = await repair.allocateUnseal(spec, 'w1')
    expect(job?.pieceCid).toBe(PIECE)
    mkdirSync(join(persist, 'piece'), { recursive: true })
    writeFileSync(join(persist, 'piece', PIECE), Buffer.alloc(900, 0xab))
    expect((await repair.submitUnsealed(id, PIECE, 'ps1')).result).toBe(1)
  }
  const req = (dest: string, more: Partial<UnsealRequest> = {}): UnsealRequest => ({
    pieceCid: PIECE,
    miner: 1000,
    sectorNumber: 7,
    offset: 1016,
    size: 1016,
    dest,
    ...more,
  })
  return { market, store, repair, svc, id, persist, allowed, pieces, unsealAsWorker, req }
}

describe('MarketUnsealService', () => {
  it('answers a market request with the task state, uploads the copy to the configured market with its token, then answers finished', async () => {
    const { market, repair, id, unsealAsWorker, req, svc } = await setup()
    // The dest names another host and token: both are replaced by the configured market's.
    const dest = `market://store-1/${PIECE}?host=evil.example:80&token=stolen`
    expect(await market.requestUnseal(req(dest))).toMatchObject({ state: 'set_up' })
    expect(await market.requestUnseal(req(dest))).toMatchObject({ state: 'set_up' })
    expect((await repair.get('unseal', id, PIECE))?.detail.marketDests).toEqual([
      { dest, state: 'pending', error: '' },
    ])
    const uploaded = new Promise((r) => svc.once('uploaded', r))
    await unsealAsWorker()
    await uploaded
    expect(market.uploads).toHaveLength(1)
    expect(market.uploads[0]).toMatchObject({
      resourceId: PIECE,
      store: 'store-1',
      authorization: 'Bearer market-secret',
    })
    expect(market.uploads[0]?.body.equals(Buffer.alloc(900, 0xab))).toBe(true)
    expect(await market.requestUnseal(req(dest))).toMatchObject({ state: 'finished' })
  })

  it('answers unsealing while a worker has the task, and uploads a destination added after the unseal', async () => {
    const { market, repair, id, unsealAsWorker, req, allowed } = await setup()
    expect(await market.requestUnseal(req(`market://s/${PIECE}`))).toMatchObject({ state: 'set_up' })
    await repair.allocateUnseal(spec, 'w1')
    expect(await market.requestUnseal(req(`market://s/${PIECE}`))).toMatchObject({ state: 'unsealing' })
    await repair.reportFailed({ kind: 'unseal', id, piece: PIECE }, 'disk gone')
    expect(await market.requestUnseal(req(`market://s/${PIECE}`))).toMatchObject({ state: 'failed' })
    // A new destination asks again: a new attempt.
    const file = join(allowed, 'copy.bin')
    expect(await market.requestUnseal(req(`file://${file}`))).toMatchObject({ state: 'set_up' })
    await unsealAsWorker()
    await waitFor('the file copy', () => existsSync(file))
    expect(readFileSync(file).equals(Buffer.alloc(900, 0xab))).toBe(true)
    await waitFor('finished', async () => {
      const a = await market.requestUnseal(req(`file://${file}`))
      return 'state' in a && a.state === 'finished'
    })
  })

  it('refuses destinations a peer must not decide, and requests that do not match the sector', async () => {
    const { market, req } = await setup()
    const refusals: [UnsealRequest, RegExp][] = [
      [req('file:///etc/passwd'), /not under an allowed directory/],
      [req(`file:///tmp/../etc/x`), /not under an allowed directory/],
      [req(`http://user:pw@10.0.0.1/${PIECE}`), /user or password/],
      [
        req(`market://s/baga6ea4seaqjtovkwk4myyzj56eztkh5pzsk5upksan6f5outesy62bsvl4dsha`),
        /not the piece asked for/,
      ],
      [req(`market://s/${PIECE}`, { offset: 0 }), /Offset\/Size/],
      [req('gopher://x/y'), /scheme must be/],
      [req(`store://nope/${PIECE}`), /piece store "nope" is not configured/],
      [req(`market://s/${PIECE}`, { miner: 1001 }), /no stream open|not a miner|stream of/],
      [req(`https://x/${'a'.repeat(3000)}`), /at most 2048 characters/],
    ]
    for (const [r, why] of refusals) {
      const answer =
        r.miner === 1001
          ? await market.send(
              't01000',
              {
                Id: 'm1',
                Method: 'SectorsUnsealPiece',
                Payload: Buffer.from(
                  JSON.stringify({
                    PieceCid: { '/': PIECE },
                    Miner: 't01001',
                    Sid: 7,
                    Offset: 1016,
                    Size: 1016,
                    Dest: r.dest,
                  }),
                ).toString('base64'),
              },
              'm1',
            )
          : await market.requestUnseal(r)
      expect(answer, r.dest.slice(0, 60)).toMatchObject({ error: expect.stringMatching(why) })
    }
    expect(await market.send('t01000', { Id: 'x1', Method: 'Other', Payload: null }, 'x1')).toMatchObject({
      error: expect.stringMatching(/Other is not handled/),
    })
    expect(
      await market.send('t01000', { Id: 'x2', Method: 'SectorsUnsealPiece', Payload: '!!' }, 'x2'),
    ).toMatchObject({ error: expect.stringMatching(/Payload: must be base64/) })
    expect(market.uploads).toEqual([])
  })

  it('opens the stream again, with backoff, after the market drops it', async () => {
    const { market, req } = await setup()
    expect(market.listens).toEqual(['t01000'])
    market.dropStreams()
    await waitFor('a second stream', () => market.listens.length === 2 && market.openStreams('t01000') === 1)
    expect(await market.requestUnseal(req(`market://s/${PIECE}`))).toMatchObject({ state: 'set_up' })
  })

  it('copies to a configured piece store for store:// destinations', async () => {
    const { market, unsealAsWorker, req, pieces } = await setup()
    expect(await market.requestUnseal(req(`store://pieces/${PIECE}`))).toMatchObject({ state: 'set_up' })
    await unsealAsWorker()
    await waitFor('the piece store copy', () => existsSync(join(pieces, PIECE)))
  })
})

describe('resolveUnsealDest', () => {
  const cfg = {
    market: { api: 'http://10.0.0.6:41235', token: 'tok' },
    allowedFileDirs: ['/data/out'],
    pieceStores: [],
  }
  it('sends the configured token only to the configured market, and nothing with plain http', () => {
    expect(resolveUnsealDest(`market://st/${PIECE}?host=h:1&scheme=https&token=x`, PIECE, cfg)).toEqual({
      kind: 'http',
      url: `http://10.0.0.6:41235/resource?resource-id=${PIECE}&store=st`,
      headers: { authorization: 'Bearer tok' },
    })
    expect(resolveUnsealDest('https://up.example/p', PIECE, cfg)).toEqual({
      kind: 'http',
      url: 'https://up.example/p',
      headers: {},
    })
    expect(() =>
      resolveUnsealDest(`market://st/${PIECE}`, PIECE, { ...cfg, market: { api: '', token: '' } }),
    ).toThrow(/needs the market API/)
    expect(resolveUnsealDest('file:///data/out/a/b', PIECE, cfg)).toEqual({
      kind: 'file',
      path: '/data/out/a/b',
    })
    expect(() => resolveUnsealDest('file:///data/out', PIECE, cfg)).toThrow(/not under an allowed directory/)
    expect(() => resolveUnsealDest('file:///data/outside', PIECE, cfg)).toThrow(
      /not under an allowed directory/,
    )
  })
})
