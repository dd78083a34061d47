/**
 * CBOR ↔ typed actor parameters for the methods the devnet executes (layouts of spec §2.3).
 * Decoding failures abort the message with exit 21 (serialization), as the FVM does.
 */
import * as dagCbor from '@ipld/dag-cbor'
import { fromBytes as addressFromBytes, fromString as addressFromString } from 'iso-filecoin/address'
import { CID } from 'multiformats/cid'
import {
  ActorAbort,
  type CreateMinerParam,
  ExitCode,
  type PreCommitInfoParam,
  type ProveCommitSectors3Param,
  type SectorLocationParam,
  type SubmitWindowedPoStParam,
} from './actor-types.js'
import type { BatchReturn } from './miner-actor.js'
import { decodeRlePlus, encodeRlePlus } from './rle.js'

/** Decoded parameter types by method name. */
export interface MethodParams {
  CreateMiner: CreateMinerParam
  PreCommitSectorBatch2: PreCommitInfoParam[]
  ProveCommitSectors3: ProveCommitSectors3Param
  SubmitWindowedPoSt: SubmitWindowedPoStParam
  DeclareFaults: SectorLocationParam[]
  DeclareFaultsRecovered: SectorLocationParam[]
  TerminateSectors: SectorLocationParam[]
  WithdrawBalance: bigint
}

/** Return types by method name. */
export interface MethodReturns {
  CreateMiner: { idAddress: string; robustAddress: string }
  ProveCommitSectors3: BatchReturn
  TerminateSectors: boolean
  WithdrawBalance: bigint
}

function bad(method: string, what: string): never {
  throw new ActorAbort(ExitCode.ErrSerialization, `${method} params: ${what}`)
}

function arr(v: unknown, n: number | undefined, method: string, what: string): unknown[] {
  if (!Array.isArray(v) || (n !== undefined && v.length !== n))
    bad(method, `${what} must be a ${n ?? ''}-tuple`)
  return v
}

function int(v: unknown, method: string, what: string): number {
  if (typeof v === 'number' && Number.isInteger(v)) return v
  if (typeof v === 'bigint' && v <= BigInt(Number.MAX_SAFE_INTEGER) && v >= BigInt(Number.MIN_SAFE_INTEGER))
    return Number(v)
  bad(method, `${what} must be an integer`)
}

function bytes(v: unknown, method: string, what: string): Uint8Array {
  if (v instanceof Uint8Array) return v
  bad(method, `${what} must be bytes`)
}

function cid(v: unknown, method: string, what: string): string {
  const c = CID.asCID(v)
  if (c === null) bad(method, `${what} must be a CID`)
  return c.toString()
}

function bitfield(v: unknown, method: string, what: string): number[] {
  try {
    return decodeRlePlus(bytes(v, method, what))
  } catch (err) {
    if (err instanceof ActorAbort) throw err
    bad(method, `${what}: ${(err as Error).message}`)
  }
}

function address(v: unknown, method: string, what: string): string {
  try {
    return addressFromBytes(bytes(v, method, what), 'testnet').toString()
  } catch {
    bad(method, `${what} is not an address`)
  }
}

/** Decodes a FIL bigint (sign byte + big-endian magnitude; empty = 0). */
export function decodeBigInt(b: Uint8Array): bigint {
  if (b.length === 0) return 0n
  let v = 0n
  for (const x of b.subarray(1)) v = (v << 8n) | BigInt(x)
  return b[0] === 1 ? -v : v
}

/** Encodes a FIL bigint. */
export function encodeBigInt(v: bigint): Uint8Array {
  if (v === 0n) return new Uint8Array()
  const neg = v < 0n
  let m = neg ? -v : v
  const out: number[] = []
  while (m > 0n) {
    out.unshift(Number(m & 0xffn))
    m >>= 8n
  }
  return new Uint8Array([neg ? 1 : 0, ...out])
}

