import { describe, expect, it } from 'vitest'
import { parseManagerConfig } from './manager.js'
import { MANAGER_CONFIG_DEFAULTS, managerConfig, managerMinerConfig } from './manager-config.js'

const NANO = 1_000_000_000n

describe('managerConfig', () => {
  it('fills everything not given from MANAGER_CONFIG_DEFAULTS', () => {
    const c = managerConfig({ miners: [{ actor: 1000, commitment: { pre: { sender: 't01001' } } }] })
    expect(c.layout).toBe('code')
    expect(c.db).toEqual({ driver: 'sqlite', dsn: '' })
    expect(c.chain).toEqual({ api: '', token: '' })
    const m = c.miners[0]
    expect(m?.commitment.pre.sender).toBe('t01001')
    expect(m?.commitment.prove.sender).toBeUndefined()
    expect(m?.commitment.pre.senders).toEqual(['t01001'])
    const { sender: _s, senders: _ss, ...pre } = m?.commitment.pre ?? {}
    const { sender: _d, senders: _ds, ...defaults } = MANAGER_CONFIG_DEFAULTS.miner.commitment.pre
    expect(pre).toEqual(defaults)
    expect(m?.commitment.pre.batch).toEqual({
      enabled: false,
      threshold: 16,
      maxWaitMs: 3_600_000,
      checkIntervalMs: 60_000,
      gasOverEstimation: 1.2,
      maxFeeCap: 5n * NANO,
    })
    expect(m?.commitment.prove.perSectorMaxFee).toBe(30_000_000_000_000_000n)
    expect(m?.sector).toEqual({ initNumber: 0, maxNumber: undefined, enabled: true, lifetimeDays: 540 })
  })

  it('keeps what is given, down to a fee cap given as undefined (no cap of our own)', () => {
    const m = managerMinerConfig({
      actor: 7,
      sector: { maxNumber: 10 },
      commitment: { confidence: 2, prove: { maxFeeCap: undefined, batch: { enabled: true, threshold: 4 } } },
      deal: { enabled: true },
    })
    expect(m.sector.maxNumber).toBe(10)
    expect(m.commitment.confidence).toBe(2)
    expect(m.commitment.prove.maxFeeCap).toBeUndefined()
    expect(m.commitment.prove.batch).toMatchObject({ enabled: true, threshold: 4, maxWaitMs: 3_600_000 })
    expect(m.deal.enabled).toBe(true)
  })

  it('passes a full config through unchanged, from code and from either layout of the file', () => {
    const code = managerConfig({ miners: [{ actor: 1000 }], persistStores: [{ name: 'a', path: '/a' }] })
    expect(managerConfig(code)).toEqual(code)
    for (const text of [
      '[[Miners]]\nActor = 1000\n[Miners.Commitment.Pre]\nSender = "t01001"\n[Miners.Commitment.Prove]\nSender = "t01001"\n',
      '[SectorManager]\nMiners = [1000]\n',
    ]) {
      const file = parseManagerConfig(text, 'sector-manager.cfg')
      expect(managerConfig(file)).toEqual(file)
    }
  })

  it('gives the v0.1.2 layout and code the same object for the same settings', () => {
    const file = parseManagerConfig(
      [
        '[[Common.PersistStores]]',
        'Name = "ps1"',
        'Path = "/data/ps1"',
        '[[Miners]]',
        'Actor = 1000',
        '[Miners.Commitment.Pre]',
        'Sender = "t01001"',
        '[Miners.Commitment.Pre.Batch]',
        'Enabled = true',
        'Threshold = 8',
        '[Miners.Commitment.Prove]',
        'Sender = "t01002"',
      ].join('\n'),
      'sector-manager.cfg',
    )
    const code = managerConfig({
      persistStores: [{ name: 'ps1', path: '/data/ps1' }],
      miners: [
        {
          actor: 1000,
          commitment: {
            pre: { sender: 't01001', batch: { enabled: true, threshold: 8 } },
            prove: { sender: 't01002' },
          },
        },
      ],
    })
    const { keys: _k, ...fromFile } = file.miners[0] ?? { actor: 0 }
    expect(fromFile).toEqual(code.miners[0])
    expect({ ...file, layout: 'code', miners: [] }).toEqual({ ...code, miners: [] })
  })

  it('refuses values out of range, naming the path', () => {
    const bad = (init: Parameters<typeof managerConfig>[0], path: string) =>
      expect(() => managerConfig(init)).toThrow(
        expect.objectContaining({ code: 'CONFIG_INVALID_VALUE', message: expect.stringContaining(path) }),
      )
    bad(
      { miners: [{ actor: 1, commitment: { pre: { batch: { threshold: 0 } } } }] },
      'miners[0].commitment.pre.batch.threshold',
    )
    bad({ miners: [{ actor: 1 }, { actor: 1 }] }, 'miners[1].actor')
    bad({ miners: [{ actor: -1 }] }, 'miners[0].actor')
    bad(
      { miners: [{ actor: 1, commitment: { prove: { sender: 'nope' } } }] },
      'miners[0].commitment.prove.sender',
    )
    bad(
      { miners: [{ actor: 1, commitment: { pre: { maxFeeCap: -1n } } }] },
      'miners[0].commitment.pre.maxFeeCap',
    )
    bad({ db: { driver: 'postgres', dsn: '' } }, 'db.dsn')
    bad({ persistStores: [{ path: '' }] }, 'persistStores[0].path')
    bad({ trustedNetworks: ['10.0.0.0/99'] }, 'trustedNetworks')
  })
})

