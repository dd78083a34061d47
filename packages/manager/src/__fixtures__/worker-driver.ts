import { createHash, randomBytes } from 'node:crypto'
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { zeroCommitment } from '@venus-cluster/core'

export type Call = (method: string, params: unknown[]) => Promise<unknown>

/** The proof a fake prover makes, and the fake verifier accepts. */
export function fakeProof(miner: number, number: number, seed: Uint8Array): Uint8Array {
  return new Uint8Array(createHash('sha256').update(`${miner}/${number}/`).update(seed).digest())
}

export const fakeProofs = {
  async verifySeal(r: { proverId: Uint8Array; sectorNumber: number; seed: Uint8Array; proof: Uint8Array }) {
    const miner = decodeLeb(r.proverId)
    const want = fakeProof(miner, r.sectorNumber, r.seed)
    return Buffer.from(want).equals(Buffer.from(r.proof))
  },
  async aggregateSealProofs(r: { proofs: readonly Uint8Array[] }) {
    const h = createHash('sha256')
    for (const p of r.proofs) h.update(p)
    return new Uint8Array(h.digest())
  },
}

function decodeLeb(b: Uint8Array): number {
  let v = 0
  let shift = 0
  for (const x of b) {
    v += (x & 0x7f) * 2 ** shift
    if ((x & 0x80) === 0) break
    shift += 7
  }
  return v
}

/** Writes the files SubmitPersisted checks, for a 2KiB sector. */
export function writePersistedFiles(root: string, miner: number, number: number, size = 2048): void {
  const name = `s-t0${miner}-${number}`
  mkdirSync(join(root, 'sealed'), { recursive: true })
  mkdirSync(join(root, 'cache', name), { recursive: true })
  writeFileSync(join(root, 'sealed', name), Buffer.alloc(size))
  writeFileSync(join(root, 'cache', name, 'p_aux'), 'x')
  writeFileSync(join(root, 'cache', name, 'sc-02-data-tree-r-last.dat'), 'x')
}

/** How a driven sector gets its commitments and proof (default: fake ones). */
export interface DriverProver {
  /** Seals the sector; writes persisted files under `persistRoot`; returns CommR and CommD. */
  seal(
    s: DrivenSector,
    ticket: Uint8Array,
    persistRoot: string,
  ): Promise<{ commR: Uint8Array; commD: Uint8Array }>
  prove(s: DrivenSector, seed: Uint8Array, persistRoot: string): Promise<Uint8Array>
}

export const fakeProver: DriverProver = {
  async seal(s) {
    return { commR: Uint8Array.from(s.commR), commD: zeroCommitment(2048) }
  },
  async prove(s, seed, root) {
    writePersistedFiles(root, s.id.Miner, s.id.Number)
    return fakeProof(s.id.Miner, s.id.Number, seed)
  },
}

type Stage =
  | 'ticket'
  | 'precommit'
  | 'pollPre'
  | 'persist'
  | 'seed'
  | 'proof'
  | 'pollProof'
  | 'finalize'
  | 'done'

/** One sealing thread's view of a sector, stepped by {@link stepSector}. */
export interface DrivenSector {
  id: { Miner: number; Number: number }
  proofType: number
  stage: Stage
  ticket?: { Ticket: string; Epoch: number }
  commR: number[]
  commD?: number[]
  seed?: Uint8Array
  /** Deal ids from `AcquireDeals` (non-zero pieces), sent with the precommit. */
  deals?: number[]
  history: string[]
}

export async function allocate(call: Call, miners: number[] | null): Promise<DrivenSector | null> {
  const r = (await call('Venus.AllocateSector', [{ AllowedMiners: miners, AllowedProofTypes: null }])) as {
    ID: { Miner: number; Number: number }
    ProofType: number
  } | null
  if (r === null) return null
  return { id: r.ID, proofType: r.ProofType, stage: 'ticket', commR: [...randomBytes(31), 0], history: [] }
}

const report = (call: Call, s: DrivenSector, next: string) =>
  call('Venus.ReportState', [
    s.id,
    {
      Worker: { Instance: 'test-worker', Location: '/tmp/t' },
      StateChange: { Prev: s.stage, Next: next, Event: 'None' },
      Failure: null,
    },
  ])

/** Moves a sector one step along the happy path; returns whether it moved. */
export async function stepSector(
  call: Call,
  s: DrivenSector,
  persistName: string,
  persistRoot: string,
  prover: DriverProver = fakeProver,
): Promise<boolean> {
  const move = async (next: Stage) => {
    await report(call, s, next)
    s.history.push(next)
    s.stage = next
    return true
  }
  switch (s.stage) {
    case 'ticket': {
      s.ticket = (await call('Venus.AssignTicket', [s.id])) as { Ticket: string; Epoch: number }
      return move('precommit')
    }
    case 'precommit': {
      if (s.commD === undefined) {
        const sealed = await prover.seal(
          s,
          new Uint8Array(Buffer.from(s.ticket?.Ticket ?? '', 'base64')),
          persistRoot,
        )
        s.commR = [...sealed.commR]
        s.commD = [...sealed.commD]
      }
      const r = (await call('Venus.SubmitPreCommit', [
        { ID: s.id, ProofType: s.proofType },
        { CommR: s.commR, CommD: s.commD, Ticket: s.ticket, Deals: s.deals ?? [] },
        false,
      ])) as { Res: number; Desc: string | null }
      if (r.Res !== 1) throw new Error(`precommit rejected: ${r.Desc}`)
      return move('pollPre')
    }
    case 'pollPre': {
      const r = (await call('Venus.PollPreCommitState', [s.id])) as { State: number; Desc: string | null }
      if (r.State === 3) return move('persist')
      if (r.State >= 5) throw new Error(`precommit failed: ${r.Desc}`)
      return false
    }
    case 'persist': {
      if (prover === fakeProver) writePersistedFiles(persistRoot, s.id.Miner, s.id.Number)
      const ok = await call('Venus.SubmitPersisted', [s.id, persistName])
      if (ok !== true) throw new Error('persist check failed')
      return move('seed')
    }
    case 'seed': {
      const r = (await call('Venus.WaitSeed', [s.id])) as {
        ShouldWait: boolean
        Seed: { Seed: string } | null
      }
      if (r.ShouldWait || r.Seed === null) return false
      s.seed = new Uint8Array(Buffer.from(r.Seed.Seed, 'base64'))
      return move('proof')
    }
    case 'proof': {
      const proof = Buffer.from(await prover.prove(s, s.seed as Uint8Array, persistRoot)).toString('base64')
      const r = (await call('Venus.SubmitProof', [s.id, { Proof: proof }, false])) as {
        Res: number
        Desc: string | null
      }
      if (r.Res !== 1) throw new Error(`proof rejected: ${r.Desc}`)
      return move('pollProof')
    }
    case 'pollProof': {
      const r = (await call('Venus.PollProofState', [s.id])) as { State: number; Desc: string | null }
      if (r.State === 3) return move('finalize')
      if (r.State >= 5) throw new Error(`proof failed: ${r.Desc}`)
      return false
    }
    case 'finalize': {
      await report(call, s, 'done')
      const r = await call('Venus.ReportFinalized', [s.id])
      if (r !== null) throw new Error('ReportFinalized must answer null')
      s.history.push('done')
      s.stage = 'done'
      return true
    }
    case 'done':
      return false
  }
}
