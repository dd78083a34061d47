// Issue 5's crash test end to end: the manager daemon (SQLite, batching on) is SIGKILLed at
// random moments while a worker drives sectors through Venus.* over HTTP against a devnet that
// outlives it. After every restart the sectors go on; at the end each one is active on chain,
// no number was handed out twice, and no sector went into two precommit or prove messages.
import { type ChildProcess, spawn } from 'node:child_process'
import { chmodSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { mockProofs } from '@venus-cluster/core'
import { createDevnet, serveDevnet } from '@venus-cluster/devnet'
import { build } from 'esbuild'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createDevnetMiner, devnetRpc, mockPiecePipeline } from './__fixtures__/devnet-env.js'
import { allocate, type Call, type DrivenSector, stepSector } from './__fixtures__/worker-driver.js'
import { decodePreCommitBatch2, decodeProveCommitSectors3, MinerMethod } from './commit-params.js'
import { findPgBin, freePort, startTestPg, type TestPgServer } from './store/__fixtures__/pg-server.js'

const here = dirname(fileURLToPath(import.meta.url))
const root = join(here, '..', '..', '..')
const child = join(root, 'node_modules', '.cache', 'venus-manager', `daemon-child-${process.pid}.mjs`)
const dir = mkdtempSync(join(tmpdir(), 'vsm-daemon-kill9-'))
chmodSync(dir, 0o755)
const KILLS = 20
const SECTORS = 9

beforeAll(async () => {
  // Bundled once so a restart costs one process start, not a TypeScript loader.
  await build({
    entryPoints: [join(here, '__fixtures__', 'daemon-child.ts')],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    outfile: child,
    external: ['better-sqlite3', 'pg', '@venus-cluster/*'],
    banner: {
      js: "import { createRequire as __vsmRequire } from 'node:module'; const require = __vsmRequire(import.meta.url);",
    },
    logLevel: 'silent',
  })
})
afterAll(() => {
  rmSync(dir, { recursive: true, force: true })
  rmSync(child, { force: true })
})

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

let pg: TestPgServer | undefined
afterAll(() => pg?.stop())

