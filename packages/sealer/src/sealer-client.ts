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
  VenusError,
  type WdPoStAllocateSpec,
  type WdPoStJobInput,
  type WdPoStJobOutput,
  type WireAllocatedSector,
  type WireDeal,
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
  dealToWire,
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
   * Snap-up: a CC sector with its deals (`Venus.AllocateSnapUpSector`), or null when none now.
   * The answer is the wire shape (`Sector`, `Pieces`, `Public`), kept as is in the record.
   */
  allocateSnapUpSector?(spec: {
    allowedMiners: number[] | null
    allowedProofTypes: number[] | null
    maxDeals: number | null
  }): Promise<SnapUpAllocationWire | null>
  /** Snap-up: the update proof of a sector (`Venus.SubmitSnapUpProof`). */
  submitSnapUpProof?(
    id: SectorId,
    info: {
      commR: Uint8Array
      commD: Uint8Array
      pieces: string[]
      proof: Uint8Array
      accessInstance: string
    },
  ): Promise<SubmitAnswer>
  /** Persisted files of a normal or an upgraded replica (`Venus.SubmitPersistedEx`). */
  submitPersistedEx?(id: SectorId, instance: string, isUpgrade: boolean): Promise<boolean>
  /** Where a sector's files are (`Venus.SectorIndexerFind`): the persist store instance, or null. */
  sectorIndexerFind?(kind: 'normal' | 'upgrade', id: SectorId): Promise<string | null>
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
/** The answer of `Venus.AllocateSnapUpSector`, checked: the sector, its deals, the CC sector's CommR. */
export interface SnapUpAllocationWire {
  Sector: WireAllocatedSector
  Pieces: WireDeal[]
  Public: { CommR: number[]; SealedCID: { '/': string } }
}

function snapUpAllocationFromWire(v: unknown): SnapUpAllocationWire {
  const bad = (what: string): never => {
    throw new VenusError('RPC_INVALID_PARAMS', `AllocateSnapUpSector answered ${what}`)
  }
  if (typeof v !== 'object' || v === null) return bad('no object')
  const o = v as Record<string, unknown>
  const sector = allocatedFromWire(o.Sector)
  if (sector === null) return bad('no Sector')
  if (!Array.isArray(o.Pieces) || o.Pieces.length === 0 || o.Pieces.length > 4096) return bad('no Pieces')
  const pub = o.Public as { CommR?: unknown; SealedCID?: { '/'?: unknown } } | undefined
  const commR = pub?.CommR
  if (
    !Array.isArray(commR) ||
    commR.length !== 32 ||
    !commR.every((x) => Number.isInteger(x) && x >= 0 && x < 256)
  )
    return bad('no Public.CommR of 32 bytes')
  const sealed = pub?.SealedCID?.['/']
  if (typeof sealed !== 'string' || sealed.length > 256) return bad('no Public.SealedCID')
  return {
    Sector: allocatedToWire(sector),
    Pieces: dealsAnswerFromWire(o.Pieces)?.map(dealToWire) ?? bad('bad Pieces'),
    Public: { CommR: commR as number[], SealedCID: { '/': sealed } },
  }
}

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
    allocateSnapUpSector: async (spec) => {
      const got = await call('AllocateSnapUpSector', [
        {
          Sector: { AllowedMiners: spec.allowedMiners, AllowedProofTypes: spec.allowedProofTypes },
          Deals: { MaxDeals: spec.maxDeals },
        },
      ])
      return got === null ? null : snapUpAllocationFromWire(got)
    },
    submitSnapUpProof: async (s, info) =>
      submitAnswerFromWire(
        'SubmitSnapUpProof',
        await call('SubmitSnapUpProof', [
          id(s),
          {
            CommR: [...info.commR],
            CommD: [...info.commD],
            Pieces: info.pieces.map((c) => ({ '/': c })),
            Proof: Buffer.from(info.proof).toString('base64'),
            AccessInstance: info.accessInstance,
          },
        ]),
      ),
    submitPersistedEx: async (s, instance, isUpgrade) =>
      (await call('SubmitPersistedEx', [id(s), instance, isUpgrade])) === true,
    sectorIndexerFind: async (kind, s) => {
      const got = (await call('SectorIndexerFind', [kind, id(s)])) as {
        Found?: unknown
        Instance?: { SealedFile?: unknown }
      } | null
      return got?.Found === true && typeof got.Instance?.SealedFile === 'string'
        ? got.Instance.SealedFile
        : null
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
