import { connect } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import { createRpcServer, type RpcServerOptions } from './server.js'
import type { RpcMethod } from './types.js'

const cleanups: (() => Promise<void> | void)[] = []
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()?.()
})

const methods: Record<string, RpcMethod> = {
  'T.Small': (p) => p.length,
  'T.Big': (p) => p.length,
  'T.Perms': (_p, ctx) => ctx.permissions,
  'T.Wait': (_p, ctx) =>
    new Promise((r) => {
      const t = setTimeout(() => r('done'), 5000)
      ctx.signal.addEventListener('abort', () => {
        clearTimeout(t)
        r('aborted')
      })
    }),
}

async function start(extra: Partial<RpcServerOptions> = {}) {
  const server = createRpcServer({ methods, path: '/rpc/v0', ...extra })
  const info = await server.listen({ host: '127.0.0.1', port: 0 })
  cleanups.push(() => server.close())
  return info
}

async function post(url: string, body: string, headers: Record<string, string> = {}) {
  const res = await fetch(url, {
    method: 'POST',
    body,
    headers: { 'content-type': 'application/json', ...headers },
  })
  const text = await res.text()
  let json:
    | { error?: { code: number; message: string; data?: { code?: string } }; result?: unknown }
    | undefined
  try {
    json = JSON.parse(text)
  } catch {}
  return { status: res.status, text, json, headers: res.headers }
}

const call = (method: string, params: unknown[] = [], id = 1) =>
  JSON.stringify({ jsonrpc: '2.0', id, method, params })

function openWs(url: string, headers: Record<string, string> = {}): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers })
    cleanups.push(() => ws.terminate())
    ws.once('open', () => resolve(ws))
    ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)))
    ws.once('error', reject)
  })
}

function nextFrame(ws: WebSocket): Promise<{
  id?: unknown
  error?: { code: number; message: string; data?: { code?: string } }
  result?: unknown
}> {
  return new Promise((r) => ws.once('message', (d) => r(JSON.parse(String(d)))))
}

describe('JSON-RPC server bounds', () => {
  it('answers a million nested arrays with a -32700 parse error over HTTP and WebSocket', async () => {
    const { url, wsUrl } = await start({ maxBodyBytes: 4 * 1024 * 1024 })
    const deep = `{"jsonrpc":"2.0","id":1,"method":"T.Small","params":${'['.repeat(1_000_000)}${']'.repeat(1_000_000)}}`
    const res = await post(url, deep)
    expect(res.status).toBe(500)
    expect(res.json?.error).toMatchObject({
      code: -32700,
      message: expect.stringMatching(/nested deeper than 64 levels/),
    })
    expect(res.text).not.toMatch(/call stack/)
    const ws = await openWs(wsUrl)
    ws.send(deep)
    const frame = await nextFrame(ws)
    expect(frame.error).toMatchObject({
      code: -32700,
      message: expect.stringMatching(/nested deeper than 64 levels/),
    })
    ws.send(call('T.Small', [1, 2], 2))
    expect(await nextFrame(ws)).toMatchObject({ id: 2, result: 2 })
  })

  it('refuses a batch over the limit', async () => {
    const { url, wsUrl } = await start({ maxBatch: 3 })
    const batch = `[${Array.from({ length: 4 }, (_, i) => call('T.Small', [], i)).join(',')}]`
    expect((await post(url, batch)).json?.error).toEqual({
      code: -32600,
      message: 'batch of 4 calls is over the limit of 3',
    })
    const ws = await openWs(wsUrl)
    ws.send(batch)
    expect((await nextFrame(ws)).error?.code).toBe(-32600)
  })

  it('holds each method to its own body limit', async () => {
    const { url } = await start({
      maxBodyBytes: 64 * 1024,
      methodBodyBytes: (m) => (m === 'T.Big' ? undefined : 1024),
    })
    const params = ['x'.repeat(4096)]
    const small = await post(url, call('T.Small', params))
    expect(small.status).toBe(413)
    expect(small.json?.error).toMatchObject({
      code: -32700,
      message: expect.stringMatching(/'T.Small' takes requests of at most 1024 bytes, got 41\d\d/),
      data: { code: 'RPC_BODY_TOO_LARGE' },
    })
    expect((await post(url, call('T.Big', params))).json).toMatchObject({ result: 1 })
    expect((await post(url, call('T.Big', ['x'.repeat(70 * 1024)]))).status).toBe(413)
  })

  it('answers 503 (retry later) when the bodies in hand would pass the shared budget, but never to small ones', async () => {
    const { url, port } = await start({ maxBodyBytes: 300_000, maxBufferedBodyBytes: 200_000 })
    // One client announces 150 kB and sends it slowly: the budget holds 150 kB for it.
    const slow = connect(port, '127.0.0.1')
    cleanups.push(() => {
      slow.destroy()
    })
    await new Promise<void>((r) => slow.once('connect', () => r()))
    slow.write(
      'POST /rpc/v0 HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: 150000\r\n\r\n[',
    )
    await new Promise((r) => setTimeout(r, 100))
    const busy = await post(url, call('T.Big', ['x'.repeat(100_000)]))
    expect(busy.status).toBe(503)
    expect(busy.headers.get('retry-after')).toBe('1')
    expect(busy.json?.error?.data?.code).toBe('RPC_BUSY')
    // A worker's ordinary call still goes through.
    expect((await post(url, call('T.Small', ['x'.repeat(1000)]))).json).toMatchObject({ result: 1 })
    slow.destroy()
    await new Promise((r) => setTimeout(r, 100))
    expect((await post(url, call('T.Big', ['x'.repeat(100_000)]))).json).toMatchObject({ result: 1 })
  })

  it('caps the calls running on one WebSocket', async () => {
    const { wsUrl } = await start({ maxCallsPerSocket: 2 })
    const ws = await openWs(wsUrl)
    const frames: { id?: unknown; error?: { data?: { code?: string } } }[] = []
    ws.on('message', (d) => frames.push(JSON.parse(String(d))))
    ws.send(call('T.Wait', [], 1))
    ws.send(call('T.Wait', [], 2))
    ws.send(call('T.Wait', [], 3))
    await new Promise((r) => setTimeout(r, 200))
    expect(frames).toEqual([
      expect.objectContaining({
        id: 3,
        error: expect.objectContaining({ data: expect.objectContaining({ code: 'RPC_BUSY' }) }),
      }),
    ])
  })
})

