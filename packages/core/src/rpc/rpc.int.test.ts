import { createServer, type Server } from 'node:http'
import { afterEach, describe, expect, it } from 'vitest'
import WebSocket, { WebSocketServer } from 'ws'
import { isVenusError, VenusError } from '../errors/index.js'
import { createRpcClient } from './client.js'
import { createRpcServer, type RpcServer, type RpcServerOptions } from './server.js'
import { httpTransport, wsTransport } from './transports.js'
import type { RpcMethod, RpcPermission, RpcTransport } from './types.js'

const cleanups: (() => Promise<void> | void)[] = []
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()?.()
})

function sleep(ms: number) {
  return new Promise((r) => setTimeout(r, ms))
}

function waitAbort(signal: AbortSignal): Promise<void> {
  return new Promise((r) => {
    if (signal.aborted) r()
    signal.addEventListener('abort', () => r(), { once: true })
  })
}

const log: string[] = []

const methods: Record<string, RpcMethod> = {
  'Test.Echo': (params) => params,
  'Test.Add': (params) => {
    if (params.length !== 2)
      throw new VenusError(
        'RPC_INVALID_PARAMS',
        `wrong param count (method 'Test.Add'): ${params.length} != 2`,
      )
    const [a, b] = params
    if (typeof a !== 'number' || typeof b !== 'number')
      throw new VenusError('RPC_INVALID_PARAMS', 'Test.Add takes two numbers')
    return a + b
  },
  'Test.Void': () => undefined,
  'Test.Fail': () => {
    throw new VenusError('SECTOR_NOT_FOUND', 'sector 7 is not known', { details: { sector: 7 } })
  },
  'Test.Throw': () => {
    throw new Error('plain failure')
  },
  'Test.Perms': (_p, ctx) => ctx.permissions,
  'Test.Sign': () => 'signed',
  'Test.BigInt': () => ({ value: 1n }),
  'Test.Slow': async (_p, ctx) => {
    await Promise.race([sleep(2000), waitAbort(ctx.signal)])
    if (ctx.signal.aborted) log.push('slow-aborted')
    return 'slow'
  },
  'Test.Count': (params, ctx) => {
    const n = Number(params[0] ?? 3)
    return (async function* () {
      try {
        for (let i = 0; i < n; i++) {
          if (ctx.signal.aborted) return
          yield { i }
        }
      } finally {
        log.push('count-finished')
      }
    })()
  },
  'Test.Forever': (_p, ctx) =>
    (async function* () {
      try {
        let i = 0
        while (!ctx.signal.aborted) {
          yield i++
          await Promise.race([sleep(10), waitAbort(ctx.signal)])
        }
      } finally {
        log.push('forever-finished')
      }
    })(),
}

async function start(
  extra: Partial<RpcServerOptions> = {},
): Promise<{ server: RpcServer; url: string; wsUrl: string; port: number }> {
  const server = createRpcServer({ methods, path: '/rpc/v1', ...extra })
  const info = await server.listen({ host: '127.0.0.1', port: 0 })
  cleanups.push(() => server.close())
  return { server, ...info }
}

function track<T extends RpcTransport>(t: T): T {
  cleanups.push(() => t.close?.())
  return t
}

async function post(url: string, body: string, headers: Record<string, string> = {}) {
  const res = await fetch(url, {
    method: 'POST',
    body,
    headers: { 'content-type': 'application/json', ...headers },
  })
  const text = await res.text()
  let json: Record<string, unknown> | undefined
  try {
    json = JSON.parse(text) as Record<string, unknown>
  } catch {}
  return { status: res.status, text, json }
}

async function catchErr(p: Promise<unknown>): Promise<VenusError> {
  try {
    await p
  } catch (err) {
    if (isVenusError(err)) return err
    throw err
  }
  throw new Error('expected a rejection')
}

