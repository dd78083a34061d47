import { readFileSync } from 'node:fs'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { isVenusError, type VenusError } from '../errors/index.js'
import {
  defaultManagerConfigText,
  defaultWorkerConfigText,
  loadManagerConfig,
  loadWorkerConfig,
  parseManagerConfig,
  parseWorkerConfig,
} from './index.js'

const fixture = (name: string) => readFileSync(new URL(`./__fixtures__/${name}`, import.meta.url), 'utf8')
const NANO = 1_000_000_000n
const SEED_ADDR = 't3vep6ojdugx6clspkfpwzhgwglvyghe5liie3pfflb4h5a6kgrmoqfacpuqzz3af3bib3omppyigikacwj63q'

function errorOf(fn: () => unknown): VenusError {
  try {
    fn()
  } catch (err) {
    if (isVenusError(err)) return err
    throw err
  }
  throw new Error('expected an error')
}

describe('manager config', () => {
  it('loads the seed default config to defaults', () => {
    const cfg = parseManagerConfig(fixture('sector-manager.default.cfg'), 'sector-manager.cfg')
    expect(cfg.layout).toBe('seed')
    expect(cfg.preFetch).toBe(true)
    expect(cfg.miners).toEqual([])
    expect(cfg.chain).toEqual({ api: '', token: '' })
    expect(cfg.persistStores).toEqual([])
  })

  it('writes the seed default text verbatim, and it loads to the same config as an empty file', () => {
    expect(defaultManagerConfigText()).toBe(fixture('sector-manager.default.cfg'))
    expect(parseManagerConfig(defaultManagerConfigText(), 'a.cfg')).toEqual(parseManagerConfig('', 'a.cfg'))
  })

  it('shows TrustedNetworks commented under [SectorManager], and it loads once uncommented', () => {
    const text = defaultManagerConfigText()
    expect(text).toContain('\n# TrustedNetworks = ["10.1.0.0/16"]\n')
    const on = text.replace(
      '\n# TrustedNetworks = ["10.1.0.0/16"]\n',
      '\nTrustedNetworks = ["10.1.0.0/16"]\n',
    )
    expect(parseManagerConfig(on, 'x.cfg').trustedNetworks).toEqual(['10.1.0.0/16'])
  })

  it('has defaults equal to the values the default text shows commented out', () => {
    // Uncomment the policy blocks (not the example miners, whose ids are placeholders).
    let active = false
    const text = defaultManagerConfigText()
      .split('\n')
      .map((l) => {
        if (l.startsWith('# [')) active = l === '# [Commitment.DefaultPolicy]' || l === '# [PoSt.Default]'
        return active || l === '# PreFetch = true' ? l.slice(2) : l
      })
      .join('\n')
    expect(text).toContain('\nMsgCheckInteval = "1m0s"')
    const a = parseManagerConfig(text, 'x.cfg')
    const b = parseManagerConfig('', 'x.cfg')
    expect(a).toEqual(b)
  })

  it('loads the seed example config as written', () => {
    const cfg = parseManagerConfig(fixture('sector-manager.example.cfg'), 'sector-manager.cfg')
    expect(cfg.layout).toBe('seed')
    expect(cfg.miners).toHaveLength(1)
    const m = cfg.miners[0]
    expect(m?.actor).toBe(12345)
    expect(m?.sector).toEqual({ initNumber: 0, maxNumber: 10000, enabled: true, lifetimeDays: 540 })
    expect(m?.commitment.pre.sender).toBe(SEED_ADDR)
    expect(m?.commitment.prove.sender).toBe(SEED_ADDR)
    expect(m?.commitment.confidence).toBe(10)
    expect(m?.commitment.pre.batch).toMatchObject({
      enabled: false,
      threshold: 16,
      maxWaitMs: 3_600_000,
      checkIntervalMs: 60_000,
    })
    expect(m?.commitment.pre.maxFeeCap).toBeUndefined()
    expect(m?.post).toMatchObject({
      sender: SEED_ADDR,
      enabled: true,
      confidence: 5,
      checkIntervalMs: 60_000,
    })
    expect(m?.proof).toMatchObject({ enabled: true, apis: ['/ip4/192.168.200.15/tcp/45132'] })
    expect(cfg.persistStores).toEqual([
      { name: 'storage-200-21', path: '/mnt/cluster/', strict: false, readOnly: true },
    ])
  })

  it('loads the seed [Chain] and [Messager] sections', () => {
    const cfg = parseManagerConfig(fixture('sector-manager.chain-messager.cfg'), 'sector-manager.cfg')
    expect(cfg.chain.api).toBe('/ip4/192.168.200.15/tcp/3453')
    expect(cfg.messager.api).toBe('/ip4/192.168.200.15/tcp/39812')
    expect(cfg.messager.token).toMatch(/^eyJ/)
  })

  it('reads per-miner overrides over the default policy and FIL amounts', () => {
    const cfg = parseManagerConfig(
      [
        '[Commitment.DefaultPolicy]',
        'MaxPreCommitFeeCap = "5 nanoFIL"',
        'MsgConfidence = 7',
        '[Commitment.Miners.1000]',
        'MsgConfidence = 3',
      ].join('\n'),
      'x.cfg',
    )
    expect(cfg.miners[0]?.commitment.confidence).toBe(3)
    expect(cfg.miners[0]?.commitment.pre.maxFeeCap).toBe(5n * NANO)
    // Not listed in [SectorManager]: known, but no allocation.
    expect(cfg.miners[0]?.sector.enabled).toBe(false)
  })

  it('reads the v0.3 PoSt scheduling keys in both layouts, with defaults', () => {
    const v012 = parseManagerConfig(
      [
        '[[Miners]]',
        'Actor = 1000',
        '[Miners.Commitment.Pre]',
        'Sender = "t01001"',
        '[Miners.Commitment.Prove]',
        'Sender = "t01001"',
        '[Miners.PoSt]',
        'Confidence = 2',
        'ChallengeConfidence = 3',
        'SubmitConfidence = 1',
        'MaxPartitionsPerPoStMessage = 2',
      ].join('\n'),
      'x.cfg',
    )
    expect(v012.miners[0]?.post).toMatchObject({
      confidence: 2,
      challengeConfidence: 3,
      submitConfidence: 1,
      maxPartitionsPerPoStMessage: 2,
      maxPartitionsPerRecoveryMessage: 0,
    })
    const seed = parseManagerConfig(
      ['[PoSt.Default]', 'ChallengeConfidence = 5', '[PoSt.Actors.1000]', 'Sender = "t01001"'].join('\n'),
      'x.cfg',
    )
    expect(seed.miners[0]?.post).toMatchObject({ challengeConfidence: 5, submitConfidence: 4 })
    expect(() => parseManagerConfig(['[PoSt.Default]', 'SubmitConfidence = -1'].join('\n'), 'x.cfg')).toThrow(
      /x\.cfg.*SubmitConfidence/,
    )
  })

  it('reads TrustedNetworks in both layouts and names a bad entry with file and line', () => {
    expect(
      parseManagerConfig('[Common.API]\nTrustedNetworks = ["10.1.0.0/16", "fd00::/8"]', 'x.cfg')
        .trustedNetworks,
    ).toEqual(['10.1.0.0/16', 'fd00::/8'])
    expect(
      parseManagerConfig('[SectorManager]\nTrustedNetworks = ["192.168.7.9"]', 'x.cfg').trustedNetworks,
    ).toEqual(['192.168.7.9'])
    expect(parseManagerConfig('', 'x.cfg').trustedNetworks).toEqual([])
    expect(() =>
      parseManagerConfig('[Common.API]\n\nTrustedNetworks = ["10.0.0.0/8", "10.0.0.0/99"]', 'x.cfg'),
    ).toThrow(
      'x.cfg:3: Common.API.TrustedNetworks: expected IPv4 or IPv6 addresses or CIDR blocks like "10.1.0.0/16", found "10.0.0.0/99"',
    )
  })

  it('loads the v0.1.2 layout and normalises it to the same model', () => {
    const cfg = parseManagerConfig(fixture('sector-manager.v012.cfg'), 'sector-manager.cfg')
    expect(cfg.layout).toBe('v0.1.2')
    expect(cfg.chain).toEqual({ api: '/ip4/127.0.0.1/tcp/3453', token: 'some-token' })
    expect(cfg.gateway.apis).toEqual(['/ip4/127.0.0.1/tcp/45132'])
    expect(cfg.persistStores[1]).toEqual({
      name: resolve('/mnt/persist-2'),
      path: '/mnt/persist-2',
      strict: false,
      readOnly: false,
    })
    const m = cfg.miners[0]
    expect(m?.actor).toBe(10000)
    expect(m?.sector.maxNumber).toBe(1_000_000)
    expect(m?.commitment.pre.batch).toEqual({
      enabled: true,
      threshold: 8,
      maxWaitMs: 1_800_000,
      checkIntervalMs: 60_000,
      gasOverEstimation: 1.2,
      maxFeeCap: 5n * NANO,
    })
    expect(m?.commitment.prove.batch.threshold).toBe(16)
    expect(m?.post).toMatchObject({ enabled: true, strictCheck: true, confidence: 10, maxFeeCap: 5n * NANO })
    expect(m?.proof.enabled).toBe(true)
  })
})

