import { describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import { VenusError } from '../errors/index.js'
import { createRpcClient } from './client.js'
import { createRpcServer } from './server.js'
import { httpTransport } from './transports.js'
import type { RpcMethod } from './types.js'

/** Deterministic PRNG (mulberry32) so a failing case can be replayed. */
function rng(seed: number) {
  let a = seed
  return () => {
    a = (a + 0x6d2b79f5) | 0
    let t = Math.imul(a ^ (a >>> 15), 1 | a)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

const methods: Record<string, RpcMethod> = {
  'Fuzz.Add': (p) => {
    if (p.length !== 2 || typeof p[0] !== 'number' || typeof p[1] !== 'number') {
      throw new VenusError('RPC_INVALID_PARAMS', 'Fuzz.Add takes two numbers')
    }
    return p[0] + p[1]
  },
  'Fuzz.Echo': (p) => p,
  'Fuzz.Stream': () =>
    (async function* () {
      yield 1
    })(),
}

function malformed(r: () => number): string {
  const pick = <T>(xs: T[]): T => xs[Math.floor(r() * xs.length)] as T
  const junkValue = (): unknown =>
    pick<() => unknown>([
      () => null,
      () => Math.floor(r() * 1e6) - 5e5,
      () => 1e308 * (r() < 0.5 ? 1 : -1),
      () => 'x'.repeat(Math.floor(r() * 50)),
      () => ({ '/': 'bafy' }),
      () => [[[[]]]],
      () => true,
      () => '\u0000\ud800',
    ])()
  const valid = {
    jsonrpc: '2.0',
    id: Math.floor(r() * 1000),
    method: pick(['Fuzz.Add', 'Fuzz.Echo', 'Fuzz.Stream']),
    params: [1, 2],
  }
  const kinds: (() => string)[] = [
    () => JSON.stringify(valid).slice(0, Math.floor(r() * 40)),
    () =>
      String.fromCharCode(...Array.from({ length: 1 + Math.floor(r() * 64) }, () => Math.floor(r() * 256))),
    () => JSON.stringify({ ...valid, method: junkValue() }),
    () => JSON.stringify({ ...valid, id: pick([{}, [], true, 1.5, 'id', null]) }),
    () => JSON.stringify({ ...valid, params: junkValue() }),
    () => JSON.stringify({ ...valid, params: Array.from({ length: Math.floor(r() * 5) }, junkValue) }),
    () => JSON.stringify({ ...valid, jsonrpc: junkValue() }),
    () =>
      JSON.stringify({
        ...valid,
        method: pick([
          '__proto__',
          'constructor',
          'toString',
          'hasOwnProperty',
          '',
          'xrpc.cancel',
          'xrpc.ch.val',
        ]),
      }),
    () => JSON.stringify(junkValue()),
    () =>
      JSON.stringify(Array.from({ length: Math.floor(r() * 4) }, () => (r() < 0.5 ? valid : junkValue()))),
    () => `${'['.repeat(2000)}${']'.repeat(2000)}`,
    () => `{"jsonrpc":"2.0","id":1,"method":"Fuzz.Echo","params":[${'"a",'.repeat(100)}`,
  ]
  return pick(kinds)()
}

function isJsonRpcAnswer(v: unknown): boolean {
  const one = (x: unknown) => {
    if (typeof x !== 'object' || x === null) return false
    const o = x as Record<string, unknown>
    if (o.jsonrpc !== '2.0') return false
    if ('error' in o) {
      const e = o.error as Record<string, unknown>
      return typeof e.code === 'number' && typeof e.message === 'string' && !('result' in o)
    }
    return 'result' in o
  }
  return Array.isArray(v) ? v.every(one) : one(v)
}

describe('RPC server under malformed input', () => {
  it('answers 1,000 malformed HTTP requests with JSON-RPC errors and keeps serving', async () => {
    const server = createRpcServer({ methods, path: '/rpc/v1', maxBodyBytes: 64 * 1024 })
    const { url } = await server.listen({ host: '127.0.0.1', port: 0 })
    try {
      const r = rng(0xc0ffee)
      const bodies = Array.from({ length: 1000 }, () => malformed(r))
      let answered = 0
      for (let i = 0; i < bodies.length; i += 24) {
        await Promise.all(
          bodies.slice(i, i + 24).map(async (body) => {
            const res = await fetch(url, { method: 'POST', body, signal: AbortSignal.timeout(5000) })
            const text = await res.text()
            if (text !== '')
              expect(isJsonRpcAnswer(JSON.parse(text)), `${body.slice(0, 80)} -> ${text.slice(0, 200)}`).toBe(
                true,
              )
            expect([200, 413, 500]).toContain(res.status)
            answered++
          }),
        )
      }
      expect(answered).toBe(1000)
      const c = createRpcClient(httpTransport(url))
      expect(await c.call('Fuzz.Add', [20, 22])).toBe(42)
      expect(server.inFlight).toBe(0)
    } finally {
      await server.close()
    }
  })

  it('answers 600 malformed WebSocket frames on one socket without dropping it', async () => {
    const server = createRpcServer({ methods, path: '/rpc/v1', maxBodyBytes: 64 * 1024 })
    const { wsUrl } = await server.listen({ host: '127.0.0.1', port: 0 })
    const sock = new WebSocket(wsUrl)
    try {
      await new Promise((res, rej) => {
        sock.once('open', res)
        sock.once('error', rej)
      })
      const frames: unknown[] = []
      sock.on('message', (d) => frames.push(JSON.parse(String(d))))
      const r = rng(0xbeef)
      for (let i = 0; i < 600; i++) sock.send(malformed(r))
      sock.send(JSON.stringify({ jsonrpc: '2.0', id: 'last', method: 'Fuzz.Add', params: [1, 2] }))
      const deadline = Date.now() + 10_000
      while (!frames.some((f) => (f as { id?: unknown }).id === 'last') && Date.now() < deadline) {
        await new Promise((res) => setTimeout(res, 10))
      }
      expect(frames.find((f) => (f as { id?: unknown }).id === 'last')).toEqual({
        jsonrpc: '2.0',
        id: 'last',
        result: 3,
      })
      for (const f of frames) {
        const o = f as Record<string, unknown>
        if (o.method === 'xrpc.ch.val' || o.method === 'xrpc.ch.close') continue
        expect(isJsonRpcAnswer(f)).toBe(true)
      }
      expect(sock.readyState).toBe(WebSocket.OPEN)
    } finally {
      sock.terminate()
      await server.close()
    }
  })
})
