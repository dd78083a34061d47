import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { mockProofs } from '@venus-cluster/core'
import {
  type ControlTokenSigner,
  createControlTokenSigner,
  createTokenAuthority,
  generateControlKey,
  requireToken,
  type TokenAuthority,
} from '@venus-cluster/core/auth'
import { createRpcServer, type RpcServer } from '@venus-cluster/core/rpc'
import { afterEach, describe, expect, it } from 'vitest'
import { type WorkerEnv, workerEnv } from '../__fixtures__/env.js'
import { workerControlClient } from '../control-api.js'
import { createSealingWorker, type SealingWorker } from '../worker.js'
import { LOCAL_CONTROL_TOKEN_FILE } from './local-token.js'

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const a = s.address()
      s.close(() => resolve(typeof a === 'object' && a !== null ? a.port : 0))
    })
  })
}

/**
 * A stand-in for this project's manager: token-checked, serving the worker calls of an idle
 * worker and `Venus.WorkerControlKey`.
 */
async function fakeManager(auth: TokenAuthority, signer: ControlTokenSigner, port = 0) {
  const calls: string[] = []
  const methods = {
    'Venus.AllocateSector': () => null,
    'Venus.WorkerPing': () => null,
    'Venus.WorkerControlKey': () => signer.publicKey,
  }
  const rpc: RpcServer = createRpcServer({
    path: '/rpc/v0',
    methods: Object.fromEntries(
      Object.entries(methods).map(([k, fn]) => [
        k,
        () => {
          calls.push(k)
          return fn()
        },
      ]),
    ),
    authorize: requireToken(auth),
  })
  const bound = await rpc.listen({ host: '127.0.0.1', port })
  return { rpc, calls, port: bound.port, addr: `/ip4/127.0.0.1/tcp/${bound.port}` }
}

let env: WorkerEnv | undefined
let home: string | undefined
const workers: SealingWorker[] = []
const servers: RpcServer[] = []
afterEach(async () => {
  for (const w of workers.splice(0)) await w.stop()
  for (const s of servers.splice(0)) await s.close()
  env?.cleanup()
  if (home) rmSync(home, { recursive: true, force: true })
  env = undefined
  home = undefined
})

async function setup() {
  const auth = createTokenAuthority()
  const signer = createControlTokenSigner(generateControlKey())
  const m = await fakeManager(auth, signer)
  servers.push(m.rpc)
  env = await workerEnv({ threads: 1, port: await freePort(), managerAddr: m.addr })
  // An idle worker against a manager with nothing to hand out: ask now and then, not every 1 ms.
  env.config = { ...env.config, sealing: { ...env.config.sealing, sealIntervalMs: 200 } }
  home = mkdtempSync(join(tmpdir(), 'worker-home-'))
  const start = async () => {
    const w = createSealingWorker({
      config: { ...(env?.config as WorkerEnv['config']), pingIntervalMs: 0 },
      proofs: mockProofs(),
      managerToken: await auth.issue('sign'),
      home,
    })
    workers.push(w)
    await w.start()
    return w
  }
  return { auth, signer, m, start }
}

async function list(url: string, token?: string): Promise<unknown[]> {
  const c = workerControlClient(url, { token })
  try {
    return await c.list()
  } finally {
    await c.close()
  }
}

/** A control token as the manager mints it for `util worker`, bound to the worker's address. */
const tokenFor = (signer: ControlTokenSigner, url: string, perm: 'read' | 'write', worker = 'test-worker') =>
  signer.issue({ worker, perm, dest: new URL(url).host })

const until = async (check: () => Promise<boolean>) => {
  for (let i = 0; i < 200; i++) {
    if (await check().catch(() => false)) return
    await new Promise((r) => setTimeout(r, 25))
  }
  throw new Error('condition not reached in 5 s')
}

