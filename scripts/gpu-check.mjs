// The steps of scripts/gpu-check.sh, one per process (the proofs library reads its settings, GPU
// use included, once per process). Plain Node with no packages: it drives the addon's raw calls,
// so a GPU machine needs only node, the carried .node file and the parameter files.
//
//   node scripts/gpu-check.mjs info                      --addon F
//   node scripts/gpu-check.mjs param-files               --addon F
//   node scripts/gpu-check.mjs seal  --size 2KiB|8MiB    --addon F --work DIR [--mode gpu|cpu] [--pc1-only]
//   node scripts/gpu-check.mjs pc2                       --addon F --work DIR  --mode gpu|cpu
//   node scripts/gpu-check.mjs post                      --addon F --work DIR  --mode gpu|cpu [--runs N]
//
// Every step prints one JSON line on stdout (`{"step":…}`); failures exit non-zero with a message.
import { createHash } from 'node:crypto'
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { join, resolve } from 'node:path'

const SEAL_PROOF = { '2KiB': 5, '8MiB': 6 } // StackedDrg…V1_1
const UNPADDED = { '2KiB': 2032, '8MiB': 8323072 }

function fail(message) {
  process.stderr.write(`gpu-check: ${message}\n`)
  process.exit(1)
}

function parseArgs(argv) {
  const [cmd, ...rest] = argv
  const opts = {}
  for (let i = 0; i < rest.length; i++) {
    const a = rest[i]
    if (!a.startsWith('--')) fail(`unexpected argument '${a}'`)
    const key = a.slice(2)
    if (key === 'pc1-only') opts.pc1Only = true
    else {
      const v = rest[++i]
      if (v === undefined) fail(`--${key} needs a value`)
      opts[key] = v
    }
  }
  return { cmd, opts }
}

const { cmd, opts } = parseArgs(process.argv.slice(2))

// GPU use is decided by the environment, before the library's first call reads it.
if (opts.mode === 'cpu') {
  process.env.BELLMAN_NO_GPU = '1'
  process.env.FIL_PROOFS_USE_GPU_TREE_BUILDER = '0'
  process.env.FIL_PROOFS_USE_GPU_COLUMN_BUILDER = '0'
} else if (opts.mode === 'gpu') {
  delete process.env.BELLMAN_NO_GPU
  process.env.FIL_PROOFS_USE_GPU_TREE_BUILDER = '1'
  process.env.FIL_PROOFS_USE_GPU_COLUMN_BUILDER = '1'
} else if (opts.mode !== undefined) {
  fail(`--mode must be gpu or cpu, not '${opts.mode}'`)
}

if (!opts.addon) fail('--addon <file.node> is required')
const addonPath = resolve(opts.addon)
if (!existsSync(addonPath)) fail(`addon not found: ${addonPath}`)
let addon
try {
  addon = createRequire(import.meta.url)(addonPath)
} catch (err) {
  fail(`addon ${addonPath} does not load: ${err instanceof Error ? err.message : String(err)}`)
}

const work = opts.work ? resolve(opts.work) : undefined
const params = process.env.FIL_PROOFS_PARAMETER_CACHE
addon.init({
  ...(params ? { parameterCache: params } : {}),
  ...(work ? { parentCache: join(work, '..', 'parents'), cacheDir: join(work, '..', 'proofs-cache') } : {}),
  verifyProductionParams: false,
  workerNice: 0,
})

const hex = (b) => Buffer.from(b).toString('hex')
const proverId = Buffer.alloc(32)
proverId[0] = 0xe8 // f01000
proverId[1] = 0x07
const ticket = Buffer.alloc(32, 7)

function print(obj) {
  process.stdout.write(`${JSON.stringify(obj)}\n`)
}

async function timed(fn) {
  const t0 = performance.now()
  const value = await fn()
  return { value, ms: Math.round(performance.now() - t0) }
}

function needWork() {
  if (!work) fail('--work <dir> is required')
  return work
}

function sectorFile() {
  const file = join(needWork(), 'sector.json')
  if (!existsSync(file)) fail(`${file} missing: run the seal step first`)
  return JSON.parse(readFileSync(file, 'utf8'))
}