describe('worker config', () => {
  it('loads the seed example config as written', () => {
    const cfg = parseWorkerConfig(fixture('venus-worker.example.toml'), 'venus-worker.toml')
    expect(cfg.layout).toBe('seed')
    expect(cfg.sectorManager.url).toBe('ws://127.0.0.1:1789/rpc/v0')
    expect(cfg.sealing.maxRetries).toBe(3)
    expect(cfg.sealing.enableDeals).toBe(false)
    expect(cfg.sealingThreads.map((t) => t.location)).toEqual([
      'path/to/local/store1',
      'path/to/local/store2',
      'path/to/local/store3',
    ])
    expect(cfg.sealingThreads[0]?.sealing.maxRetries).toBe(3)
    expect(cfg.processors.limit).toEqual({ pc2: 1, c2: 1 })
    expect(cfg.attached).toEqual([
      {
        name: resolve('path/to/remote/store'),
        location: 'path/to/remote/store',
        readonly: false,
        nameFromLocation: true,
      },
    ])
    expect(Object.keys(cfg.processors.external).sort()).toEqual(['c2', 'pc2'])
    expect(cfg.processors.external.c2?.[0]?.cgroup).toBeUndefined()
    expect(cfg.rpcServer).toEqual({ host: '0.0.0.0', port: 17890 })
  })

  it('loads the v0.1.2 layout with per-thread overrides and external processors', () => {
    const cfg = parseWorkerConfig(fixture('venus-worker.v012.toml'), 'venus-worker.toml')
    expect(cfg.layout).toBe('v0.1.2')
    expect(cfg.name).toBe('worker-1')
    expect(cfg.rpcServer).toEqual({ host: '127.0.0.1', port: 17891 })
    expect(cfg.sectorManager.url).toBe('ws://127.0.0.1:1789/rpc/v0')
    expect(cfg.sealing).toMatchObject({
      allowedMiners: [10123],
      allowedSizes: [2048],
      recoverIntervalMs: 60_000,
      rpcPollingIntervalMs: 180_000,
    })
    expect(cfg.sealingThreads[0]?.sealing.maxRetries).toBe(10)
    expect(cfg.sealingThreads[1]?.sealing.maxRetries).toBe(3)
    expect(cfg.attached[0]?.name).toBe('persist-store1')
    expect(cfg.processors.limit).toEqual({ pc1: 3, pc2: 1, c2: 1 })
    expect(cfg.processors.extLocks).toEqual({ gpu: 1 })
    expect(cfg.processors.staticTreeD).toEqual({ '2KiB': './mock-tmp/tree-d-2KiB.dat' })
    expect(cfg.processors.external.pc2?.[0]).toMatchObject({
      cgroup: { cpuset: '4-5', groupName: 'vc-worker' },
      stableWaitMs: 5000,
      locks: ['gpu'],
    })
    expect(cfg.processors.external.c2?.[0]).toMatchObject({
      bin: '/usr/local/bin/c2-proc',
      args: ['--gpu', '0'],
      concurrent: 2,
      envs: { CUDA_VISIBLE_DEVICES: '0' },
    })
  })

  it('writes a default text that loads to the built-in defaults', () => {
    const cfg = parseWorkerConfig(defaultWorkerConfigText(), 'venus-worker.toml')
    expect(cfg.sealing).toEqual(
      parseWorkerConfig('[sealer_rpc]\nurl = "ws://127.0.0.1:1789/rpc/v0"', 'x').sealing,
    )
    expect(cfg.sealing.maxRetries).toBe(5)
    expect(cfg.sealingThreads).toEqual([])
    // The commented [sealing] values are the defaults.
    const uncommented = defaultWorkerConfigText()
      .split('\n')
      .filter(
        (l) =>
          /^# (enable_deals|max_retries|seal_interval|recover_interval|rpc_polling_interval|ignore_proof_check) =/.test(
            l,
          ) || !l.startsWith('#'),
      )
      .map((l) => l.replace(/^# /, ''))
      .join('\n')
    expect(parseWorkerConfig(uncommented, 'x')).toEqual(cfg)
  })
})

describe('config errors', () => {
  const manager: [string, string, string, string][] = [
    [
      'a bad duration',
      '[Commitment.DefaultPolicy]\nCommitBatchMaxWait = "1 hour"',
      'CONFIG_INVALID_VALUE',
      'bad.cfg:2: Commitment.DefaultPolicy.CommitBatchMaxWait: expected a Go duration like "1h0m0s" or "30s", found string "1 hour"',
    ],
    [
      'a misspelled key',
      '[SectorManager]\nPrefetch = true',
      'CONFIG_UNKNOWN_KEY',
      'bad.cfg:2: SectorManager.Prefetch: unknown key (did you mean PreFetch?)',
    ],
    [
      'a misspelled section',
      '[Chian]\nApi = ""',
      'CONFIG_UNKNOWN_KEY',
      'bad.cfg:1: Chian: unknown key (did you mean Chain?)',
    ],
    [
      'a miner id as a string',
      '[SectorManager]\n[[SectorManager.Miners]]\nID = "12345"',
      'CONFIG_INVALID_VALUE',
      'bad.cfg:3: SectorManager.Miners[0].ID: expected an integer >= 0, found string "12345"',
    ],
    [
      'a miner without ID',
      '[[SectorManager.Miners]]\nInitNumber = 0',
      'CONFIG_MISSING_KEY',
      'bad.cfg:1: SectorManager.Miners[0].ID: expected a miner actor id like 12345, found nothing (the key is required)',
    ],
    [
      'an api as a number',
      '[Chain]\nApi = 3453',
      'CONFIG_INVALID_VALUE',
      'bad.cfg:2: Chain.Api: expected a string, found integer 3453',
    ],
    [
      'a bad FIL amount',
      '[Commitment.DefaultPolicy]\n\nMaxPreCommitFeeCap = "five FIL"',
      'CONFIG_INVALID_VALUE',
      'bad.cfg:3: Commitment.DefaultPolicy.MaxPreCommitFeeCap: expected a FIL amount like "5 nanoFIL" or "0.02 FIL", found string "five FIL"',
    ],
    [
      'a miner table that is not an actor id',
      '[PoSt.Actors.example]\nSender = "t1x"',
      'CONFIG_INVALID_VALUE',
      'bad.cfg:1: PoSt.Actors.example: expected a miner actor id like 12345 as the table name, found "example"',
    ],
    ['broken TOML', '[Chain\nApi = ""', 'CONFIG_PARSE', 'bad.cfg:1:'],
    [
      'mixed layouts',
      '[Chain]\nApi = ""\n[Common.API]\nChain = ""',
      'CONFIG_INVALID_VALUE',
      "bad.cfg:3: Common: expected one layout: either the seed's sections",
    ],
    [
      'a negative threshold',
      '[Commitment.DefaultPolicy]\nPreCommitBatchThreshold = 0',
      'CONFIG_INVALID_VALUE',
      'bad.cfg:2: Commitment.DefaultPolicy.PreCommitBatchThreshold: expected an integer >= 1, found integer 0',
    ],
    [
      'a v0.1.2 miner without a pre-commit sender',
      '[[Miners]]\nActor = 1\n[Miners.Commitment.Pre]\nSendr = "t1x"\n[Miners.Commitment.Prove]\nSender = "t1x"',
      'CONFIG_MISSING_KEY',
      'bad.cfg:4: Miners[0].Commitment.Pre.Sender: expected a Filecoin address like "f01234" or "t3…", found nothing (the key is required; is Sendr a typo of Sender?)',
    ],
    [
      'a bad sender address',
      '[Commitment.Miners.1000.Controls]\nPreCommit = "t1notanaddress"',
      'CONFIG_INVALID_VALUE',
      'bad.cfg:2: Commitment.Miners.1000.Controls.PreCommit: expected a Filecoin address like "f01234" or "t3…", found string "t1notanaddress"',
    ],
    [
      'a store without a path',
      '[PersistedStore]\n[[PersistedStore.Stores]]\nName = "a"',
      'CONFIG_MISSING_KEY',
      'bad.cfg:2: PersistedStore.Stores[0].Path: expected a directory path, found nothing',
    ],
  ]
  it.each(manager)('manager: %s', (_name, text, code, message) => {
    const err = errorOf(() => parseManagerConfig(text, 'bad.cfg'))
    expect(err.code).toBe(code)
    expect(err.message).toContain(message)
    expect(err.details.file).toBe('bad.cfg')
  })

  const URL = '[sealer_rpc]\nurl = "ws://127.0.0.1:1789/rpc/v0"\n'
  const worker: [string, string, string, string][] = [
    [
      'negative retries',
      `${URL}[sealing]\nmax_retries = -1`,
      'CONFIG_INVALID_VALUE',
      'bad.toml:4: sealing.max_retries: expected an integer >= 0, found integer -1',
    ],
    [
      'no manager address',
      '[sealing]\nmax_retries = 1',
      'CONFIG_MISSING_KEY',
      'bad.toml: sealer_rpc.url: expected the manager address, a multiaddr or ws:// URL, found nothing',
    ],
    [
      'a misspelled store location',
      `${URL}[[store]]\nlocaton = "/x"`,
      'CONFIG_MISSING_KEY',
      'bad.toml:4: store[0].location: expected a directory path, found nothing (the key is required; is locaton a typo of location?)',
    ],
    [
      'an unknown sector size',
      `${URL}[sealing]\nallowed_sizes = ["33GiB"]`,
      'CONFIG_INVALID_VALUE',
      'bad.toml:4: sealing.allowed_sizes[0]: expected a sector size like "2KiB" or "32GiB", found string "33GiB"',
    ],
    [
      'a bad cpuset',
      `${URL}[processors.c2]\nexternal = true\n[processors.c2.cgroup]\ncpuset = "a-b"`,
      'CONFIG_INVALID_VALUE',
      'bad.toml:6: processors.c2.cgroup.cpuset: expected a cpu list like "4-5" or "0,2,4-7", found string "a-b"',
    ],
    [
      'a misspelled section',
      `${URL}[sealng]\nmax_retries = 1`,
      'CONFIG_UNKNOWN_KEY',
      'bad.toml:3: sealng: unknown key (did you mean sealing?)',
    ],
    [
      'a port out of range',
      `${URL}[worker_server]\nport = 70000`,
      'CONFIG_INVALID_VALUE',
      'bad.toml:4: worker_server.port: expected an integer from 1 to 65535, found integer 70000',
    ],
    [
      'a bad duration',
      `${URL}[sealing]\nseal_interval = 30`,
      'CONFIG_INVALID_VALUE',
      'bad.toml:4: sealing.seal_interval: expected a Go duration like "1h0m0s" or "30s", found integer 30',
    ],
    [
      'a bad manager address',
      '[sealer_rpc]\nurl = "localhost:1789"',
      'CONFIG_INVALID_VALUE',
      'bad.toml:2: sealer_rpc.url: expected a multiaddr like "/ip4/127.0.0.1/tcp/1789" or a ws:// URL, found string "localhost:1789"',
    ],
    [
      'an unknown limit stage',
      `${URL}[limit]\npc3 = 1`,
      'CONFIG_UNKNOWN_KEY',
      'bad.toml:4: limit.pc3: unknown key (did you mean pc1?)',
    ],
    [
      'a plan that is not a name',
      '[sector_manager]\nrpc_client.addr = "/ip4/127.0.0.1/tcp/1789"\n[[sealing_thread]]\nlocation = "/a"\nplan = "Snap Up"',
      'CONFIG_INVALID_VALUE',
      'bad.toml:5: sealing_thread[0].plan: expected a plan name like "sealer", found string "Snap Up"',
    ],
    [
      'duplicate store names',
      '[sector_manager]\nrpc_client.addr = "/ip4/127.0.0.1/tcp/1789"\n[[attached]]\nlocation = "/a"\n[[attached]]\nname = "/a"\nlocation = "/b"',
      'CONFIG_INVALID_VALUE',
      'bad.toml:5: attached[1]: expected a unique store name, found duplicate "/a"',
    ],
  ]
  it.each(worker)('worker: %s', (_name, text, code, message) => {
    const err = errorOf(() => parseWorkerConfig(text, 'bad.toml'))
    expect(err.code).toBe(code)
    expect(err.message).toContain(message)
    expect(err.details).toMatchObject({ file: 'bad.toml' })
  })

  it('puts file, line, key, expected and found into details for --json output', () => {
    const err = errorOf(() => parseWorkerConfig(`${URL}[sealing]\nmax_retries = "3"`, 'w.toml'))
    expect(err.toJSON().details).toEqual({
      file: 'w.toml',
      line: 4,
      key: 'sealing.max_retries',
      expected: 'an integer >= 0',
      found: 'string "3"',
    })
  })
})

describe('loading from disk', () => {
  let dir = ''
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'vc-config-'))
  })
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true })
  })

  it('loads written default files and names the path in errors', async () => {
    await writeFile(join(dir, 'sector-manager.cfg'), defaultManagerConfigText())
    await writeFile(join(dir, 'venus-worker.toml'), defaultWorkerConfigText())
    expect((await loadManagerConfig(join(dir, 'sector-manager.cfg'))).layout).toBe('seed')
    expect((await loadWorkerConfig(join(dir, 'venus-worker.toml'))).layout).toBe('seed')
    await writeFile(join(dir, 'bad.cfg'), '[Chain]\nApi = 1\n')
    await expect(loadManagerConfig(join(dir, 'bad.cfg'))).rejects.toThrow(
      `${join(dir, 'bad.cfg')}:2: Chain.Api`,
    )
  })

  it('reports a missing file as CONFIG_NOT_FOUND', async () => {
    await expect(loadWorkerConfig(join(dir, 'nope.toml'))).rejects.toMatchObject({ code: 'CONFIG_NOT_FOUND' })
  })
})