describe('worker control API auth, decided on the worker', () => {
  it('keeps a local control token (0600) in the worker home that grants read and write', async () => {
    const { start } = await setup()
    const w = await start()
    const file = join(home as string, LOCAL_CONTROL_TOKEN_FILE)
    expect(statSync(file).mode & 0o777).toBe(0o600)
    expect(readFileSync(file, 'utf8').trim()).toBe(w.controlToken)
    const url = w.controlUrl as string
    expect(await list(url, w.controlToken)).toHaveLength(1)
    const c = workerControlClient(url, { token: w.controlToken })
    expect(await c.pause(0)).toBe(true)
    await c.close()
  })

  it('refuses no token, garbage, and the manager’s own API tokens, even admin ones', async () => {
    const { auth, start } = await setup()
    const url = (await start()).controlUrl as string
    await expect(list(url)).rejects.toMatchObject({ code: 'UNAUTHENTICATED' })
    await expect(list(url, 'not.a.token')).rejects.toMatchObject({ code: 'UNAUTHENTICATED' })
    await expect(list(url, await auth.issue('admin'))).rejects.toMatchObject({ code: 'UNAUTHENTICATED' })
    await expect(list(url, await createTokenAuthority().issue('admin'))).rejects.toMatchObject({
      code: 'UNAUTHENTICATED',
    })
  })

  it('accepts manager control tokens for this worker at this address, read vs write enforced', async () => {
    const { signer, start, m } = await setup()
    const url = (await start()).controlUrl as string
    const read = await tokenFor(signer, url, 'read')
    await until(async () => (await list(url, read)).length === 1)
    expect(m.calls.filter((c) => c === 'Venus.WorkerControlKey')).toHaveLength(1)
    const reader = workerControlClient(url, { token: read })
    await expect(reader.pause(0)).rejects.toThrow(/need 'write'/)
    await reader.close()
    const writer = workerControlClient(url, { token: await tokenFor(signer, url, 'write') })
    expect(await writer.pause(0)).toBe(true)
    await writer.close()
    // For another worker, sent to another address, or signed by another key: refused.
    await expect(list(url, await tokenFor(signer, url, 'read', 'rig-8'))).rejects.toMatchObject({
      code: 'UNAUTHENTICATED',
    })
    await expect(
      list(url, await signer.issue({ worker: 'test-worker', perm: 'read', dest: '10.9.9.9:17890' })),
    ).rejects.toMatchObject({ code: 'UNAUTHENTICATED' })
    const other = createControlTokenSigner(generateControlKey())
    await expect(list(url, await tokenFor(other, url, 'read'))).rejects.toMatchObject({
      code: 'UNAUTHENTICATED',
    })
  })

  it('guards /metrics the same way', async () => {
    const { signer, start } = await setup()
    const w = await start()
    const metrics = new URL('/metrics', w.controlUrl).href
    const get = (token?: string) =>
      fetch(metrics, token === undefined ? {} : { headers: { authorization: `Bearer ${token}` } })
    expect((await get()).status).toBe(401)
    expect((await get(await createTokenAuthority().issue('admin'))).status).toBe(401)
    expect((await get(w.controlToken)).status).toBe(200)
    const scrape = await signer.issue({ worker: '*', perm: 'read', ttlSeconds: 3600 })
    await until(async () => (await get(scrape)).status === 200)
    const text = await (await get(scrape)).text()
    expect(text).toMatch(/^venus_worker_sealing_threads_paused \d+$/m)
  })

  it('keeps working while the manager is down, across a worker restart', async () => {
    const { signer, start, m } = await setup()
    const first = await start()
    const url = first.controlUrl as string
    const read = await tokenFor(signer, url, 'read')
    await until(async () => (await list(url, read)).length === 1)
    // The manager goes away; the worker restarts during the outage.
    await m.rpc.close()
    servers.splice(0)
    expect(await list(url, read)).toHaveLength(1)
    await first.stop()
    workers.splice(0)
    const second = await start()
    expect(second.controlToken).toBe(first.controlToken)
    expect(await list(second.controlUrl as string, second.controlToken)).toHaveLength(1)
    // The key cached on disk verifies the manager's tokens without the manager.
    expect(await list(second.controlUrl as string, read)).toHaveLength(1)
  })

  it('can be off only on a loopback address', async () => {
    const { auth } = await setup()
    const cfg = { ...(env as WorkerEnv).config, rpcServer: { host: '0.0.0.0', port: await freePort() } }
    const w = createSealingWorker({
      config: cfg,
      proofs: mockProofs(),
      controlAuth: 'off',
      managerToken: await auth.issue('sign'),
    })
    await expect(w.start()).rejects.toThrow(/control API auth can only be off on a loopback address/)
  })
})
