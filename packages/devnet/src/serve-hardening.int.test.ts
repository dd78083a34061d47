import { httpServerConformance } from '@venus-cluster/core/testing'
import { describe, expect, it } from 'vitest'
import { fakeVerifier } from './__fixtures__/fake-proofs.js'
import { createDevnet } from './devnet.js'
import { serveDevnet } from './serve.js'

describe('devnet server', () => {
  httpServerConformance(
    async (http) => {
      const served = await serveDevnet(createDevnet({ seed: 'serve-hardening', proofs: fakeVerifier() }), {
        http,
      })
      return { port: served.port, close: () => served.close() }
    },
    { describe, it, expect, paths: ['/rpc/v1', '/rpc/v0'] },
  )

  it('refuses tokenless calls from a foreign page, as Lotus clients send none of those headers', async () => {
    const served = await serveDevnet(createDevnet({ seed: 'serve-origin', proofs: fakeVerifier() }))
    try {
      const body = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'Filecoin.ChainHead', params: [] })
      const post = (headers: Record<string, string>) =>
        fetch(served.httpUrl, {
          method: 'POST',
          body,
          headers: { 'content-type': 'application/json', ...headers },
        })
      expect((await post({})).status).toBe(200)
      expect((await post({ origin: 'http://evil.example' })).status).toBe(403)
      expect((await post({ 'content-type': 'text/plain' })).status).toBe(415)
      expect(
        (await post({ authorization: `Bearer ${served.adminToken}`, origin: 'http://evil.example' })).status,
      ).toBe(200)
    } finally {
      await served.close()
    }
  })
})
