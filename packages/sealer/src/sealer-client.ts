/**
 * The `Venus.*` client a sealing thread uses: camelCase domain types in, wire shapes (see
 * `wire.ts`) only on the call. Transport errors and manager errors become
 * {@link SealingFailure}s via `rpcFailure`; an answer of the wrong shape is a Permanent failure.
 */
import {
  type EpochRandomness,
  type RpcClient,
  type SectorId,
  sectorIdToWire,
  ticketToWire,
  type WdPoStAllocateSpec,
  type WdPoStJobInput,
  type WdPoStJobOutput,
  type WorkerPingReport,
  wdPoStInputFromWire,
  wdPoStOutputToWire,
  workerInfoToWire,
} from '@venus-cluster/core'
import { permanent, rpcFailure } from './failure.js'
import { type RebuildTask, rebuildTaskFromWire, type UnsealTask, unsealTaskFromWire } from './repair-wire.js'
import {
  type AllocatedSector,
  allocatedFromWire,
  allocatedToWire,
  dealsAnswerFromWire,
  type OnChainAnswer,
  onChainAnswerFromWire,
  type SectorDeal,
  type SeedAnswer,
  type StateReport,
  type SubmitAnswer,
  seedAnswerFromWire,
  stateReportToWire,
  submitAnswerFromWire,
  ticketAnswerFromWire,
} from './wire.js'

/**
 * The methods of the manager a worker calls, in domain terms. {@link sealerClient} speaks them
 * over JSON-RPC; a test or an in-process embedding may implement them directly.
 */
export interface SealerClient {
  /** A sector to seal, or null when there is none now. */
  allocateSector(spec: {
    allowedMiners: number[] | null
    allowedProofTypes: number[] | null
  }): Promise<AllocatedSector | null>
  acquireDeals(id: SectorId, spec: { maxDeals: number | null }): Promise<SectorDeal[] | null>
  assignTicket(id: SectorId): Promise<EpochRandomness>
  submitPreCommit(
    sector: AllocatedSector,
    info: { commR: Uint8Array; commD: Uint8Array; ticket: EpochRandomness; deals: number[] },
    reset: boolean,
  ): Promise<SubmitAnswer>
  pollPreCommitState(id: SectorId): Promise<OnChainAnswer>
  submitPersisted(id: SectorId, instance: string): Promise<boolean>
  waitSeed(id: SectorId): Promise<SeedAnswer>
  submitProof(id: SectorId, proof: Uint8Array, reset: boolean): Promise<SubmitAnswer>
  pollProofState(id: SectorId): Promise<OnChainAnswer>
  reportState(id: SectorId, report: StateReport): Promise<void>
  reportFinalized(id: SectorId): Promise<void>
  reportAborted(id: SectorId, reason: string): Promise<void>
  /**
   * A sector to rebuild (plan `rebuild`), or null. The answer carries the ticket, the pieces and
   * the CommR on chain; `worker` is recorded on the task.
   */
  allocateRebuildSector?(spec: {
    allowedMiners: number[] | null
    allowedProofTypes: number[] | null
    worker: string
  }): Promise<RebuildTask | null>
  /** The rebuilt sector's CommR and the persist store its files are in. */
  submitRebuilt?(id: SectorId, commR: Uint8Array, instance: string): Promise<SubmitAnswer>
  /** A rebuild given up, with the reason. */
  reportRebuildFailed?(id: SectorId, reason: string): Promise<void>
  /** A piece to unseal (plan `unseal`), or null. */
  allocateUnsealSector?(spec: {
    allowedMiners: number[] | null
    allowedProofTypes: number[] | null
    worker: string
  }): Promise<UnsealTask | null>
  /** The unsealed copy is at `<instance>/piece/<pieceCid>`. */
  submitUnsealed?(id: SectorId, pieceCid: string, instance: string): Promise<SubmitAnswer>
  /** The unseal ended; `error` is '' when it went well, else why it failed. */
  achieveUnsealSector?(id: SectorId, pieceCid: string, error: string): Promise<void>
  /** `[v0.2]` liveness report. */
  workerPing?(info: WorkerPingReport): Promise<void>
  /**
   * Extension: the manager's public key for control tokens (`Venus.WorkerControlKey`), checked
   * by the caller. The original manager answers "method not found".
   */
  workerControlKey?(): Promise<unknown>
  /**
   * `Venus.WdPoStAllocateJobs`: up to `num` WindowPoSt jobs for a `wdpost` thread. Raw errors (a
   * "method not found" from a manager without PoSt workers included) go to the caller.
   */
  wdPoStAllocateJobs?(
    spec: WdPoStAllocateSpec,
    num: number,
    worker: string,
  ): Promise<{ id: string; input: WdPoStJobInput }[]>
  /** `Venus.WdPoStHeartbeatJobs`: the jobs are still being worked on. */
  wdPoStHeartbeatJobs?(ids: readonly string[], worker: string): Promise<void>
  /** `Venus.WdPoStFinishJob`: the proof (or the faulty sectors), or the error. */
  wdPoStFinishJob?(id: string, output: WdPoStJobOutput | null, errorReason: string): Promise<void>
  /**
   * Extension (damocles v0.4): the manager picks the persist store for a sector among
   * `candidates` and reserves `size` bytes there (`Venus.StoreReserveSpace`); null when none of
   * them has room. Raw errors reach the caller: the original manager answers "method not found".
   */
  storeReserveSpace?(id: SectorId, size: number, candidates: string[]): Promise<{ name: string } | null>
}

