/**
 * The parser of `sector-manager.cfg`. Two layouts are read: the seed's (`[SectorManager]`,
 * `[Commitment]`, `[Chain]`, `[Messager]`, `[PersistedStore]`, `[PoSt]`, `[RegisterProof]`, the
 * one `daemon init` writes) and v0.1.2's (`[Common]`, `[[Miners]]`). Both produce the one typed
 * {@link ManagerConfig} that `managerConfig()` builds in code, with the defaults of
 * {@link MANAGER_CONFIG_DEFAULTS} (the seed layout differs in the keys of {@link SEED_LAYOUT_DEFAULTS}).
 */
import { isAbsolute, resolve } from 'node:path'
import { parseTrustedNetworks } from '../auth/trusted-networks.js'
import { PROVE_REPLICA_UPDATES_MAX_SIZE } from '../codecs/index.js'
import {
  type ApiEndpointConfig,
  type CommitBatchPolicy,
  type CommitKindPolicy,
  configKeyRef,
  MANAGER_CONFIG_DEFAULTS,
  type ManagerConfig,
  type ManagerDbConfig,
  type ManagerMinerConfig,
  type ManagerStoreConfig,
  managerMinerConfig,
  type SnapUpMinerConfig,
} from './manager-config.js'
import { configError, openConfigDocument, type TableReader } from './reader.js'
import { readAddresses, readDuration, readFil } from './units.js'

function readTrustedNetworks(t: TableReader): string[] {
  const list = t.stringArray('TrustedNetworks', [])
  for (const entry of list) {
    try {
      parseTrustedNetworks([entry])
    } catch (err) {
      t.fail(
        'TrustedNetworks',
        'IPv4 or IPv6 addresses or CIDR blocks like "10.1.0.0/16"',
        JSON.stringify(entry),
        err,
      )
    }
  }
  return list
}

