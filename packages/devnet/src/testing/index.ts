/**
 * `@venus-cluster/devnet/testing`: fixtures for tests against the devnet — test miners, sealed and
 * injected sectors, test deals, and a time-control test client (`mine`, `advanceTo`,
 * `advanceToDeadline`, `nullRounds`, `reorg`).
 *
 * @example
 * ```ts
 * import { createDevnet } from '@venus-cluster/devnet'
 * import { createTestClient, injectSectors, sealTestSectors } from '@venus-cluster/devnet/testing'
 *
 * const devnet = createDevnet({ seed: 'my-test', proofs: mockProofs() })
 * const test = createTestClient(devnet)
 * const { miner, minerId } = await test.createMiner()
 * injectSectors(devnet, miner, await sealTestSectors(mockProofs(), dir, minerId, [1, 2]))
 * await test.advanceToDeadline(miner, 0)
 * ```
 *
 * @packageDocumentation
 */
export { publishTestDeal, type TestDealInput } from './deals.js'
export {
  type FakeLotusMiner,
  type FakeLotusMinerOptions,
  type FakeLotusStorage,
  lotusSectorInfo,
  serveFakeLotusMiner,
  writeLotusStorageMeta,
} from './lotus-miner.js'
export { createTestMiner, type TestMiner, type TestMinerOptions } from './miners.js'
export { type AuditedDeadline, type WindowPoStAudit, windowPoStAudit } from './post-audit.js'
export {
  type InjectedPreCommit,
  type InjectedSector,
  injectPreCommits,
  injectSectors,
  type SealedTestSector,
  sealTestSectors,
} from './sectors.js'
export {
  createTestClient,
  type DeadlineEpochs,
  type DeadlinePoint,
  type DevnetTestClient,
} from './test-client.js'