/**
 * Wraps an RPC client connected to the manager's `/rpc/v0`.
 *
 * @example
 * ```ts
 * const sealer = sealerClient(createRpcClient(http('http://127.0.0.1:1789/rpc/v0')))
 * const sector = await sealer.allocateSector({ allowedMiners: null, allowedProofTypes: null })
 * if (sector !== null) console.log(sector.id.number, sector.proofType)
 * ```
 */
export function sealerClient(rpc: RpcClient, opts: { timeoutMs?: number } = {}): SealerClient {
  const call = async (method: string, params: unknown[]): Promise<unknown> => {
    try {
      return await rpc.call<unknown>(`Venus.${method}`, params, { timeoutMs: opts.timeoutMs ?? 60_000 })
    } catch (err) {
      throw rpcFailure(method, err)
    }
  }
  const id = sectorIdToWire
  return {
    allocateSector: async (spec) =>
      allocatedFromWire(
        await call('AllocateSector', [
          { AllowedMiners: spec.allowedMiners, AllowedProofTypes: spec.allowedProofTypes },
        ]),
      ),
    acquireDeals: async (s, spec) =>
      dealsAnswerFromWire(await call('AcquireDeals', [id(s), { MaxDeals: spec.maxDeals }])),
    assignTicket: async (s) => ticketAnswerFromWire(await call('AssignTicket', [id(s)])),
    submitPreCommit: async (s, info, reset) =>
      submitAnswerFromWire(
        'SubmitPreCommit',
        await call('SubmitPreCommit', [
          allocatedToWire(s),
          {
            CommR: [...info.commR],
            CommD: [...info.commD],
            Ticket: ticketToWire(info.ticket),
            Deals: info.deals,
          },
          reset,
        ]),
      ),
    pollPreCommitState: async (s) =>
      onChainAnswerFromWire('PollPreCommitState', await call('PollPreCommitState', [id(s)])),
    submitPersisted: async (s, instance) => (await call('SubmitPersisted', [id(s), instance])) === true,
    waitSeed: async (s) => seedAnswerFromWire(await call('WaitSeed', [id(s)])),
    submitProof: async (s, proof, reset) =>
      submitAnswerFromWire(
        'SubmitProof',
        await call('SubmitProof', [id(s), { Proof: Buffer.from(proof).toString('base64') }, reset]),
      ),
    pollProofState: async (s) =>
      onChainAnswerFromWire('PollProofState', await call('PollProofState', [id(s)])),
    reportState: async (s, report) => {
      await call('ReportState', [id(s), stateReportToWire(report)])
    },
    reportFinalized: async (s) => {
      await call('ReportFinalized', [id(s)])
    },
    reportAborted: async (s, reason) => {
      await call('ReportAborted', [id(s), reason])
    },
    allocateRebuildSector: async (spec) =>
      rebuildTaskFromWire(
        await call('AllocateRebuildSector', [
          {
            AllowedMiners: spec.allowedMiners,
            AllowedProofTypes: spec.allowedProofTypes,
            Worker: spec.worker,
          },
        ]),
      ),
    submitRebuilt: async (s, commR, instance) =>
      submitAnswerFromWire(
        'SubmitRebuilt',
        await call('SubmitRebuilt', [id(s), { CommR: [...commR], Instance: instance }]),
      ),
    reportRebuildFailed: async (s, reason) => {
      await call('ReportRebuildFailed', [id(s), reason])
    },
    allocateUnsealSector: async (spec) =>
      unsealTaskFromWire(
        await call('AllocateUnsealSector', [
          {
            AllowedMiners: spec.allowedMiners,
            AllowedProofTypes: spec.allowedProofTypes,
            Worker: spec.worker,
          },
        ]),
      ),
    submitUnsealed: async (s, piece, instance) =>
      submitAnswerFromWire('SubmitUnsealed', await call('SubmitUnsealed', [id(s), { '/': piece }, instance])),
    achieveUnsealSector: async (s, piece, error) => {
      await call('AchieveUnsealSector', [id(s), { '/': piece }, error])
    },
    workerPing: async (info) => {
      await call('WorkerPing', [workerInfoToWire(info)])
    },
    // Not a sealing step: the raw error (a "method not found" included) goes to the caller.
    workerControlKey: () => rpc.call('Venus.WorkerControlKey', [], { timeoutMs: 10_000 }),
    wdPoStAllocateJobs: async (spec, num, worker) => {
      const res = await rpc.call<unknown>(
        'Venus.WdPoStAllocateJobs',
        [{ AllowedMiners: spec.allowedMiners, AllowedProofTypes: spec.allowedProofTypes }, num, worker],
        { timeoutMs: opts.timeoutMs ?? 60_000 },
      )
      if (!Array.isArray(res)) throw new Error('Venus.WdPoStAllocateJobs: the answer is not a list')
      return res.slice(0, num).map((j: { Id?: unknown; Input?: unknown }, i) => {
        if (typeof j?.Id !== 'string' || j.Id === '' || j.Id.length > 128)
          throw new Error(`Venus.WdPoStAllocateJobs: answer[${i}].Id is not a job id`)
        return { id: j.Id, input: wdPoStInputFromWire(j.Input, `Venus.WdPoStAllocateJobs answer[${i}]`) }
      })
    },
    wdPoStHeartbeatJobs: async (ids, worker) => {
      await call('WdPoStHeartbeatJobs', [[...ids], worker])
    },
    wdPoStFinishJob: async (id, output, errorReason) => {
      await call('WdPoStFinishJob', [id, output === null ? null : wdPoStOutputToWire(output), errorReason])
    },
    storeReserveSpace: async (s, size, candidates) => {
      const r = await rpc.call<unknown>('Venus.StoreReserveSpace', [id(s), size, candidates], {
        timeoutMs: opts.timeoutMs ?? 60_000,
      })
      if (r === null) return null
      const name = (r as { Name?: unknown } | undefined)?.Name
      if (typeof name !== 'string') throw permanent('StoreReserveSpace answered without a store Name')
      return { name }
    },
  }
}