describe.each(['http', 'ws'] as const)('RPC round trips over %s', (kind) => {
  const make = (url: string, wsUrl: string, token?: string) =>
    track(
      kind === 'http'
        ? httpTransport(url, { token })
        : wsTransport(wsUrl, { token, reconnectAttempts: 1, reconnectMinDelayMs: 10 }),
    )

  it('returns results of positional params, null for void', async () => {
    const { url, wsUrl } = await start()
    const c = createRpcClient(make(url, wsUrl))
    expect(await c.call('Test.Add', [2, 3])).toBe(5)
    expect(await c.call('Test.Echo', ['a', { b: [1] }])).toEqual(['a', { b: [1] }])
    expect(await c.call('Test.Void', [])).toBeNull()
  })

  it('rebuilds VenusErrors with code, message and details', async () => {
    const { url, wsUrl } = await start()
    const c = createRpcClient(make(url, wsUrl))
    const err = await catchErr(c.call('Test.Fail', []))
    expect(err.code).toBe('SECTOR_NOT_FOUND')
    expect(err.message).toBe('sector 7 is not known')
    expect(err.details).toMatchObject({ sector: 7, rpcCode: 1 })
    const plain = await catchErr(c.call('Test.Throw', []))
    expect(plain.code).toBe('RPC_SERVER')
    expect(plain.message).toBe('plain failure')
  })

  it('answers unknown methods and bad params with -32601 / -32602 and keeps serving', async () => {
    const { url, wsUrl } = await start()
    const c = createRpcClient(make(url, wsUrl))
    const nf = await catchErr(c.call('Test.Nope', []))
    expect(nf.code).toBe('RPC_METHOD_NOT_FOUND')
    expect(nf.details.rpcCode).toBe(-32601)
    const bad = await catchErr(c.call('Test.Add', [1]))
    expect(bad.code).toBe('RPC_INVALID_PARAMS')
    expect(bad.details.rpcCode).toBe(-32602)
    expect(await c.call('Test.Add', [1, 1])).toBe(2)
  })

  it('refuses calls beyond the token permissions and bad tokens', async () => {
    const authorize = (token: string | undefined): RpcPermission[] => {
      if (token === undefined) return ['read']
      if (token === 'signer') return ['read', 'write', 'sign']
      throw new Error('bad token')
    }
    const { url, wsUrl } = await start({ authorize, permissions: { 'Test.Sign': 'sign' } })
    const anon = createRpcClient(make(url, wsUrl))
    expect(await anon.call('Test.Perms', [])).toEqual(['read'])
    const denied = await catchErr(anon.call('Test.Sign', []))
    expect(denied.code).toBe('PERMISSION_DENIED')
    expect(denied.message).toBe("missing permission to invoke 'Test.Sign' (need 'sign')")
    const signer = createRpcClient(make(url, wsUrl, 'signer'))
    expect(await signer.call('Test.Sign', [])).toBe('signed')
    const wrong = createRpcClient(make(url, wsUrl, 'forged'))
    expect((await catchErr(wrong.call('Test.Perms', []))).code).toBe('UNAUTHENTICATED')
  })

  it('times out and aborts calls', async () => {
    const { url, wsUrl } = await start()
    const c = createRpcClient(make(url, wsUrl))
    const t = await catchErr(c.call('Test.Slow', [], { timeoutMs: 50 }))
    expect(t.code).toBe('RPC_TIMEOUT')
    const ac = new AbortController()
    const p = c.call('Test.Slow', [], { signal: ac.signal })
    setTimeout(() => ac.abort(), 20)
    expect((await catchErr(p)).code).toBe('ABORTED')
    expect(await c.call('Test.Add', [1, 2])).toBe(3)
  })

  it('serves many concurrent calls', async () => {
    const { url, wsUrl } = await start()
    const c = createRpcClient(make(url, wsUrl))
    const out = await Promise.all(Array.from({ length: 100 }, (_, i) => c.call('Test.Add', [i, i])))
    expect(out).toEqual(Array.from({ length: 100 }, (_, i) => 2 * i))
  })
})

