// Sealing one sector through every stage of the mock proofs backend (AddPiece → PC1 → PC2 → C1 →
// C2 → verify) on a temporary directory: the budget is 50 ms for 2KiB, so pipeline tests and
// devnet runs are bound by the scheduler, not by the mock.
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { mockProofs } from '@venus-cluster/core'

const PROVER = new Uint8Array(32)
PROVER[0] = 0xe8
PROVER[1] = 0x07
const TICKET = new Uint8Array(32).fill(1)
const SEED = new Uint8Array(32).fill(2)

async function sealOnce(proofs, dir, proofType, sectorSize, n, stages) {
  const stagedPath = join(dir, `staged-${n}`)
  const sealedPath = join(dir, `sealed-${n}`)
  const cacheDir = join(dir, `cache-${n}`)
  const base = { proofType, proverId: PROVER, sectorNumber: n, ticket: TICKET }
  const lap = (name, t0) => {
    const t = performance.now()
    stages[name] = (stages[name] ?? 0) + (t - t0)
    return t
  }
  let t = performance.now()
  const { piece } = await proofs.addPiece({
    proofType,
    source: new Uint8Array(1016),
    unpaddedSize: (sectorSize / 128) * 127,
    stagedPath,
    existingPieceSizes: [],
  })
  t = lap('addPiece', t)
  const p1 = await proofs.sealPreCommitPhase1({ ...base, cacheDir, stagedPath, sealedPath, pieces: [piece] })
  t = lap('pc1', t)
  const { commR, commD } = await proofs.sealPreCommitPhase2({ phase1Output: p1, cacheDir, sealedPath })
  t = lap('pc2', t)
  const c1 = await proofs.sealCommitPhase1({
    ...base,
    cacheDir,
    sealedPath,
    seed: SEED,
    commR,
    commD,
    pieces: [piece],
  })
  t = lap('c1', t)
  const proof = await proofs.sealCommitPhase2({ phase1Output: c1, proverId: PROVER, sectorNumber: n })
  t = lap('c2', t)
  const ok = await proofs.verifySeal({ ...base, seed: SEED, commR, commD, proof })
  lap('verify', t)
  if (!ok) throw new Error('mock seal proof did not verify')
}

/** @type {{ title: string, description: string, run: (ctx: import('./lib/context.mjs').BenchContext) => Promise<void> }} */
export default {
  title: 'Mock proofs: one sector through all stages',
  description:
    '`mockProofs()` sealing a sector with one data piece: AddPiece → PC1 (real tree D + CommD check) → ' +
    'PC2 → C1 → C2 → verify, files on the local disk. Milliseconds per sector, best and median of ' +
    'the runs after a warm-up; the stage split is the mean over the timed runs. Target: < 50 ms for 2KiB.',
  async run(ctx) {
    const dir = await mkdtemp(join(tmpdir(), 'venus-bench-mock-proofs-'))
    try {
      const cases = [
        { name: '2KiB V1_1', proofType: 5, sectorSize: 2048, runs: ctx.quick ? 5 : 30 },
        { name: '8MiB V1_1', proofType: 6, sectorSize: 8 * 1024 * 1024, runs: ctx.quick ? 1 : 5 },
      ]
      for (const c of cases) {
        const proofs = mockProofs()
        const stages = {}
        let n = 0
        // The warm-up run is timed into `stages` too; reset after it.
        const t = await ctx.time(
          async () => {
            n++
            if (n === 2) for (const k of Object.keys(stages)) delete stages[k]
            await sealOnce(proofs, dir, c.proofType, c.sectorSize, n, stages)
          },
          { runs: c.runs, warmup: 1 },
        )
        const ms = (s) => (s * 1000).toFixed(1)
        const split = Object.entries(stages)
          .map(([k, v]) => `${k} ${(v / c.runs).toFixed(1)}`)
          .join(', ')
        ctx.log(`${c.name}: best ${ms(t.best)} ms, median ${ms(t.median)} ms (${split})`)
        ctx.row({
          sector: c.name,
          'best ms': ms(t.best),
          'median ms': ms(t.median),
          'stage mean ms': split,
          'under 50 ms': c.sectorSize === 2048 ? (t.median < 0.05 ? 'yes' : 'NO') : '–',
        })
      }
      ctx.note('8MiB is dominated by PC1 building the real 8 MiB tree D (SHA-256) and writing it (16 MiB).')
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  },
}
