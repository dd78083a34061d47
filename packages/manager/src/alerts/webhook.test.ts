import { createServer, type IncomingHttpHeaders, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { checkAlertWebhookUrl, createAlertWebhook } from './webhook.js'

let server: Server | undefined
afterEach(async () => {
  server?.closeAllConnections()
  await new Promise<void>((r) => (server ? server.close(() => r()) : r()))
  server = undefined
})

async function listen(
  handle: (body: string, headers: IncomingHttpHeaders, res: import('node:http').ServerResponse) => void,
): Promise<string> {
  server = createServer((req, res) => {
    let body = ''
    req.on('data', (d) => {
      body += String(d)
    })
    req.on('end', () => handle(body, req.headers, res))
  })
  await new Promise<void>((r) => server?.listen(0, '127.0.0.1', () => r()))
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`
}

describe('alert webhook', () => {
  it('posts each alert as JSON, without credentials', async () => {
    const got: { body: Record<string, unknown>; headers: IncomingHttpHeaders }[] = []
    const url = await listen((body, headers, res) => {
      got.push({ body: JSON.parse(body), headers })
      res.end('ok')
    })
    const hook = createAlertWebhook({ url, source: 'vsm-a' })
    await hook.start()
    hook.notify({
      kind: 'wdpost-missed',
      severity: 'critical',
      summary: 't01000 missed 7',
      labels: { miner: 't01000' },
    })
    await hook.flushed()
    expect(got).toHaveLength(1)
    expect(got[0]?.body).toMatchObject({
      kind: 'wdpost-missed',
      severity: 'critical',
      source: 'vsm-a',
      labels: { miner: 't01000' },
    })
    expect(got[0]?.headers.authorization).toBeUndefined()
    expect(got[0]?.headers.cookie).toBeUndefined()
    expect(hook.stats()).toEqual({ sent: 1, failed: 0, dropped: 0 })
    await hook.stop()
  })

  it('bounds its queue and gives up a request that does not answer in time', async () => {
    const url = await listen(() => {
      // Never answers.
    })
    const hook = createAlertWebhook({ url, timeoutMs: 150, maxQueue: 2 })
    await hook.start()
    for (let i = 0; i < 5; i++) hook.notify({ kind: 'x', severity: 'warning', summary: `alert ${i}` })
    await hook.flushed()
    const s = hook.stats()
    expect(s.sent).toBe(0)
    expect(s.dropped).toBeGreaterThanOrEqual(2)
    expect(s.failed + s.dropped).toBe(5)
    await hook.stop()
  })

  it('refuses a URL that carries credentials or is not http(s)', () => {
    expect(() => checkAlertWebhookUrl('https://user:secret@alerts.example/hook')).toThrow(/user or password/)
    expect(() => checkAlertWebhookUrl('file:///etc/passwd')).toThrow(/only http and https/)
    expect(() => checkAlertWebhookUrl('not a url')).toThrow(/is not a URL/)
    expect(checkAlertWebhookUrl('https://alerts.example/hook').host).toBe('alerts.example')
  })
})
