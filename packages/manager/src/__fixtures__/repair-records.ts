/** Sector records the repair tests work from. */
import { commitmentToCid, type SectorId } from '@venus-cluster/core'
import { type ManagedSector, newSector } from '../sector.js'
import type { ManagerStore } from '../store/types.js'

/**
 * A finalized sector indexed in persist store `ps1`, with a deal piece `piece` of 900 payload
 * bytes (unpadded offset 1016, size 1016) after a 1 KiB filler.
 */
export async function sealedDealSector(
  store: ManagerStore,
  id: SectorId,
  piece: string,
  comm: { commR: Uint8Array; commD: Uint8Array },
  over: Partial<ManagedSector> = {},
): Promise<SectorId> {
  const s: ManagedSector = {
    ...newSector(id, 5),
    ticket: { value: new Uint8Array(32).fill(7), epoch: 10 },
    pieces: [
      { dealId: 0, payloadSize: 0, piece: { size: 1024, cid: 'bagafiller' }, proposal: null },
      { dealId: 5, payloadSize: 900, piece: { size: 1024, cid: piece }, proposal: null },
    ],
    preCommit: {
      commR: commitmentToCid(comm.commR, 'commR').toString(),
      commD: commitmentToCid(comm.commD, 'commD').toString(),
      ticket: { value: new Uint8Array(32).fill(7), epoch: 10 },
      dealIds: [5],
    },
    ...over,
  }
  await store.createSector(s)
  await store.finalizeSector(id, (x) => ({ ...x, finalized: true }))
  await store.setLocation(id, 'normal', { sealed: 'ps1', cache: 'ps1' })
  return id
}
