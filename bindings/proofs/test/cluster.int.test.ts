// Issue 6's must-show: one 2KiB sector sealed with REAL proofs by a worker whose pc1, pc2 and c2
// run in external child processes (`venus-worker processor <stage>` on the native backend),
// against the sector manager and a devnet that verifies the proofs natively. The sector must end
// active on chain. One sector only: C2 alone takes minutes on a small machine.
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import {
  createChainClient,
  createMessagerClient,
  httpTransport,
  parseWorkerConfig,
  prepareFileStore,
  prepareSealingStore,
  sealProofForSectorSize,
  sealProofInfo,
} from '@venus-cluster/core'
import { createDevnet, serveDevnet } from '@venus-cluster/devnet'
import {
  createManagerChain,
  createManagerMessager,
  defaultMinerConfig,
  startManagerNode,
} from '@venus-cluster/manager'
import { createSealingWorker, type ThreadStepEvent } from '@venus-cluster/sealer'
import { afterAll, describe, expect, it } from 'vitest'
import { nativeProofs } from '../src/index.js'
import { nativeTestsReady } from './native-ready.js'

const MINUTES = 60_000
const workerBin = fileURLToPath(new URL('../../../packages/cli/dist/bin/venus-worker.js', import.meta.url))
const native = nativeTestsReady()
const ready = native.ready && existsSync(workerBin)
const why = native.ready ? `${workerBin} not built (npx tsc -b tsconfig.build.json)` : native.why

/** Pids of this process's children whose command line runs `venus-worker ... processor`. */
function processorChildren(): number[] {
  const out: number[] = []
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8')
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1])
      if (ppid !== process.pid) continue
      const cmd = readFileSync(`/proc/${name}/cmdline`, 'utf8').split('\0')
      if (cmd.includes('processor')) out.push(Number(name))
    } catch {
      // The process ended while we looked.
    }
  }
  return out
}

function processorTable(stage: string): string {
  return `[[processors.${stage}]]
bin = ${JSON.stringify(process.execPath)}
args = ${JSON.stringify([workerBin, 'processor', stage, '--proofs', 'native'])}
stable_wait = "60s"
[processors.${stage}.envs]
VENUS_WORKER_PROOFS = "native"
`
}

const cleanups: (() => Promise<void>)[] = []
afterAll(async () => {
  for (const c of cleanups.splice(0).reverse()) await c().catch(() => {})
})

describe.skipIf(!ready)(
  `native cluster: worker + external processors + manager + devnet${ready ? '' : ` (skipped: ${why})`}`,
  () => {
    it(
      'seals one 2KiB sector with pc1, pc2 and c2 in native child processes until it is active on chain',
      async () => {
        const started = Date.now()
        const home = await mkdtemp(join(tmpdir(), 'venus-native-cluster-'))
        cleanups.push(() => rm(home, { recursive: true, force: true }))
        const proofs = nativeProofs()
        const sealProof = sealProofForSectorSize(2048)
        const devnet = createDevnet({
          seed: 'native-cluster',
          proofs,
          params: { preCommitChallengeDelay: 5 },
        })
        await devnet.start()
        cleanups.push(() => devnet.stop())
        const created = await devnet.createTestMiner({
          windowPoStProofType: sealProofInfo(sealProof).windowPoStProof,
        })
        const served = await serveDevnet(devnet, { host: '127.0.0.1', port: 0 })
        cleanups.push(async () => {
          served.server.closeAllConnections()
          await served.close()
        })
        const auth = { token: served.adminToken }
        const chain = createChainClient(httpTransport(served.httpUrl, auth))
        const messager = createMessagerClient(httpTransport(served.messagerUrl.replace(/^ws/, 'http'), auth))

        const persist = join(home, 'persist')
        await prepareFileStore(persist)
        const minerConfig = defaultMinerConfig(created.minerId, created.owner)
        minerConfig.sector.maxNumber = 1
        minerConfig.commitment.confidence = 1
        await mkdir(join(home, 'manager'), { recursive: true })
        const manager = await startManagerNode({
          home: join(home, 'manager'),
          listen: '127.0.0.1:0',
          synchronous: 'normal',
          config: { miners: [minerConfig], persistStores: [{ name: 'ps1', path: persist }] },
          chain: createManagerChain(chain),
          messager: createManagerMessager(messager),
          proofs,
          tickMs: 50,
        })
        cleanups.push(() => manager.stop())
        const timer = setInterval(() => void devnet.mine(1).catch(() => {}), 100)
        cleanups.push(async () => clearInterval(timer))

        const store = join(home, 'store1')
        await prepareSealingStore(store)
        const text = `[worker]
name = "native-cluster"

[sector_manager.rpc_client]
addr = "${manager.url}"

[sealing]
seal_interval = "20ms"
recover_interval = "50ms"
rpc_polling_interval = "50ms"
max_retries = 3

[[sealing_thread]]
location = "${store}"

[[attached]]
name = "ps1"
location = "${persist}"

${['pc1', 'pc2', 'c2'].map(processorTable).join('\n')}`
        const file = join(home, 'venus-worker.toml')
        await writeFile(file, text)
        const token = await manager.auth?.issue('sign')
        const steps: { at: number; e: ThreadStepEvent }[] = []
        const worker = createSealingWorker({
          config: { ...parseWorkerConfig(text, file), recordSync: false },
          // In-process stages (add pieces, tree_d, wait states) also run the real backend.
          proofs,
          controlApi: false,
          ...(token === undefined ? {} : { managerToken: token }),
        })
        worker.events.on('thread:step', (e) => steps.push({ at: Date.now() - started, e }))
        let workerStopped = false
        cleanups.push(async () => {
          if (!workerStopped) await worker.stop()
        })
        await worker.start()
        const children = processorChildren()
        // One child per external stage, each started on the native backend.
        expect(children).toHaveLength(3)
        for (const pid of children) {
          const env = readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0')
          expect(env).toContain('VENUS_WORKER_PROOFS=native')
        }

        let info = null as { Activation?: number } | null
        while (Date.now() - started < 25 * MINUTES) {
          info = await chain.stateSectorGetInfo(created.miner, 1)
          if (info !== null) break
          await new Promise((r) => setTimeout(r, 500))
        }
        const wall = Date.now() - started
        console.log(
          `[native cluster] sector 1 active at epoch ${info?.Activation} after ${(wall / 1000).toFixed(1)} s; ` +
            `steps (ms, state): ${JSON.stringify(steps.map((s) => [s.at, s.e.next]))}`,
        )
        expect(info).not.toBeNull()

        await worker.stop()
        workerStopped = true
        await new Promise((r) => setTimeout(r, 200))
        for (const pid of children) expect(() => process.kill(pid, 0)).toThrow()
        // No processor child outlives the worker.
        expect(processorChildren()).toEqual([])
      },
      30 * MINUTES,
    )
  },
)
