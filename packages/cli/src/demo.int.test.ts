/**
 * `venus-cluster demo` through the built bin: the summary of a mock-proofs run (--json), the
 * same with batched commitments and with a snap-up (--snap), and Ctrl-C stopping the run cleanly
 * with its scratch directory removed.
 */
import { execFile, spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdtemp, readdir, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest'
import type { DemoSummary } from './demo/run.js'

const ROOT = fileURLToPath(new URL('../../../', import.meta.url))
const BIN = join(ROOT, 'packages/cli/dist/bin/venus-cluster.js')

/** Runs the built bin with `args`; resolves with its output and exit code. */
function runBin(args: string[], timeout: number): Promise<{ stdout: string; stderr: string; code: number }> {
  return new Promise((resolve) =>
    execFile(process.execPath, [BIN, ...args], { cwd: ROOT, timeout }, (err, stdout, stderr) =>
      resolve({ stdout, stderr, code: err === null ? 0 : typeof err.code === 'number' ? err.code : 1 }),
    ),
  )
}

let scratch = ''
beforeAll(async () => {
  // The bin runs the compiled packages: build the CLI and what it depends on (incremental).
  await new Promise<void>((resolve, reject) =>
    execFile('npx', ['tsc', '-b', 'packages/cli'], { cwd: ROOT, timeout: 240_000 }, (err, stdout, stderr) =>
      err === null ? resolve() : reject(new Error(`build failed: ${stdout}${stderr}`)),
    ),
  )
  scratch = await mkdtemp(join(tmpdir(), 'vc-demo-test-'))
}, 240_000)
afterAll(async () => {
  if (scratch !== '') await rm(scratch, { recursive: true, force: true })
})

describe('venus-cluster demo (built bin, mock proofs)', () => {
  it('seals 4 sectors on 2 workers until active on chain and proven by WindowPoSt, and prints the summary as JSON', async () => {
    const tmp = join(scratch, 'run')
    await import('node:fs/promises').then((fs) => fs.mkdir(tmp))
    const { stdout, stderr, code } = await new Promise<{ stdout: string; stderr: string; code: number }>(
      (resolve) =>
        execFile(
          process.execPath,
          [BIN, 'demo', '--json', '--proofs', 'mock', '--sectors', '4', '--workers', '2', '--timeout', '50s'],
          { cwd: ROOT, timeout: 55_000, env: { ...process.env, TMPDIR: tmp } },
          (err, stdout, stderr) =>
            resolve({ stdout, stderr, code: err === null ? 0 : typeof err.code === 'number' ? err.code : 1 }),
        ),
    )
    expect(code, stderr).toBe(0)
    // stdout is exactly one JSON line; progress went to stderr as plain lines (not a TTY).
    const lines = stdout.trim().split('\n')
    expect(lines).toHaveLength(1)
    const s = JSON.parse(lines[0] as string) as DemoSummary
    expect(stderr).toMatch(/mock proofs/)
    expect(stderr).toMatch(/is active on chain/)
    expect(stderr).not.toContain('\x1b[')
    expect(s.ok).toBe(true)
    expect(s.proofs.kind).toBe('mock')
    expect(s.sectorSize).toBe('2KiB')
    expect(s.sectors.map((x) => x.number)).toEqual([1, 2, 3, 4])
    expect(new Set(s.sectors.map((x) => x.worker))).toEqual(new Set([1, 2]))
    for (const x of s.sectors) {
      expect(x.activation).toBeGreaterThan(0)
      expect(x.expiration).toBeGreaterThan(x.activation)
    }
    // Every pipeline stage was passed by every sector.
    for (const t of s.stages) expect(t.sectors, t.stage).toBe(4)
    // Batching is off by default: one PreCommit and one ProveCommit per sector, all landed with exit code 0.
    expect(s.messages.byKind).toEqual({ pre: 4, prove: 4 })
    expect(s.messages.list.every((m) => m.exitCode === 0 && m.gasUsed > 0)).toBe(true)
    expect(s.messages.gasUsed).toBe(s.messages.list.reduce((a, m) => a + m.gasUsed, 0))
    expect(BigInt(s.fees.gasFeesAtto)).toBeGreaterThan(0n)
    expect(BigInt(s.fees.lockedAtto)).toBeGreaterThan(0n)
    expect(s.power.committedBytes).toBe(String(4 * 2048))
    // WindowPoSt proved every sector: all of it is power now.
    expect(s.power.rawBytes).toBe(String(4 * 2048))
    expect(s.windowPoSt).toMatchObject({ included: true })
    if (s.windowPoSt.included) {
      expect(s.windowPoSt.deadlines.length).toBeGreaterThanOrEqual(1)
      expect(s.windowPoSt.messages).toBeGreaterThanOrEqual(s.windowPoSt.deadlines.length)
      expect(s.windowPoSt.gasUsed).toBeGreaterThan(0)
    }
    expect(s.kept).toBe(false)
    expect(existsSync(s.home)).toBe(false)
    expect(await readdir(tmp)).toEqual([])
  }, 60_000)

  it('with --batch puts all sectors into one precommit batch and one aggregated prove-commit', async () => {
    const { stdout, stderr, code } = await runBin(
      ['demo', '--json', '--batch', '--no-post', '--proofs', 'mock', '--sectors', '4'],
      55_000,
    )
    expect(code, stderr).toBe(0)
    const s = JSON.parse(stdout) as DemoSummary
    expect(s.ok).toBe(true)
    expect(s.messages.byKind).toEqual({ pre: 1, prove: 1 })
    const [pre, prove] = s.messages.list
    // PreCommitSectorBatch2 (28) and ProveCommitSectors3 (34), each carrying all four sectors.
    expect(pre).toMatchObject({ kind: 'pre', method: 28, sectors: [1, 2, 3, 4], exitCode: 0 })
    expect(prove).toMatchObject({ kind: 'prove', method: 34, sectors: [1, 2, 3, 4], exitCode: 0 })
    expect(s.power.committedBytes).toBe(String(4 * 2048))
  }, 60_000)

  it('with --snap snaps a verified piece into a proven CC sector: updated on chain, QA power rises', async () => {
    const { stdout, stderr, code } = await runBin(
      ['demo', '--json', '--proofs', 'mock', '--sectors', '2', '--snap', '1'],
      85_000,
    )
    expect(code, stderr).toBe(0)
    const s = JSON.parse(stdout) as DemoSummary
    expect(s.messages.byKind).toEqual({ pre: 2, prove: 2, upgrade: 1 })
    // ProveReplicaUpdates3 (35) carrying the snapped sector.
    expect(s.messages.list.find((m) => m.kind === 'upgrade')).toMatchObject({
      method: 35,
      sectors: [1],
      exitCode: 0,
    })
    const snap = s.snap!
    expect(snap.sectors).toEqual([
      {
        number: 1,
        sectorKeyCid: expect.stringMatching(/^bagboea4b/),
        sealedCid: expect.stringMatching(/^bagboea4b/),
        landedEpoch: expect.any(Number),
        provenAfterUpdate: true,
      },
    ])
    expect(snap.sectors[0]!.sealedCid).not.toBe(snap.sectors[0]!.sectorKeyCid)
    expect(snap.pieces.map((p) => p.claimedBySector)).toEqual([1])
    expect(snap.powerBefore).toEqual({ rawBytes: '4096', qaBytes: '4096' })
    expect(snap.powerAfter).toEqual({ rawBytes: '4096', qaBytes: String(2048 + 10 * 2048) })
  }, 90_000)

  it('stops everything on Ctrl-C (SIGINT) and removes its temporary directory', async () => {
    const tmp = join(scratch, 'sigint')
    await import('node:fs/promises').then((fs) => fs.mkdir(tmp))
    const child = spawn(
      process.execPath,
      [BIN, 'demo', '--proofs', 'mock', '--sectors', '2', '--block-time', '1s'],
      { cwd: ROOT, env: { ...process.env, TMPDIR: tmp }, stdio: ['ignore', 'pipe', 'pipe'] },
    )
    onTestFinished(() => {
      if (child.exitCode === null) child.kill('SIGKILL')
    })
    let stderr = ''
    let stdout = ''
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString()
    })
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)))
    // Interrupt once sealing is under way (a 1 s block time keeps it waiting on the chain).
    await new Promise<void>((resolve) =>
      child.stderr.on('data', (d: Buffer) => {
        stderr += d.toString()
        if (stderr.includes('PC2Done')) resolve()
      }),
    )
    expect((await readdir(tmp)).length).toBe(1)
    child.kill('SIGINT')
    const code = await exited
    expect(code).toBe(1)
    expect(stderr).toContain('demo stopped; everything was shut down')
    expect(stdout).toBe('')
    expect(await readdir(tmp)).toEqual([])
  }, 60_000)

  it('with --stay --no-post keeps the manager up for its dashboard until Ctrl-C, then exits 0 and cleans up', async () => {
    const tmp = join(scratch, 'stay')
    await import('node:fs/promises').then((fs) => fs.mkdir(tmp))
    const child = spawn(
      process.execPath,
      [BIN, 'demo', '--json', '--stay', '--no-post', '--proofs', 'mock', '--sectors', '1'],
      {
        cwd: ROOT,
        env: { ...process.env, TMPDIR: tmp },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    )
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)))
    onTestFinished(() => {
      if (child.exitCode === null) child.kill('SIGKILL')
    })
    let stdout = ''
    const summary = await new Promise<DemoSummary>((resolve) =>
      child.stdout.on('data', (d: Buffer) => {
        stdout += d.toString()
        if (stdout.endsWith('\n')) resolve(JSON.parse(stdout) as DemoSummary)
      }),
    )
    // --no-post: active on chain, no power yet.
    expect(summary.windowPoSt.included).toBe(false)
    expect(summary.power.rawBytes).toBe('0')
    expect(summary.dashboardUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/ui\?token=/)
    const url = new URL(summary.dashboardUrl as string)
    const page = await fetch(url, { redirect: 'manual' })
    // The dashboard moves the token into a cookie and redirects to the clean address.
    expect(page.status).toBe(303)
    await page.arrayBuffer()
    const overview = await fetch(new URL('/ui/api/overview', url), {
      headers: { authorization: `Bearer ${url.searchParams.get('token')}` },
    })
    expect(overview.status).toBe(200)
    expect(JSON.stringify(await overview.json())).toContain('1001')
    child.kill('SIGINT')
    expect(await exited).toBe(0)
    expect(await readdir(tmp)).toEqual([])
  }, 60_000)
})
