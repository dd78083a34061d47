import { createServer } from 'node:net'
import {
  createRpcServer,
  createTokenAuthority,
  mockProofs,
  type RpcServer,
  requireToken,
  type TokenAuthority,
} from '@venus-cluster/core'
import { afterEach, describe, expect, it } from 'vitest'
import { type WorkerEnv, workerEnv } from '../__fixtures__/env.js'
import { fakeSealer } from '../__fixtures__/fake-sealer.js'
import { workerControlClient } from '../control-api.js'
import { createSealingWorker, type SealingWorker } from '../worker.js'

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const a = s.address()
      s.close(() => resolve(typeof a === 'object' && a !== null ? a.port : 0))
    })
  })
}

/** A stand-in for the manager's auth: `Venus.AuthVerify` behind the same token check. */
async function fakeManager(auth: TokenAuthority | undefined): Promise<{ rpc: RpcServer; addr: string }> {
  const rpc = createRpcServer({
    path: '/rpc/v0',
    methods: auth ? { 'Venus.AuthVerify': (p) => auth.verify(String(p[0])) } : {},
    ...(auth ? { authorize: requireToken(auth) } : {}),
  })
  const { port } = await rpc.listen({ host: '127.0.0.1', port: 0 })
  return { rpc, addr: `/ip4/127.0.0.1/tcp/${port}` }
}

let env: WorkerEnv | undefined
let worker: SealingWorker | undefined
let manager: RpcServer | undefined
afterEach(async () => {
  await worker?.stop()
  await manager?.close()
  env?.cleanup()
  worker = undefined
  manager = undefined
})

async function start(auth: TokenAuthority | undefined, managerToken: string | undefined): Promise<string> {
  const m = await fakeManager(auth)
  manager = m.rpc
  env = await workerEnv({ threads: 1, port: await freePort(), managerAddr: m.addr })
  worker = createSealingWorker({
    config: env.config,
    proofs: mockProofs(),
    sealer: fakeSealer({ sectors: 0 }).client,
    managerToken,
  })
  await worker.start()
  return worker.controlUrl ?? ''
}

async function list(url: string, token?: string): Promise<unknown> {
  const c = workerControlClient(url, { token })
  try {
    return await c.list()
  } finally {
    await c.close()
  }
}

describe('worker control API auth', () => {
  it('refuses no token and forged tokens, and enforces read vs write', async () => {
    const auth = createTokenAuthority()
    const url = await start(auth, await auth.issue('read'))
    const forged = await createTokenAuthority().issue('admin')
    await expect(list(url)).rejects.toMatchObject({ code: 'UNAUTHENTICATED' })
    await expect(list(url, forged)).rejects.toMatchObject({ code: 'UNAUTHENTICATED' })
    await expect(list(url, 'not.a.token')).rejects.toMatchObject({ code: 'UNAUTHENTICATED' })
    const read = await auth.issue('read')
    expect(await list(url, read)).toHaveLength(1)
    const reader = workerControlClient(url, { token: read })
    await expect(reader.pause(0)).rejects.toThrow(/need 'write'/)
    await reader.close()
    const writer = workerControlClient(url, { token: await auth.issue('write') })
    expect(await writer.pause(0)).toBe(true)
    await writer.close()
  })

  it('guards /metrics and serves thread gauges to a read token', async () => {
    const auth = createTokenAuthority()
    const url = await start(auth, await auth.issue('read'))
    const metrics = new URL('/metrics', url).href
    expect((await fetch(metrics)).status).toBe(401)
    const forged = await createTokenAuthority().issue('admin')
    expect((await fetch(metrics, { headers: { authorization: `Bearer ${forged}` } })).status).toBe(401)
    const none = await auth.issue([])
    expect((await fetch(metrics, { headers: { authorization: `Bearer ${none}` } })).status).toBe(403)
    const res = await fetch(metrics, { headers: { authorization: `Bearer ${await auth.issue('read')}` } })
    expect(res.status).toBe(200)
    const text = await res.text()
    const total = text
      .split('\n')
      .filter((l) => l.startsWith('venus_worker_sealing_threads{'))
      .reduce((n, l) => n + Number(l.split(' ').pop()), 0)
    expect(total).toBe(1)
    expect(text).toMatch(/^venus_worker_sealing_threads_paused \d+$/m)
  })

  it('fails closed when the manager refuses the worker’s own token', async () => {
    const auth = createTokenAuthority()
    const url = await start(auth, await createTokenAuthority().issue('admin'))
    await expect(list(url, await auth.issue('admin'))).rejects.toMatchObject({ code: 'UNAUTHENTICATED' })
  })

  it('follows a manager that runs with auth explicitly off', async () => {
    const url = await start(undefined, undefined)
    expect(await list(url)).toHaveLength(1)
  })
})
