import { type ChildProcess, execFile, spawn } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import {
  createRpcClient,
  httpTransport,
  mockProofs,
  parseWorkerConfig,
  prepareFileStore,
  prepareSealingStore,
} from '@venus-cluster/core'
import { createSealingWorker, type SealerClient, sealerClient } from '@venus-cluster/sealer'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { builtBin, ensureBuiltCli, freePort, ROOT } from '../../__fixtures__/built-cli.js'

const BIN = builtBin('venus-sector-manager')
const WORKER_BIN = builtBin('venus-worker')
const dir = mkdtempSync(join(tmpdir(), 'vsm-mock-'))
let mock: ChildProcess | undefined
let log = ''

beforeAll(ensureBuiltCli, 240_000)
afterAll(() => {
  mock?.kill('SIGKILL')
  rmSync(dir, { recursive: true, force: true })
})

async function startMock(args: string[]): Promise<string> {
  const p = spawn(process.execPath, [BIN, 'mock', '--listen', '127.0.0.1:0', ...args], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  mock = p
  p.stdout?.on('data', (d) => {
    log += String(d)
  })
  p.stderr?.on('data', (d) => {
    log += String(d)
  })
  for (let i = 0; i < 200; i++) {
    const url = /listening on (http:\/\/\S+)/.exec(log)?.[1]
    if (url) return url
    if (p.exitCode !== null) break
    await new Promise((r) => setTimeout(r, 50))
  }
  throw new Error(`mock did not start: ${log}`)
}

describe('mock managers: venus-sector-manager mock and venus-worker mock', () => {
  it('lets a sealing worker seal sectors to Finished without a chain, and exits on SIGTERM', async () => {
    const persist = join(dir, 'persist')
    const stores = [join(dir, 's1'), join(dir, 's2')]
    await prepareFileStore(persist)
    for (const s of stores) await prepareSealingStore(s)
    const url = await startMock([
      '--miner',
      't010000',
      '--sector-size',
      '2KiB',
      '--persist-store',
      `ps1=${persist}`,
      '--block-time',
      '50',
    ])
    expect(log).toContain('miner t010000, 2KiB sectors')

    const client = sealerClient(createRpcClient(httpTransport(url)), { timeoutMs: 5_000 })
    let handedOut = 0
    const sealer: SealerClient = {
      ...client,
      async allocateSector(spec) {
        if (handedOut >= 2) return null
        const got = await client.allocateSector(spec)
        if (got !== null) handedOut++
        return got
      },
    }
    const config = parseWorkerConfig(
      `[worker]
name = "mock-worker"
[sector_manager.rpc_client]
addr = "${url.replace(/^http:\/\/([\d.]+):(\d+)\/rpc\/v0$/, '/ip4/$1/tcp/$2')}"
[sealing]
allowed_miners = [10000]
seal_interval = "100ms"
recover_interval = "100ms"
rpc_polling_interval = "100ms"
${stores.map((s) => `[[sealing_thread]]\nlocation = "${s}"\n`).join('\n')}
[[attached]]
name = "ps1"
location = "${persist}"
`,
      join(dir, 'venus-worker.toml'),
    )
    const finished = new Set<string>()
    const worker = createSealingWorker({
      config: { ...config, pingIntervalMs: 0, recordSync: false },
      proofs: mockProofs(),
      sealer,
      controlApi: false,
    })
    worker.events.on('sector:state', (e) => {
      if (e.next === 'Finished') finished.add(`m-${e.sector.miner}-s-${e.sector.number}`)
    })
    const rpc = createRpcClient(httpTransport(url))
    const offline = () =>
      rpc.call<{ ID: { Number: number }; Finalized: boolean }[]>('Venus.ListSectors', ['offline'])
    let done: Awaited<ReturnType<typeof offline>> = []
    await worker.start()
    try {
      // Reaching Finished fires before ReportFinalized, so wait for the manager's view.
      for (let i = 0; i < 600 && (finished.size < 2 || done.length < 2); i++) {
        await new Promise((r) => setTimeout(r, 50))
        done = await offline()
      }
    } finally {
      await worker.stop()
    }
    expect([...finished].sort()).toEqual(['m-10000-s-1', 'm-10000-s-2'])
    expect(statSync(join(persist, 'sealed', 's-t010000-1')).size).toBe(2048)
    expect(done.map((s) => s.Finalized)).toEqual([true, true])

    const exited = new Promise<number | null>((r) => mock?.once('exit', (code) => r(code)))
    mock?.kill('SIGTERM')
    expect(await exited).toBe(0)
  }, 60_000)

  it('refuses a bad --sector-size and --miner with the flag named', async () => {
    const run = (args: string[]) =>
      new Promise<{ code: number; err: string }>((resolve) =>
        execFile(process.execPath, [BIN, 'mock', ...args], { cwd: ROOT }, (err, _o, stderr) =>
          resolve({ code: err === null ? 0 : Number(err.code ?? 1), err: stderr }),
        ),
      )
    const size = await run(['--miner', '1000', '--sector-size', '3KiB'])
    expect(size.code).toBe(1)
    expect(size.err).toContain('--sector-size: "3KiB" is not a sector size')
    const miner = await run(['--miner', 'abc', '--sector-size', '2KiB'])
    expect(miner.err).toContain('--miner must be a miner actor id like 10000')
    expect(`${size.err}${miner.err}`).not.toMatch(/^\s+at /m)
  })

  it('venus-worker mock seals with the worker config against an in-process mock manager', async () => {
    const base = join(dir, 'worker-mock')
    mkdirSync(base)
    const persist = join(base, 'persist')
    const store = join(base, 's1')
    await prepareFileStore(persist)
    await prepareSealingStore(store)
    const cfg = join(base, 'venus-worker.toml')
    writeFileSync(
      cfg,
      `[worker]
name = "worker-mock"
rpc_server.host = "127.0.0.1"
rpc_server.port = ${await freePort()}
[sector_manager]
rpc_client.addr = "/ip4/127.0.0.1/tcp/1"
[sealing]
seal_interval = "100ms"
recover_interval = "100ms"
rpc_polling_interval = "100ms"
[[sealing_thread]]
location = "${store}"
[[attached]]
name = "ps1"
location = "${persist}"
`,
    )
    let out = ''
    const w = spawn(
      process.execPath,
      [WORKER_BIN, 'mock', '-c', cfg, '-m', '10000', '-s', '2KiB', '--proofs', 'mock'],
      {
        cwd: ROOT,
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    )
    w.stdout?.on('data', (d) => {
      out += String(d)
    })
    w.stderr?.on('data', (d) => {
      out += String(d)
    })
    const sealed = join(persist, 'sealed', 's-t010000-1')
    try {
      for (let i = 0; i < 400 && w.exitCode === null; i++) {
        if (existsSync(sealed) && statSync(sealed).size === 2048) break
        await new Promise((r) => setTimeout(r, 50))
      }
      expect(w.exitCode, out).toBeNull()
      expect(out).toContain('mock manager at http://127.0.0.1:')
      expect(statSync(sealed).size).toBe(2048)
    } finally {
      if (w.exitCode === null) {
        const exited = new Promise<number | null>((r) => w.once('exit', (code) => r(code)))
        w.kill('SIGTERM')
        expect(await exited).toBe(0)
      }
    }
  }, 60_000)
})