describe('RPC over HTTP', () => {
  it('answers malformed requests with go-jsonrpc codes and HTTP 500', async () => {
    const { url } = await start()
    const parse = await post(url, '{nope')
    expect(parse.status).toBe(500)
    expect(parse.json).toMatchObject({ jsonrpc: '2.0', id: null, error: { code: -32700 } })
    expect((await post(url, '  ')).json).toMatchObject({ error: { code: -32600 } })
    const noMethod = await post(url, JSON.stringify({ jsonrpc: '2.0', id: 1, params: [] }))
    expect(noMethod.json).toMatchObject({ id: 1, error: { code: -32600 } })
    const objParams = await post(
      url,
      JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'Test.Echo', params: { a: 1 } }),
    )
    expect(objParams.json).toMatchObject({ id: 2, error: { code: -32602 } })
    const unknown = await post(url, JSON.stringify({ jsonrpc: '2.0', id: 'x', method: 'Nope', params: [] }))
    expect(unknown.json).toMatchObject({
      id: 'x',
      error: { code: -32601, message: "method 'Nope' not found" },
    })
    const ok = await post(url, JSON.stringify({ jsonrpc: '2.0', id: 3, method: 'Test.Void', params: [] }))
    expect(ok.status).toBe(200)
    expect(ok.text).toBe('{"jsonrpc":"2.0","id":3,"result":null}')
  })

  it('answers handler errors with code 1, HTTP 200 and the VenusError in data', async () => {
    const { url } = await start()
    const res = await post(url, JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'Test.Fail', params: [] }))
    expect(res.status).toBe(200)
    expect(res.json).toMatchObject({
      error: {
        code: 1,
        message: 'sector 7 is not known',
        data: { code: 'SECTOR_NOT_FOUND', details: { sector: 7 } },
      },
    })
  })

  it('answers batches in order and skips notifications', async () => {
    const { url } = await start()
    const res = await post(
      url,
      JSON.stringify([
        { jsonrpc: '2.0', id: 1, method: 'Test.Add', params: [1, 2] },
        { jsonrpc: '2.0', method: 'Test.Void', params: [] },
        { jsonrpc: '2.0', id: 2, method: 'Nope', params: [] },
      ]),
    )
    expect(res.json).toEqual([
      { jsonrpc: '2.0', id: 1, result: 3 },
      { jsonrpc: '2.0', id: 2, error: { code: -32601, message: "method 'Nope' not found" } },
    ])
    expect((await post(url, '[]')).json).toMatchObject({ error: { code: -32600 } })
  })

  it('refuses bodies over the limit with RPC_BODY_TOO_LARGE and keeps serving', async () => {
    const { url } = await start({ maxBodyBytes: 1024 })
    const big = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'Test.Echo', params: ['x'.repeat(4096)] })
    const res = await post(url, big)
    expect(res.status).toBe(413)
    expect(res.json).toMatchObject({ error: { code: -32700, data: { code: 'RPC_BODY_TOO_LARGE' } } })
    const c = createRpcClient(httpTransport(url))
    const err = await catchErr(c.call('Test.Echo', ['y'.repeat(2048)]))
    expect(err.code).toBe('RPC_BODY_TOO_LARGE')
    expect(await c.call('Test.Add', [1, 1])).toBe(2)
  })

  it('refuses channel methods over HTTP with -32601 and releases the producer', async () => {
    const { url } = await start()
    log.length = 0
    const res = await post(url, JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'Test.Count', params: [3] }))
    expect(res.json).toMatchObject({
      error: {
        code: -32601,
        message: "method 'Test.Count' not supported in this mode (no out channel support)",
      },
    })
    const c = createRpcClient(httpTransport(url))
    await expect(c.call('Test.Count', [1])).rejects.toMatchObject({ code: 'RPC_METHOD_NOT_FOUND' })
    const it = c.subscribe('Test.Count', [1])[Symbol.asyncIterator]()
    await expect(it.next()).rejects.toMatchObject({ code: 'UNSUPPORTED' })
  })

  it('takes the token from ?token= and refuses a header without Bearer', async () => {
    const { url } = await start({ authorize: (t) => (t === 'tok' ? ['read', 'admin'] : ['read']) })
    const body = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'Test.Perms', params: [] })
    expect((await post(`${url}?token=tok`, body)).json).toMatchObject({ result: ['read', 'admin'] })
    expect((await post(url, body, { authorization: 'tok' })).status).toBe(401)
  })

  it('attaches to an existing http.Server next to other routes', async () => {
    const http: Server = createServer((req, res) => {
      if (req.url === '/health') res.end('ok')
    })
    const server = createRpcServer({ methods, path: '/rpc/v0' })
    server.attach(http)
    await new Promise<void>((r) => http.listen(0, '127.0.0.1', () => r()))
    cleanups.push(() => new Promise<void>((r) => http.close(() => r())))
    cleanups.push(() => server.close())
    const port = (http.address() as { port: number }).port
    expect(await (await fetch(`http://127.0.0.1:${port}/health`)).text()).toBe('ok')
    const wsc = createRpcClient(track(wsTransport(`ws://127.0.0.1:${port}/rpc/v0`)))
    expect(await wsc.call('Test.Add', [4, 4])).toBe(8)
    const hc = createRpcClient(httpTransport(`http://127.0.0.1:${port}/rpc/v0`))
    expect(await hc.call('Test.Add', [5, 5])).toBe(10)
  })

  it('answers 404 on other paths of an attached server that has no handler of its own', async () => {
    const http: Server = createServer()
    const server = createRpcServer({ methods, path: '/rpc/v0' })
    server.attach(http)
    await new Promise<void>((r) => http.listen(0, '127.0.0.1', () => r()))
    cleanups.push(() => new Promise<void>((r) => http.close(() => r())))
    cleanups.push(() => server.close())
    const port = (http.address() as { port: number }).port
    expect((await fetch(`http://127.0.0.1:${port}/elsewhere`)).status).toBe(404)
    expect((await fetch(`http://127.0.0.1:${port}/rpc/v0`)).status).toBe(405)
    const t = track(wsTransport(`ws://127.0.0.1:${port}/nope`, { reconnectAttempts: 0 }))
    await expect(createRpcClient(t).call('Test.Void')).rejects.toMatchObject({ code: 'RPC_TRANSPORT' })
  })
})

