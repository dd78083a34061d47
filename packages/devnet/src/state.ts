/**
 * The devnet's world state: accounts, miners, the tiny market, the verified registry and DataCap.
 * Plain data (Maps, Sets, bigints, bytes), copied on write: a snapshot per tipset and per message
 * shares everything it does not change (see `copyWorld`, `mutableMiner`), which is what makes
 * reorgs and `StateCall` dry runs cheap and exact at hundreds of thousands of sectors.
 */

/** An account actor (key address + balance + nonce). */
export interface AccountState {
  id: number
  /** Key address string with the network prefix (t1…/t3…). */
  key: string
  balance: bigint
  nonce: number
}

/** Pre-commit info as it is kept on chain. */
export interface PreCommitState {
  sealProof: number
  sectorNumber: number
  sealedCid: string
  sealRandEpoch: number
  dealIds: number[]
  expiration: number
  unsealedCid: string | null
  deposit: bigint
  preCommitEpoch: number
}

/** An active (proven) sector. */
export interface ActiveSectorState {
  sectorNumber: number
  sealProof: number
  sealedCid: string
  unsealedCid: string
  activation: number
  expiration: number
  /** Unverified data × epochs from `powerBaseEpoch` to `expiration`. */
  dealWeight: bigint
  /** Claimed verified data × epochs from `powerBaseEpoch` to `expiration`. */
  verifiedDealWeight: bigint
  initialPledge: bigint
  deadline: number
  partition: number
  /** Epoch the weights are counted from (activation, then the last extension or replica update). */
  powerBaseEpoch: number
  /** `SIMPLE_QA_POWER` (1) for sectors activated with piece manifests. */
  flags: number
  /** The CC sealed CID a replica update replaced (Lotus `SectorKeyCID`); absent before an update. */
  sectorKeyCid?: string
}

/** `SectorOnChainInfoFlags::SIMPLE_QA_POWER`: weights are space × remaining duration. */
export const SIMPLE_QA_POWER = 1

/** One partition of a deadline; sets of sector numbers. */
export interface PartitionState {
  all: Set<number>
  faulty: Set<number>
  recovering: Set<number>
  terminated: Set<number>
  /** Sectors that have not yet been proven by a WindowPoSt (no power yet). */
  unproven: Set<number>
}

/** One of the 48 deadlines of a miner. */
export interface DeadlineState {
  partitions: PartitionState[]
  /** Partition indices proven in the current window. */
  postSubmissions: Set<number>
}

/** A storage miner actor. */
export interface MinerState {
  id: number
  robust: string
  owner: number
  worker: number
  controls: number[]
  /** A worker change waiting for `ConfirmChangeWorkerAddress` (not before `effectiveAt`). */
  pendingWorker: { worker: number; effectiveAt: number } | null
  /** An owner proposed by the current owner, waiting for its own `ChangeOwnerAddress`. */
  pendingOwner: number | null
  /** Who receives withdrawals: the owner unless a beneficiary change was approved. */
  beneficiary: number
  /** What the beneficiary may withdraw in all (attoFIL), has withdrawn, and until when. */
  beneficiaryTerm: { quota: bigint; usedQuota: bigint; expiration: number }
  /** A beneficiary change the owner proposed, and who approved it so far. */
  pendingBeneficiary: {
    beneficiary: number
    quota: bigint
    expiration: number
    approvedByBeneficiary: boolean
    approvedByNominee: boolean
  } | null
  peerId: Uint8Array
  multiaddrs: Uint8Array[]
  windowPoStProofType: number
  sectorSize: number
  partitionSectors: number
  balance: bigint
  preCommitDeposits: bigint
  initialPledge: bigint
  feeDebt: bigint
  /** Proving period start seed (offset from the creation epoch, core's `provingPeriodOffset`). */
  provingPeriodStart: number
  currentDeadline: number
  allocated: Set<number>
  preCommits: Map<number, PreCommitState>
  sectors: Map<number, ActiveSectorState>
  deadlines: DeadlineState[]
  creationEpoch: number
}

/** A test deal published to the market actor. */
export interface DealState {
  id: number
  pieceCid: string
  pieceSize: number
  client: number
  provider: number
  startEpoch: number
  endEpoch: number
  verified: boolean
  sectorNumber: number | null
  /** Epoch the deal's sector activated it (-1 while pending). */
  sectorStartEpoch: number
}

/** A verified allocation: DataCap a client set aside for one piece at one provider. */
export interface AllocationState {
  client: number
  provider: number
  /** Piece CID. */
  data: string
  size: number
  termMin: number
  termMax: number
  /** Last epoch it may be claimed at. */
  expiration: number
}

/**
 * A verified claim as the devnet keeps it: an allocation a provider activated in a sector (same id
 * as the allocation), the piece CID as a string (core's `ClaimState` is the decoded chain shape).
 */
