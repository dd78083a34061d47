// The native binding's overhead: the same seal calls (AddPiece, PC1, PC2, C1 of a CC sector; C2
// with BENCH_NATIVE_C2=1) through the addon from JavaScript and through a plain Rust binary of
// the same crate (bindings/proofs/examples/seal_bench.rs, built by `npm run build:native`), in one
// run, alternating blocks of rounds so both see the same machine. Part of `npm run bench -- scale`;
// alone: `node bench/run.mjs scale-native`. 2KiB always; 8MiB (PC1/PC2 need no parameters) too.
import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { formatSectorSize, sealProofForSectorSize } from '@venus-cluster/core'
import {
  appliedNativeProofsSettings,
  initNativeProofs,
  isNativeProofsAvailable,
  nativeProofs,
} from '@venus-cluster/proofs-native'
import { missingParams } from './lib/native.mjs'
import { fmt, pct } from './lib/scale/procs.mjs'

// Both sides at the same priority: the addon's pool threads at nice 0 (its default, 10, is a
// deployment choice that would make both sides' share of a busy machine depend on the others').
process.env.VENUS_PROOFS_WORKER_NICE ??= '0'
const QUICK = process.env.BENCH_QUICK === '1'
const C2 = process.env.BENCH_NATIVE_C2 === '1'
/** Rounds per block and blocks per side: 2KiB calls take milliseconds, 8MiB PC1/PC2 seconds. */
const PLAN = [
  { size: 2048, rounds: QUICK ? 5 : 20, blocks: 2 },
  { size: 8 << 20, rounds: 1, blocks: QUICK ? 1 : 2 },
]
const STAGES = ['AddPiece', 'PC1', 'PC2', 'C1', ...(C2 ? ['C2'] : [])]
const TARGET = 1.02

const PROVER = (() => {
  const p = new Uint8Array(32)
  p[0] = 0xe8
  p[1] = 0x07
  return p
})()

/** Where build-native.sh puts the example binary (next to the addon, never committed). */
const plainBinary = fileURLToPath(new URL('../bindings/proofs/native/seal_bench', import.meta.url))

/** One block of `rounds` through the addon: { stage: ms[] }, rounds numbered from `first`. */
async function addonBlock(proofs, dir, size, rounds) {
  const proofType = sealProofForSectorSize(size)
  const out = Object.fromEntries(STAGES.map((s) => [s, { ms: [], cpu: [] }]))
  const timed = async (stage, fn) => {
    const t = performance.now()
    const c = process.cpuUsage()
    const v = await fn()
    const d = process.cpuUsage(c)
    out[stage].ms.push(performance.now() - t)
    // The whole process: the JavaScript thread, the libuv pool and the library's own threads.
    out[stage].cpu.push((d.user + d.system) / 1000)
    return v
  }
  for (let n = 0; n < rounds; n++) {
    const paths = {
      stagedPath: join(dir, `addon-staged-${n}`),
      sealedPath: join(dir, `addon-sealed-${n}`),
      cacheDir: join(dir, `addon-cache-${n}`),
    }
    const ticket = new Uint8Array(32).fill(n + 1)
    const seed = new Uint8Array(32).fill(0x40 + n)
    const common = { proofType, proverId: PROVER, sectorNumber: n + 1, ticket, ...paths }
    const ap = await timed('AddPiece', () =>
      proofs.addPiece({
        proofType,
        source: new Uint8Array(0),
        unpaddedSize: (size / 128) * 127,
        stagedPath: paths.stagedPath,
        existingPieceSizes: [],
      }),
    )
    const pieces = [ap.piece]
    const p1 = await timed('PC1', () => proofs.sealPreCommitPhase1({ ...common, pieces }))
    const { commR, commD } = await timed('PC2', () =>
      proofs.sealPreCommitPhase2({
        phase1Output: p1,
        cacheDir: paths.cacheDir,
        sealedPath: paths.sealedPath,
      }),
    )
    const c1 = await timed('C1', () => proofs.sealCommitPhase1({ ...common, seed, commR, commD, pieces }))
    if (C2)
      await timed('C2', () =>
        proofs.sealCommitPhase2({ phase1Output: c1, proverId: PROVER, sectorNumber: n + 1 }),
      )
    for (const p of Object.values(paths)) await rm(p, { recursive: true, force: true })
  }
  return out
}