describe('several senders per message kind', () => {
  it('takes a list in code; `sender` is its first', () => {
    const m = managerMinerConfig({
      actor: 1000,
      commitment: { pre: { senders: ['t01001', 't01002'] }, prove: { sender: 't01003' } },
      post: { senders: ['t01004', 't01005'] },
    })
    expect(m.commitment.pre).toMatchObject({ sender: 't01001', senders: ['t01001', 't01002'] })
    expect(m.commitment.prove).toMatchObject({ sender: 't01003', senders: ['t01003'] })
    expect(m.post).toMatchObject({ sender: 't01004', senders: ['t01004', 't01005'] })
    expect(() =>
      managerConfig({ miners: [{ actor: 1, commitment: { pre: { senders: ['t01001', 't01001'] } } }] }),
    ).toThrow(/miners\[0\]\.commitment\.pre\.senders\[1\] must be an address not listed before/)
  })

  it('reads a list under the same keys in both layouts', () => {
    const v012 = parseManagerConfig(
      [
        '[[Miners]]',
        'Actor = 1000',
        '[Miners.Commitment.Pre]',
        'Sender = ["t01001", "t01002"]',
        '[Miners.Commitment.Prove]',
        'Sender = "t01003"',
        '[Miners.PoSt]',
        'Sender = ["t01004", "t01005"]',
      ].join('\n'),
      'a.cfg',
    )
    const m = v012.miners[0]
    expect(m?.commitment.pre.senders).toEqual(['t01001', 't01002'])
    expect(m?.commitment.prove.senders).toEqual(['t01003'])
    expect(m?.post.senders).toEqual(['t01004', 't01005'])
    const seed = parseManagerConfig(
      [
        '[SectorManager]',
        'Miners = [1000]',
        '[Commitment.Miners.1000.Controls]',
        'PreCommit = ["t01001", "t01002"]',
        'ProveCommit = "t01003"',
        '[PoSt.Actors.1000]',
        'Sender = ["t01004", "t01005"]',
      ].join('\n'),
      'b.cfg',
    )
    expect(seed.miners[0]?.commitment.pre.senders).toEqual(['t01001', 't01002'])
    expect(seed.miners[0]?.post.senders).toEqual(['t01004', 't01005'])
    expect(() =>
      parseManagerConfig('[[Miners]]\nActor = 1\n[Miners.Commitment.Pre]\nSender = ["t01001", 5]\n', 'c.cfg'),
    ).toThrow(/c\.cfg:4: Miners\[0\]\.Commitment\.Pre\.Sender\[1\]: expected a Filecoin address/)
  })
})

describe('persist store placement', () => {
  it('reads Weight, AllowMiners and DenyMiners of persist stores, and refuses a miner in both', () => {
    const cfg = parseManagerConfig(
      [
        '[[Common.PersistStores]]',
        'Name = "ps1"',
        'Path = "/mnt/ps1"',
        'Weight = 3',
        'AllowMiners = [1000, "t01001"]',
        'DenyMiners = [2000]',
      ].join('\n'),
      'a.cfg',
    )
    expect(cfg.persistStores[0]).toMatchObject({ weight: 3, allowMiners: [1000, 1001], denyMiners: [2000] })
    expect(() =>
      parseManagerConfig(
        '[[Common.PersistStores]]\nPath = "/x"\nAllowMiners = [1]\nDenyMiners = [1]\n',
        'b.cfg',
      ),
    ).toThrow(/DenyMiners: expected miners not also in AllowMiners/)
    expect(() => managerConfig({ persistStores: [{ path: '/x', weight: -1 }] })).toThrow(
      /persistStores\[0\]\.weight must be a number >= 0/,
    )
  })
})

