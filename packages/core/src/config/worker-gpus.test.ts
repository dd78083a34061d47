import { describe, expect, it } from 'vitest'
import { VenusError } from '../errors/index.js'
import { defaultWorkerConfigText } from './defaults.js'
import { parseWorkerConfig } from './worker.js'
import { type WorkerConfigInput, workerConfig } from './worker-config.js'

const SEED_HEAD = `[sealer_rpc]
url = "ws://127.0.0.1:1789/rpc/v0"
[[store]]
location = "/data/store1"
`
const V012_HEAD = `[sector_manager.rpc_client]
addr = "/ip4/127.0.0.1/tcp/1789"
[[sealing_thread]]
location = "/data/store1"
`

const GPUS = `[processors.gpu]
devices = ["0", { id = "1", slots = 2 }]
[processors.gpu.stage_slots]
pc2 = 2
`

const V012_GPU = `${V012_HEAD}${GPUS}[[processors.pc2]]
gpu = "1"
[[processors.c2]]
envs = { CUDA_VISIBLE_DEVICES = "0" }
[[processors.c2]]
`

const CODE: WorkerConfigInput = {
  sectorManager: { addr: '/ip4/127.0.0.1/tcp/1789' },
  sealingThreads: [{ location: '/data/store1' }],
}

function errorOf(fn: () => unknown): VenusError {
  try {
    fn()
  } catch (err) {
    expect(err).toBeInstanceOf(VenusError)
    return err as VenusError
  }
  throw new Error('expected an error')
}

