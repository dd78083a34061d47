import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { VenusError } from '../errors/index.js'
import { createMessagerClient } from '../messager/client.js'
import { parseApiInfo } from '../rpc/api-info.js'
import { createRpcServer } from '../rpc/server.js'
import { httpTransport, wsTransport } from '../rpc/transports.js'
import type { RpcMethod } from '../rpc/types.js'
import { createChainClient } from './client.js'
import type { LotusHeadChange, LotusTipSet } from './types.js'

const samples = JSON.parse(
  readFileSync(new URL('./__fixtures__/lotus-responses.json', import.meta.url), 'utf8'),
) as Record<string, unknown>

function tipset(height: number): LotusTipSet {
  return { ...(samples['Filecoin.ChainHead'] as LotusTipSet), Height: height }
}

/** A fake node: ChainNotify sends `current` at the head, then one apply per `advance()`. */
function fakeNode() {
  let head = 100
  const listeners = new Set<() => void>()
  const methods: Record<string, RpcMethod> = {
    'Filecoin.ChainHead': () => tipset(head),
    'Filecoin.ChainNotify': (_p, ctx) =>
      (async function* (): AsyncGenerator<LotusHeadChange[]> {
        let seen = head
        yield [{ Type: 'current', Val: tipset(seen) }]
        while (!ctx.signal.aborted) {
          await new Promise<void>((res) => {
            listeners.add(res)
            ctx.signal.addEventListener('abort', () => res(), { once: true })
          })
          while (seen < head) yield [{ Type: 'apply', Val: tipset(++seen) }]
        }
      })(),
    'Filecoin.MpoolPushMessage': () => samples['Filecoin.MpoolPushMessage'],
    'Message.GetMessageByUid': () => samples['Message.GetMessageByUid'],
    'Message.PushMessageWithId': (p) => p[0],
  }
  return {
    methods,
    advance() {
      head++
      for (const l of listeners) l()
      listeners.clear()
    },
  }
}

describe('chain client over a real socket', () => {
  it('follows ChainNotify, resubscribes after the node restarts, and reconciles from current', async () => {
    const node = fakeNode()
    let server = createRpcServer({ methods: node.methods, path: '/rpc/v1', closeGraceMs: 20 })
    const { port } = await server.listen({ host: '127.0.0.1', port: 0 })
    const { wsUrl } = parseApiInfo(`/ip4/127.0.0.1/tcp/${port}`)
    const chain = createChainClient(
      wsTransport(wsUrl, { reconnectAttempts: 50, reconnectMinDelayMs: 10, reconnectMaxDelayMs: 50 }),
    )
    const ac = new AbortController()
    const seen: string[] = []
    let resubscribed = 0
    try {
      const it = chain
        .chainNotify({ signal: ac.signal, minDelayMs: 10, onResubscribe: () => resubscribed++ })
        [Symbol.asyncIterator]()
      const next = async () => {
        const r = await it.next()
        const b = r.value as LotusHeadChange[]
        seen.push(b.map((c) => `${c.Type}@${c.Val.Height}`).join(','))
      }
      await next()
      node.advance()
      await next()
      await server.close()
      node.advance() // happens while the client is disconnected
      node.advance()
      server = createRpcServer({ methods: node.methods, path: '/rpc/v1' })
      await server.listen({ host: '127.0.0.1', port })
      await next()
      node.advance()
      await next()
      expect(seen).toEqual(['current@100', 'apply@101', 'current@103', 'apply@104'])
      expect(resubscribed).toBe(1)
      ac.abort()
      expect((await it.next()).done).toBe(true)
    } finally {
      ac.abort()
      await chain.close()
      await server.close()
    }
  })

  it('talks to the chain over HTTP and the messager on /rpc/v0 with a token', async () => {
    const node = fakeNode()
    const chainServer = createRpcServer({
      methods: node.methods,
      path: ['/rpc/v0', '/rpc/v1'],
      authorize: (t) => {
        if (t === 'sign-token') return ['read', 'write', 'sign']
        if (t === undefined) return ['read']
        throw new VenusError('UNAUTHENTICATED', 'bad token')
      },
      permissions: { 'Filecoin.MpoolPushMessage': 'sign', 'Message.PushMessageWithId': 'write' },
    })
    const { port } = await chainServer.listen({ host: '127.0.0.1', port: 0 })
    try {
      const info = parseApiInfo(`sign-token:/ip4/127.0.0.1/tcp/${port}/http`)
      const chain = createChainClient(httpTransport(info.httpUrl, { token: info.token }))
      expect((await chain.chainHead()).Height).toBe(100)
      const msg = (samples['Filecoin.MpoolPushMessage'] as { Message: never }).Message
      expect((await chain.mpoolPushMessage(msg, null)).Message.Nonce).toBe(42)
      const anon = createChainClient(httpTransport(info.httpUrl))
      await expect(anon.mpoolPushMessage(msg, null)).rejects.toMatchObject({ code: 'PERMISSION_DENIED' })
      await expect(
        anon.chainNotify({ resubscribe: false })[Symbol.asyncIterator]().next(),
      ).rejects.toMatchObject({
        code: 'UNSUPPORTED',
      })
      const m = parseApiInfo(`/ip4/127.0.0.1/tcp/${port}`, { version: 'v0', token: 'sign-token' })
      const messager = createMessagerClient(wsTransport(m.wsUrl, { token: m.token }))
      expect(await messager.pushMessageWithId('uid-1', msg)).toBe('uid-1')
      expect((await messager.getMessageByUid('uid-1')).State).toBe(3)
      await messager.close()
    } finally {
      await chainServer.close()
    }
  })
})
