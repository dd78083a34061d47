import { expect, it } from 'vitest'

// The names each entry point exports, stored in __snapshots__/: a new or lost export shows up
// in review as a change there (types too: docs/api-surface.md, `node scripts/api-surface.mjs`).
it('exports the names of the snapshot from venus-cluster', async () => {
  expect(Object.keys(await import('./index.js')).sort()).toMatchSnapshot()
})
