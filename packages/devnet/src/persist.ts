/**
 * Persistence of a devnet: the replay log of mined tipsets (heights, forks, messages) and the
 * mpool, written atomically as JSON. Restoring replays the log, which reproduces every state
 * exactly because the devnet is deterministic from its seed.
 */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { VenusError } from '@venus-cluster/core'
import type { Devnet } from './devnet.js'
import type { MessagerEntry } from './messager-api.js'

const FILE = 'devnet.json'

interface Saved {
  version: 1
  seed: string
  networkName: string
  accountCounter: number
  log: Devnet['replayLog']
  mpool: { message: unknown; signature: unknown }[]
  messager?: (Omit<MessagerEntry, 'stored'> & { storedCid: string | null })[]
}

/** Writes the devnet's replay log and mpool to `dir/devnet.json`. */
export async function saveDevnet(devnet: Devnet, dir: string): Promise<void> {
  await mkdir(dir, { recursive: true })
  const saved: Saved = {
    version: 1,
    seed: devnet.seed,
    networkName: devnet.params.networkName,
    accountCounter: devnet.accountCounter,
    log: devnet.replayLog,
    mpool: devnet.pending().map((m) => ({ message: m.message, signature: m.signature })),
    messager: [...devnet.messagerEntries.values()].map(({ stored, ...e }) => ({
      ...e,
      storedCid: stored?.cid ?? null,
    })),
  }
  const tmp = join(dir, `${FILE}.tmp`)
  await writeFile(tmp, JSON.stringify(saved))
  await rename(tmp, join(dir, FILE))
}

/** Restores a devnet saved by {@link saveDevnet}; a missing file leaves the fresh genesis. */
export async function loadDevnet(devnet: Devnet, dir: string): Promise<void> {
  let text: string
  try {
    text = await readFile(join(dir, FILE), 'utf8')
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return
    throw new VenusError('STORE_IO', `cannot read ${join(dir, FILE)}`, { cause: err })
  }
  let saved: Saved
  try {
    saved = JSON.parse(text) as Saved
  } catch (err) {
    throw new VenusError('STORE_IO', `${join(dir, FILE)} is not valid JSON`, { cause: err })
  }
  if (saved.seed !== devnet.seed || saved.networkName !== devnet.params.networkName) {
    throw new VenusError('INVALID_ARGUMENT', `${dir} holds a devnet with another seed or network name`, {
      details: { seed: saved.seed, networkName: saved.networkName },
    })
  }
  await devnet.restore(saved.log, saved.mpool as Parameters<Devnet['restore']>[1], saved.accountCounter)
  for (const { storedCid, ...e } of saved.messager ?? []) {
    devnet.messagerEntries.set(e.id, {
      ...e,
      stored: storedCid === null ? undefined : devnet.getMessage(storedCid),
    })
  }
}
