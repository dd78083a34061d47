/**
 * The typed `Venus.*` client a sealing thread uses. Transport errors and manager
 * errors become {@link SealingFailure}s via `rpcFailure`.
 */
import type {
  AllocatedSector,
  RpcClient,
  WireDeal,
  WireSectorId,
  WireSeed,
  WireTicket,
  WireWorkerInfo,
} from '@venus-cluster/core'
import { rpcFailure } from './failure.js'

/** `ReportStateReq` of the wire format. */
export interface ReportStateReq {
  Worker: { Instance: string; Location: string }
  StateChange: { Prev: string; Next: string; Event: string }
  Failure: { Level: string; Desc: string } | null
}

/** The methods of the manager a worker calls. */
export interface SealerClient {
  allocateSector(spec: {
    AllowedMiners: number[] | null
    AllowedProofTypes: number[] | null
  }): Promise<AllocatedSector | null>
  acquireDeals(id: WireSectorId, spec: { MaxDeals: number | null }): Promise<WireDeal[] | null>
  assignTicket(id: WireSectorId): Promise<WireTicket>
  submitPreCommit(
    sector: AllocatedSector,
    info: { CommR: number[]; CommD: number[]; Ticket: WireTicket; Deals: number[] },
    reset: boolean,
  ): Promise<{ Res: number; Desc: string | null }>
  pollPreCommitState(id: WireSectorId): Promise<{ State: number; Desc: string | null }>
  submitPersisted(id: WireSectorId, instance: string): Promise<boolean>
  waitSeed(id: WireSectorId): Promise<{ ShouldWait: boolean; Delay: number; Seed: WireSeed | null }>
  submitProof(id: WireSectorId, proof: string, reset: boolean): Promise<{ Res: number; Desc: string | null }>
  pollProofState(id: WireSectorId): Promise<{ State: number; Desc: string | null }>
  reportState(id: WireSectorId, req: ReportStateReq): Promise<void>
  reportFinalized(id: WireSectorId): Promise<void>
  reportAborted(id: WireSectorId, reason: string): Promise<void>
  /** `[v0.2]` liveness report: `{Name, Dest, Summary: {Threads, Empty, Paused, Errors}}`. */
  workerPing?(info: WireWorkerInfo): Promise<void>
  /**
   * Extension: the manager's public key for control tokens (`Venus.WorkerControlKey`), checked
   * by the caller. The original manager answers "method not found".
   */
  workerControlKey?(): Promise<unknown>
}

/**
 * Wraps an RPC client connected to the manager's `/rpc/v0`.
 *
 * @example
 * ```ts
 * const sealer = sealerClient(createRpcClient(http('http://127.0.0.1:1789/rpc/v0')))
 * const sector = await sealer.allocateSector({ AllowedMiners: null, AllowedProofTypes: null })
 * ```
 */
export function sealerClient(rpc: RpcClient, opts: { timeoutMs?: number } = {}): SealerClient {
  const call = async <T>(method: string, params: unknown[]): Promise<T> => {
    try {
      return await rpc.call<T>(`Venus.${method}`, params, { timeoutMs: opts.timeoutMs ?? 60_000 })
    } catch (err) {
      throw rpcFailure(method, err)
    }
  }
  return {
    allocateSector: (spec) => call('AllocateSector', [spec]),
    acquireDeals: (id, spec) => call('AcquireDeals', [id, spec]),
    assignTicket: (id) => call('AssignTicket', [id]),
    submitPreCommit: (s, info, reset) => call('SubmitPreCommit', [s, info, reset]),
    pollPreCommitState: (id) => call('PollPreCommitState', [id]),
    submitPersisted: (id, instance) => call('SubmitPersisted', [id, instance]),
    waitSeed: (id) => call('WaitSeed', [id]),
    submitProof: (id, proof, reset) => call('SubmitProof', [id, { Proof: proof }, reset]),
    pollProofState: (id) => call('PollProofState', [id]),
    reportState: async (id, req) => {
      await call('ReportState', [id, req])
    },
    reportFinalized: async (id) => {
      await call('ReportFinalized', [id])
    },
    reportAborted: async (id, reason) => {
      await call('ReportAborted', [id, reason])
    },
    workerPing: async (info) => {
      await call('WorkerPing', [info])
    },
    // Not a sealing step: the raw error (a "method not found" included) goes to the caller.
    workerControlKey: () => rpc.call('Venus.WorkerControlKey', [], { timeoutMs: 10_000 }),
  }
}