describe('JSON-RPC server: tokens and browsers', () => {
  const authorize = (token: string | undefined) => {
    if (token === undefined) return ['read' as const]
    if (token === 'good') return ['read' as const, 'admin' as const]
    throw new Error('bad token')
  }

  it('refuses ?token= when query tokens are off, on HTTP and WebSocket upgrades', async () => {
    const { url, wsUrl } = await start({ authorize, queryToken: false })
    const res = await post(`${url}?token=good`, call('T.Perms'))
    expect(res.status).toBe(401)
    expect(res.text).toMatch(/tokens are not accepted in the URL/)
    await expect(openWs(`${wsUrl}?token=good`)).rejects.toThrow(/HTTP 401/)
    expect((await post(url, call('T.Perms'), { authorization: 'Bearer good' })).json).toMatchObject({
      result: ['read', 'admin'],
    })
  })

  it('refuses tokenless calls a web page could send: foreign Origin, cross-site fetch, non-JSON body', async () => {
    const { url, wsUrl, port } = await start({ authorize })
    const foreign = await post(url, call('T.Perms'), { origin: 'http://evil.example' })
    expect(foreign.status).toBe(403)
    expect(foreign.text).toMatch(/origin "http:\/\/evil.example" without a token/)
    expect((await post(url, call('T.Perms'), { 'sec-fetch-site': 'cross-site' })).status).toBe(403)
    const text = await post(url, call('T.Perms'), { 'content-type': 'text/plain' })
    expect(text.status).toBe(415)
    expect(text.text).toMatch(/Content-Type: application\/json/)
    await expect(openWs(wsUrl, { origin: 'http://evil.example' })).rejects.toThrow(/HTTP 403/)
    // What the original worker sends: JSON, no Origin. Our own page's origin is fine too.
    expect((await post(url, call('T.Perms'))).json).toMatchObject({ result: ['read'] })
    const own = await openWs(wsUrl, { origin: `http://127.0.0.1:${port}` })
    own.send(call('T.Perms'))
    expect(await nextFrame(own)).toMatchObject({ result: ['read'] })
    // With a token in the header the caller is not a page borrowing the network's trust.
    expect(
      (await post(url, call('T.Perms'), { authorization: 'Bearer good', 'content-type': 'text/plain' })).json,
    ).toMatchObject({
      result: ['read', 'admin'],
    })
  })

  it('answers a CORS preflight from another origin with 403 and a plain OPTIONS with 204', async () => {
    const { url } = await start({ authorize })
    const pre = await fetch(url, {
      method: 'OPTIONS',
      headers: { origin: 'http://evil.example', 'access-control-request-method': 'POST' },
    })
    expect(pre.status).toBe(403)
    expect(pre.headers.get('access-control-allow-origin')).toBeNull()
    const plain = await fetch(url, { method: 'OPTIONS' })
    expect(plain.status).toBe(204)
    expect(plain.headers.get('allow')).toBe('POST, OPTIONS')
  })
})

describe('JSON-RPC server attached beside other listeners', () => {
  it('leaves an unroutable target to the host listener instead of answering it twice', async () => {
    const { createServer } = await import('node:http')
    const { rawHttp } = await import('../http/conformance.js')
    const host = createServer((_req, res) => {
      res.writeHead(418).end()
    })
    const rpc = createRpcServer({ methods, path: '/rpc/v0' })
    rpc.attach(host)
    await new Promise<void>((r) => host.listen(0, '127.0.0.1', () => r()))
    cleanups.push(() => new Promise<void>((r) => host.close(() => r())))
    cleanups.push(() => rpc.close())
    const port = (host.address() as { port: number }).port
    for (const target of ['/x/../rpc/v0', '/rpc/v0#x', '/rpc/v0']) {
      const a = await rawHttp(port, `GET ${target} HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n`, {
        waitMs: 2000,
      })
      expect(a.status).toBe(418)
      expect(a.text.match(/HTTP\/1\.1/g)?.length).toBe(1)
    }
  })
})