export interface StoredClaim {
  provider: number
  client: number
  data: string
  size: number
  termMin: number
  termMax: number
  termStart: number
  sector: number
}

/** The verified registry actor (f06). */
export interface VerifregState {
  /** The account that may add verifiers. */
  rootKey: number
  /** Verifier actor id → remaining allowance (bytes of DataCap it may grant). */
  verifiers: Map<number, bigint>
  /** Allocation id → allocation. */
  allocations: Map<number, AllocationState>
  nextAllocationId: number
  /** Claim id → claim. */
  claims: Map<number, StoredClaim>
}

/** Everything an epoch's execution can change. */
export interface WorldState {
  nextActorId: number
  accounts: Map<number, AccountState>
  /** Key address string (without network prefix) → actor id. */
  keyIndex: Map<string, number>
  miners: Map<number, MinerState>
  deals: Map<number, DealState>
  nextDealId: number
  /** Allocation id of each verified deal not yet activated (the market's pending allocations). */
  pendingDealAllocations: Map<number, number>
  verifreg: VerifregState
  /** DataCap (f07) balances in atto-tokens by actor id; f06 holds what allocations set aside. */
  datacap: Map<number, bigint>
  /** attoFIL burnt (gas, penalties, expired deposits). */
  burnt: bigint
}

/** First id handed to a user actor (accounts and miners), as on Lotus devnets. */
export const FIRST_USER_ACTOR_ID = 1000

/** The verified registry's root key on the devnet: the genesis faucet account. */
export const VERIFREG_ROOT_KEY_ID = 100

/** An empty world. */
export function emptyWorld(): WorldState {
  return {
    nextActorId: FIRST_USER_ACTOR_ID,
    accounts: new Map(),
    keyIndex: new Map(),
    miners: new Map(),
    deals: new Map(),
    nextDealId: 1,
    pendingDealAllocations: new Map(),
    verifreg: {
      rootKey: VERIFREG_ROOT_KEY_ID,
      verifiers: new Map(),
      allocations: new Map(),
      nextAllocationId: 1,
      claims: new Map(),
    },
    datacap: new Map(),
    burnt: 0n,
  }
}

/** A new empty partition. */
export function emptyPartition(): PartitionState {
  return {
    all: new Set(),
    faulty: new Set(),
    recovering: new Set(),
    terminated: new Set(),
    unproven: new Set(),
  }
}

/** How many sectors of a partition are live (not terminated; terminated ones are among `all`). */
export function liveCount(p: PartitionState): number {
  return p.all.size - p.terminated.size
}

/** Sector numbers that are live (not terminated) in a partition. */
export function liveSectors(p: PartitionState): Set<number> {
  const out = new Set<number>()
  for (const s of p.all) if (!p.terminated.has(s)) out.add(s)
  return out
}

/** Live sectors that are neither faulty nor unproven: the ones carrying power. */
export function activeSectors(p: PartitionState): Set<number> {
  const out = new Set<number>()
  for (const s of p.all) if (!p.terminated.has(s) && !p.faulty.has(s) && !p.unproven.has(s)) out.add(s)
  return out
}

/** Funds of a miner that are not locked (balance − deposits − pledge − fee debt, floored at 0). */
export function minerAvailableBalance(m: MinerState): bigint {
  const v = m.balance - m.preCommitDeposits - m.initialPledge - m.feeDebt
  return v > 0n ? v : 0n
}

/** Miners each world copy owns exclusively (may mutate without cloning). */
const ownedMiners = new WeakMap<WorldState, Set<number>>()

/**
 * A copy-on-write copy of a world: accounts, deals and indexes are copied (they are small),
 * miners are shared until {@link mutableMiner} clones one. Snapshots per tipset and per message
 * therefore cost O(accounts + miners), not O(sectors).
 */
export function copyWorld(w: WorldState): WorldState {
  return {
    ...w,
    accounts: structuredClone(w.accounts),
    keyIndex: new Map(w.keyIndex),
    miners: new Map(w.miners),
    deals: structuredClone(w.deals),
    pendingDealAllocations: new Map(w.pendingDealAllocations),
    verifreg: structuredClone(w.verifreg),
    datacap: new Map(w.datacap),
  }
}

/**
 * The miner `id` of `w`, copied first if `w` shares it with another world. The copy is shallow:
 * its sectors, pre-commits, allocated numbers and each deadline stay shared with the older
 * snapshots until a method changes them through {@link writableSectors},
 * {@link writablePreCommits}, {@link writableAllocated} or {@link writableDeadline}, which copy
 * just that part. A miner of 330,000 sectors therefore costs a copy of its 48 deadline slots
 * per message and per deadline end, not of its sectors. Sector records are values: a change
 * replaces one (`set(n, { ...old, expiration })`), never edits it in place.
 */
