import { execFile } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { defaultManagerConfigText } from '@venus-cluster/core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

const ROOT = fileURLToPath(new URL('../../../', import.meta.url))
const BIN = join(ROOT, 'dist', 'bin')

interface Run {
  code: number
  stdout: string
  stderr: string
}

function run(
  bin: string,
  args: string[],
  opts: { cwd?: string; env?: Record<string, string> } = {},
): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      join(BIN, bin),
      args,
      { cwd: opts.cwd ?? ROOT, env: { ...process.env, ...opts.env }, timeout: 30_000 },
      (err, stdout, stderr) => {
        const code = err === null ? 0 : typeof err.code === 'number' ? err.code : 1
        resolve({ code, stdout, stderr })
      },
    )
  })
}

function expectNoStack(r: Run): void {
  expect(r.stderr).not.toMatch(/^\s+at /m)
}

describe('venus-cluster command lines (built bins in ./dist/bin)', () => {
  let dir = ''
  beforeAll(async () => {
    // `make all` is the seed README's build: it compiles the TS and writes the launchers.
    await new Promise<void>((resolve, reject) => {
      execFile('make', ['all'], { cwd: ROOT, timeout: 300_000 }, (err, _out, stderr) =>
        err !== null && !existsSync(join(ROOT, 'packages/cli/dist/bin/venus-worker.js'))
          ? reject(new Error(stderr))
          : resolve(),
      )
    })
    dir = await mkdtemp(join(tmpdir(), 'vc-cli-'))
  }, 300_000)
  afterAll(async () => {
    if (dir !== '') await rm(dir, { recursive: true, force: true })
  })

  it('daemon init writes the commented default config into --home', async () => {
    const home = join(dir, 'smgr')
    const r = await run('venus-sector-manager', ['--home', home, 'daemon', 'init'])
    expect(r.code).toBe(0)
    expect(r.stdout).toContain(`initialised ${home}`)
    expect(await readFile(join(home, 'sector-manager.cfg'), 'utf8')).toBe(defaultManagerConfigText())
  })

  it('daemon init keeps an existing config unless --force, and says so', async () => {
    const home = join(dir, 'smgr-keep')
    await run('venus-sector-manager', ['--home', home, 'daemon', 'init'])
    const cfg = join(home, 'sector-manager.cfg')
    await writeFile(cfg, '[Chain]\nApi = "/ip4/127.0.0.1/tcp/3453"\n')
    const again = await run('venus-sector-manager', ['--net=nerpa', '--home', home, 'daemon', 'init'])
    expect(again.code).toBe(0)
    expect(again.stdout).toContain('exists already; kept it unchanged (use --force')
    expect(await readFile(cfg, 'utf8')).toContain('/ip4/127.0.0.1/tcp/3453')
    const forced = await run('venus-sector-manager', ['--home', home, 'daemon', 'init', '--force'])
    expect(forced.code).toBe(0)
    expect(forced.stdout).toContain('overwritten')
    expect(await readFile(cfg, 'utf8')).toBe(defaultManagerConfigText())
  })

  it('daemon init uses ~/.venus-sector-manager by default', async () => {
    const fakeHome = join(dir, 'user')
    const r = await run('venus-sector-manager', ['daemon', 'init'], { env: { HOME: fakeHome } })
    expect(r.code).toBe(0)
    expect(existsSync(join(fakeHome, '.venus-sector-manager', 'sector-manager.cfg'))).toBe(true)
  })

  it('store seal-init prepares the seed README directories from any cwd, and a second run changes nothing', async () => {
    const args = [
      'store',
      'seal-init',
      '-l',
      'path/to/local/store1',
      'path/to/local/store2',
      'path/to/local/store3',
    ]
    const first = await run('venus-worker', args, { cwd: dir })
    expect(first.code).toBe(0)
    expect(first.stdout.trim().split('\n')).toHaveLength(3)
    expect(first.stdout).toContain(`${join(dir, 'path/to/local/store1')}: prepared as a sealing store`)
    expect((await readdir(join(dir, 'path/to/local/store2'))).sort()).toEqual(['.holder', 'data', 'meta'])
    await writeFile(join(dir, 'path/to/local/store1/data/keep'), 'x')
    const second = await run('venus-worker', ['store', 'sealing-init', '-l', 'path/to/local/store1'], {
      cwd: dir,
    })
    expect(second.code).toBe(0)
    expect(second.stdout).toContain('prepared as a sealing store already; nothing changed')
    expect(await readdir(join(dir, 'path/to/local/store1/data'))).toEqual(['keep'])
  })

  it('store file-init prepares a persist store once', async () => {
    const first = await run('venus-worker', ['store', 'file-init', '-l', 'path/to/remote/store'], {
      cwd: dir,
    })
    expect(first.code).toBe(0)
    expect(await readdir(join(dir, 'path/to/remote/store'))).toEqual(['.holder'])
    const second = await run('venus-worker', ['--json', 'store', 'file-init', '-l', 'path/to/remote/store'], {
      cwd: dir,
    })
    expect(JSON.parse(second.stdout)).toEqual([
      { location: join(dir, 'path/to/remote/store'), alreadyPrepared: true },
    ])
  })

  it("store abandon-original lets the worker use a sealing store holding the original worker's RocksDB", async () => {
    await run('venus-worker', ['store', 'seal-init', '-l', 'orig/store1'], { cwd: dir })
    await writeFile(join(dir, 'orig/store1/meta/CURRENT'), 'MANIFEST-000005\n')
    await writeFile(join(dir, 'orig/store1/meta/MANIFEST-000005'), '')
    const r = await run('venus-worker', ['store', 'abandon-original', '-l', 'orig/store1'], { cwd: dir })
    expect(r.code).toBe(0)
    expect(r.stdout).toContain(`${join(dir, 'orig/store1')}: the original worker's sector is given up`)
    expect((await readdir(join(dir, 'orig/store1/meta'))).sort()).toEqual([
      'CURRENT',
      'MANIFEST-000005',
      'original-meta-abandoned.json',
    ])
    const none = await run('venus-worker', ['store', 'abandon-original', '-l', 'path/to/remote/store'], {
      cwd: dir,
    })
    expect(none.code).not.toBe(0)
    expect(none.stderr).toContain('no metadata of the original venus-worker')
    expectNoStack(none)
  })

  it.each([
    ['venus-sector-manager', ['--help'], 'daemon'],
    ['venus-sector-manager', ['daemon', '--help'], 'init'],
    ['venus-sector-manager', ['daemon', 'init', '--help'], '--force'],
    ['venus-worker', ['--help'], 'store'],
    ['venus-worker', ['store', '--help'], 'seal-init|sealing-init'],
    ['venus-worker', ['store', 'seal-init', '--help'], '--location'],
    ['venus-worker', ['store', 'file-init', '--help'], '--location'],
    ['venus-cluster', ['--help'], 'demo'],
    ['venus-cluster', ['demo', '--help'], '--home'],
  ])('%s %s prints help', async (bin, args, expected) => {
    const r = await run(bin, args)
    expect(r.code).toBe(0)
    expect(r.stdout).toContain('Usage:')
    expect(r.stdout).toContain(expected)
  })

  it('a wrong flag gives a one-line error and the usage, no stack trace', async () => {
    const r = await run('venus-worker', ['store', 'seal-init', '-l', join(dir, 'unused'), '--bogus'])
    expect(r.code).toBe(2)
    expect(r.stderr.split('\n')[0]).toBe("error: unknown option '--bogus'")
    expect(r.stderr).toContain('Usage: venus-worker store seal-init')
    expectNoStack(r)
  })

  it('a missing required flag and an unknown network are usage errors', async () => {
    const noL = await run('venus-worker', ['store', 'file-init'])
    expect(noL.code).toBe(2)
    expect(noL.stderr).toContain("required option '-l, --location <dir...>' not specified")
    const net = await run('venus-sector-manager', ['--net', 'moon', 'daemon', 'init'])
    expect(net.code).toBe(2)
    expect(net.stderr).toContain("option '--net <net>' argument 'moon' is invalid")
    expectNoStack(net)
  })

  it('a failing command prints the error message, or err.toJSON() with --json', async () => {
    const file = join(dir, 'plain-file')
    await writeFile(file, '')
    const text = await run('venus-worker', ['store', 'seal-init', '-l', join(file, 'store')])
    expect(text.code).toBe(1)
    expect(text.stderr).toMatch(/^error: .*cannot create the directory \(ENOTDIR\)\n$/)
    const json = await run('venus-worker', ['--json', 'store', 'seal-init', '-l', join(file, 'store')])
    expect(json.code).toBe(1)
    expect(JSON.parse(json.stderr)).toMatchObject({ name: 'VenusError', code: 'STORE_IO' })
  })

  it('demo seals a sector with mock proofs and keeps a --home it was given', async () => {
    const home = join(dir, 'demo')
    const r = await run('venus-cluster', [
      '--json',
      'demo',
      '--proofs',
      'mock',
      '--sectors',
      '1',
      '--home',
      home,
    ])
    expect(r.code, r.stderr).toBe(0)
    expect(JSON.parse(r.stdout)).toMatchObject({ ok: true, home, kept: true, sectors: [{ number: 1 }] })
    expect(existsSync(join(home, 'worker1', 'venus-worker.toml'))).toBe(true)
    expect(existsSync(join(home, 'worker1', 'store1', '.holder'))).toBe(true)
  })
})
