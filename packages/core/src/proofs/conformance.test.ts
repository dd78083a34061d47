import { describe, expect, it } from 'vitest'
import type { ProofsBackend } from './backend.js'
import { proofsBackendConformance } from './conformance.js'
import { mockProofs } from './mock.js'

/** Registers the suite into a private list, runs it, and returns the names of the failing tests. */
async function failingTests(
  make: () => ProofsBackend,
  options: { skip?: { aggregate?: boolean } } = {},
): Promise<string[]> {
  const tests: { name: string; fn: () => Promise<void> }[] = []
  const cleanups: (() => Promise<void>)[] = []
  proofsBackendConformance(make, {
    describe: (_name, fn) => fn(),
    it: (name, fn) => tests.push({ name, fn }),
    expect,
    afterAll: (fn) => cleanups.push(fn),
    skip: options.skip,
  })
  const failed: string[] = []
  for (const t of tests) {
    try {
      await t.fn()
    } catch {
      failed.push(t.name)
    }
  }
  for (const c of cleanups) await c()
  return failed
}

/** The mock with some methods replaced. */
function patched(overrides: Partial<ProofsBackend>): () => ProofsBackend {
  return () => {
    const base = mockProofs() as unknown as Record<string | symbol, unknown>
    return new Proxy(base, {
      get(target, key) {
        if (key in overrides) return (overrides as Record<string | symbol, unknown>)[key]
        const v = target[key]
        return typeof v === 'function' ? v.bind(target) : v
      },
    }) as unknown as ProofsBackend
  }
}

describe('proofsBackendConformance', () => {
  it('passes the mock backend', async () => {
    expect(await failingTests(() => mockProofs(), { skip: { aggregate: true } })).toEqual([])
  })

  it('fails a backend whose seal verifier accepts everything', async () => {
    const failed = await failingTests(patched({ verifySeal: async () => true }), {
      skip: { aggregate: true },
    })
    expect(failed).toContain('rejects a seal proof when the proof or any public input differs')
  })

  it('fails a backend whose WindowPoSt verifier accepts everything', async () => {
    const failed = await failingTests(patched({ verifyWindowPoSt: async () => true }), {
      skip: { aggregate: true },
    })
    expect(failed).toContain('generates and verifies a WindowPoSt over two sectors')
  })

  it('fails a backend whose update verifier accepts everything', async () => {
    const failed = await failingTests(patched({ verifyUpdateProof: async () => true }), {
      skip: { aggregate: true },
    })
    expect(failed).toContain(
      'proves the update through vanilla partition proofs and verifies it only for its commitments',
    )
  })

  it('fails a backend whose decoder does not give the data back', async () => {
    const m = mockProofs()
    const failed = await failingTests(
      patched({
        decodeFrom: async (r) => m.decodeFrom({ ...r, commDNew: new Uint8Array(32) }),
      }),
      { skip: { aggregate: true } },
    )
    expect(failed).toContain(
      'decodes the replica back to the staged bytes, whole and by range, and not with another CommD',
    )
  })

  it('fails a backend whose aggregate verifier ignores the order of proofs', async () => {
    const failed = await failingTests(
      patched({ verifyAggregateSealProofs: async (r) => r.aggregate.length > 0 }),
    )
    expect(failed).toEqual(['aggregates 4 seal proofs and verifies the aggregate'])
  })

  it('fails a backend that ignores abort signals', async () => {
    const m = mockProofs()
    const failed = await failingTests(patched({ sealPreCommitPhase1: (req) => m.sealPreCommitPhase1(req) }), {
      skip: { aggregate: true },
    })
    expect(failed).toContain('honours an aborted signal')
  })
})
