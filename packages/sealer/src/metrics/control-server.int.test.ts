import type { RpcPermission } from '@venus-cluster/core'
import { httpServerConformance } from '@venus-cluster/core/testing'
import { afterEach, describe, expect, it } from 'vitest'
import { serveWorkerControl, type WorkerControlServer } from './control-server.js'
import { createWorkerMetrics } from './worker-metrics.js'

const methods = { 'VenusWorker.WorkerList': () => [] }
const authorize = async (token: string | undefined): Promise<readonly RpcPermission[]> => {
  if (token === 'admin-token') return ['read', 'write', 'sign', 'admin']
  throw new Error('refused')
}

describe('worker control server', () => {
  httpServerConformance(
    async (http) => {
      const s = await serveWorkerControl({ methods, host: '127.0.0.1', port: 0, authorize, http })
      return { port: s.port, close: () => s.close() }
    },
    { describe, it, expect, paths: ['/rpc/v0', '/metrics'] },
  )
})

let server: WorkerControlServer | undefined
afterEach(async () => {
  await server?.close()
  server = undefined
})

describe('worker control server: tokens and browsers', () => {
  it('takes the token only from the Authorization header', async () => {
    server = await serveWorkerControl({
      methods,
      host: '127.0.0.1',
      port: 0,
      authorize,
      metrics: createWorkerMetrics({ threads: () => [] }),
    })
    const body = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'VenusWorker.WorkerList', params: [] })
    const post = (url: string, headers: Record<string, string> = {}) =>
      fetch(url, { method: 'POST', body, headers: { 'content-type': 'application/json', ...headers } })
    expect((await post(`${server.url}?token=admin-token`)).status).toBe(401)
    expect((await fetch(`${server.url}metrics?token=admin-token`)).status).toBe(401)
    expect((await post(server.url, { authorization: 'Bearer admin-token' })).status).toBe(200)
    expect(
      (await fetch(`${server.url}metrics`, { headers: { authorization: 'Bearer admin-token' } })).status,
    ).toBe(200)
  })

  it('refuses a foreign page and non-JSON bodies when auth is off', async () => {
    server = await serveWorkerControl({ methods, host: '127.0.0.1', port: 0, authorize: undefined })
    const body = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'VenusWorker.WorkerList', params: [] })
    const res = (headers: Record<string, string>) =>
      fetch(server?.url ?? '', { method: 'POST', body, headers })
    expect((await res({ 'content-type': 'application/json' })).status).toBe(200)
    expect((await res({ 'content-type': 'text/plain' })).status).toBe(415)
    expect((await res({ 'content-type': 'application/json', origin: 'http://evil.example' })).status).toBe(
      403,
    )
    expect(
      (await fetch(`${server.url}metrics`, { headers: { 'sec-fetch-site': 'cross-site' } })).status,
    ).toBe(403)
  })
})
