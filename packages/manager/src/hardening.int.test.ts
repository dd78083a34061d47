/**
 * The manager daemon under hostile input: odd request targets and slow clients (through the
 * HTTP conformance suite), oversized reports, bodies and nesting, tokens in URLs, and tokenless
 * calls a web page inside the trusted network could make.
 */
import { httpServerConformance } from '@venus-cluster/core/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import { type OpsDaemon, reportParams, startOpsDaemon } from './__fixtures__/ops-daemon.js'

describe('manager daemon HTTP', () => {
  httpServerConformance(
    async (http) => {
      const o = await startOpsDaemon({ trustedNetworks: ['127.0.0.0/8'], limits: { http } })
      return { port: o.d.port, close: () => o.stop() }
    },
    { describe, it, expect, paths: ['/rpc/v0', '/metrics'] },
  )
})

let o: OpsDaemon
let readToken: string
beforeAll(async () => {
  // Trusted loopback: the tokenless path the original worker takes.
  o = await startOpsDaemon({ trustedNetworks: ['127.0.0.0/8'] })
  readToken = (await o.d.auth?.issue('read')) ?? ''
})
afterAll(() => o.stop())

async function raw(path: string, body: string, headers: Record<string, string> = {}) {
  const res = await fetch(`${o.base}${path}`, {
    method: 'POST',
    body,
    headers: { 'content-type': 'application/json', ...headers },
  })
  return { status: res.status, text: await res.text(), headers: res.headers }
}

const call = (method: string, params: unknown[]) =>
  JSON.stringify({ jsonrpc: '2.0', id: 1, method: `Venus.${method}`, params })

describe('manager daemon bounds', () => {
  it('accepts a 20 MiB failure report, keeps it truncated, and keeps every answer that shows it small', async () => {
    const alloc = await o.call('AllocateSector', [{ AllowedMiners: null, AllowedProofTypes: null }])
    const id = alloc.body.result.ID as { Miner: number; Number: number }
    const huge = 'e'.repeat(20 * 1024 * 1024)
    for (let i = 0; i < 3; i++) {
      const r = await o.call('ReportState', reportParams(id.Number, 'PC1', 'PC1Failed', huge))
      expect(r.body).toEqual({ jsonrpc: '2.0', id: expect.any(Number), result: null })
    }
    const listed = await raw('/rpc/v0', call('ListSectors', ['online']))
    expect(listed.text.length).toBeLessThan(64 * 1024)
    const desc = JSON.parse(listed.text).result[0].LatestState.Failure.Desc as string
    expect(desc).toBe(`${'e'.repeat(8192)}… [truncated, 20971520 bytes]`)

    const auth = { authorization: `Bearer ${readToken}` }
    const overview = await fetch(`${o.base}/ui/api/overview`, { headers: auth })
    const overviewText = await overview.text()
    expect(overview.status).toBe(200)
    expect(overviewText.length).toBeLessThan(64 * 1024)
    const row = JSON.parse(overviewText).sectors.find((s: { number: number }) => s.number === id.Number)
    expect(row.failure).toMatch(/^temporary: e+… \[truncated, \d+ bytes\]$/)
    const sector = await fetch(`${o.base}/ui/api/sector?miner=${id.Miner}&number=${id.Number}`, {
      headers: auth,
    })
    const sectorText = await sector.text()
    expect(sectorText.length).toBeLessThan(64 * 1024)
    const history = JSON.parse(sectorText).history as { failure?: { Desc: string } }[]
    expect(history.filter((e) => e.failure).length).toBe(3)
    for (const e of history) if (e.failure) expect(e.failure.Desc.length).toBeLessThan(2100)
  })

  it('refuses bodies over their class: 40 MiB reports, 2 MiB ordinary calls', async () => {
    const report = await raw(
      '/rpc/v0',
      call('ReportState', reportParams(1, 'A', 'B', 'e'.repeat(40 * 1024 * 1024))),
    )
    expect(report.status).toBe(413)
    const alloc = await raw(
      '/rpc/v0',
      call('AllocateSector', [
        { AllowedMiners: null, AllowedProofTypes: null, Pad: 'x'.repeat(2 * 1024 * 1024) },
      ]),
    )
    expect(alloc.status).toBe(413)
    expect(JSON.parse(alloc.text).error.message).toMatch(
      /'Venus.AllocateSector' takes requests of at most 1048576 bytes/,
    )
  })

  it('answers a million nested arrays with a -32700 parse error', async () => {
    const deep = `{"jsonrpc":"2.0","id":1,"method":"Venus.ListSectors","params":${'['.repeat(1_000_000)}${']'.repeat(1_000_000)}}`
    const res = await raw('/rpc/v0', deep)
    expect(JSON.parse(res.text).error).toMatchObject({
      code: -32700,
      message: expect.stringMatching(/nested deeper than 64 levels/),
    })
  })

  it('refuses oversized batches', async () => {
    const batch = `[${Array.from({ length: 101 }, () => call('ListSectors', ['online'])).join(',')}]`
    expect(JSON.parse((await raw('/rpc/v0', batch)).text).error.message).toBe(
      'batch of 101 calls is over the limit of 100',
    )
  })
})

