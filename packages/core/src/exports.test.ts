import { expect, it } from 'vitest'

// The names each entry point exports, stored in __snapshots__/: a new or lost export shows up
// in review as a change there (types too: docs/api-surface.md, `node scripts/api-surface.mjs`).
const entries: Record<string, () => Promise<object>> = {
  '@venus-cluster/core': () => import('@venus-cluster/core'),
  '@venus-cluster/core/auth': () => import('@venus-cluster/core/auth'),
  '@venus-cluster/core/codecs': () => import('@venus-cluster/core/codecs'),
  '@venus-cluster/core/errors': () => import('@venus-cluster/core/errors'),
  '@venus-cluster/core/http': () => import('@venus-cluster/core/http'),
  '@venus-cluster/core/mock': () => import('@venus-cluster/core/mock'),
  '@venus-cluster/core/rpc': () => import('@venus-cluster/core/rpc'),
  '@venus-cluster/core/testing': () => import('@venus-cluster/core/testing'),
}

it('exports the names of the snapshot from each entry point of @venus-cluster/core', async () => {
  for (const [entry, load] of Object.entries(entries)) {
    expect(Object.keys(await load()).sort()).toMatchSnapshot(entry)
  }
})
