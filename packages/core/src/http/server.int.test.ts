import type { AddressInfo } from 'node:net'
import { describe, expect, it } from 'vitest'
import { createRpcServer } from '../rpc/server.js'
import { httpServerConformance } from './conformance.js'
import { createHttpServer, DEFAULT_HTTP_LIMITS, httpLimits } from './server.js'

describe('createHttpServer', () => {
  httpServerConformance(
    async (limits) => {
      const rpc = createRpcServer({ methods: { 'T.Echo': (p) => p }, path: '/rpc/v0' })
      const server = createHttpServer({
        routes: [
          (req, res) => {
            if (req.url !== '/metrics') return false
            res.end('metrics\n')
            return true
          },
          (req, res) => rpc.handleHttp(req, res),
        ],
        limits,
      })
      rpc.attach(server, { requests: false })
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()))
      return {
        port: (server.address() as AddressInfo).port,
        async close() {
          await rpc.close()
          server.closeAllConnections()
          await new Promise<void>((r) => server.close(() => r()))
        },
      }
    },
    { describe, it, expect, paths: ['/rpc/v0', '/metrics'] },
  )

  it('answers 500 when a route throws, and hands routes a checked origin-form URL', async () => {
    const seen: string[] = []
    const server = createHttpServer({
      routes: [
        (req) => {
          seen.push(req.url ?? '')
          if (req.url === '/boom') throw new Error('route failed')
          return false
        },
      ],
    })
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()))
    try {
      const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
      const boom = await fetch(`${base}/boom`)
      expect(boom.status).toBe(500)
      expect(await boom.text()).toBe('internal error: route failed\n')
      expect((await fetch(`${base}/a?b=1`)).status).toBe(404)
      expect(seen).toEqual(['/boom', '/a?b=1'])
    } finally {
      await new Promise<void>((r) => server.close(() => r()))
    }
  })
})

describe('createHttpServer idle timeout', () => {
  it('closes a connection whose client stops reading its answer', async () => {
    const { connect } = await import('node:net')
    const big = Buffer.alloc(64 * 1024 * 1024, 'x')
    let closedAt: Promise<number> | undefined
    const server = createHttpServer({
      routes: [
        (_req, res) => {
          const t0 = Date.now()
          closedAt = new Promise((r) => res.socket?.on('close', () => r(Date.now() - t0)))
          res.end(big)
          return true
        },
      ],
      limits: { idleTimeoutMs: 500 },
    })
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()))
    const sock = connect((server.address() as AddressInfo).port, '127.0.0.1')
    sock.on('error', () => {})
    try {
      sock.pause() // never reads: the answer backs up in the server
      sock.write('GET /big HTTP/1.1\r\nhost: x\r\n\r\n')
      while (closedAt === undefined) await new Promise((r) => setTimeout(r, 10))
      expect(await closedAt).toBeLessThan(3000)
    } finally {
      sock.destroy()
      server.closeAllConnections()
      await new Promise<void>((r) => server.close(() => r()))
    }
  })
})

describe('RPC server started with listen()', () => {
  httpServerConformance(
    async (limits) => {
      const rpc = createRpcServer({ methods: { 'T.Echo': (p) => p }, path: '/rpc/v1', http: limits })
      const { port } = await rpc.listen({ host: '127.0.0.1', port: 0 })
      return { port, close: () => rpc.close() }
    },
    { describe, it, expect, paths: ['/rpc/v1'] },
  )
})

describe('httpLimits', () => {
  it('fills in the defaults and names a bad value', () => {
    expect(httpLimits({ headersTimeoutMs: 5000 })).toEqual({ ...DEFAULT_HTTP_LIMITS, headersTimeoutMs: 5000 })
    expect(() => httpLimits({ keepAliveTimeoutMs: -1 })).toThrow(/keepAliveTimeoutMs must be an integer/)
    expect(() => httpLimits({ headersTimeoutMs: 10_000, requestTimeoutMs: 5000 })).toThrow(
      /headersTimeoutMs must not exceed requestTimeoutMs/,
    )
  })
})