describe('snap-up policy ([Miners.SnapUp], miners[].snapup)', () => {
  const v012 = (snapup: string) =>
    parseManagerConfig(
      `[[Miners]]\nActor = 1000\n[Miners.Commitment.Pre]\nSender = "t01001"\n[Miners.Commitment.Prove]\nSender = "t01002"\n${snapup}`,
      'sector-manager.cfg',
    )

  it('defaults to on, the prove senders, batches of 4 or 1 h, 180 days left and 900 epochs of finality', () => {
    const u = managerConfig({ miners: [{ actor: 1000 }] }).miners[0]?.snapup
    expect(u).toEqual({
      enabled: true,
      sender: undefined,
      senders: [],
      gasOverEstimation: 1.2,
      maxFeeCap: 5n * NANO,
      perSectorMaxFee: 500_000_000_000_000_000n,
      batch: {
        enabled: true,
        threshold: 4,
        maxWaitMs: 3_600_000,
        gasOverEstimation: 1.2,
        maxFeeCap: 5n * NANO,
      },
      minLifetimeEpochs: 180 * 2880,
      finalityEpochs: 900,
    })
    expect(v012('').miners[0]?.snapup).toEqual(u)
  })

  it('reads every key of the v0.1.2 layout into what code gives for the same settings', () => {
    const file = v012(
      [
        '[Miners.SnapUp]',
        'Enabled = true',
        'Sender = ["t01003", "t01004"]',
        'GasOverEstimation = 1.5',
        'MaxFeeCap = "7 nanoFIL"',
        'MaxFeePerSector = "0.1 FIL"',
        'MinLifetimeEpochs = 86400',
        'FinalityEpochs = 60',
        '[Miners.SnapUp.Batch]',
        'Enabled = true',
        'Threshold = 16',
        'MaxWait = "30m0s"',
        'GasOverEstimation = 1.1',
        'MaxFeeCap = ""',
      ].join('\n'),
    )
    const code = managerConfig({
      miners: [
        {
          actor: 1000,
          commitment: { pre: { sender: 't01001' }, prove: { sender: 't01002' } },
          snapup: {
            senders: ['t01003', 't01004'],
            gasOverEstimation: 1.5,
            maxFeeCap: 7n * NANO,
            perSectorMaxFee: 100_000_000_000_000_000n,
            minLifetimeEpochs: 86400,
            finalityEpochs: 60,
            batch: { threshold: 16, maxWaitMs: 1_800_000, gasOverEstimation: 1.1 },
          },
        },
      ],
    })
    expect(file.miners[0]?.snapup).toEqual(code.miners[0]?.snapup)
    expect(file.miners[0]?.snapup.sender).toBe('t01003')
    // v0.1.2's own configs write `Enabled = false` there: snap-up off for that miner.
    expect(v012('[Miners.SnapUp]\nEnabled = false').miners[0]?.snapup.enabled).toBe(false)
  })

  it('reads the seed layout keys: a default policy, a miner override and the SnapUp control address', () => {
    const c = parseManagerConfig(
      [
        '[Commitment.DefaultPolicy]',
        'EnableBatchSnapUp = false',
        'SnapUpBatchThreshold = 8',
        'SnapUpMinLifetimeEpochs = 1000',
        'SnapUpFinalityEpochs = 20',
        'MaxSnapUpFeeCap = "3 nanoFIL"',
        '[Commitment.Miners.1000]',
        'SnapUpBatchMaxWait = "10m0s"',
        'SnapUpGasOverEstimation = 1.4',
        'BatchSnapUpGasOverEstimation = 1.3',
        'MaxBatchSnapUpFeeCap = "4 nanoFIL"',
        'SnapUpMaxFeePerSector = "0.2 FIL"',
        '[Commitment.Miners.1000.Controls]',
        'PreCommit = "t01001"',
        'ProveCommit = "t01002"',
        'SnapUp = "t01005"',
        '[Commitment.Miners.2000]',
        'EnableSnapUp = false',
      ].join('\n'),
      'sector-manager.cfg',
    )
    const [a, b] = c.miners
    expect(a?.snapup).toEqual({
      enabled: true,
      sender: 't01005',
      senders: ['t01005'],
      gasOverEstimation: 1.4,
      maxFeeCap: 3n * NANO,
      perSectorMaxFee: 200_000_000_000_000_000n,
      batch: {
        enabled: false,
        threshold: 8,
        maxWaitMs: 600_000,
        gasOverEstimation: 1.3,
        maxFeeCap: 4n * NANO,
      },
      minLifetimeEpochs: 1000,
      finalityEpochs: 20,
    })
    expect(b?.snapup).toMatchObject({ enabled: false, senders: [], minLifetimeEpochs: 1000 })
  })

  it.each([
    [
      '[Miners.SnapUp]\nEnabeld = true',
      'sector-manager.cfg:8: Miners[0].SnapUp.Enabeld: unknown key (did you mean Enabled?)',
    ],
    [
      '[Miners.SnapUp.Batch]\nThreshold = 300',
      'sector-manager.cfg:8: Miners[0].SnapUp.Batch.Threshold: expected an integer',
    ],
    [
      '[Miners.SnapUp]\nMinLifetimeEpochs = -1',
      'sector-manager.cfg:8: Miners[0].SnapUp.MinLifetimeEpochs: expected an integer >= 0',
    ],
    [
      '[Miners.SnapUp]\nSender = "nope"',
      'sector-manager.cfg:8: Miners[0].SnapUp.Sender: expected a Filecoin address',
    ],
    [
      '[Miners.SnapUp]\nMaxFeePerSector = "lots"',
      'sector-manager.cfg:8: Miners[0].SnapUp.MaxFeePerSector: expected a FIL amount',
    ],
    [
      '[Miners.SnapUp.Batch]\nMaxWait = "soon"',
      'sector-manager.cfg:8: Miners[0].SnapUp.Batch.MaxWait: expected a Go duration',
    ],
  ])('refuses %j with file:line and key', (body, message) => {
    expect(() => v012(body)).toThrow(expect.objectContaining({ message: expect.stringContaining(message) }))
  })

  it('refuses values out of range from code, naming the path', () => {
    const bad = (snapup: NonNullable<Parameters<typeof managerMinerConfig>[0]['snapup']>, path: string) =>
      expect(() => managerConfig({ miners: [{ actor: 1, snapup }] })).toThrow(
        expect.objectContaining({ code: 'CONFIG_INVALID_VALUE', message: expect.stringContaining(path) }),
      )
    bad({ batch: { threshold: 257 } }, 'miners[0].snapup.batch.threshold must be at most 256')
    bad({ batch: { threshold: 0 } }, 'miners[0].snapup.batch.threshold')
    bad({ minLifetimeEpochs: -5 }, 'miners[0].snapup.minLifetimeEpochs')
    bad({ finalityEpochs: 1.5 }, 'miners[0].snapup.finalityEpochs')
    bad({ perSectorMaxFee: -1n }, 'miners[0].snapup.perSectorMaxFee')
    bad({ sender: 'nope' }, 'miners[0].snapup.sender')
  })
})

describe('market unseal requests', () => {
  it('reads [Common.Unseal], refuses relative AllowedFileDirs with file:line, and defaults to not listening', () => {
    const cfg = parseManagerConfig(
      [
        '[Common.API]',
        'Market = "/ip4/10.0.0.6/tcp/41235"',
        '[Common.Unseal]',
        'ListenMarketEvents = true',
        'AllowedFileDirs = ["/data/unsealed"]',
      ].join('\n'),
      'a.cfg',
    )
    expect(cfg.unseal).toEqual({ listenMarketEvents: true, allowedFileDirs: ['/data/unsealed'] })
    expect(parseManagerConfig('[Common.API]\n', 'b.cfg').unseal).toEqual({
      listenMarketEvents: false,
      allowedFileDirs: [],
    })
    expect(() => parseManagerConfig('[Common.Unseal]\nAllowedFileDirs = ["out"]\n', 'c.cfg')).toThrow(
      /c\.cfg:2: Common\.Unseal\.AllowedFileDirs: expected absolute directory paths/,
    )
    expect(() => managerConfig({ unseal: { allowedFileDirs: ['rel'] } })).toThrow(
      /unseal\.allowedFileDirs\[0\] must be an absolute directory path/,
    )
  })
})
