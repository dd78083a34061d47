/**
 * Our worker against a stand-in that answers like the original Go venus-sector-manager v0.1.2:
 * no auth, no `Venus.WorkerPing`, no `Venus.AuthVerify` or any other extension — go-jsonrpc's
 * "method not found" (-32601, HTTP 500) for those.
 */

import { mkdtempSync, rmSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { createServer as createNetServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { mockProofs } from '@venus-cluster/core'
import { afterEach, describe, expect, it } from 'vitest'
import { type WorkerEnv, workerEnv } from './__fixtures__/env.js'
import { workerControlClient } from './control-api.js'
import { createSealingWorker, type SealingWorker } from './worker.js'

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createNetServer().listen(0, '127.0.0.1', () => {
      const a = s.address()
      s.close(() => resolve(typeof a === 'object' && a !== null ? a.port : 0))
    })
  })
}

/** The original manager's answers for what an idle worker calls; everything else is unknown. */
const ORIGINAL: Record<string, () => unknown> = {
  'Venus.AllocateSector': () => null,
}

async function originalManager(): Promise<{ server: Server; port: number; calls: string[] }> {
  const calls: string[] = []
  const server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { id: number; method: string }
      calls.push(body.method)
      const known = ORIGINAL[body.method]
      const answer =
        known === undefined
          ? {
              jsonrpc: '2.0',
              id: body.id,
              error: { code: -32601, message: `method '${body.method}' not found` },
            }
          : { jsonrpc: '2.0', id: body.id, result: known() }
      const text = JSON.stringify(answer)
      res.writeHead(known === undefined ? 500 : 200, { 'content-type': 'application/json' })
      res.end(text)
    })
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()))
  return { server, port: (server.address() as AddressInfo).port, calls }
}

let env: WorkerEnv | undefined
let worker: SealingWorker | undefined
let home: string | undefined
let server: Server | undefined
afterEach(async () => {
  await worker?.stop()
  server?.closeAllConnections()
  await new Promise((r) => (server ? server.close(r) : r(undefined)))
  env?.cleanup()
  if (home) rmSync(home, { recursive: true, force: true })
  worker = undefined
  server = undefined
})

const count = (calls: string[], method: string) => calls.filter((c) => c === method).length

describe('our worker against the original manager', () => {
  it('keeps its control API usable during a manager outage and stops calling methods the manager lacks', async () => {
    const m = await originalManager()
    server = m.server
    env = await workerEnv({ threads: 2, port: await freePort(), managerAddr: `/ip4/127.0.0.1/tcp/${m.port}` })
    env.config = { ...env.config, sealing: { ...env.config.sealing, sealIntervalMs: 50 } }
    home = mkdtempSync(join(tmpdir(), 'worker-home-'))
    worker = createSealingWorker({
      config: { ...env.config, pingIntervalMs: 20 },
      proofs: mockProofs(),
      home,
    })
    await worker.start()
    // Thirty ping periods and several allocation rounds.
    await new Promise((r) => setTimeout(r, 600))
    expect(count(m.calls, 'Venus.AllocateSector')).toBeGreaterThan(2)
    expect(count(m.calls, 'Venus.WorkerPing')).toBe(1)
    expect(count(m.calls, 'Venus.WorkerControlKey')).toBe(1)
    expect(count(m.calls, 'Venus.AuthVerify')).toBe(0)

    const c = workerControlClient(worker.controlUrl as string, { token: worker.controlToken })
    try {
      expect(await c.list()).toHaveLength(2)
      // The manager goes down: the control API is exactly what the operator needs now.
      m.server.closeAllConnections()
      await new Promise((r) => m.server.close(r))
      server = undefined
      await new Promise((r) => setTimeout(r, 200))
      expect(await c.list()).toHaveLength(2)
      expect(await c.pause(1)).toBe(true)
      for (let i = 0; i < 100 && !(await c.list())[1]?.paused; i++)
        await new Promise((r) => setTimeout(r, 20))
      expect((await c.list())[1]?.paused).toBe(true)
      expect(await c.resume(1)).toBe(true)
      // Nobody else gets in meanwhile.
      const stranger = workerControlClient(worker.controlUrl as string)
      await expect(stranger.list()).rejects.toMatchObject({ code: 'UNAUTHENTICATED' })
      await stranger.close()
    } finally {
      await c.close()
    }
    expect(count(m.calls, 'Venus.WorkerPing')).toBe(1)
    expect(count(m.calls, 'Venus.WorkerControlKey')).toBe(1)
  }, 20_000)
})
