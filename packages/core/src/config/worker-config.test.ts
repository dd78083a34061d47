import { describe, expect, it } from 'vitest'
import { VenusError } from '../errors/index.js'
import { parseWorkerConfig } from './worker.js'
import { WORKER_CONFIG_DEFAULTS, type WorkerConfig, workerConfig } from './worker-config.js'

const SEED = `[instance]
name = "rig-1"
[worker_server]
host = "127.0.0.1"
port = 17891
[sealer_rpc]
url = "ws://127.0.0.1:1789/rpc/v0"
[sealing]
max_retries = 7
recover_interval = "5s"
[[store]]
location = "/data/store1"
[store.sealing]
max_retries = 2
[remote]
path = "/mnt/persist1"
instance = "ps1"
[limit]
pc1 = 2
`

const V012 = `[worker]
name = "rig-1"
[worker.rpc_server]
host = "127.0.0.1"
port = 17891
[sector_manager.rpc_client]
addr = "ws://127.0.0.1:1789/rpc/v0"
[sealing]
max_retries = 7
recover_interval = "5s"
[[sealing_thread]]
location = "/data/store1"
[sealing_thread.sealing]
max_retries = 2
[[attached]]
name = "ps1"
location = "/mnt/persist1"
[processors.limit]
pc1 = 2
`

/** The same settings written in code. */
const CODE = {
  name: 'rig-1',
  rpcServer: { host: '127.0.0.1', port: 17891 },
  sectorManager: { addr: 'ws://127.0.0.1:1789/rpc/v0' },
  sealing: { maxRetries: 7, recoverIntervalMs: 5_000 },
  sealingThreads: [{ location: '/data/store1', sealing: { maxRetries: 2 } }],
  attached: [{ name: 'ps1', location: '/mnt/persist1' }],
  processors: { limit: { pc1: 2 } },
}

/** What only the TOML reader adds: where the file came from. */
function withoutSource(c: WorkerConfig): WorkerConfig {
  const { layout: _layout, ...rest } = c
  return { ...rest, sealingThreads: rest.sealingThreads.map(({ planKey: _k, ...t }) => t) }
}

function errorOf(fn: () => unknown): VenusError {
  try {
    fn()
  } catch (err) {
    if (err instanceof VenusError) return err
    throw err
  }
  throw new Error('expected an error')
}

describe('workerConfig', () => {
  it('maps the seed layout, the v0.1.2 layout and code onto the same object', () => {
    const seed = parseWorkerConfig(SEED, 'seed.toml')
    const v012 = parseWorkerConfig(V012, 'v012.toml')
    const code = workerConfig(CODE)
    expect(withoutSource(seed)).toEqual(code)
    expect(withoutSource(v012)).toEqual(code)
    expect(code.sealingThreads[0]?.sealing).toMatchObject({ maxRetries: 2, recoverIntervalMs: 5_000 })
    expect(code.sealingThreads[0]?.plan).toBe('sealer')
  })

  it('fills everything left out from WORKER_CONFIG_DEFAULTS', () => {
    const c = workerConfig({ sectorManager: { addr: '/ip4/10.0.0.2/tcp/1789' } })
    expect(c.sectorManager.url).toBe('ws://10.0.0.2:1789/rpc/v0')
    expect(c.rpcServer).toEqual(WORKER_CONFIG_DEFAULTS.rpcServer)
    expect(c.sealing).toEqual(WORKER_CONFIG_DEFAULTS.sealing)
    expect(c).toMatchObject({
      pingIntervalMs: 180_000,
      threadStartStaggerMs: 0,
      recordSync: true,
      autoResume: { maxMs: 600_000 },
      resubmitWaitMs: 30_000,
      sealingThreads: [],
      attached: [],
    })
  })

  it('passes a complete config through unchanged', () => {
    const parsed = parseWorkerConfig(V012, 'v012.toml')
    expect(workerConfig(parsed)).toEqual(parsed)
    const code = workerConfig({ ...CODE, autoResume: false, processors: { staggeredMs: { pc1: 100 } } })
    expect(workerConfig(code)).toEqual(code)
  })

  it('names the stores after their absolute locations when no name is given', () => {
    const c = workerConfig({ sectorManager: { addr: 'ws://m:1789/rpc/v0' }, attached: [{ location: '/p1' }] })
    expect(c.attached).toEqual([{ name: '/p1', location: '/p1', readonly: false, nameFromLocation: true }])
  })

  it.each([
    [{ sectorManager: {} }, 'sectorManager.addr'],
    [{ sectorManager: { addr: 'localhost:1789' } }, 'sectorManager.addr'],
    [{ ...CODE, rpcServer: { port: 70_000 } }, 'rpcServer.port'],
    [{ ...CODE, sealing: { maxRetries: -1 } }, 'sealing.maxRetries'],
    [{ ...CODE, sealing: { allowedSizes: [3000] } }, 'sealing.allowedSizes[0]'],
    [{ ...CODE, sealingThreads: [{ location: '' }] }, 'sealingThreads[0].location'],
    [
      { ...CODE, sealingThreads: [{ location: '/s', sealing: { sealIntervalMs: -5 } }] },
      'sealingThreads[0].sealing.sealIntervalMs',
    ],
    [
      {
        ...CODE,
        attached: [
          { name: 'a', location: '/a' },
          { name: 'a', location: '/b' },
        ],
      },
      'attached[1].name',
    ],
    [{ ...CODE, processors: { limit: { pc3: 1 } } }, 'processors.limit.pc3'],
    [{ ...CODE, processors: { limit: { pc1: 0 } } }, 'processors.limit.pc1'],
    [
      { ...CODE, processors: { external: { pc2: [{ cgroup: { cpuset: 'four', groupName: 'g' } }] } } },
      'processors.external.pc2[0].cgroup.cpuset',
    ],
    [{ ...CODE, pingIntervalMs: Number.NaN }, 'pingIntervalMs'],
  ])('refuses a bad value, naming its key (%#)', (input, key) => {
    const err = errorOf(() => workerConfig(input as Parameters<typeof workerConfig>[0]))
    expect(err.code).toBe('CONFIG_INVALID_VALUE')
    expect(err.message).toContain(`worker config: ${key}: expected`)
    expect(err.details).toMatchObject({ key })
  })
})

describe('venus-worker.toml keys read onto the config', () => {
  it('reads [worker] ping_interval and [processors.limitation.staggered]', () => {
    const c = parseWorkerConfig(
      `${V012.replace('name = "rig-1"', 'name = "rig-1"\nping_interval = "1m"')}\n[processors.limitation.staggered]\npc1 = "5s"\n`,
      'w.toml',
    )
    expect(c.pingIntervalMs).toBe(60_000)
    expect(c.processors.staggeredMs).toEqual({ pc1: 5_000 })
  })

  it('refuses a bad stagger with the file, the line and the key', () => {
    const err = errorOf(() =>
      parseWorkerConfig(`${V012}\n[processors.limitation.staggered]\npc1 = "soon"\n`, 'w.toml'),
    )
    expect(err.message).toMatch(
      /^w\.toml:\d+: processors\.limitation\.staggered\.pc1: expected a Go duration/,
    )
  })

  it('records where each thread names its plan, for the worker to point at', () => {
    const c = parseWorkerConfig(
      `${V012.replace('location = "/data/store1"', 'location = "/data/store1"\nplan = "rebuild"')}`,
      'w.toml',
    )
    expect(c.sealingThreads[0]).toMatchObject({
      plan: 'rebuild',
      planKey: { file: 'w.toml', line: 13, key: 'sealing_thread[0].plan' },
    })
  })
})
