import * as core from '@venus-cluster/core'
import * as auth from '@venus-cluster/core/auth'
import * as codecs from '@venus-cluster/core/codecs'
import * as errors from '@venus-cluster/core/errors'
import * as http from '@venus-cluster/core/http'
import * as mock from '@venus-cluster/core/mock'
import * as rpc from '@venus-cluster/core/rpc'
import * as testing from '@venus-cluster/core/testing'
import { describe, expect, it } from 'vitest'

// Subpath entry points re-export the root's own bindings (one module instance: `instanceof
// VenusError` and the mock backend's identity hold whichever path a program imports from).
describe('entry points of @venus-cluster/core', () => {
  it('re-exports the root entry bindings from /codecs, /errors, /mock and /rpc', () => {
    const root = new Map<string, unknown>(Object.entries(core))
    for (const [name, entry] of Object.entries({ codecs, errors, mock, rpc })) {
      const values = Object.entries(entry)
      expect(values.length, name).toBeGreaterThan(0)
      for (const [key, value] of values) {
        if (root.has(key)) expect(root.get(key), `${name}.${key}`).toBe(value)
      }
    }
    // Every name of /codecs, /errors and /mock is in the root too; /rpc adds the server.
    for (const entry of [codecs, errors])
      for (const key of Object.keys(entry)) expect(root.has(key), key).toBe(true)
    const serverOnly = Object.keys(rpc).filter(
      (key) => !root.has(key) && key !== 'heartbeat' && key !== 'raceAbort',
    )
    expect(serverOnly.sort()).toEqual([
      'DEFAULT_MAX_JSON_DEPTH',
      'createRpcServer',
      'httpStatusForRpcCode',
      'jsonDepthExceeded',
      'parseRpcJson',
    ])
  })

  it('serves the servers’ machinery from /rpc, /http and /auth only, not from the root', () => {
    expect(typeof rpc.createRpcServer).toBe('function')
    expect(typeof http.createHttpServer).toBe('function')
    expect(typeof auth.createTokenAuthority).toBe('function')
    for (const key of [...Object.keys(http), ...Object.keys(auth), 'createRpcServer']) {
      expect(key in core, key).toBe(false)
    }
  })

  it('serves mock proofs from /mock and the conformance suite only from /testing', async () => {
    const info = await mock.mockProofs().info()
    expect(info.realProofs).toBe(false)
    expect(typeof testing.proofsBackendConformance).toBe('function')
    expect('proofsBackendConformance' in core).toBe(false)
  })
})