function locations(v: unknown, method: string): SectorLocationParam[] {
  const [list] = arr(v, 1, method, 'params')
  return arr(list, undefined, method, 'entries').map((e, i) => {
    const [d, p, s] = arr(e, 3, method, `entry ${i}`)
    return {
      deadline: int(d, method, `entry ${i} deadline`),
      partition: int(p, method, `entry ${i} partition`),
      sectors: bitfield(s, method, `entry ${i} sectors`),
    }
  })
}

/**
 * Decodes the CBOR params of `method`.
 * @example
 * ```ts
 * const faults = decodeMethodParams('DeclareFaults', Buffer.from('gYGDAwBCsBw=', 'base64'))
 * ```
 */
export function decodeMethodParams<M extends keyof MethodParams>(
  method: M,
  raw: Uint8Array,
): MethodParams[M] {
  let v: unknown
  try {
    v = dagCbor.decode(raw)
  } catch (err) {
    bad(method, `not CBOR (${(err as Error).message})`)
  }
  const out = decodeValue(method, v)
  return out as MethodParams[M]
}

function decodeValue(method: keyof MethodParams, v: unknown): MethodParams[keyof MethodParams] {
  switch (method) {
    case 'CreateMiner': {
      const [owner, worker, post, peer, addrs] = arr(v, 5, method, 'params')
      return {
        owner: address(owner, method, 'owner'),
        worker: address(worker, method, 'worker'),
        windowPoStProofType: int(post, method, 'window_post_proof_type'),
        peer: bytes(peer, method, 'peer'),
        multiaddrs: arr(addrs, undefined, method, 'multiaddrs').map((a) => bytes(a, method, 'multiaddr')),
      }
    }
    case 'PreCommitSectorBatch2': {
      const [sectors] = arr(v, 1, method, 'params')
      return arr(sectors, undefined, method, 'sectors').map((s, i) => {
        const [proof, num, sealed, rand, deals, exp, unsealed] = arr(s, 7, method, `sector ${i}`)
        return {
          sealProof: int(proof, method, 'seal_proof'),
          sectorNumber: int(num, method, 'sector_number'),
          sealedCid: cid(sealed, method, 'sealed_cid'),
          sealRandEpoch: int(rand, method, 'seal_rand_epoch'),
          dealIds: arr(deals, undefined, method, 'deal_ids').map((d) => int(d, method, 'deal id')),
          expiration: int(exp, method, 'expiration'),
          unsealedCid: unsealed === null ? null : cid(unsealed, method, 'unsealed_cid'),
        }
      })
    }
    case 'ProveCommitSectors3': {
      const [acts, proofs, agg, aggType, reqAct, reqNotify] = arr(v, 6, method, 'params')
      return {
        activations: arr(acts, undefined, method, 'sector_activations').map((a, i) => {
          const [num, pieces] = arr(a, 2, method, `activation ${i}`)
          return {
            sectorNumber: int(num, method, 'sector_number'),
            pieces: arr(pieces, undefined, method, 'pieces').map((p, j) => {
              const [c, size, alloc] = arr(p, 4, method, `piece ${j}`)
              let key: { client: number; id: number } | null = null
              if (alloc !== null) {
                const [client, id] = arr(alloc, 2, method, 'verified_allocation_key')
                key = { client: int(client, method, 'client'), id: int(id, method, 'allocation id') }
              }
              return {
                cid: cid(c, method, 'piece cid'),
                size: int(size, method, 'piece size'),
                verifiedAllocationKey: key,
              }
            }),
          }
        }),
        sectorProofs: arr(proofs, undefined, method, 'sector_proofs').map((p) =>
          bytes(p, method, 'sector proof'),
        ),
        aggregateProof: bytes(agg, method, 'aggregate_proof'),
        aggregateProofType: aggType === null ? null : int(aggType, method, 'aggregate_proof_type'),
        requireActivationSuccess: reqAct === true,
        requireNotificationSuccess: reqNotify === true,
      }
    }
    case 'SubmitWindowedPoSt': {
      const [dl, parts, proofs, commitEpoch, commitRand] = arr(v, 5, method, 'params')
      return {
        deadline: int(dl, method, 'deadline'),
        partitions: arr(parts, undefined, method, 'partitions').map((p, i) => {
          const [idx, skipped] = arr(p, 2, method, `partition ${i}`)
          return { index: int(idx, method, 'partition index'), skipped: bitfield(skipped, method, 'skipped') }
        }),
        proofs: arr(proofs, undefined, method, 'proofs').map((p) => {
          const [t, b] = arr(p, 2, method, 'proof')
          return { postProof: int(t, method, 'post_proof'), proofBytes: bytes(b, method, 'proof_bytes') }
        }),
        chainCommitEpoch: int(commitEpoch, method, 'chain_commit_epoch'),
        chainCommitRand: bytes(commitRand, method, 'chain_commit_rand'),
      }
    }
    case 'DeclareFaults':
    case 'DeclareFaultsRecovered':
    case 'TerminateSectors':
      return locations(v, method)
    case 'WithdrawBalance': {
      const [amount] = arr(v, 1, method, 'params')
      return decodeBigInt(bytes(amount, method, 'amount_requested'))
    }
  }
}

