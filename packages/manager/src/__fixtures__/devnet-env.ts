import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import {
  createChainClient,
  createMessagerClient,
  createRpcClient,
  type ProofsBackend,
  proverId,
  type RpcClient,
} from '@venus-cluster/core'
import { type Devnet, devnetTransport } from '@venus-cluster/devnet'
import type { ManagerChain, ManagerMessager } from '../chain.js'
import { createManagerChain, createManagerMessager, type ManagerChainOptions } from '../chain-adapter.js'
import type { DrivenSector, DriverProver } from './worker-driver.js'

/** The devnet's Filecoin.* and Message.* methods as a call function (in process, all permissions). */
export function devnetRpc(devnet: Devnet): RpcClient['call'] {
  const client = createRpcClient(devnetTransport(devnet))
  return (method, params, opts) => client.call(method, params, opts)
}

/**
 * The manager's chain and messager views of a devnet in process: core's typed clients over the
 * devnet's transport, as they would be over HTTP to Lotus and venus-messager.
 */
export function devnetManagerViews(
  devnet: Devnet,
  opts: ManagerChainOptions = {},
): { chain: ManagerChain; messager: ManagerMessager } {
  return {
    chain: createManagerChain(createChainClient(devnetTransport(devnet)), opts),
    messager: createManagerMessager(createMessagerClient(devnetTransport(devnet))),
  }
}

/** Creates a 2KiB miner owned (and worked) by a fresh funded BLS account. */
export async function createDevnetMiner(devnet: Devnet): Promise<{ owner: string; minerId: number }> {
  const { owner, minerId } = await devnet.createTestMiner()
  return { owner, minerId }
}

/**
 * A worker-side prover running the mock proofs pipeline with the given pieces per sector
 * (default: one 2032-byte piece of zeros, i.e. CC).
 */
export function mockPiecePipeline(
  proofs: ProofsBackend,
  scratch: string,
  piecesOf: (
    s: DrivenSector,
  ) => { pieces: { commP: Uint8Array; paddedSize: number }[]; staged: Uint8Array } | undefined,
): DriverProver {
  const paths = (s: DrivenSector, root: string) => {
    const name = `s-t0${s.id.Miner}-${s.id.Number}`
    mkdirSync(join(root, 'cache', name), { recursive: true })
    mkdirSync(join(root, 'sealed'), { recursive: true })
    return {
      cacheDir: join(root, 'cache', name),
      sealedPath: join(root, 'sealed', name),
      stagedPath: join(scratch, `staged-${name}`),
    }
  }
  const used = new Map<string, { commP: Uint8Array; paddedSize: number }[]>()
  return {
    async seal(s, ticket, root) {
      const p = paths(s, root)
      const given = piecesOf(s)
      let pieces = given?.pieces
      if (given === undefined || pieces === undefined) {
        const added = await proofs.addPiece({
          proofType: s.proofType,
          source: new Uint8Array(2032),
          unpaddedSize: 2032,
          stagedPath: p.stagedPath,
          existingPieceSizes: [],
        })
        pieces = [added.piece]
      } else {
        writeFileSync(p.stagedPath, given.staged)
      }
      used.set(`${s.id.Miner}/${s.id.Number}`, pieces)
      const pc1 = await proofs.sealPreCommitPhase1({
        proofType: s.proofType,
        ...p,
        proverId: proverId(s.id.Miner),
        sectorNumber: s.id.Number,
        ticket,
        pieces,
      })
      return proofs.sealPreCommitPhase2({ phase1Output: pc1, cacheDir: p.cacheDir, sealedPath: p.sealedPath })
    },
    async prove(s, seed, root) {
      const p = paths(s, root)
      const prover = proverId(s.id.Miner)
      const c1 = await proofs.sealCommitPhase1({
        proofType: s.proofType,
        cacheDir: p.cacheDir,
        sealedPath: p.sealedPath,
        proverId: prover,
        sectorNumber: s.id.Number,
        ticket: new Uint8Array(Buffer.from(s.ticket?.Ticket ?? '', 'base64')),
        seed,
        commR: Uint8Array.from(s.commR),
        commD: Uint8Array.from(s.commD ?? []),
        pieces: used.get(`${s.id.Miner}/${s.id.Number}`) ?? [],
      })
      return proofs.sealCommitPhase2({ phase1Output: c1, proverId: prover, sectorNumber: s.id.Number })
    },
  }
}