export function mutableMiner(w: WorldState, id: number): MinerState | undefined {
  const m = w.miners.get(id)
  if (m === undefined) return undefined
  let owned = ownedMiners.get(w)
  if (owned === undefined) {
    owned = new Set()
    ownedMiners.set(w, owned)
  }
  if (owned.has(id)) return m
  const copy: MinerState = {
    ...m,
    controls: [...m.controls],
    pendingWorker: m.pendingWorker === null ? null : { ...m.pendingWorker },
    // Small, and edited in place by approvals and withdrawals: copied with the miner.
    beneficiaryTerm: { ...m.beneficiaryTerm },
    pendingBeneficiary: m.pendingBeneficiary === null ? null : { ...m.pendingBeneficiary },
    multiaddrs: [...m.multiaddrs],
    deadlines: [...m.deadlines],
  }
  w.miners.set(id, copy)
  owned.add(id)
  return copy
}

/** The miner copy that may change each part in place (parts of older snapshots are absent). */
const partOwner = new WeakMap<object, MinerState>()

function writable<T extends object>(m: MinerState, part: T, copy: (p: T) => T): T {
  if (partOwner.get(part) === m) return part
  const own = copy(part)
  partOwner.set(own, m)
  return own
}

/** The sectors of a miner from {@link mutableMiner}, copied first when shared. */
export function writableSectors(m: MinerState): Map<number, ActiveSectorState> {
  m.sectors = writable(m, m.sectors, (x) => new Map(x))
  return m.sectors
}

/** The pre-commits of a miner from {@link mutableMiner}, copied first when shared. */
export function writablePreCommits(m: MinerState): Map<number, PreCommitState> {
  m.preCommits = writable(m, m.preCommits, (x) => new Map(x))
  return m.preCommits
}

/** The allocated numbers of a miner from {@link mutableMiner}, copied first when shared. */
export function writableAllocated(m: MinerState): Set<number> {
  m.allocated = writable(m, m.allocated, (x) => new Set(x))
  return m.allocated
}

/** Deadline `i` of a miner from {@link mutableMiner} with its partitions, copied first when shared. */
export function writableDeadline(m: MinerState, i: number): DeadlineState {
  const dl = m.deadlines[i]
  if (dl === undefined) throw new RangeError(`no deadline ${i}`)
  const own = writable(m, dl, (d) => ({
    partitions: d.partitions.map((p) => ({
      all: new Set(p.all),
      faulty: new Set(p.faulty),
      recovering: new Set(p.recovering),
      terminated: new Set(p.terminated),
      unproven: new Set(p.unproven),
    })),
    postSubmissions: new Set(d.postSubmissions),
  }))
  m.deadlines[i] = own
  return own
}

/** Marks a miner created in `w` as owned by it. */
export function adoptMiner(w: WorldState, id: number): void {
  let owned = ownedMiners.get(w)
  if (owned === undefined) {
    owned = new Set()
    ownedMiners.set(w, owned)
  }
  owned.add(id)
}

/** Commits `draft` (a {@link copyWorld} of `target`) into `target`. */
export function commitWorld(target: WorldState, draft: WorldState): void {
  Object.assign(target, draft)
  const owned = new Set([...(ownedMiners.get(target) ?? []), ...(ownedMiners.get(draft) ?? [])])
  ownedMiners.set(target, owned)
}

/** Resolves an address string (ID or key, f/t prefix) to an actor id in `world`. */
export function resolveIn(world: WorldState, addr: string): number | undefined {
  if (addr.length < 3) return undefined
  const proto = addr[1]
  if (proto === '0') {
    const id = Number(addr.slice(2))
    if (!Number.isSafeInteger(id)) return undefined
    if (world.accounts.has(id) || world.miners.has(id) || id < 100) return id
    return undefined
  }
  const key = world.keyIndex.get(addr.slice(1))
  if (key !== undefined) return key
  if (proto === '2')
    for (const m of world.miners.values()) if (m.robust.slice(1) === addr.slice(1)) return m.id
  return undefined
}

/**
 * The actor id of `addr`, creating an empty account for a key address (secp256k1 or BLS) that
 * has none yet, as the chain does when something is sent to it; undefined for other unknown
 * addresses.
 */
export function resolveOrCreateAccount(world: WorldState, addr: string): number | undefined {
  const known = resolveIn(world, addr)
  if (known !== undefined) return known
  const proto = addr.slice(1, 2)
  if (proto !== '1' && proto !== '3') return undefined
  const id = world.nextActorId++
  world.accounts.set(id, { id, key: addr, balance: 0n, nonce: 0 })
  world.keyIndex.set(addr.slice(1), id)
  return id
}
