import { expect, it } from 'vitest'

// The names each entry point exports, stored in __snapshots__/: a new or lost export shows up
// in review as a change there (types too: docs/api-surface.md, `node scripts/api-surface.mjs`).
const entries: Record<string, () => Promise<object>> = {
  '@venus-cluster/devnet': () => import('@venus-cluster/devnet'),
  '@venus-cluster/devnet/testing': () => import('@venus-cluster/devnet/testing'),
}

it('exports the names of the snapshot from each entry point of @venus-cluster/devnet', async () => {
  for (const [entry, load] of Object.entries(entries)) {
    expect(Object.keys(await load()).sort()).toMatchSnapshot(entry)
  }
})
