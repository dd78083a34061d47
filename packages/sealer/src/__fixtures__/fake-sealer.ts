/**
 * A small in-memory fake of the manager's `Venus.*` API (the same RpcMethod table shape the
 * manager serves), for fast thread tests.
 */
import { randomBytes } from 'node:crypto'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { createRpcClient, custom, type RpcMethod, VenusError } from '@venus-cluster/core'
import { type SealerClient, sealerClient } from '../sealer-client.js'

export interface FakeSealerOptions {
  miner?: number
  proofType?: number
  /** How many sectors to hand out (then AllocateSector answers null). */
  sectors?: number
  /** Polls answering Pending before Landed. */
  pendingPolls?: number
  /** Persist store roots by instance name (SubmitPersisted checks the files). */
  persistStores?: Record<string, string>
  /** Called before every method; throw to inject a failure. */
  before?: (method: string, params: unknown[]) => void
}

export interface FakeSealer {
  methods: Record<string, RpcMethod>
  client: SealerClient
  calls: { method: string; params: unknown[] }[]
  finalized: string[]
  aborted: { id: string; reason: string }[]
  reports: { id: string; prev: string; next: string; level: string | null; desc: string | null }[]
}

export function fakeSealer(opts: FakeSealerOptions = {}): FakeSealer {
  const miner = opts.miner ?? 1000
  const proofType = opts.proofType ?? 5
  let next = 1
  const pre = new Map<string, number>()
  const proof = new Map<string, number>()
  const key = (id: { Miner: number; Number: number }) => `m-${id.Miner}-s-${id.Number}`
  const ticket = { Ticket: randomBytes(32).toString('base64'), Epoch: 10 }
  const seed = { Seed: randomBytes(32).toString('base64'), Epoch: 20 }
  const st: FakeSealer = {
    methods: {},
    client: undefined as unknown as SealerClient,
    calls: [],
    finalized: [],
    aborted: [],
    reports: [],
  }
  const m: Record<string, (p: unknown[]) => unknown> = {
    AllocateSector: () => {
      if (next > (opts.sectors ?? Number.POSITIVE_INFINITY)) return null
      return { ID: { Miner: miner, Number: next++ }, ProofType: proofType }
    },
    AcquireDeals: () => null,
    AssignTicket: () => ticket,
    SubmitPreCommit: (p) => {
      const k = key((p[0] as { ID: { Miner: number; Number: number } }).ID)
      const dup = pre.has(k) && p[2] !== true
      pre.set(k, 0)
      return { Res: dup ? 2 : 1, Desc: null }
    },
    PollPreCommitState: (p) => {
      const k = key(p[0] as { Miner: number; Number: number })
      const n = pre.get(k)
      if (n === undefined) return { State: 4, Desc: 'not found' }
      pre.set(k, n + 1)
      return { State: n >= (opts.pendingPolls ?? 0) ? 3 : 1, Desc: null }
    },
    SubmitPersisted: (p) => {
      const id = p[0] as { Miner: number; Number: number }
      const root = opts.persistStores?.[p[1] as string]
      if (root === undefined) return false
      return existsSync(join(root, 'sealed', `s-t0${id.Miner}-${id.Number}`))
    },
    WaitSeed: () => ({ ShouldWait: false, Delay: 0, Seed: seed }),
    SubmitProof: (p) => {
      const k = key(p[0] as { Miner: number; Number: number })
      const dup = proof.has(k) && p[2] !== true
      proof.set(k, 0)
      return { Res: dup ? 2 : 1, Desc: null }
    },
    PollProofState: (p) => {
      const k = key(p[0] as { Miner: number; Number: number })
      return proof.has(k) ? { State: 3, Desc: null } : { State: 4, Desc: 'no proof' }
    },
    ReportState: (p) => {
      const r = p[1] as {
        StateChange: { Prev: string; Next: string }
        Failure: { Level: string; Desc: string } | null
      }
      st.reports.push({
        id: key(p[0] as { Miner: number; Number: number }),
        prev: r.StateChange.Prev,
        next: r.StateChange.Next,
        level: r.Failure?.Level ?? null,
        desc: r.Failure?.Desc ?? null,
      })
      return null
    },
    ReportFinalized: (p) => {
      st.finalized.push(key(p[0] as { Miner: number; Number: number }))
      return null
    },
    WorkerPing: () => null,
    ReportAborted: (p) => {
      st.aborted.push({ id: key(p[0] as { Miner: number; Number: number }), reason: String(p[1]) })
      return null
    },
  }
  for (const [name, fn] of Object.entries(m)) {
    st.methods[`Venus.${name}`] = (params) => {
      st.calls.push({ method: name, params })
      opts.before?.(name, params)
      return fn(params)
    }
  }
  st.client = sealerClient(
    createRpcClient(
      custom({
        request: async (method, params) => {
          const fn = st.methods[method]
          if (fn === undefined) throw new VenusError('RPC_METHOD_NOT_FOUND', method)
          return fn(params, { signal: new AbortController().signal, permissions: [] })
        },
      }),
    ),
  )
  return st
}
