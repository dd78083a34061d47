import * as core from '@venus-cluster/core'
import * as codecs from '@venus-cluster/core/codecs'
import * as errors from '@venus-cluster/core/errors'
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
      for (const [key, value] of values) expect(root.get(key), `${name}.${key}`).toBe(value)
    }
  })

  it('serves mock proofs from /mock and the conformance suite only from /testing', async () => {
    const info = await mock.mockProofs().info()
    expect(info.realProofs).toBe(false)
    expect(typeof testing.proofsBackendConformance).toBe('function')
    expect('proofsBackendConformance' in core).toBe(false)
  })
})
