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
  type WorkerPingReport,
  workerInfoToWire,
} from '@venus-cluster/core'
import { rpcFailure } from './failure.js'
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
  /** `[v0.2]` liveness report. */
  workerPing?(info: WorkerPingReport): Promise<void>
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
    workerPing: async (info) => {
      await call('WorkerPing', [workerInfoToWire(info)])
    },
    // Not a sealing step: the raw error (a "method not found" included) goes to the caller.
    workerControlKey: () => rpc.call('Venus.WorkerControlKey', [], { timeoutMs: 10_000 }),
  }
}
