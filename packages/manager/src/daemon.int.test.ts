import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import { defaultMinerConfig } from './config.js'
import { createFakeChain } from './fake-chain.js'
import { type ManagerNode, startManagerNode } from './node.js'
import { parseListen } from './node-http.js'

const cleanup: (() => Promise<void> | void)[] = []
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c()
})

async function daemon(): Promise<ManagerNode> {
  const home = mkdtempSync(join(tmpdir(), 'vsm-daemon-'))
  cleanup.push(() => rmSync(home, { recursive: true, force: true }))
  const chain = createFakeChain({ miners: { 1000: 2048 } })
  let threshold = 16
  const makeConfig = () => {
    const m = defaultMinerConfig(1000, 't01001')
    m.commitment.pre.batch.threshold = threshold++
    return { miners: [m], persistStores: [] }
  }
  const d = await startManagerNode({
    home,
    listen: '127.0.0.1:0',
    config: makeConfig(),
    chain,
    messager: chain,
    reloadConfig: async () => makeConfig(),
    tickMs: 3_600_000,
    auth: 'off',
  })
  cleanup.push(() => d.stop())
  return d
}

async function post(url: string, body: string): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body })
  return { status: res.status, json: (await res.json()) as Record<string, unknown> }
}

describe('manager daemon endpoint', () => {
  it('serves Venus.* over HTTP POST with go-jsonrpc shapes', async () => {
    const d = await daemon()
    const alloc = await post(
      d.url,
      JSON.stringify({
        jsonrpc: '2.0',
        id: 1,
        method: 'Venus.AllocateSector',
        params: [{ AllowedMiners: null, AllowedProofTypes: null }],
      }),
    )
    expect(alloc).toEqual({
      status: 200,
      json: { jsonrpc: '2.0', id: 1, result: { ID: { Miner: 1000, Number: 1 }, ProofType: 5 } },
    })
    const report = await post(
      d.url,
      JSON.stringify({
        jsonrpc: '2.0',
        id: 2,
        method: 'Venus.ReportState',
        params: [
          { Miner: 1000, Number: 1 },
          {
            Worker: { Instance: 'w', Location: '/l' },
            StateChange: { Prev: 'A', Next: 'B', Event: 'None' },
            Failure: null,
          },
        ],
      }),
    )
    expect(report.json).toEqual({ jsonrpc: '2.0', id: 2, result: null })
    const unknown = await post(
      d.url,
      JSON.stringify({
        jsonrpc: '2.0',
        id: 3,
        method: 'Venus.AssignTicket',
        params: [{ Miner: 1000, Number: 9 }],
      }),
    )
    expect(unknown.status).toBe(200)
    expect((unknown.json.error as { code: number; message: string }).code).toBe(11001)
    const badCount = await post(
      d.url,
      JSON.stringify({ jsonrpc: '2.0', id: 4, method: 'Venus.AssignTicket', params: [] }),
    )
    expect(badCount.status).toBe(500)
    expect((badCount.json.error as { code: number }).code).toBe(-32602)
    const badField = await post(
      d.url,
      JSON.stringify({
        jsonrpc: '2.0',
        id: 5,
        method: 'Venus.AssignTicket',
        params: [{ Miner: 'x', Number: 1 }],
      }),
    )
    expect((badField.json.error as { code: number; message: string }).message).toMatch(
      /Venus\.AssignTicket: params\[0\]\.Miner must be a non-negative integer/,
    )
    const noMethod = await post(
      d.url,
      JSON.stringify({ jsonrpc: '2.0', id: 6, method: 'Venus.Nope', params: [] }),
    )
    expect((noMethod.json.error as { code: number }).code).toBe(-32601)
    const parseErr = await post(d.url, '{nope')
    expect((parseErr.json.error as { code: number }).code).toBe(-32700)
  })

  it('serves the same methods over WebSocket with many calls in flight', async () => {
    const d = await daemon()
    const ws = new WebSocket(d.url.replace('http', 'ws'))
    await new Promise((r, j) => ws.once('open', r).once('error', j))
    const pending = new Map<number, (v: unknown) => void>()
    ws.on('message', (data) => {
      const msg = JSON.parse(String(data)) as { id: number }
      pending.get(msg.id)?.(msg)
    })
    const call = (id: number, method: string, params: unknown[]) =>
      new Promise<unknown>((resolve) => {
        pending.set(id, resolve)
        ws.send(JSON.stringify({ jsonrpc: '2.0', id, method, params }))
      })
    const results = (await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        call(i, 'Venus.AllocateSector', [{ AllowedMiners: [1000], AllowedProofTypes: null }]),
      ),
    )) as { result: { ID: { Number: number } } }[]
    expect(results.map((r) => r.result.ID.Number).sort((a, b) => a - b)).toEqual(
      Array.from({ length: 20 }, (_, i) => i + 1),
    )
    expect(
      await call(100, 'Venus.WorkerPing', [
        { Name: 'w1', Dest: '1.2.3.4:17890', Summary: { Threads: 2, Empty: 1, Paused: 0, Errors: 0 } },
      ]),
    ).toEqual({
      jsonrpc: '2.0',
      id: 100,
      result: null,
    })
    const list = (await call(101, 'Venus.WorkerPingInfoList', [])) as { result: { Info: { Name: string } }[] }
    expect(list.result.map((x) => x.Info.Name)).toEqual(['w1'])
    ws.close()
  })

  it('reloads live config values on SIGUSR1', async () => {
    const d = await daemon()
    expect(d.manager.config.miners[0]?.commitment.pre.batch.threshold).toBe(16)
    process.kill(process.pid, 'SIGUSR1')
    for (let i = 0; i < 100 && d.manager.config.miners[0]?.commitment.pre.batch.threshold === 16; i++) {
      await new Promise((r) => setTimeout(r, 10))
    }
    expect(d.manager.config.miners[0]?.commitment.pre.batch.threshold).toBe(17)
  })

  it('parses --listen forms', () => {
    expect(parseListen(':1789')).toEqual({ host: '0.0.0.0', port: 1789 })
    expect(parseListen('127.0.0.1:0')).toEqual({ host: '127.0.0.1', port: 0 })
    expect(parseListen('[::1]:1789')).toEqual({ host: '::1', port: 1789 })
    expect(() => parseListen('1789')).toThrow(/--listen/)
  })
})