describe('manager daemon: tokens in URLs and tokenless browser requests', () => {
  it('refuses ?token= on /rpc/v0, /piecestore and /metrics, and keeps it for the dashboard’s first page', async () => {
    const admin = (await o.d.auth?.issue('admin')) ?? ''
    const rpc = await raw(`/rpc/v0?token=${admin}`, call('ListSectors', ['online']))
    expect(rpc.status).toBe(401)
    expect(rpc.text).toMatch(/tokens are not accepted in the URL/)
    const cid = 'baga6ea4seaqao7s73y24kcutaosvacpdjgfe5pw76ooefnyqw4ynr3d2y6x2mpq'
    expect((await fetch(`${o.base}/piecestore/${cid}?token=${admin}`)).status).toBe(401)
    expect((await fetch(`${o.base}/metrics?token=${admin}`)).status).toBe(401)
    const ui = await fetch(`${o.base}/ui?token=${readToken}`, { redirect: 'manual' })
    expect(ui.status).toBe(303)
    expect(ui.headers.get('set-cookie')).toMatch(/^venus_token=/)
  })

  it('serves the original worker’s requests (JSON, no Origin) and refuses what a web page would send', async () => {
    expect(JSON.parse((await raw('/rpc/v0', call('ListSectors', ['online']))).text).result).toBeInstanceOf(
      Array,
    )
    const foreign = await raw('/rpc/v0', call('ListSectors', ['online']), {
      origin: 'http://intranet.example',
    })
    expect(foreign.status).toBe(403)
    const text = await raw('/rpc/v0', call('ListSectors', ['online']), {
      'content-type': 'text/plain;charset=UTF-8',
    })
    expect(text.status).toBe(415)
    const form = await raw('/rpc/v0', call('ListSectors', ['online']), {
      'content-type': 'application/x-www-form-urlencoded',
      'sec-fetch-site': 'cross-site',
    })
    expect(form.status).toBe(403)
    const preflight = await fetch(`${o.base}/rpc/v0`, {
      method: 'OPTIONS',
      headers: { origin: 'http://intranet.example', 'access-control-request-method': 'POST' },
    })
    expect(preflight.status).toBe(403)
    expect(preflight.headers.get('access-control-allow-origin')).toBeNull()
    const ws = new WebSocket(`ws://127.0.0.1:${o.d.port}/rpc/v0`, {
      headers: { origin: 'http://intranet.example' },
    })
    const status = await new Promise<number | undefined>((r) => {
      ws.once('unexpected-response', (_q, res) => r(res.statusCode))
      ws.once('open', () => r(101))
      ws.once('error', () => r(undefined))
    })
    ws.terminate()
    expect(status).toBe(403)
    // The dashboard's data is not handed to a foreign page's script either.
    const overview = await fetch(`${o.base}/ui/api/overview`, {
      headers: { 'sec-fetch-site': 'cross-site', 'sec-fetch-mode': 'cors' },
    })
    expect(overview.status).toBe(403)
  })
})