/** Encodes the CBOR return value of `method`. */
export function encodeMethodReturn<M extends keyof MethodReturns>(
  method: M,
  value: MethodReturns[M],
): Uint8Array {
  switch (method) {
    case 'CreateMiner': {
      const v = value as MethodReturns['CreateMiner']
      return dagCbor.encode([addressBytesOf(v.idAddress), addressBytesOf(v.robustAddress)])
    }
    case 'ProveCommitSectors3': {
      const v = value as BatchReturn
      return dagCbor.encode([v.successCount, v.failCodes.map((f) => [f.idx, f.code])])
    }
    case 'TerminateSectors':
      return dagCbor.encode([value as boolean])
    case 'WithdrawBalance':
      return dagCbor.encode(encodeBigInt(value as bigint))
  }
  return new Uint8Array()
}

function addressBytesOf(a: string): Uint8Array {
  return addressFromString(a).toBytes()
}

/** Encoders for the params of the methods above (used by tests and the devnet's own tooling). */
export const encodeParams = {
  createMiner(p: CreateMinerParam): Uint8Array {
    return dagCbor.encode([
      addressBytesOf(p.owner),
      addressBytesOf(p.worker),
      p.windowPoStProofType,
      p.peer,
      p.multiaddrs,
    ])
  },
  preCommitSectorBatch2(sectors: PreCommitInfoParam[]): Uint8Array {
    return dagCbor.encode([
      sectors.map((s) => [
        s.sealProof,
        s.sectorNumber,
        CID.parse(s.sealedCid),
        s.sealRandEpoch,
        s.dealIds,
        s.expiration,
        s.unsealedCid === null ? null : CID.parse(s.unsealedCid),
      ]),
    ])
  },
  proveCommitSectors3(p: ProveCommitSectors3Param): Uint8Array {
    return dagCbor.encode([
      p.activations.map((a) => [
        a.sectorNumber,
        a.pieces.map((pc) => [
          CID.parse(pc.cid),
          pc.size,
          pc.verifiedAllocationKey === null
            ? null
            : [pc.verifiedAllocationKey.client, pc.verifiedAllocationKey.id],
          [],
        ]),
      ]),
      p.sectorProofs,
      p.aggregateProof,
      p.aggregateProofType,
      p.requireActivationSuccess,
      p.requireNotificationSuccess,
    ])
  },
  submitWindowedPoSt(p: SubmitWindowedPoStParam): Uint8Array {
    return dagCbor.encode([
      p.deadline,
      p.partitions.map((x) => [x.index, encodeRlePlus(x.skipped)]),
      p.proofs.map((x) => [x.postProof, x.proofBytes]),
      p.chainCommitEpoch,
      p.chainCommitRand,
    ])
  },
  sectorLocations(entries: SectorLocationParam[]): Uint8Array {
    return dagCbor.encode([entries.map((e) => [e.deadline, e.partition, encodeRlePlus(e.sectors)])])
  },
  withdrawBalance(amount: bigint): Uint8Array {
    return dagCbor.encode([encodeBigInt(amount)])
  },
}
