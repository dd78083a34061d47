/**
 * The `PieceActivationManifest` CBOR layout shared by `ProveCommitSectors3` (method 34) and
 * `ProveReplicaUpdates3` (method 35). Internal to the codecs: the entry point exports the methods'
 * codecs, not these helpers.
 */
import type { PieceActivationManifest } from './actor-params.js'
import { type AddressPrefix, addressFromBytes, addressToBytes } from './address.js'
import { TupleReader } from './cbor.js'

/** The pieces as CBOR tuples (`[cid, size, verified_allocation_key, notify]`). */
export function pieceManifestsToCbor(pieces: readonly PieceActivationManifest[]): unknown[] {
  return pieces.map((p) => [
    p.cid,
    p.size,
    p.verifiedAllocationKey === null ? null : [p.verifiedAllocationKey.client, p.verifiedAllocationKey.id],
    p.notify.map((n) => [addressToBytes(n.address), n.payload]),
  ])
}

/** Reads and checks piece tuples; `what` names the list in errors (`sector_updates[2].pieces`). */
export function pieceManifestsFromCbor(
  items: unknown[],
  what: string,
  prefix: AddressPrefix,
): PieceActivationManifest[] {
  return items.map((p, j): PieceActivationManifest => {
    const pw = `${what}[${j}]`
    const pr = TupleReader.of(p, pw, 4)
    const key = pr.isNull(2) ? null : TupleReader.of(pr.array(2), `${pw}.verified_allocation_key`, 2)
    return {
      cid: pr.cid(0),
      size: pr.uint(1),
      verifiedAllocationKey: key === null ? null : { client: key.uint(0), id: key.uint(1) },
      notify: pr.array(3).map((n, k) => {
        const nr = TupleReader.of(n, `${pw}.notify[${k}]`, 2)
        return { address: addressFromBytes(nr.bytes(0), prefix).toString(), payload: nr.bytes(1) }
      }),
    }
  })
}