/** One block through the plain binary (one process, `rounds` rounds) at the addon's nice value. */
function plainBlock(settings, dir, size, rounds) {
  return new Promise((resolve, reject) => {
    const args = [
      String(settings.workerNice),
      plainBinary,
      dir,
      String(size),
      String(rounds),
      ...(C2 ? ['c2'] : []),
    ]
    const child = spawn('nice', ['-n', ...args], {
      env: {
        ...process.env,
        FIL_PROOFS_PARAMETER_CACHE: settings.parameterCache,
        FIL_PROOFS_PARENT_CACHE: settings.parentCache,
        FIL_PROOFS_CACHE_DIR: settings.cacheDir,
        FIL_PROOFS_VERIFY_PRODUCTION_PARAMS: settings.verifyProductionParams ? '1' : '0',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (c) => {
      stdout += c
    })
    child.stderr.on('data', (c) => {
      stderr += c
    })
    child.on('error', reject)
    child.on('exit', (code) => {
      if (code !== 0) return reject(new Error(`seal_bench exited ${code}: ${stderr.slice(-500)}`))
      const out = Object.fromEntries(STAGES.map((s) => [s, { ms: [], cpu: [] }]))
      for (const line of stdout.split('\n')) {
        if (!line.startsWith('{')) continue
        const r = JSON.parse(line)
        out[r.stage]?.ms.push(r.ms)
        out[r.stage]?.cpu.push(r.cpuMs)
      }
      resolve(out)
    })
  })
}

const median = (l) =>
  pct(
    [...l].sort((a, b) => a - b),
    50,
  )

export default {
  title: 'Scale: the native binding’s overhead (addon vs plain Rust)',
  description:
    'The seal calls of a CC sector — AddPiece, PC1, PC2, C1' +
    (C2 ? ', C2' : '') +
    ' — through `nativeProofs()` (the addon: argument checks, a file for the piece source, the ' +
    'call queue, a libuv pool thread, JSON of the phase outputs through JavaScript) and through ' +
    '`bindings/proofs/examples/seal_bench.rs`, a plain Rust binary of the same crate making the same ' +
    '`filecoin-proofs-api` calls with the same files and settings, both at the same nice value (0; ' +
    '`VENUS_PROOFS_WORKER_NICE`). ' +
    'Both run in this one benchmark, alternating blocks of rounds (addon, plain, addon, plain) so both ' +
    'see the same machine; the first round of each side is a warm-up and not counted. Figures: the ' +
    `median wall time and the median CPU time of the whole process (every thread) per call; ratio = ` +
    `addon / plain (target ≤ ${TARGET}, judged on CPU: wall times on a shared machine move with the others' ` +
    'load). 2KiB calls take milliseconds, so their ratio is the constant cost per call (a piece file ' +
    'written from JavaScript, the call queue, a thread hop, output copied into JavaScript); 8MiB PC1/PC2 ' +
    'take seconds.' +
    (C2 ? '' : ' C2 (a Groth16 proof, ~80 s at 2KiB on this machine) only with BENCH_NATIVE_C2=1.'),
  async run(ctx) {
    const before = loadavg()[0]
    if (!isNativeProofsAvailable()) {
      ctx.note('skipped: the addon is not built (`npm run build:native`)')
      return
    }
    if (!existsSync(plainBinary)) {
      ctx.note(`skipped: ${plainBinary} is missing (\`npm run build:native\` builds it with the addon)`)
      return
    }
    initNativeProofs()
    const settings = appliedNativeProofsSettings()
    const proofs = nativeProofs()
    const dir = await mkdtemp(join(tmpdir(), 'bench-native-overhead-'))
    try {
      for (const { size, rounds, blocks } of PLAN) {
        const name = formatSectorSize(size)
        if (C2) {
          const missing = missingParams(size, ['seal'])
          if (missing) {
            ctx.note(`${name} skipped: parameter file missing (${missing})`)
            continue
          }
        }
        const addon = Object.fromEntries(STAGES.map((s) => [s, { ms: [], cpu: [] }]))
        const plain = Object.fromEntries(STAGES.map((s) => [s, { ms: [], cpu: [] }]))
        // One warm-up round each (the library's lazy caches and thread pools), then the blocks.
        await addonBlock(proofs, dir, size, 1)
        for (let b = 0; b < blocks; b++) {
          const a = await addonBlock(proofs, dir, size, rounds)
          // The plain process warms up in its own first round, dropped here.
          const p = await plainBlock(settings, dir, size, rounds + 1)
          for (const s of STAGES) {
            for (const k of ['ms', 'cpu']) {
              addon[s][k].push(...a[s][k])
              plain[s][k].push(...p[s][k].slice(1))
            }
          }
        }
        for (const s of STAGES) {
          const am = median(addon[s].ms)
          const pm = median(plain[s].ms)
          const ac = median(addon[s].cpu)
          const pc = median(plain[s].cpu)
          const ratio = am / pm
          const cpuRatio = ac / pc
          ctx.log(
            `${name} ${s}: wall addon ${fmt(am, 3)} / plain ${fmt(pm, 3)} ms (${fmt(ratio, 3)}); CPU addon ${fmt(ac, 3)} / plain ${fmt(pc, 3)} ms (${fmt(cpuRatio, 3)})`,
          )
          const d = (v) => fmt(v, v < 10 ? 3 : 1)
          ctx.row({
            sector: name,
            call: s,
            calls: `${addon[s].ms.length} + ${plain[s].ms.length}`,
            'wall ms addon / plain (median)': `${d(am)} / ${d(pm)}`,
            'wall ratio': fmt(ratio, 3),
            'CPU ms addon / plain (median)': `${d(ac)} / ${d(pc)}`,
            'CPU ratio': fmt(cpuRatio, 3),
            'addon − plain CPU ms': fmt(ac - pc, 3),
            'load (1 min)': loadavg()[0].toFixed(1),
            target: cpuRatio <= TARGET ? `≤ ${TARGET}: met` : `≤ ${TARGET}: MISSED`,
          })
        }
      }
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
    ctx.note(
      `Machine load average (1 min): ${before.toFixed(1)} before, ${loadavg()[0].toFixed(1)} after (2-core VM shared with other engineers' builds and tests).`,
    )
  },
}
