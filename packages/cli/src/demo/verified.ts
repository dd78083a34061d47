/**
 * The demo's Fil+ part: a verified client gets DataCap (through a verifier the registry's root
 * key adds), allocates it to one piece per verified sector, and the operator hands each piece to
 * sealing as a direct piece (DDO, no market deal) claiming its allocation — what a provider does
 * with `util sealer pieces add --client --allocation`. The pieces fill their sectors, so the
 * sealed sectors count ten times in quality-adjusted power once proven.
 */
import { createHash } from 'node:crypto'
import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { commitmentToCid, commPSync, VERIFIED_POLICY } from '@venus-cluster/core'
import type { Devnet } from '@venus-cluster/devnet'
import { allocateDatacap, createVerifiedClient } from '@venus-cluster/devnet/testing'
import type { ManagerNode } from '@venus-cluster/manager'

/** What {@link onboardVerifiedPieces} set up. */
export interface DemoVerifiedPieces {
  /** The verified client's address and actor id. */
  client: string
  clientId: number
  pieces: { pieceCid: string; size: number; allocationId: number; directPieceId: number }[]
}

/** Deterministic payload bytes of piece `i` of `kind` (the demo is reproducible). */
function payload(kind: string, i: number, size: number): Uint8Array {
  const out = new Uint8Array(size)
  for (let off = 0, n = 0; off < size; n++) {
    const block = createHash('sha256').update(`venus-cluster demo ${kind} ${i} block ${n}`).digest()
    out.set(block.subarray(0, Math.min(block.length, size - off)), off)
    off += block.length
  }
  return out
}

/**
 * Writes `count` sector-sized pieces of deterministic bytes into `pieceDir`, each file named by
 * its piece CID (where the manager serves pieces to workers); `kind` tells sets apart.
 */
async function writeDemoPieces(
  pieceDir: string,
  kind: string,
  count: number,
  sectorSize: number,
): Promise<{ pieceCid: string; size: number; payloadSize: number }[]> {
  await mkdir(pieceDir, { recursive: true })
  const unpadded = (sectorSize / 128) * 127
  const made: { pieceCid: string; size: number; payloadSize: number }[] = []
  for (let i = 0; i < count; i++) {
    const data = payload(kind, i, unpadded)
    const p = commPSync(data)
    const pieceCid = commitmentToCid(p.commP, 'commP').toString()
    await writeFile(join(pieceDir, pieceCid), data)
    made.push({ pieceCid, size: p.paddedSize, payloadSize: unpadded })
  }
  return made
}

/**
 * Makes `count` sector-sized verified pieces for the demo miner: writes their files into
 * `pieceDir` (named by piece CID, where the manager serves them to workers), allocates a
 * verified client's DataCap to them in one DataCap transfer, and queues them in the manager
 * as direct pieces claiming those allocations. Mines the epochs its messages need.
 *
 * @example
 * ```ts
 * const v = await onboardVerifiedPieces({ devnet, manager, minerId: 1001, sectorSize: 2048,
 *   count: 1, pieceDir: join(home, 'pieces') })
 * ```
 */
export async function onboardVerifiedPieces(opts: {
  devnet: Devnet
  manager: ManagerNode
  minerId: number
  sectorSize: number
  count: number
  pieceDir: string
  /** Tells the pieces of one call from another's (their bytes differ); default `piece`. */
  kind?: string | undefined
}): Promise<DemoVerifiedPieces> {
  const { devnet, manager, minerId, sectorSize, count, pieceDir } = opts
  const made = await writeDemoPieces(pieceDir, opts.kind ?? 'piece', count, sectorSize)
  const { client, clientId } = await createVerifiedClient(devnet, {
    datacap: BigInt(count * sectorSize),
  })
  // Terms of a year or more, as clients give: the sector's default lifetime fits them.
  const ids = await allocateDatacap(
    devnet,
    client,
    made.map((m) => ({
      provider: minerId,
      data: m.pieceCid,
      size: m.size,
      termMin: VERIFIED_POLICY.minimumAllocationTerm,
      termMax: VERIFIED_POLICY.maximumAllocationTerm,
    })),
  )
  const pieces: DemoVerifiedPieces['pieces'] = []
  for (const [i, m] of made.entries()) {
    const allocationId = ids[i] as number
    const rec = await manager.manager.addDirectPiece({
      miner: minerId,
      pieceCid: m.pieceCid,
      pieceSize: m.size,
      payloadSize: m.payloadSize,
      allocation: { client: clientId, id: allocationId },
    })
    pieces.push({ pieceCid: m.pieceCid, size: m.size, allocationId, directPieceId: rec.id })
  }
  return { client, clientId, pieces }
}