/** Deterministic non-zero data, so the GPU and CPU runs hash the same thing. */
function pieceData(size) {
  const out = Buffer.alloc(size)
  let block = createHash('sha256').update('venus-cluster gpu-check').digest()
  for (let o = 0; o < size; o += 32) {
    block.copy(out, o)
    block = createHash('sha256').update(block).digest()
  }
  return out
}

async function seal() {
  const size = opts.size ?? '2KiB'
  const proof = SEAL_PROOF[size]
  if (proof === undefined) fail(`--size must be 2KiB or 8MiB, not '${size}'`)
  const dir = needWork()
  mkdirSync(join(dir, 'cache'), { recursive: true })
  const source = join(dir, 'piece')
  writeFileSync(source, pieceData(UNPADDED[size]))
  const staged = join(dir, 'staged')
  const sealed = join(dir, 'sealed')
  const piece = await addon.addPiece(proof, source, staged, UNPADDED[size], [])
  const pieces = [{ commP: piece.commP, paddedSize: piece.paddedSize }]
  const args = { proof, proverId, sectorNumber: 1, ticket }
  const pc1 = await timed(() => addon.sealPreCommitPhase1(args, join(dir, 'cache'), staged, sealed, pieces))
  writeFileSync(join(dir, 'pc1.out'), pc1.value)
  const sector = { size, proof, pc1Ms: pc1.ms }
  if (!opts.pc1Only) {
    const pc2 = await timed(() => addon.sealPreCommitPhase2(pc1.value, join(dir, 'cache'), sealed))
    Object.assign(sector, { commR: hex(pc2.value.commR), commD: hex(pc2.value.commD), pc2Ms: pc2.ms })
  }
  writeFileSync(join(dir, 'sector.json'), JSON.stringify(sector))
  print({ step: 'seal', ...sector })
}

async function pc2() {
  const dir = needWork()
  const sector = sectorFile()
  const p1 = readFileSync(join(dir, 'pc1.out'))
  const r = await timed(() => addon.sealPreCommitPhase2(p1, join(dir, 'cache'), join(dir, 'sealed')))
  print({ step: 'pc2', size: sector.size, mode: opts.mode, ms: r.ms, commR: hex(r.value.commR) })
}

async function post() {
  const dir = needWork()
  const sector = sectorFile()
  if (!sector.commR) fail('the sector has no commR (sealed with --pc1-only)')
  const postProof = addon.sealProofInfo(sector.proof).windowPostProof
  const replicas = [
    {
      sectorNumber: 1,
      commR: Buffer.from(sector.commR, 'hex'),
      cacheDir: join(dir, 'cache'),
      sealedPath: join(dir, 'sealed'),
    },
  ]
  const randomness = Buffer.alloc(32, 3)
  randomness[31] &= 0x3f
  const runs = Number(opts.runs ?? 3)
  const times = []
  let proofs
  for (let i = 0; i < runs; i++) {
    const r = await timed(() => addon.generateWindowPost(postProof, randomness, proverId, replicas))
    times.push(r.ms)
    proofs = r.value
  }
  const ok = await addon.verifyWindowPost(randomness, proverId, proofs, replicas)
  if (!ok) fail('the WindowPoSt proof does not verify')
  const rest = times.slice(1).sort((a, b) => a - b)
  print({
    step: 'post',
    size: sector.size,
    mode: opts.mode,
    firstMs: times[0],
    warmMs: rest.length > 0 ? rest[Math.floor(rest.length / 2)] : times[0],
    runs,
    verified: ok,
  })
}

switch (cmd) {
  case 'info':
    print({
      step: 'info',
      variant: addon.addonVariant?.() ?? 'cpu',
      version: addon.nativeVersion(),
      gpu: addon.gpuInfo?.() ?? { summary: 'none: addon without gpuInfo' },
    })
    break
  case 'param-files':
    print({ step: 'param-files', windowPost2KiB: addon.parameterFileNames('window-post', 2048) })
    break
  case 'seal':
    await seal()
    break
  case 'pc2':
    await pc2()
    break
  case 'post':
    await post()
    break
  default:
    fail(`unknown step '${cmd}' (info, param-files, seal, pc2, post)`)
}
