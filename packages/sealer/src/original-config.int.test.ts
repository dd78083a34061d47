/**
 * The original's example worker configs, with their relative store paths, run from the directory
 * they are relative to, as its quick start does (`store seal-init -l ./mock-tmp/store1`, then
 * `venus-worker daemon -c …`). Only the manager's port is changed (plus, for the v0.1.2 example,
 * two processor entries that name hardware and a binary of the author's machine).
 */
import {
  mkdtempSync,
  readFileSync,
  readlinkSync,
  realpathSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs'
import { tmpdir } from 'node:os'
import { isAbsolute, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import {
  loadWorkerConfig,
  mockProofs,
  prepareFileStore,
  prepareSealingStore,
  zeroCommitment,
} from '@venus-cluster/core'
import { afterEach, describe, expect, it } from 'vitest'
import { bundleFixture } from './__fixtures__/bundle.js'
import { type MockManagerEnv, startMockManagerEnv } from './__fixtures__/mock-manager-env.js'
import type { ThreadStepEvent } from './events.js'
import { buildTreeD, TREE_D_FILE } from './processors.js'
import { createSealingWorker, type SealingWorker } from './worker.js'

// The example configs are core's config fixtures; they are read as data.
const fixture = (name: string) =>
  readFileSync(fileURLToPath(new URL(`../../core/src/config/__fixtures__/${name}`, import.meta.url)), 'utf8')
const processorMain = fileURLToPath(new URL('./__fixtures__/processor-main.ts', import.meta.url))

const cwd = process.cwd()
let dir = ''
let mgr: MockManagerEnv | undefined
let worker: SealingWorker | undefined
afterEach(async () => {
  await worker?.stop()
  worker = undefined
  await mgr?.stop()
  mgr = undefined
  process.chdir(cwd)
  rmSync(dir, { recursive: true, force: true })
})

/** A fresh directory to run in, as the operator's shell would be. */
function enterWorkDir(): string {
  dir = realpathSync(mkdtempSync(join(tmpdir(), 'vc-original-config-')))
  process.chdir(dir)
  return dir
}

/** Runs the worker until `sectors` sectors are finalized on the manager; returns the step events. */
async function sealUntilFinalized(
  options: Omit<Parameters<typeof createSealingWorker>[0], 'proofs'> & {
    onStep?: (e: ThreadStepEvent) => void
  },
  sectors: number,
): Promise<ThreadStepEvent[]> {
  const steps: ThreadStepEvent[] = []
  const failures: string[] = []
  const { onStep, ...rest } = options
  worker = createSealingWorker({
    ...rest,
    config: { ...rest.config, autoResume: false },
    proofs: mockProofs(),
    controlApi: false,
  })
  worker.events.on('thread:step', (e) => {
    steps.push(e)
    if (e.failure !== null) failures.push(`${e.prev}: ${e.failure.desc}`)
    onStep?.(e)
  })
  await worker.start()
  const end = Date.now() + 60_000
  for (;;) {
    const done = (await (mgr as MockManagerEnv).manager.store.listSectors(false)).filter((s) => s.finalized)
    if (done.length >= sectors) break
    const paused = worker.threads.find((t) => t.info().paused)
    if (paused !== undefined || Date.now() > end) {
      throw new Error(
        `sealing stopped: ${paused?.info().lastError ?? 'timeout'}; failures: ${failures.join(' | ')}`,
      )
    }
    await new Promise((r) => setTimeout(r, 50))
  }
  return steps
}

describe("the original's example worker configs, relative paths and all", () => {
  it('seals with the seed example unchanged apart from the manager port (external pc2 and c2 children)', async () => {
    const here = enterWorkDir()
    // The quick start's preparation, with the paths as the config writes them.
    for (const s of ['path/to/local/store1', 'path/to/local/store2', 'path/to/local/store3']) {
      await prepareSealingStore(s)
    }
    await prepareFileStore('path/to/remote/store')
    // No name in [remote]: the instance name is the store's canonical path.
    const remote = join(here, 'path/to/remote/store')
    mgr = await startMockManagerEnv({
      actor: 10000,
      sectorSize: 2048,
      persistStores: [{ name: remote, path: remote }],
    })
    const text = fixture('venus-worker.example.toml')
    expect(text).toContain('ws://127.0.0.1:1789/rpc/v0')
    writeFileSync('venus-worker.toml', text.replace('127.0.0.1:1789', `127.0.0.1:${mgr.port}`))
    const config = await loadWorkerConfig('venus-worker.toml')
    expect(Object.keys(config.processors.external).sort()).toEqual(['c2', 'pc2'])
    const links: string[] = []
    const steps = await sealUntilFinalized(
      {
        config,
        // The children are "the worker's own binary" in processor mode.
        selfCommand: [process.execPath, await bundleFixture(processorMain, here, 'venus-worker-processor')],
        onStep: (e) => {
          if (e.next === 'PC1Done' && e.sector !== null) {
            const { miner, number: n } = e.sector
            const store = worker?.threads[e.thread]?.location ?? ''
            links.push(readlinkSync(join(store, 'data', 'cache', `s-t0${miner}-${n}`, TREE_D_FILE)))
          }
        },
      },
      3,
    )
    expect(worker?.threads.map((t) => t.location)).toEqual([
      join(here, 'path/to/local/store1'),
      join(here, 'path/to/local/store2'),
      join(here, 'path/to/local/store3'),
    ])
    // The tree_d link in each cache directory points at an absolute path, so it resolves.
    expect(links.length).toBeGreaterThanOrEqual(3)
    for (const l of links) expect(isAbsolute(l)).toBe(true)
    expect(steps.filter((s) => s.next === 'Finished').length).toBeGreaterThanOrEqual(3)
    expect(readFileSync(join(remote, 'sealed', 's-t010000-1')).length).toBe(2048)
  }, 120_000)

  it('seals with the v0.1.2 example: relative thread, remote store and static tree_d paths', async () => {
    const here = enterWorkDir()
    await prepareSealingStore('./mock-tmp/store1')
    await prepareSealingStore('./mock-tmp/store2')
    await prepareFileStore('./mock-tmp/remote')
    // The operator's prebuilt CC tree_d for 2KiB, at the path the config names.
    const zeros = join(here, 'zeros')
    writeFileSync(zeros, new Uint8Array(2048))
    await buildTreeD(mockProofs(), {
      proofType: 5,
      stagedPath: zeros,
      outDir: here,
      pieces: [{ commP: zeroCommitment(2048), paddedSize: 2048 }],
    })
    renameSync(join(here, TREE_D_FILE), './mock-tmp/tree-d-2KiB.dat')
    mgr = await startMockManagerEnv({
      actor: 10123,
      sectorSize: 2048,
      persistStores: [{ name: 'persist-store1', path: join(here, 'mock-tmp/remote') }],
    })
    const text = fixture('venus-worker.v012.toml')
    expect(text).toContain('/ip4/127.0.0.1/tcp/1789')
    // Not changed for the test's sake but for this machine's: the pc2 entry pins CPUs 4-5 and the
    // c2 entry runs /usr/local/bin/c2-proc, neither of which exists here.
    const adapted = text
      .replace('/ip4/127.0.0.1/tcp/1789', `/ip4/127.0.0.1/tcp/${mgr.port}`)
      .replace(/\[\[processors\.pc2\]\][\s\S]*$/, '')
    writeFileSync('venus-worker.toml', adapted)
    const config = await loadWorkerConfig('venus-worker.toml')
    const links: string[] = []
    await sealUntilFinalized(
      {
        config,
        onStep: (e) => {
          if (e.next === 'TreeDBuilt' && e.sector !== null) {
            const { miner, number: n } = e.sector
            const store = worker?.threads[e.thread]?.location ?? ''
            links.push(readlinkSync(join(store, 'data', 'prepared', `s-t0${miner}-${n}`, TREE_D_FILE)))
          }
        },
      },
      2,
    )
    // The static tree_d is linked by its canonical absolute path, not "./mock-tmp/…".
    expect(links.length).toBeGreaterThanOrEqual(2)
    for (const l of links) expect(l).toBe(join(here, 'mock-tmp/tree-d-2KiB.dat'))
    expect(readFileSync(join(here, 'mock-tmp/remote/sealed/s-t010123-1')).length).toBe(2048)
  }, 120_000)
})
