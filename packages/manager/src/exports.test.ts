import { expect, it } from 'vitest'

// The names each entry point exports, stored in __snapshots__/: a new or lost export shows up
// in review as a change there (types too: docs/api-surface.md, `node scripts/api-surface.mjs`).
const entries: Record<string, () => Promise<object>> = {
  '@venus-cluster/manager': () => import('@venus-cluster/manager'),
  '@venus-cluster/manager/postgres': () => import('@venus-cluster/manager/postgres'),
  '@venus-cluster/manager/sqlite': () => import('@venus-cluster/manager/sqlite'),
}

it('exports the names of the snapshot from each entry point of @venus-cluster/manager', async () => {
  for (const [entry, load] of Object.entries(entries)) {
    expect(Object.keys(await load()).sort()).toMatchSnapshot(entry)
  }
})