describe('worker GPUs in the config', () => {
  it('has no GPUs and one slot per stage unless told', () => {
    const c = workerConfig(CODE)
    expect(c.processors.gpus).toEqual({
      devices: [],
      stageSlots: { pc2: 1, c2: 1, snap_prove: 1, wdpost: 1 },
    })
  })

  it('reads [processors.gpu] and the processors pinned to a GPU in the v0.1.2 layout', () => {
    const c = parseWorkerConfig(V012_GPU, 'venus-worker.toml')
    expect(c.processors.gpus).toEqual({
      devices: [
        { id: '0', slots: 1 },
        { id: '1', slots: 2 },
      ],
      stageSlots: { pc2: 2, c2: 1, snap_prove: 1, wdpost: 1 },
    })
    expect(c.processors.external.pc2?.map((p) => p.gpu)).toEqual(['1'])
    // CUDA_VISIBLE_DEVICES naming a worker GPU pins the child as `gpu` does; none = not pinned.
    expect(c.processors.external.c2?.map((p) => p.gpu)).toEqual(['0', undefined])
  })

  it('reads the same in the seed layout, with gpu on [processors.<stage>]', () => {
    const c = parseWorkerConfig(
      `${SEED_HEAD}${GPUS}[processors.c2]\nexternal = true\ngpu = "1"\n`,
      'venus-worker.toml',
    )
    expect(c.processors.gpus.devices.map((d) => d.id)).toEqual(['0', '1'])
    expect(c.processors.external.c2?.[0]?.gpu).toBe('1')
  })

  it("reads the default config's commented GPU example when it is uncommented", () => {
    const text = defaultWorkerConfigText()
    const from = text.indexOf('# [processors.c2]\n')
    const example = text
      .slice(from)
      .split('\n')
      .filter((l) => /^# ([[a-z]|$)/.test(l) || l.startsWith('# cpuset'))
      .map((l) => l.replace(/^# ?/, ''))
      .join('\n')
    const c = parseWorkerConfig(`${SEED_HEAD}${example}`, 'venus-worker.toml')
    expect(c.processors.gpus.devices.map((d) => d.id)).toEqual(['0', '1'])
    expect(c.processors.external.c2?.[0]?.gpu).toBe('0')
  })

  it('builds the same config from code as from the file', () => {
    const file = parseWorkerConfig(V012_GPU, 'venus-worker.toml')
    const code = workerConfig({
      ...CODE,
      processors: {
        gpus: { devices: ['0', { id: '1', slots: 2 }], stageSlots: { pc2: 2 } },
        external: { pc2: [{ gpu: '1' }], c2: [{ envs: { CUDA_VISIBLE_DEVICES: '0' } }, {}] },
      },
    })
    expect(code.processors).toEqual(file.processors)
  })

  it.each([
    ['devices = ["zero"]', 'venus-worker.toml:6: processors.gpu.devices[0]: expected a CUDA device'],
    ['devices = ["0", "0"]', 'venus-worker.toml:6: processors.gpu.devices[1]: expected each device once'],
    ['devices = [{ id = "0", slots = 0 }]', 'processors.gpu.devices[0].slots: expected an integer'],
    ['devices = [{ slot = 2 }]', 'processors.gpu.devices[0].id: expected a CUDA device'],
    [
      'devices = ["0"]\nslots = 2\n[processors.gpu.stage_slots]\nc2 = 3',
      'venus-worker.toml:9: processors.gpu.stage_slots.c2: expected at most 2',
    ],
    [
      'devices = ["0"]\n[processors.gpu.stage_slots]\npc1 = 1',
      'venus-worker.toml:8: processors.gpu.stage_slots.pc1: unknown key',
    ],
  ])('refuses [processors.gpu] %j with file:line and key', (body, message) => {
    const err = errorOf(() =>
      parseWorkerConfig(`${V012_HEAD}[processors.gpu]\n${body}\n`, 'venus-worker.toml'),
    )
    expect(err.message).toContain(message)
  })

  it.each([
    [
      '[[processors.c2]]\ngpu = "3"',
      'venus-worker.toml:8: processors.c2[0].gpu: expected one of the worker\'s GPUs (0, 1), found "3"',
    ],
    [
      '[[processors.pc1]]\ngpu = "0"',
      'venus-worker.toml:8: processors.pc1[0].gpu: expected no GPU: pc1 is not a GPU stage',
    ],
    [
      '[[processors.c2]]\ngpu = "0"\nenvs = { CUDA_VISIBLE_DEVICES = "1" }',
      'processors.c2[0].envs.CUDA_VISIBLE_DEVICES: expected nothing, or the processor\'s gpu "0"',
    ],
    [
      '[[processors.c2]]\nenvs = { CUDA_VISIBLE_DEVICES = "0,1" }',
      'processors.c2[0].envs.CUDA_VISIBLE_DEVICES: expected one of the worker\'s GPUs (0, 1), found "0,1"',
    ],
    [
      '[processors.gpu.stage_slots]\nc2 = 2\n[[processors.c2]]\ngpu = "0"',
      'processors.c2[0].gpu: expected a GPU with the 2 slots c2 takes, found "0" with 1',
    ],
  ])('refuses a processor pinned to a GPU the worker does not have: %j', (body, message) => {
    const err = errorOf(() =>
      parseWorkerConfig(
        `${V012_HEAD}[processors.gpu]\ndevices = ["0", { id = "1", slots = 2 }]\n${body}\n`,
        'venus-worker.toml',
      ),
    )
    expect(err.message).toContain(message)
  })

  it('refuses a seed-layout processor pinned to an unknown GPU, naming its line', () => {
    const err = errorOf(() =>
      parseWorkerConfig(`${SEED_HEAD}[processors.pc2]\nexternal = true\ngpu = "0"\n`, 'venus-worker.toml'),
    )
    expect(err.message).toContain(
      "venus-worker.toml:7: processors.pc2.gpu: expected one of the worker's GPUs (none configured in [processors.gpu] devices)",
    )
  })

  it.each([
    [{ gpus: { devices: ['x'] } }, 'processors.gpus.devices[0]'],
    [{ gpus: { devices: ['0', '0'] } }, 'processors.gpus.devices[1]'],
    [{ gpus: { devices: ['0'], stageSlots: { c2: 2 } } }, 'processors.gpus.stageSlots.c2'],
    [{ gpus: { devices: ['0'], stageSlots: { pc1: 1 } as never } }, 'processors.gpus.stageSlots.pc1'],
    [{ gpus: { devices: ['0'] }, external: { c2: [{ gpu: '1' }] } }, 'processors.external.c2[0].gpu'],
    [
      { gpus: { devices: ['0'] }, external: { c2: [{ envs: { CUDA_VISIBLE_DEVICES: '2' } }] } },
      'processors.external.c2[0].envs.CUDA_VISIBLE_DEVICES',
    ],
  ] as [WorkerConfigInput['processors'], string][])(
    'refuses GPU settings from code, naming the key %#',
    (processors, key) => {
      const err = errorOf(() => workerConfig({ ...CODE, processors }))
      expect(err.code).toBe('CONFIG_INVALID_VALUE')
      expect(err.message).toContain(`worker config: ${key}: expected`)
    },
  )

  it("reads the snap-up stages' external processors: concurrency, envs, cpuset, and the prove child on a GPU", () => {
    const text = `${V012_HEAD}[processors.gpu]\ndevices = ["0"]
[processors.limit]
snap_encode = 2
snap_prove = 1
[[processors.snap_encode]]
concurrent = 2
envs = { FIL_PROOFS_USE_MULTICORE_SDR = "1" }
cgroup = { cpuset = "0-3" }
[[processors.snap_prove]]
gpu = "0"
locks = ["gpu0"]
`
    const file = parseWorkerConfig(text, 'venus-worker.toml')
    expect(file.processors.limit).toEqual({ snap_encode: 2, snap_prove: 1 })
    expect(file.processors.external.snap_encode?.[0]).toMatchObject({
      concurrent: 2,
      envs: { FIL_PROOFS_USE_MULTICORE_SDR: '1' },
      cgroup: { cpuset: '0-3' },
      gpu: undefined,
    })
    expect(file.processors.external.snap_prove?.[0]).toMatchObject({ gpu: '0', locks: ['gpu0'] })
    const code = workerConfig({
      ...CODE,
      processors: {
        gpus: { devices: ['0'] },
        limit: { snap_encode: 2, snap_prove: 1 },
        external: {
          snap_encode: [
            {
              concurrent: 2,
              envs: { FIL_PROOFS_USE_MULTICORE_SDR: '1' },
              cgroup: { cpuset: '0-3', groupName: 'vc-worker' },
            },
          ],
          snap_prove: [{ gpu: '0', locks: ['gpu0'] }],
        },
      },
    })
    expect(code.processors.external).toEqual(file.processors.external)
  })

  it.each([
    [
      '[[processors.snap_encode]]\nconcurent = 2',
      'venus-worker.toml:8: processors.snap_encode[0].concurent: unknown key (did you mean concurrent?)',
    ],
    [
      '[[processors.snap_prove]]\nconcurrent = 0',
      'venus-worker.toml:8: processors.snap_prove[0].concurrent: expected an integer >= 1',
    ],
    [
      '[[processors.snap_encode]]\ngpu = "0"',
      'venus-worker.toml:8: processors.snap_encode[0].gpu: expected no GPU: snap_encode is not a GPU stage',
    ],
    [
      '[[processors.snap_prove]]\ncgroup = { cpuset = "x" }',
      'venus-worker.toml:8: processors.snap_prove[0].cgroup.cpuset: expected a cpu list',
    ],
    [
      '[processors.limit]\nsnap_prove = 0',
      'venus-worker.toml:8: processors.limit.snap_prove: expected an integer >= 1',
    ],
  ])('refuses a bad snap-up stage processor setting %j with file:line and key', (body, message) => {
    const err = errorOf(() =>
      parseWorkerConfig(`${V012_HEAD}[processors.gpu]\ndevices = ["0"]\n${body}\n`, 'venus-worker.toml'),
    )
    expect(err.message).toContain(message)
  })
})
