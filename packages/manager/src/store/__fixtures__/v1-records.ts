import { expect } from 'vitest'
import { type ManagedSector, newSector } from '../../sector.js'
import { stateText } from '../common.js'
import { MIGRATIONS, SCHEMA_VERSION } from '../schema.js'
import type { ManagerStore } from '../types.js'

/** Records as a version-1 database holds them: online and offline, reported and not. */
export function v1Records(): { record: ManagedSector; online: 0 | 1 }[] {
  const reported = (n: number, next: string, worker: string): ManagedSector => ({
    ...newSector({ miner: 1000, number: n }, 5),
    latestReport: {
      worker: { instance: worker, location: '/w' },
      stateChange: { prev: 'x', next, event: 'None' },
      failure: null,
    },
  })
  return [
    { record: newSector({ miner: 1000, number: 1 }, 5), online: 1 },
    { record: reported(2, 'PC1Done', 'rig-1'), online: 1 },
    { record: reported(3, 'PC1Done', 'rig-2'), online: 1 },
    { record: { ...reported(4, 'Finished', 'rig-1'), finalized: true }, online: 0 },
    { record: { ...newSector({ miner: 1000, number: 5 }, 5), abortReason: 'gone' }, online: 0 },
  ]
}

/**
 * The statements that make a database at an older schema `version` (every migration up to it)
 * holding {@link v1Records}, in one dialect: what a store must upgrade from.
 */
export function databaseAt(
  dialect: 'sqlite' | 'postgres',
  version: number,
): { sql: string[]; rows: unknown[][] } {
  const applied = MIGRATIONS.filter((m) => m.version <= version)
  if (applied.at(-1)?.version !== version) throw new Error(`no migration ${version}`)
  return {
    sql: [
      'CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)',
      ...applied.flatMap((m) => [
        ...m[dialect],
        `INSERT INTO schema_migrations (version, name, applied_at) VALUES (${m.version}, '${m.name}', 0)`,
      ]),
    ],
    rows: v1Records().map((r) => [r.record.id.miner, r.record.id.number, r.online, stateText(r.record), 0]),
  }
}

/** What a store opened on {@link databaseAt} must answer once upgraded to {@link SCHEMA_VERSION}. */
export async function expectUpgraded(s: ManagerStore): Promise<void> {
  expect(await s.schemaVersion()).toBe(SCHEMA_VERSION)
  const counts = (await s.countSectors())
    .map((c) => `${c.online ? 'on' : 'off'} ${c.state} ${c.count}`)
    .sort()
  expect(counts).toEqual(['off Aborted 1', 'off Finalized 1', 'on Allocated 1', 'on PC1Done 2'])
  expect(await s.countSectorsByWorker()).toEqual(
    new Map([
      ['rig-1', 1],
      ['rig-2', 1],
    ]),
  )
  expect((await s.listSectorsPage(true, { limit: 5, state: 'PC1Done' })).map((x) => x.id.number)).toEqual([
    2, 3,
  ])
}