describe('RPC channels over WebSocket', () => {
  it('streams values and ends when the server closes the channel', async () => {
    const { wsUrl } = await start()
    const c = createRpcClient(track(wsTransport(wsUrl)))
    const got: unknown[] = []
    for await (const v of c.subscribe('Test.Count', [4])) got.push(v)
    expect(got).toEqual([{ i: 0 }, { i: 1 }, { i: 2 }, { i: 3 }])
    expect(await c.call('Test.Add', [1, 1])).toBe(2)
  })

  it('speaks the go-jsonrpc channel protocol on the wire', async () => {
    const { wsUrl } = await start()
    const sock = new WebSocket(wsUrl)
    cleanups.push(() => sock.terminate())
    const frames: Record<string, unknown>[] = []
    await new Promise((r) => sock.once('open', r))
    const closed = new Promise<void>((r) =>
      sock.on('message', (d) => {
        const m = JSON.parse(String(d)) as Record<string, unknown>
        frames.push(m)
        if (m.method === 'xrpc.ch.close') r()
      }),
    )
    sock.send(JSON.stringify({ jsonrpc: '2.0', id: 7, method: 'Test.Count', params: [2] }))
    await closed
    expect(frames).toEqual([
      { jsonrpc: '2.0', id: 7, result: 1 },
      { jsonrpc: '2.0', method: 'xrpc.ch.val', params: [1, { i: 0 }] },
      { jsonrpc: '2.0', method: 'xrpc.ch.val', params: [1, { i: 1 }] },
      { jsonrpc: '2.0', method: 'xrpc.ch.close', params: [1] },
    ])
  })

  it('cancels a channel when the consumer breaks, and the producer stops', async () => {
    log.length = 0
    const { wsUrl, server } = await start()
    const c = createRpcClient(track(wsTransport(wsUrl)))
    let n = 0
    for await (const _ of c.subscribe('Test.Forever', [])) if (++n === 3) break
    for (let i = 0; i < 100 && !log.includes('forever-finished'); i++) await sleep(10)
    expect(log).toContain('forever-finished')
    expect(server.inFlight).toBe(0)
    expect(await c.call('Test.Add', [1, 1])).toBe(2)
  })

  it('cancels a channel by AbortSignal with ABORTED', async () => {
    log.length = 0
    const { wsUrl } = await start()
    const c = createRpcClient(track(wsTransport(wsUrl)))
    const ac = new AbortController()
    const err = await catchErr(
      (async () => {
        let n = 0
        for await (const _ of c.subscribe('Test.Forever', [], { signal: ac.signal }))
          if (++n === 2) ac.abort()
      })(),
    )
    expect(err.code).toBe('ABORTED')
    for (let i = 0; i < 100 && !log.includes('forever-finished'); i++) await sleep(10)
    expect(log).toContain('forever-finished')
  })

  it('tells the handler when the client cancels a running call', async () => {
    log.length = 0
    const { wsUrl } = await start()
    const c = createRpcClient(track(wsTransport(wsUrl)))
    const ac = new AbortController()
    const p = c.call('Test.Slow', [], { signal: ac.signal })
    await sleep(30)
    ac.abort()
    await expect(p).rejects.toMatchObject({ code: 'ABORTED' })
    for (let i = 0; i < 100 && !log.includes('slow-aborted'); i++) await sleep(10)
    expect(log).toContain('slow-aborted')
  })

  it('fails channels with RPC_CLOSED when the server goes away, then reconnects', async () => {
    const first = createRpcServer({ methods, path: '/rpc/v1', closeGraceMs: 50 })
    const { port, wsUrl } = await first.listen({ host: '127.0.0.1', port: 0 })
    const t = track(
      wsTransport(wsUrl, { reconnectAttempts: 20, reconnectMinDelayMs: 10, reconnectMaxDelayMs: 50 }),
    )
    const c = createRpcClient(t)
    const it = c.subscribe<number>('Test.Forever', [])[Symbol.asyncIterator]()
    expect((await it.next()).value).toBe(0)
    const closing = first.close()
    let err: unknown
    try {
      for (;;) if ((await it.next()).done) break
    } catch (e) {
      err = e
    }
    await closing
    // Graceful close ends channels with xrpc.ch.close; a hard drop throws RPC_CLOSED.
    if (err !== undefined) expect(err).toMatchObject({ code: 'RPC_CLOSED' })
    const second = createRpcServer({ methods, path: '/rpc/v1' })
    const restarted = second.listen({ host: '127.0.0.1', port })
    cleanups.push(() => second.close())
    await restarted
    expect(await c.call('Test.Add', [2, 2])).toBe(4)
    expect(t.connects).toBe(2)
  })

  it('rejects in-flight calls with RPC_CLOSED when the connection drops', async () => {
    const { wsUrl, server } = await start({ closeGraceMs: 10 })
    const c = createRpcClient(track(wsTransport(wsUrl, { reconnectAttempts: 0 })))
    const p = c.call('Test.Slow', [])
    await sleep(20)
    void server.close()
    const err = await catchErr(p)
    expect(['RPC_CLOSED', 'RPC_SERVER']).toContain(err.code)
  })

  it('fails with RPC_TRANSPORT after the reconnect attempts run out', async () => {
    const c = createRpcClient(
      track(wsTransport('ws://127.0.0.1:1/rpc/v1', { reconnectAttempts: 2, reconnectMinDelayMs: 5 })),
    )
    expect((await catchErr(c.call('Test.Add', [1, 2]))).code).toBe('RPC_TRANSPORT')
  })

  it('answers WebSocket parse errors and keeps the socket', async () => {
    const { wsUrl } = await start()
    const sock = new WebSocket(wsUrl)
    cleanups.push(() => sock.terminate())
    await new Promise((r) => sock.once('open', r))
    const frames: Record<string, unknown>[] = []
    const two = new Promise<void>((r) =>
      sock.on('message', (d) => {
        frames.push(JSON.parse(String(d)) as Record<string, unknown>)
        if (frames.length === 2) r()
      }),
    )
    sock.send('{broken')
    sock.send(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'Test.Add', params: [1, 2] }))
    await two
    expect(frames[0]).toMatchObject({ id: null, error: { code: -32700 } })
    expect(frames[1]).toEqual({ jsonrpc: '2.0', id: 1, result: 3 })
  })

  it('drops a half-open connection whose peer stops answering pings', async () => {
    const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, autoPong: false })
    await new Promise((r) => wss.once('listening', r))
    cleanups.push(() => new Promise<void>((r) => wss.close(() => r())))
    wss.on('connection', (sock) => cleanups.push(() => sock.terminate()))
    const port = (wss.address() as { port: number }).port
    const c = createRpcClient(
      track(wsTransport(`ws://127.0.0.1:${port}/rpc/v1`, { pingIntervalMs: 20, reconnectAttempts: 0 })),
    )
    // The peer accepts the call and never answers, like a node behind a dead NAT entry.
    expect((await catchErr(c.call('Test.Add', [1, 2]))).code).toBe('RPC_CLOSED')
  })

  it('answers a result that does not encode as JSON with -32603 and keeps the socket', async () => {
    const { wsUrl, url } = await start()
    const c = createRpcClient(track(wsTransport(wsUrl)))
    const err = await catchErr(c.call('Test.BigInt', []))
    expect(err.details.rpcCode).toBe(-32603)
    expect(await c.call('Test.Add', [1, 2])).toBe(3)
    const h = await post(url, JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'Test.BigInt', params: [] }))
    expect(h.json).toMatchObject({ error: { code: -32603 } })
  })

  it('stops a channel that was called with call() instead of subscribe()', async () => {
    log.length = 0
    const { wsUrl, server } = await start()
    const c = createRpcClient(track(wsTransport(wsUrl)))
    expect(typeof (await c.call('Test.Forever', []))).toBe('number')
    for (let i = 0; i < 100 && !log.includes('forever-finished'); i++) await sleep(10)
    expect(log).toContain('forever-finished')
    expect(server.inFlight).toBe(0)
  })
})