describe.each([{ engine: 'sqlite' }, ...(findPgBin() ? [{ engine: 'postgres' }] : [])])(
  'manager daemon on $engine killed with SIGKILL at random moments',
  ({ engine }) => {
    it(`finishes every sector after ${KILLS} kills, with no number handed out twice and no message sent twice`, async () => {
      let db: string[] = []
      if (engine === 'postgres') {
        pg ??= await startTestPg()
        db = [pg.createDatabase('daemon_kill9')]
      }
      const proofs = mockProofs()
      const devnet = createDevnet({ seed: `daemon-kill9-${engine}`, proofs, blockTimeMs: 60 })
      const { owner, minerId } = await createDevnetMiner(devnet)
      await devnet.start()
      const served = await serveDevnet(devnet, { host: '127.0.0.1', port: 0 })
      const persist = join(dir, engine, 'persist')
      const home = join(dir, engine, 'home')
      mkdirSync(persist, { recursive: true })
      mkdirSync(home, { recursive: true })
      const port = await freePort()
      const url = `http://127.0.0.1:${port}/rpc/v0`

      let daemon: ChildProcess | undefined
      let stderr = ''
      const startDaemon = async () => {
        const p = spawn(
          process.execPath,
          [
            child,
            home,
            String(port),
            served.httpUrl,
            served.messagerUrl.replace(/^ws/, 'http'),
            served.adminToken,
            String(minerId),
            owner,
            persist,
            ...db,
          ],
          { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] },
        )
        p.stderr?.on('data', (d) => {
          stderr = (stderr + String(d)).slice(-4000)
        })
        await new Promise<void>((resolve, reject) => {
          let out = ''
          p.stdout?.on('data', (d) => {
            out += String(d)
            if (out.includes('READY')) resolve()
          })
          p.once('exit', (code) => reject(new Error(`daemon exited with ${code} before READY: ${stderr}`)))
        })
        daemon = p
      }

      // A worker's view: JSON-RPC over HTTP; a dead or restarting manager means "try again".
      let retries = 0
      const call: Call = async (method, params) => {
        for (;;) {
          let res: Response
          try {
            res = await fetch(url, {
              method: 'POST',
              headers: { 'content-type': 'application/json' },
              body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }),
              signal: AbortSignal.timeout(5_000),
            })
          } catch {
            retries++
            await sleep(50)
            continue
          }
          const body = (await res.json()) as { result?: unknown; error?: { message: string } }
          if (body.error) throw new Error(`${method}: ${body.error.message}`)
          return body.result ?? null
        }
      }

      try {
        await startDaemon()
        let kills = 0
        const killer = (async () => {
          while (kills < KILLS) {
            await sleep(150 + Math.random() * 900)
            const p = daemon
            p?.kill('SIGKILL')
            await new Promise((r) => p?.once('exit', r))
            kills++
            await startDaemon()
          }
        })()

        const prover = mockPiecePipeline(proofs, dir, () => undefined)
        const sectors: DrivenSector[] = []
        const deadline = Date.now() + 150_000
        while ((kills < KILLS || sectors.some((s) => s.stage !== 'done')) && Date.now() < deadline) {
          if (sectors.length < SECTORS) {
            const s = await allocate(call, [minerId])
            if (s) sectors.push(s)
          }
          for (const s of sectors) await stepSector(call, s, 'ps1', persist, prover)
          await sleep(20)
        }
        await killer

        expect(kills).toBe(KILLS)
        expect(sectors.filter((s) => s.stage !== 'done').map((s) => [s.id.Number, s.stage])).toEqual([])
        const numbers = sectors.map((s) => s.id.Number)
        expect(new Set(numbers).size).toBe(numbers.length)

        // Everything the devnet ever saw for the miner: included messages and the mempool.
        const rpc = devnetRpc(devnet)
        const seen = new Map<string, { Method: number; Params: string }>()
        for (let h = 0; h <= devnet.head().height; h++) {
          for (const m of devnet.tipsetAtHeight(h).messages) {
            if (m.message.To === `t0${minerId}`)
              seen.set(m.cid, m.message as { Method: number; Params: string })
          }
        }
        for (const m of devnet.pending())
          if (m.message.To === `t0${minerId}`)
            seen.set(m.cid, m.message as { Method: number; Params: string })
        const pre = new Map<number, number>()
        const prove = new Map<number, number>()
        for (const m of seen.values()) {
          const bytes = Buffer.from(m.Params, 'base64')
          if (m.Method === MinerMethod.PreCommitSectorBatch2) {
            for (const p of decodePreCommitBatch2(bytes))
              pre.set(p.sectorNumber, (pre.get(p.sectorNumber) ?? 0) + 1)
          } else if (m.Method === MinerMethod.ProveCommitSectors3) {
            for (const n of decodeProveCommitSectors3(bytes).sectorNumbers)
              prove.set(n, (prove.get(n) ?? 0) + 1)
          }
        }
        for (const n of numbers) {
          expect(pre.get(n), `precommits of sector ${n}`).toBe(1)
          expect(prove.get(n), `prove commits of sector ${n}`).toBe(1)
          const info = await rpc('Filecoin.StateSectorGetInfo', [`t0${minerId}`, n, []])
          expect(info, `sector ${n} active on chain`).not.toBeNull()
        }
        // Nothing else is left online: a number whose answer died with the manager is an orphan.
        const online = (await call('Venus.ListSectors', ['online'])) as { ID: { Number: number } }[]
        const orphans = online.map((s) => s.ID.Number).filter((n) => !numbers.includes(n))
        console.log(
          `orphaned allocations: ${JSON.stringify(orphans)}; online: ${JSON.stringify(online.map((s) => s.ID.Number))}`,
        )
        console.log(
          `daemon kill -9 (${engine}): ${kills} kills, ${SECTORS} sectors done, ${retries} worker retries, ${seen.size} miner messages`,
        )
      } finally {
        daemon?.kill('SIGKILL')
        served.server.closeAllConnections()
        await served.close()
        await devnet.stop()
      }
    }, 180_000)
  },
)
