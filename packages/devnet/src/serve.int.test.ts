import { connect } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import { fakeVerifier } from './__fixtures__/fake-proofs.js'
import { createDevnet } from './devnet.js'
import { type ServedDevnet, serveDevnet } from './serve.js'

let served: ServedDevnet | undefined
afterEach(async () => {
  await served?.close()
  served = undefined
})

async function post(url: string, body: unknown, token?: string) {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  })
  // go-jsonrpc answers protocol errors (-32xxx) with HTTP 500 and a JSON body.
  const text = await res.text()
  let parsed: Record<string, unknown> | undefined
  try {
    parsed = JSON.parse(text) as Record<string, unknown>
  } catch {
    parsed = undefined
  }
  return { status: res.status, body: parsed }
}

describe('devnet served over HTTP and WebSocket', () => {
  it('answers HTTP POST with go-jsonrpc framing, token permissions and errors', async () => {
    const devnet = createDevnet({ seed: 'serve', proofs: fakeVerifier() })
    served = await serveDevnet(devnet)
    expect(served.chainApiInfo).toMatch(/^ey[^:]+:\/ip4\/127\.0\.0\.1\/tcp\/\d+\/http$/)
    const head = await post(served.httpUrl, {
      jsonrpc: '2.0',
      id: 1,
      method: 'Filecoin.ChainHead',
      params: [],
    })
    expect(head.body).toMatchObject({ jsonrpc: '2.0', id: 1, result: { Height: 0 } })
    const push = {
      jsonrpc: '2.0',
      id: 2,
      method: 'Filecoin.MpoolPushMessage',
      params: [{ To: 't01', From: 't01', Value: '0', Method: 0 }, null],
    }
    expect((await post(served.httpUrl, push)).body!.error).toMatchObject({
      code: 1,
      message: expect.stringMatching(/need 'sign'/),
    })
    const readToken = await served.tokens.issue('read')
    expect((await post(served.httpUrl, push, readToken)).body!.error).toMatchObject({
      message: expect.stringMatching(/need 'sign'/),
    })
    expect((await post(served.httpUrl, push, 'not-a-jwt')).status).toBe(401)
    const unknown = await post(served.httpUrl, { jsonrpc: '2.0', id: 3, method: 'Filecoin.Nope', params: [] })
    expect((unknown.body!.error as { code: number }).code).toBe(-32601)
    expect(((await post(served.httpUrl, '{bad')).body!.error as { code: number }).code).toBe(-32700)
    const notify = await post(served.httpUrl, {
      jsonrpc: '2.0',
      id: 4,
      method: 'Filecoin.ChainNotify',
      params: [],
    })
    expect((notify.body!.error as { message: string }).message).toMatch(/no out channel support/)
    const badParams = await post(served.httpUrl, {
      jsonrpc: '2.0',
      id: 5,
      method: 'Filecoin.StateMinerInfo',
      params: [1, []],
    })
    expect((badParams.body!.error as { code: number }).code).toBe(-32602)
    const missing = await post(served.httpUrl, {
      jsonrpc: '2.0',
      id: 6,
      method: 'Filecoin.StateLookupID',
      params: ['t09999', []],
    })
    expect((missing.body!.error as { code: number; data: { code: string } }).code).toBe(11)
    const messager = await post(served.httpUrl.replace('/rpc/v1', '/rpc/v0'), {
      jsonrpc: '2.0',
      id: 7,
      method: 'Message.HasMessageByUid',
      params: ['x'],
    })
    expect(messager.body!.result).toBe(false)
    const mine = { jsonrpc: '2.0', id: 8, method: 'Devnet.Mine', params: [2] }
    expect((await post(served.httpUrl, mine, readToken)).body!.error).toMatchObject({
      message: expect.stringMatching(/need 'admin'/),
    })
    expect((await post(served.httpUrl, mine, served.adminToken)).body!.result).toMatchObject({ Height: 2 })
    const created = await post(
      served.httpUrl,
      { jsonrpc: '2.0', id: 9, method: 'Devnet.CreateMiner', params: [] },
      served.adminToken,
    )
    expect(created.body!.result).toMatchObject({ Miner: expect.stringMatching(/^t0\d+$/) })
  })

  it('streams ChainNotify over WebSocket as xrpc.ch.val notifications and closes on xrpc.cancel', async () => {
    const devnet = createDevnet({ seed: 'serve-ws', proofs: fakeVerifier() })
    served = await serveDevnet(devnet)
    const ws = new WebSocket(served.wsUrl, { headers: { Authorization: `Bearer ${served.adminToken}` } })
    const inbox: Record<string, unknown>[] = []
    let wake: (() => void) | undefined
    ws.on('message', (d) => {
      inbox.push(JSON.parse(String(d)) as Record<string, unknown>)
      wake?.()
    })
    await new Promise((r) => ws.once('open', r))
    const next = async (pred: (m: Record<string, unknown>) => boolean) => {
      for (;;) {
        const i = inbox.findIndex(pred)
        if (i >= 0) return inbox.splice(i, 1)[0]!
        await new Promise<void>((r) => (wake = r))
      }
    }
    ws.send(JSON.stringify({ jsonrpc: '2.0', id: 7, method: 'Filecoin.ChainNotify', params: [] }))
    const reply = await next((m) => m.id === 7)
    const chan = reply.result as number
    expect(chan).toBe(1)
    const first = await next((m) => m.method === 'xrpc.ch.val')
    expect(first.params).toMatchObject([chan, [{ Type: 'current', Val: { Height: 0 } }]])
    await devnet.mine(1)
    const applied = await next((m) => m.method === 'xrpc.ch.val')
    expect(applied.params).toMatchObject([chan, [{ Type: 'apply', Val: { Height: 1 } }]])
    ws.send(JSON.stringify({ jsonrpc: '2.0', id: 8, method: 'Filecoin.StateNetworkName', params: [] }))
    expect((await next((m) => m.id === 8)).result).toBe('localnet-devnet')
    ws.send(JSON.stringify({ jsonrpc: '2.0', method: 'xrpc.cancel', params: [7] }))
    expect((await next((m) => m.method === 'xrpc.ch.close')).params).toEqual([chan])
    ws.close()
  })

  it('refuses a WebSocket upgrade with a bad token', async () => {
    const devnet = createDevnet({ seed: 'serve-401', proofs: fakeVerifier() })
    served = await serveDevnet(devnet)
    const ws = new WebSocket(`${served.wsUrl}?token=bad`)
    const err = await new Promise<Error>((r) => ws.once('error', r))
    expect(String(err)).toMatch(/401/)
  })

  it('closes even while a client is half-way through sending a request', async () => {
    const devnet = createDevnet({ seed: 'serve-close', proofs: fakeVerifier() })
    const s = await serveDevnet(devnet)
    const sock = connect(s.port, s.host)
    await new Promise<void>((r) => sock.once('connect', () => r()))
    // Headers promise a body that never comes: no handler answers this request.
    sock.write(
      'POST /rpc/v1 HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: 100\r\n\r\n{',
    )
    await new Promise((r) => setTimeout(r, 50))
    const closed = await Promise.race([
      s.close().then(() => 'closed'),
      new Promise((r) => setTimeout(() => r('still open after 5 s'), 5000)),
    ])
    sock.destroy()
    expect(closed).toBe('closed')
  })
})
