/**
 * A conformance suite for HTTP servers: every request is answered, and every connection ends
 * (slow headers, slow bodies, idle keep-alive, too many from one address). It speaks raw
 * HTTP/1.1 over `node:net`, because a client library would refuse to send the odd requests.
 */
import { connect } from 'node:net'
import type { HttpLimits } from './server.js'

/** What {@link rawHttp} saw. */
export interface RawHttpAnswer {
  /** The status of the first answer, undefined when none came. */
  status: number | undefined
  /** Everything received. */
  text: string
  /** Whether the server closed the connection before `waitMs`. */
  closed: boolean
  /** Milliseconds from connecting to the close (or to giving up). */
  ms: number
}

/** Options of {@link rawHttp}. */
export interface RawHttpOptions {
  host?: string
  /** Give up after this long (default 5000 ms). */
  waitMs?: number
  /** Resolve as soon as a whole status line arrived, without waiting for the close. */
  untilStatus?: boolean
  /** Pieces sent one after the other, `gapMs` apart (the slow-client cases). */
  gapMs?: number
}

/**
 * Sends `request` (a string, or pieces for a slow client) on a fresh connection and reports
 * what came back and whether the server closed the connection.
 *
 * @example
 * ```ts
 * const a = await rawHttp(port, 'GET /rpc/v0#x HTTP/1.1\r\nHost: x\r\n\r\n', { untilStatus: true })
 * a.status // 400
 * ```
 */
export function rawHttp(
  port: number,
  request: string | string[],
  opts: RawHttpOptions = {},
): Promise<RawHttpAnswer> {
  const waitMs = opts.waitMs ?? 5000
  const pieces = typeof request === 'string' ? [request] : [...request]
  return new Promise((resolve) => {
    const t0 = Date.now()
    const sock = connect(port, opts.host ?? '127.0.0.1')
    let text = ''
    let done = false
    let pacer: NodeJS.Timeout | undefined
    const finish = (closed: boolean) => {
      if (done) return
      done = true
      clearTimeout(timer)
      clearInterval(pacer)
      const m = /^HTTP\/1\.[01] (\d{3})/.exec(text)
      resolve({ status: m ? Number(m[1]) : undefined, text, closed, ms: Date.now() - t0 })
      sock.destroy()
    }
    const timer = setTimeout(() => finish(false), waitMs)
    sock.on('data', (d) => {
      text += d.toString('latin1')
      if (opts.untilStatus && /^HTTP\/1\.[01] \d{3}[^\n]*\n/.test(text)) finish(false)
    })
    sock.on('close', () => finish(true))
    sock.on('error', () => finish(true))
    sock.once('connect', () => {
      const first = pieces.shift()
      if (first !== undefined && first !== '') sock.write(first)
      if (pieces.length > 0) {
        pacer = setInterval(() => {
          const next = pieces.shift()
          if (next === undefined) clearInterval(pacer)
          else if (!sock.destroyed) sock.write(next)
        }, opts.gapMs ?? 200)
      }
    })
  })
}

/** A server under test, started by the suite with the limits it needs. */
export interface ServerUnderTest {
  port: number
  close(): Promise<void>
}

/** Options of {@link httpServerConformance}. */
export interface HttpConformanceOptions {
  /** The test functions to register with (so core needs no test framework at run time). */
  describe: (name: string, fn: () => void) => void
  it: (name: string, fn: () => Promise<void>, timeoutMs?: number) => void
  expect: (v: unknown) => {
    toBe(v: unknown): void
    toBeLessThan(v: number): void
  }
  /** Paths the server serves (`/rpc/v0`, `/metrics`); odd targets are built around them. */
  paths: readonly string[]
}

/** The short limits the suite starts servers with, so that the timeout cases take a second or two. */
export const CONFORMANCE_HTTP_LIMITS: Readonly<Partial<HttpLimits>> = Object.freeze({
  headersTimeoutMs: 800,
  requestTimeoutMs: 1500,
  keepAliveTimeoutMs: 800,
  checkIntervalMs: 100,
})

/**
 * Registers tests that a server answers every odd request target (dot segments plain and
 * encoded, fragments, absolute-form, `*`, `//`, on plain requests and WebSocket upgrades) with
 * a status, and closes connections that send headers or a body too slowly, idle keep-alive
 * connections, and connections past the per-address cap. `start` gets
 * {@link CONFORMANCE_HTTP_LIMITS} and must apply them.
 *
 * @example
 * ```ts
 * import { describe, expect, it } from 'vitest'
 * import { httpServerConformance } from '@venus-cluster/core/testing'
 * httpServerConformance((limits) => startMyServer({ http: limits }), { describe, it, expect, paths: ['/rpc/v0'] })
 * ```
 */