function readDb(t: TableReader): ManagerDbConfig {
  const driver = t.string('Driver', MANAGER_CONFIG_DEFAULTS.db.driver)
  if (driver !== 'sqlite' && driver !== 'postgres')
    t.fail('Driver', '"sqlite" or "postgres"', JSON.stringify(driver))
  const dsn = t.string('DSN', MANAGER_CONFIG_DEFAULTS.db.dsn)
  if (driver === 'postgres' && !/^postgres(?:ql)?:\/\//.test(dsn))
    t.fail('DSN', 'a postgres:// URL when Driver = "postgres"', JSON.stringify(dsn))
  t.finish()
  return { driver, dsn }
}

const SEED_SECTIONS = [
  'SectorManager',
  'Commitment',
  'Chain',
  'Messager',
  'PersistedStore',
  'PoSt',
  'RegisterProof',
]
const V012_SECTIONS = ['Common', 'Miners']

function readMinerIds(t: TableReader, key: string): number[] {
  const v = t.raw(key)
  if (v === undefined) return []
  if (!Array.isArray(v)) t.fail(key, 'a list of miner actor ids like [1000, 1001]')
  return v.map((id, i) => {
    const n = typeof id === 'string' ? /^(?:[ft]0)?(\d+)$/.exec(id)?.[1] : id
    const num = typeof n === 'string' ? Number(n) : n
    if (typeof num !== 'number' || !Number.isSafeInteger(num) || num < 0)
      throw configError(
        'CONFIG_INVALID_VALUE',
        t.src,
        [...t.path, key, i],
        'a miner actor id',
        JSON.stringify(id),
      )
    return num
  })
}

function readStores(list: TableReader[], placement: boolean): ManagerStoreConfig[] {
  return list.map((t) => {
    const path = t.requiredString('Path', 'a directory path')
    const store: ManagerStoreConfig = {
      name: t.string('Name') || resolve(path),
      path,
      strict: t.boolean('Strict', false),
      readOnly: t.boolean('ReadOnly', false),
    }
    // Placement keys of persist stores (damocles v0.4+), kept only when written.
    if (placement) {
      if (t.has('Weight')) store.weight = t.number('Weight', 1, 0)
      if (t.has('AllowMiners')) store.allowMiners = readMinerIds(t, 'AllowMiners')
      if (t.has('DenyMiners')) store.denyMiners = readMinerIds(t, 'DenyMiners')
      const both = store.allowMiners?.find((id) => store.denyMiners?.includes(id))
      if (both !== undefined) t.fail('DenyMiners', 'miners not also in AllowMiners', String(both))
    }
    t.finish()
    return store
  })
}

function parseActorKey(t: TableReader, key: string): number {
  const id = /^(?:[ft]0)?(\d+)$/.exec(key)
  if (id === null || id[1] === undefined) {
    throw configError(
      'CONFIG_INVALID_VALUE',
      t.src,
      [...t.path, key],
      'a miner actor id like 12345 as the table name',
      JSON.stringify(key),
    )
  }
  return Number(id[1])
}

/**
 * The seed layout's own defaults where they differ from {@link MANAGER_CONFIG_DEFAULTS}, as the
 * original seed's `sector-manager.cfg` has them: a miner allocates only when listed under
 * `[SectorManager]`; gas over-estimation 0 and no fee caps of our own (the messager decides);
 * PoSt only for miners with a sender, not strict, confidence 5.
 */
const SEED_LAYOUT_DEFAULTS: Omit<ManagerMinerConfig, 'actor' | 'keys'> = (() => {
  const d = MANAGER_CONFIG_DEFAULTS.miner
  const kind = (k: CommitKindPolicy): CommitKindPolicy => ({
    ...k,
    gasOverEstimation: 0,
    maxFeeCap: undefined,
    batch: { ...k.batch, gasOverEstimation: 0, maxFeeCap: undefined },
  })
  return {
    ...d,
    sector: { ...d.sector, enabled: false },
    commitment: { ...d.commitment, pre: kind(d.commitment.pre), prove: kind(d.commitment.prove) },
    post: {
      ...d.post,
      enabled: false,
      strictCheck: false,
      gasOverEstimation: 0,
      maxFeeCap: undefined,
      confidence: 5,
    },
  }
})()

/** A miner of the seed layout before its tables are read. */
function seedMiner(actor: number): ManagerMinerConfig {
  return managerMinerConfig({ actor }, SEED_LAYOUT_DEFAULTS)
}

/** Applies the seed's commitment policy keys (DefaultPolicy or a Miners.<id> override) onto `m`. */
function applySeedCommitPolicy(t: TableReader, m: ManagerMinerConfig): void {
  const { pre, prove } = m.commitment
  prove.batch.threshold = t.integer('CommitBatchThreshold', prove.batch.threshold, 1)
  prove.batch.maxWaitMs = readDuration(t, 'CommitBatchMaxWait', prove.batch.maxWaitMs)
  prove.batch.checkIntervalMs = readDuration(t, 'CommitCheckInterval', prove.batch.checkIntervalMs)
  prove.batch.enabled = t.boolean('EnableBatchProCommit', prove.batch.enabled)
  pre.batch.threshold = t.integer('PreCommitBatchThreshold', pre.batch.threshold, 1)
  pre.batch.maxWaitMs = readDuration(t, 'PreCommitBatchMaxWait', pre.batch.maxWaitMs)
  pre.batch.checkIntervalMs = readDuration(t, 'PreCommitCheckInterval', pre.batch.checkIntervalMs)
  pre.batch.enabled = t.boolean('EnableBatchPreCommit', pre.batch.enabled)
  pre.gasOverEstimation = t.number('PreCommitGasOverEstimation', pre.gasOverEstimation, 0)
  prove.gasOverEstimation = t.number('ProCommitGasOverEstimation', prove.gasOverEstimation, 0)
  pre.batch.gasOverEstimation = t.number('BatchPreCommitGasOverEstimation', pre.batch.gasOverEstimation, 0)
  prove.batch.gasOverEstimation = t.number(
    'BatchProCommitGasOverEstimation',
    prove.batch.gasOverEstimation,
    0,
  )
  pre.maxFeeCap = readFil(t, 'MaxPreCommitFeeCap', pre.maxFeeCap)
  prove.maxFeeCap = readFil(t, 'MaxProCommitFeeCap', prove.maxFeeCap)
  pre.batch.maxFeeCap = readFil(t, 'MaxBatchPreCommitFeeCap', pre.batch.maxFeeCap)
  prove.batch.maxFeeCap = readFil(t, 'MaxBatchProCommitFeeCap', prove.batch.maxFeeCap)
  m.commitment.confidence = t.integer('MsgConfidence', m.commitment.confidence, 0)
}

/** The seed layout's snap-up keys of a `[Commitment.DefaultPolicy]` / `[Commitment.Miners.<id>]` table. */
function applySeedSnapUpPolicy(t: TableReader, m: ManagerMinerConfig): void {
  const u = m.snapup
  u.enabled = t.boolean('EnableSnapUp', u.enabled)
  u.batch.enabled = t.boolean('EnableBatchSnapUp', u.batch.enabled)
  u.batch.threshold = t.integer('SnapUpBatchThreshold', u.batch.threshold, 1, PROVE_REPLICA_UPDATES_MAX_SIZE)
  u.batch.maxWaitMs = readDuration(t, 'SnapUpBatchMaxWait', u.batch.maxWaitMs)
  u.gasOverEstimation = t.number('SnapUpGasOverEstimation', u.gasOverEstimation, 0)
  u.batch.gasOverEstimation = t.number('BatchSnapUpGasOverEstimation', u.batch.gasOverEstimation, 0)
  u.maxFeeCap = readFil(t, 'MaxSnapUpFeeCap', u.maxFeeCap)
  u.batch.maxFeeCap = readFil(t, 'MaxBatchSnapUpFeeCap', u.batch.maxFeeCap)
  u.perSectorMaxFee = readFil(t, 'SnapUpMaxFeePerSector', u.perSectorMaxFee) ?? u.perSectorMaxFee
  u.minLifetimeEpochs = t.integer('SnapUpMinLifetimeEpochs', u.minLifetimeEpochs, 0)
  u.finalityEpochs = t.integer('SnapUpFinalityEpochs', u.finalityEpochs, 0)
}

function applySeedPoStPolicy(t: TableReader, m: ManagerMinerConfig): void {
  const p = m.post
  p.strictCheck = t.boolean('StrictCheck', p.strictCheck)
  p.gasOverEstimation = t.number('GasOverEstimation', p.gasOverEstimation, 0)
  p.maxFeeCap = readFil(t, 'MaxFeeCap', p.maxFeeCap)
  // The seed spells it "MsgCheckInteval"; the corrected spelling is accepted too.
  p.checkIntervalMs = readDuration(t, 'MsgCheckInteval', p.checkIntervalMs)
  p.checkIntervalMs = readDuration(t, 'MsgCheckInterval', p.checkIntervalMs)
  p.confidence = t.integer('MsgConfidence', p.confidence, 0)
  readPostSchedule(t, p)
}

/** The v0.3 scheduling keys of a PoSt table, accepted in both layouts. */
function readPostSchedule(t: TableReader, p: ManagerMinerConfig['post']): void {
  p.challengeConfidence = t.integer('ChallengeConfidence', p.challengeConfidence, 0)
  p.submitConfidence = t.integer('SubmitConfidence', p.submitConfidence, 0)
  p.maxPartitionsPerPoStMessage = t.integer('MaxPartitionsPerPoStMessage', p.maxPartitionsPerPoStMessage, 0)
  p.maxPartitionsPerRecoveryMessage = t.integer(
    'MaxPartitionsPerRecoveryMessage',
    p.maxPartitionsPerRecoveryMessage,
    0,
  )
}

function parseSeedLayout(root: TableReader): ManagerConfig {
  const sm = root.table('SectorManager')
  const preFetch = sm.boolean('PreFetch', MANAGER_CONFIG_DEFAULTS.preFetch)
  const trustedNetworks = readTrustedNetworks(sm)
  const db = readDb(sm.table('DB'))
  const miners = new Map<number, ManagerMinerConfig>()
  const minerOf = (actor: number): ManagerMinerConfig => {
    let m = miners.get(actor)
    if (m === undefined) {
      m = seedMiner(actor)
      miners.set(actor, m)
    }
    return m
  }

  // Where each miner's keys are: its declaration, and its sender tables (set below when written).
  const src = root.src
  const declared = new Map<number, (string | number)[]>()
  const senderTable = new Map<number, { commit?: string; post?: string }>()
  const listed = sm.raw('Miners')
  if (Array.isArray(listed) && listed.every((x) => typeof x === 'number')) {
    listed.forEach((id, i) => {
      if (!Number.isInteger(id) || id < 0) sm.fail(i, 'a miner actor id')
      minerOf(id).sector.enabled = true
      declared.set(id, ['SectorManager', 'Miners'])
    })
  } else {
    sm.tables('Miners').forEach((t, i) => {
      const actor = t.integer('ID', undefined, 0) ?? t.missing('ID', 'a miner actor id like 12345')
      declared.set(actor, ['SectorManager', 'Miners', i, 'ID'])
      const m = minerOf(actor)
      m.sector.initNumber = t.integer('InitNumber', 0, 0)
      m.sector.maxNumber = t.integer('MaxNumber', undefined, 0)
      m.sector.enabled = !t.boolean('Disabled', false)
      t.finish()
    })
  }
  sm.finish()

  // Defaults first, then per-miner overrides: collect the default policy on a template miner.
  const commitment = root.table('Commitment')
  const template = seedMiner(0)
  const defaultPolicy = commitment.table('DefaultPolicy')
  applySeedCommitPolicy(defaultPolicy, template)
  applySeedSnapUpPolicy(defaultPolicy, template)
  defaultPolicy.finish()
  const post = root.table('PoSt')
  const postDefault = post.table('Default')
  applySeedPoStPolicy(postDefault, template)
  postDefault.finish()

  const withDefaults = (m: ManagerMinerConfig): void => {
    m.commitment = structuredClone(template.commitment)
    m.post = structuredClone(template.post)
    m.snapup = structuredClone(template.snapup)
  }
  for (const m of miners.values()) withDefaults(m)
  const ensure = (actor: number): ManagerMinerConfig => {
    const known = miners.has(actor)
    const m = minerOf(actor)
    if (!known) withDefaults(m)
    return m
  }

  const cMiners = commitment.table('Miners')
  for (const [key] of cMiners.entries()) {
    const m = ensure(parseActorKey(cMiners, key))
    senderTable.set(m.actor, { ...senderTable.get(m.actor), commit: key })
    const t = cMiners.table(key)
    applySeedCommitPolicy(t, m)
    applySeedSnapUpPolicy(t, m)
    const controls = t.table('Controls')
    setSenders(m.commitment.pre, readAddresses(controls, 'PreCommit'))
    setSenders(m.commitment.prove, readAddresses(controls, 'ProveCommit'))
    setSenders(m.snapup, readAddresses(controls, 'SnapUp'))
    controls.finish()
    t.finish()
  }
  commitment.finish()

  const actors = post.table('Actors')
  for (const [key] of actors.entries()) {
    const m = ensure(parseActorKey(actors, key))
    senderTable.set(m.actor, { ...senderTable.get(m.actor), post: key })
    const t = actors.table(key)
    setSenders(m.post, readAddresses(t, 'Sender'))
    applySeedPoStPolicy(t, m)
    m.post.enabled = m.post.sender !== undefined
    t.finish()
  }
  post.finish()

  const rp = root.table('RegisterProof')
  const rpActors = rp.table('Actors')
  for (const [key] of rpActors.entries()) {
    const m = ensure(parseActorKey(rpActors, key))
    const t = rpActors.table(key)
    m.proof.apis = t.stringArray('Apis', [])
    m.proof.token = t.string('Token', '')
    m.proof.enabled = m.proof.apis.length > 0
    t.finish()
  }
  rp.finish()

  const endpoint = (name: string): ApiEndpointConfig => {
    const t = root.table(name)
    const e = { api: t.string('Api', ''), token: t.string('Token', '') }
    t.finish()
    return e
  }
  const chain = endpoint('Chain')
  const messager = endpoint('Messager')

  for (const m of miners.values()) {
    const tables = senderTable.get(m.actor)
    const commit = ['Commitment', 'Miners', tables?.commit ?? String(m.actor), 'Controls']
    m.keys = {
      actor: configKeyRef(src, declared.get(m.actor) ?? commit.slice(0, 3)),
      preSender: configKeyRef(src, [...commit, 'PreCommit']),
      proveSender: configKeyRef(src, [...commit, 'ProveCommit']),
      postSender: configKeyRef(src, ['PoSt', 'Actors', tables?.post ?? String(m.actor), 'Sender']),
    }
  }

  const ps = root.table('PersistedStore')
  const persistStoreIncludes = ps.stringArray('Includes', [])
  const persistStores = readStores(ps.tables('Stores'), true)
  ps.finish()

  return {
    layout: 'seed',
    preFetch,
    chain,
    messager,
    market: { api: '', token: '' },
    gateway: { apis: [], token: '' },
    unseal: { listenMarketEvents: false, allowedFileDirs: [] },
    chainEventIntervalMs: MANAGER_CONFIG_DEFAULTS.chainEventIntervalMs,
    pieceStores: [],
    persistStores,
    persistStoreIncludes,
    db,
    trustedNetworks,
    miners: [...miners.values()],
  }
}

function readV012Batch(t: TableReader, d: CommitBatchPolicy): CommitBatchPolicy {
  const b: CommitBatchPolicy = {
    enabled: t.boolean('Enabled', d.enabled),
    threshold: t.integer('Threshold', d.threshold, 1),
    maxWaitMs: readDuration(t, 'MaxWait', d.maxWaitMs),
    checkIntervalMs: readDuration(t, 'CheckInterval', d.checkIntervalMs),
    gasOverEstimation: t.number('GasOverEstimation', d.gasOverEstimation, 0),
    maxFeeCap: readFil(t, 'MaxFeeCap', d.maxFeeCap),
  }
  t.finish()
  return b
}

/** Sets the senders of a kind (the first is also its `sender`). */
function setSenders(k: { sender: string | undefined; senders: string[] }, senders: string[]): void {
  k.senders = senders
  k.sender = senders[0]
}

/** `[Miners.SnapUp]` and its `[Miners.SnapUp.Batch]`; `Sender` may be left out (the prove senders). */
function readV012SnapUp(t: TableReader, d: SnapUpMinerConfig): SnapUpMinerConfig {
  const senders = readAddresses(t, 'Sender')
  const bt = t.table('Batch')
  const u: SnapUpMinerConfig = {
    enabled: t.boolean('Enabled', d.enabled),
    sender: senders[0],
    senders,
    gasOverEstimation: t.number('GasOverEstimation', d.gasOverEstimation, 0),
    maxFeeCap: readFil(t, 'MaxFeeCap', d.maxFeeCap),
    perSectorMaxFee: readFil(t, 'MaxFeePerSector', d.perSectorMaxFee) ?? d.perSectorMaxFee,
    batch: {
      enabled: bt.boolean('Enabled', d.batch.enabled),
      threshold: bt.integer('Threshold', d.batch.threshold, 1, PROVE_REPLICA_UPDATES_MAX_SIZE),
      maxWaitMs: readDuration(bt, 'MaxWait', d.batch.maxWaitMs),
      gasOverEstimation: bt.number('GasOverEstimation', d.batch.gasOverEstimation, 0),
      maxFeeCap: readFil(bt, 'MaxFeeCap', d.batch.maxFeeCap),
    },
    minLifetimeEpochs: t.integer('MinLifetimeEpochs', d.minLifetimeEpochs, 0),
    finalityEpochs: t.integer('FinalityEpochs', d.finalityEpochs, 0),
  }
  bt.finish()
  t.finish()
  return u
}

function readV012Kind(t: TableReader, d: CommitKindPolicy): CommitKindPolicy {
  const senders = readAddresses(t, 'Sender')
  if (senders.length === 0) t.missing('Sender', 'a Filecoin address like "f01234" or "t3…"')
  const k: CommitKindPolicy = {
    sender: senders[0],
    senders,
    gasOverEstimation: t.number('GasOverEstimation', d.gasOverEstimation, 0),
    maxFeeCap: readFil(t, 'MaxFeeCap', d.maxFeeCap),
    perSectorMaxFee: d.perSectorMaxFee,
    batch: readV012Batch(t.table('Batch'), d.batch),
  }
  t.finish()
  return k
}

/** `[Common.Unseal]`: market unseal requests; `AllowedFileDirs` entries must be absolute. */
function readUnseal(t: TableReader): ManagerConfig['unseal'] {
  const listenMarketEvents = t.boolean('ListenMarketEvents', false)
  const allowedFileDirs = t.stringArray('AllowedFileDirs', [])
  for (const dir of allowedFileDirs)
    if (!isAbsolute(dir)) t.fail('AllowedFileDirs', 'absolute directory paths', dir)
  t.finish()
  return { listenMarketEvents, allowedFileDirs }
}

function parseV012Layout(root: TableReader): ManagerConfig {
  const common = root.table('Common')
  const api = common.table('API')
  const token = api.string('Token', '')
  const cfg: ManagerConfig = {
    layout: 'v0.1.2',
    preFetch: MANAGER_CONFIG_DEFAULTS.preFetch,
    chain: { api: api.string('Chain', ''), token },
    messager: { api: api.string('Messager', ''), token },
    market: { api: api.string('Market', ''), token },
    gateway: { apis: api.stringArray('Gateway', []), token },
    unseal: readUnseal(common.table('Unseal')),
    chainEventIntervalMs: readDuration(
      api,
      'ChainEventInterval',
      MANAGER_CONFIG_DEFAULTS.chainEventIntervalMs,
    ),
    trustedNetworks: readTrustedNetworks(api),
    pieceStores: readStores(common.tables('PieceStores'), false),
    persistStores: readStores(common.tables('PersistStores'), true),
    persistStoreIncludes: [],
    db: readDb(common.table('DB')),
    miners: [],
  }
  api.finish()
  common.finish()

  const seen = new Set<number>()
  for (const [i, t] of root.tables('Miners').entries()) {
    const actor = t.integer('Actor', undefined, 0) ?? t.missing('Actor', 'a miner actor id like 12345')
    if (seen.has(actor)) t.fail('Actor', 'a miner actor id not listed before', `duplicate ${actor}`)
    seen.add(actor)
    const sector = t.table('Sector')
    const commitment = t.table('Commitment')
    const post = t.table('PoSt')
    const proof = t.table('Proof')
    const deal = t.table('Deal')
    const d = MANAGER_CONFIG_DEFAULTS.miner
    const m: ManagerMinerConfig = {
      actor,
      sector: {
        initNumber: sector.integer('InitNumber', d.sector.initNumber, 0),
        maxNumber: sector.integer('MaxNumber', d.sector.maxNumber, 0),
        enabled: sector.boolean('Enabled', d.sector.enabled),
        lifetimeDays: sector.integer('LifetimeDays', d.sector.lifetimeDays, 1),
      },
      commitment: {
        confidence: commitment.integer('Confidence', d.commitment.confidence, 0),
        pre: readV012Kind(commitment.table('Pre'), d.commitment.pre),
        prove: readV012Kind(commitment.table('Prove'), d.commitment.prove),
      },
      post: {
        ...(() => {
          const senders = readAddresses(post, 'Sender')
          return { sender: senders[0], senders }
        })(),
        enabled: post.boolean('Enabled', d.post.enabled),
        strictCheck: post.boolean('StrictCheck', d.post.strictCheck),
        gasOverEstimation: post.number('GasOverEstimation', d.post.gasOverEstimation, 0),
        maxFeeCap: readFil(post, 'MaxFeeCap', d.post.maxFeeCap),
        confidence: post.integer('Confidence', d.post.confidence, 0),
        checkIntervalMs: d.post.checkIntervalMs,
        challengeConfidence: d.post.challengeConfidence,
        submitConfidence: d.post.submitConfidence,
        maxPartitionsPerPoStMessage: d.post.maxPartitionsPerPoStMessage,
        maxPartitionsPerRecoveryMessage: d.post.maxPartitionsPerRecoveryMessage,
      },
      proof: { enabled: proof.boolean('Enabled', d.proof.enabled), apis: cfg.gateway.apis, token },
      deal: { enabled: deal.boolean('Enabled', d.deal.enabled) },
      snapup: readV012SnapUp(t.table('SnapUp'), d.snapup),
    }
    readPostSchedule(post, m.post)
    m.keys = {
      actor: configKeyRef(t.src, ['Miners', i, 'Actor']),
      preSender: configKeyRef(t.src, ['Miners', i, 'Commitment', 'Pre', 'Sender']),
      proveSender: configKeyRef(t.src, ['Miners', i, 'Commitment', 'Prove', 'Sender']),
      postSender: configKeyRef(t.src, ['Miners', i, 'PoSt', 'Sender']),
    }
    for (const sub of [sector, commitment, post, proof, deal, t]) sub.finish()
    cfg.miners.push(m)
  }
  return cfg
}

/**
 * Parses the text of `sector-manager.cfg` (seed or v0.1.2 layout) into the typed model.
 * `file` is only used in error messages.
 *
 * @example
 * ```ts
 * const cfg = parseManagerConfig('[Chain]\nApi = "/ip4/127.0.0.1/tcp/3453"\n', 'sector-manager.cfg')
 * cfg.chain.api // '/ip4/127.0.0.1/tcp/3453'
 * ```
 */
export function parseManagerConfig(text: string, file: string): ManagerConfig {
  const { root, layout } = openConfigDocument(text, file, SEED_SECTIONS, V012_SECTIONS)
  const cfg = layout === 'v0.1.2' ? parseV012Layout(root) : parseSeedLayout(root)
  root.allow(...SEED_SECTIONS, ...V012_SECTIONS)
  root.finish()
  return cfg
}
