// CommP throughput on a 64 MiB payload: venus-cluster's streaming CommP beside
// @web3-storage/data-segment (the JS reference) and plain streaming SHA-256 (node:crypto) of the
// same bytes, which bounds what any SHA-256 tree can do (CommP hashes ~4 blocks per 127 bytes).
import { execFileSync } from 'node:child_process'
import { createHash, randomBytes } from 'node:crypto'
import { commP, commPSync } from '@venus-cluster/core'
import { Piece } from '@web3-storage/data-segment'

const MiB = 1024 * 1024

/** @type {{ title: string, description: string, run: (ctx: import('./lib/context.mjs').BenchContext) => Promise<void> }} */
export default {
  title: 'CommP throughput',
  description:
    'Piece commitment (Fr32 padding + sha256-trunc254 binary tree) of one random payload. ' +
    '`MiB/s` counts payload bytes; best of 3 runs after a warm-up, the venus and SHA-256 runs interleaved ' +
    '(data-segment: one run, it is slow; pure-JS kernel: best of 3 in a child process).',
  async run(ctx) {
    const size = (ctx.quick ? 8 : 64) * MiB
    const data = randomBytes(size)
    const mibs = (s) => (size / MiB / s).toFixed(1)

    const chunks = []
    for (let off = 0; off < size; off += MiB) chunks.push(data.subarray(off, off + MiB))
    let ours
    const t = await ctx.timeInterleaved({
      sha: () => createHash('sha256').update(data).digest(),
      sync: () => {
        ours = commPSync(data)
      },
      stream: async () => {
        async function* source() {
          yield* chunks
        }
        await commP(source())
      },
    })
    const { sha, sync, stream } = t
    ctx.log(`sha256 (node:crypto, streaming): ${mibs(sha.best)} MiB/s`)
    ctx.log(`venus commPSync: ${mibs(sync.best)} MiB/s`)
    ctx.log(`venus commP (async, 1 MiB chunks): ${mibs(stream.best)} MiB/s`)

    // The pure-JS kernel (used where WebAssembly SIMD is missing) is chosen once per process, so
    // it is measured in a child process with the switch set.
    const fallbackScript = `
      import { randomBytes } from 'node:crypto'
      import { commPSync } from '@venus-cluster/core'
      const d = randomBytes(${size})
      commPSync(d.subarray(0, 1 << 20))
      let best = Infinity
      for (let r = 0; r < 3; r++) { const t = performance.now(); commPSync(d); best = Math.min(best, performance.now() - t) }
      console.log(best / 1000)`
    const fallbackSeconds = Number(
      execFileSync(process.execPath, ['--input-type=module', '-e', fallbackScript], {
        env: { ...process.env, VENUS_COMMP_NO_SIMD: '1' },
        encoding: 'utf8',
      }).trim(),
    )
    const fallback = { best: fallbackSeconds }
    ctx.log(`venus commPSync, pure-JS kernel: ${mibs(fallback.best)} MiB/s`)

    let theirs
    const ds = await ctx.time(
      () => {
        theirs = Piece.fromPayload(data)
      },
      { runs: 1, warmup: 0 },
    )
    ctx.log(`@web3-storage/data-segment: ${mibs(ds.best)} MiB/s`)

    const agree =
      Buffer.from(ours.commP).equals(Buffer.from(theirs.root)) && ours.paddedSize === Number(theirs.size)
    if (!agree) throw new Error('CommP results disagree between venus-cluster and data-segment')

    const row = (name, t) => ({
      implementation: name,
      'MiB/s': mibs(t.best),
      'seconds (best)': t.best.toFixed(3),
      'vs data-segment': `${(ds.best / t.best).toFixed(1)}×`,
      'vs SHA-256 stream': `${((sha.best / t.best) * 100).toFixed(1)} %`,
    })
    ctx.row(row('venus-cluster commPSync', sync))
    ctx.row(row('venus-cluster commP, async 1 MiB chunks', stream))
    ctx.row(row('venus-cluster commPSync, pure-JS kernel (VENUS_COMMP_NO_SIMD=1)', fallback))
    ctx.row(row('@web3-storage/data-segment 5.3.0 Piece.fromPayload', ds))
    ctx.row(row('SHA-256 of the same bytes (node:crypto, not a CommP)', sha))
    ctx.note(
      `payload ${size / MiB} MiB → padded piece ${ours.paddedSize / MiB} MiB; both CommP implementations agree`,
    )
    ctx.note(
      'venus-cluster hashes four node pairs at once in a generated WebAssembly SIMD kernel (pure JS where SIMD ' +
        'is missing). A CommP compresses two SHA-256 blocks per tree node, about eight per 127 payload bytes ' +
        'against two for plain SHA-256, so ~25 % of the SHA-256 row is the ceiling for any tree hash.',
    )
    ctx.note(
      'On a shared machine the load figure above matters: the venus and SHA-256 runs are interleaved, but ' +
        'data-segment and the pure-JS kernel run after them, so a load change can still skew their ratios.',
    )
  },
}