export function httpServerConformance(
  start: (limits: Partial<HttpLimits>) => Promise<ServerUnderTest>,
  options: HttpConformanceOptions,
): void {
  const { describe, it, expect } = options
  const limits = CONFORMANCE_HTTP_LIMITS
  const [first = '/rpc/v0', second = first] = options.paths
  const name = first.replace(/^\//, '')
  const odd = [
    `${second}/..${first}`,
    `${first}/../${name}`,
    `/x/%2e%2e${first}`,
    `/x/%2E.${first}`,
    `${first}/.`,
    `${first}#x`,
    `${first}?a=1#x`,
    `http://example.com${second}/..${first}`,
    `//${name}`,
    '*',
    `${first}/\\..\\x`,
  ]
  const withServer = async (fn: (port: number) => Promise<void>, extra: Partial<HttpLimits> = {}) => {
    const s = await start({ ...limits, ...extra })
    try {
      await fn(s.port)
    } finally {
      await s.close()
    }
  }

  describe('HTTP server conformance', () => {
    it('answers every odd request target with a status, plain and as a WebSocket upgrade', async () => {
      await withServer(async (port) => {
        for (const method of ['GET', 'POST']) {
          for (const target of odd) {
            const body =
              method === 'POST' ? 'content-type: application/json\r\ncontent-length: 2\r\n\r\n{}' : '\r\n'
            const a = await rawHttp(port, `${method} ${target} HTTP/1.1\r\nhost: localhost\r\n${body}`, {
              untilStatus: true,
              waitMs: 3000,
            })
            expect(`${method} ${target} -> ${a.status}`).toBe(`${method} ${target} -> 400`)
          }
        }
        for (const target of odd) {
          const a = await rawHttp(
            port,
            `GET ${target} HTTP/1.1\r\nhost: localhost\r\nconnection: Upgrade\r\nupgrade: websocket\r\n` +
              'sec-websocket-version: 13\r\nsec-websocket-key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n',
            { untilStatus: true, waitMs: 3000 },
          )
          expect(`upgrade ${target} -> ${a.status}`).toBe(`upgrade ${target} -> 400`)
        }
        const unknown = await rawHttp(port, 'GET /no/such/path HTTP/1.1\r\nhost: localhost\r\n\r\n', {
          untilStatus: true,
        })
        expect(unknown.status).toBe(404)
        const options = await rawHttp(port, 'OPTIONS * HTTP/1.1\r\nhost: localhost\r\n\r\n', {
          untilStatus: true,
        })
        expect(options.status).toBe(204)
        const tunnel = await rawHttp(
          port,
          'CONNECT example.com:443 HTTP/1.1\r\nhost: example.com:443\r\n\r\n',
          {
            untilStatus: true,
          },
        )
        expect(tunnel.status).toBe(405)
      })
    }, 60_000)

    it('closes a connection whose headers come too slowly, or that sends nothing', async () => {
      await withServer(async (port) => {
        const lines = Array.from({ length: 40 }, (_, i) => `x-slow-${i}: ${i}\r\n`)
        const [slow, silent] = await Promise.all([
          rawHttp(port, [`GET ${first} HTTP/1.1\r\nhost: localhost\r\n`, ...lines], {
            gapMs: 100,
            waitMs: 6000,
          }),
          rawHttp(port, '', { waitMs: 6000 }),
        ])
        for (const a of [slow, silent]) {
          expect(a.closed).toBe(true)
          expect(a.ms).toBeLessThan((limits.headersTimeoutMs ?? 0) + 2000)
        }
      })
    }, 20_000)

    it('closes a connection whose body comes too slowly', async () => {
      await withServer(async (port) => {
        const head = `POST ${first} HTTP/1.1\r\nhost: localhost\r\ncontent-type: application/json\r\ncontent-length: 100\r\n\r\n`
        const a = await rawHttp(port, [head, ...Array.from({ length: 60 }, () => ' ')], {
          gapMs: 100,
          waitMs: 8000,
        })
        expect(a.closed).toBe(true)
        expect(a.ms).toBeLessThan((limits.requestTimeoutMs ?? 0) + 2500)
      })
    }, 20_000)

    it('closes a kept-alive connection left idle', async () => {
      await withServer(async (port) => {
        const a = await rawHttp(port, 'GET /no/such/path HTTP/1.1\r\nhost: localhost\r\n\r\n', {
          waitMs: 6000,
        })
        expect(a.status).toBe(404)
        expect(a.closed).toBe(true)
        expect(a.ms).toBeLessThan((limits.keepAliveTimeoutMs ?? 0) + 2000)
      })
    }, 20_000)

    it('closes connections past the cap for one address at once', async () => {
      const cap = 4
      await withServer(
        async (port) => {
          const held = Array.from({ length: cap }, () =>
            rawHttp(port, `GET ${first} HTTP/1.1\r\nhost: localhost\r\n`, { waitMs: 1500 }),
          )
          await new Promise((r) => setTimeout(r, 200))
          const extra = await rawHttp(port, '', { waitMs: 1500 })
          expect(extra.closed).toBe(true)
          expect(extra.ms).toBeLessThan(500)
          await Promise.all(held)
          const later = await rawHttp(port, 'GET /no/such/path HTTP/1.1\r\nhost: localhost\r\n\r\n', {
            untilStatus: true,
          })
          expect(later.status).toBe(404)
        },
        { maxConnectionsPerAddress: cap },
      )
    }, 20_000)
  })
}
