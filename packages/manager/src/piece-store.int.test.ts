import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { commitmentToCid } from '@venus-cluster/core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createPieceStoreHandler } from './piece-store.js'
import type { RepairTasks } from './repair/tasks.js'

const dir = mkdtempSync(join(tmpdir(), 'vsm-pieces-'))
const a = join(dir, 'a')
const b = join(dir, 'b')
const piece = (n: number) => {
  const c = new Uint8Array(32).fill(n)
  c[31] = 0
  return commitmentToCid(c, 'commP').toString()
}
let market = ''
let server: Server
let base = ''

beforeAll(async () => {
  mkdirSync(a, { recursive: true })
  mkdirSync(b, { recursive: true })
  writeFileSync(join(b, piece(1)), 'piece one bytes')
  const handler = createPieceStoreHandler({ dirs: [a, b], marketUrl: () => market })
  server = createServer((req, res) => {
    if (!handler(req, res)) res.writeHead(418).end()
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()))
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})
afterAll(async () => {
  await new Promise<void>((r) => server.close(() => r()))
  rmSync(dir, { recursive: true, force: true })
})

describe('GET /piecestore/<pieceCID>', () => {
  it('streams the file from the first piece store that has it', async () => {
    const res = await fetch(`${base}/piecestore/${piece(1)}`)
    expect(res.status).toBe(200)
    expect(res.headers.get('content-length')).toBe('15')
    expect(await res.text()).toBe('piece one bytes')
  })

  it('answers 404 for a missing piece when no market is configured', async () => {
    market = ''
    const res = await fetch(`${base}/piecestore/${piece(2)}`)
    expect(res.status).toBe(404)
    expect(await res.text()).toMatch(/not found/)
  })

  it('redirects a missing piece to the market resource URL', async () => {
    market = 'http://market.example:41235'
    const res = await fetch(`${base}/piecestore/${piece(2)}`, { redirect: 'manual' })
    expect(res.status).toBe(302)
    expect(res.headers.get('location')).toBe(`http://market.example:41235/resource?resource-id=${piece(2)}`)
  })

  it('answers 405 to other methods and 400 to a bad CID', async () => {
    const post = await fetch(`${base}/piecestore/${piece(1)}`, { method: 'POST' })
    expect(post.status).toBe(405)
    expect(post.headers.get('allow')).toBe('GET')
    expect((await fetch(`${base}/piecestore/not-a-cid`)).status).toBe(400)
    expect((await fetch(`${base}/piecestore/..%2Fa`)).status).toBe(400)
    expect((await fetch(`${base}/piecestore/bafyreinvalid`)).status).toBe(400)
  })

  it('leaves other paths to the next listener', async () => {
    expect((await fetch(`${base}/rpc/v0`)).status).toBe(418)
  })
})

describe('GET /piecestore/<pieceCID> with tokens on', () => {
  it('refuses a request without a token, with a forged one or one lacking read, and serves a read token', async () => {
    const auth = {
      async verify(token: string) {
        if (token === 'read-token') return ['read' as const]
        if (token === 'no-read') return []
        throw new Error('signature mismatch')
      },
    }
    const handler = createPieceStoreHandler({ dirs: [b], auth })
    const guarded = createServer((req, res) => {
      if (!handler(req, res)) res.writeHead(418).end()
    })
    await new Promise<void>((r) => guarded.listen(0, '127.0.0.1', () => r()))
    const url = `http://127.0.0.1:${(guarded.address() as AddressInfo).port}/piecestore/${piece(1)}`
    try {
      const none = await fetch(url)
      expect(none.status).toBe(401)
      expect(none.headers.get('www-authenticate')).toBe('Bearer')
      expect((await fetch(url, { headers: { authorization: 'Bearer forged' } })).status).toBe(401)
      expect((await fetch(url, { headers: { authorization: 'Bearer no-read' } })).status).toBe(403)
      const ok = await fetch(url, { headers: { authorization: 'Bearer read-token' } })
      expect(ok.status).toBe(200)
      expect(await ok.text()).toBe('piece one bytes')
    } finally {
      await new Promise<void>((r) => guarded.close(() => r()))
    }
  })
})

describe('GET /piecestore/<pieceCID> with unseal on demand', () => {
  it('serves an unsealed copy, answers 503 with Retry-After while an unseal is queued or unseals are at their bound, and falls back to 404 for an unknown piece', async () => {
    const copy = join(dir, 'copy')
    writeFileSync(copy, 'unsealed bytes')
    const asked: string[] = []
    const states: Record<string, Awaited<ReturnType<RepairTasks['ensureUnsealed']>>> = {
      [piece(3)]: { state: 'copy', path: copy },
      [piece(4)]: {
        state: 'queued',
        task: {
          kind: 'unseal',
          id: { miner: 1000, number: 7 },
          piece: piece(4),
          state: 'running',
          worker: 'w1',
          detail: {},
          error: '',
          createdAt: 1,
          updatedAt: 1,
        },
      },
      [piece(5)]: { state: 'busy' },
    }
    const handler = createPieceStoreHandler({
      dirs: [a],
      unsealed: {
        ensureUnsealed: async (cid) => {
          asked.push(cid)
          return states[cid] ?? { state: 'unknown' }
        },
      },
    })
    const srv = createServer((req, res) => {
      if (!handler(req, res)) res.writeHead(418).end()
    })
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()))
    const at = `http://127.0.0.1:${(srv.address() as AddressInfo).port}/piecestore/`
    try {
      const got = await fetch(`${at}${piece(3)}`)
      expect(got.status).toBe(200)
      expect(await got.text()).toBe('unsealed bytes')
      const queued = await fetch(`${at}${piece(4)}`)
      expect(queued.status).toBe(503)
      expect(queued.headers.get('retry-after')).toBe('60')
      expect(await queued.text()).toMatch(/being unsealed from sector m-1000-n-7 \(running\)/)
      const busy = await fetch(`${at}${piece(5)}`)
      expect(busy.status).toBe(503)
      expect(busy.headers.get('retry-after')).toBe('300')
      expect((await fetch(`${at}${piece(6)}`)).status).toBe(404)
      expect(asked).toEqual([piece(3), piece(4), piece(5), piece(6)])
    } finally {
      await new Promise<void>((r) => srv.close(() => r()))
    }
  })
})
