/** Progress of a WindowPoSt scheduler, one event per step (`onEvent`). */
export type WindowPoStEvent =
  | { type: 'head'; miner: string; height: number }
  | { type: 'proving-started'; miner: string; deadline: number; open: number; height: number }
  | {
      type: 'sectors-skipped'
      miner: string
      deadline: number
      open: number
      sectors: { sectorNumber: number; reason: string }[]
    }
  | {
      type: 'proof-generated'
      miner: string
      deadline: number
      open: number
      batch: number
      partitions: number[]
      sectors: number
      ms: number
    }
  | { type: 'proof-invalid'; miner: string; deadline: number; open: number; batch: number }
  | {
      type: 'submitted'
      miner: string
      deadline: number
      open: number
      batch: number
      partitions: number[]
      cid: string
      height: number
    }
  | {
      type: 'landed'
      miner: string
      deadline: number
      open: number
      batch: number
      cid: string
      height: number
      exitCode: number
    }
  | { type: 'deadline-proven'; miner: string; deadline: number; open: number; height: number }
  | { type: 'deadline-missed'; miner: string; deadline: number; open: number; reason: string }
  | { type: 'deadline-reset'; miner: string; deadline: number; open: number; revertHeight: number }
  | {
      type: 'declared'
      miner: string
      kind: 'faults' | 'recoveries'
      deadline: number
      sectors: number[]
      cid: string
    }
  | {
      /** A fault or recovery declaration on chain and buried by `confidence` epochs. */
      type: 'declaration-landed'
      miner: string
      kind: 'faults' | 'recoveries'
      deadline: number
      cid: string
      height: number
    }
  | { type: 'error'; miner: string; deadline?: number; open?: number; message: string }
