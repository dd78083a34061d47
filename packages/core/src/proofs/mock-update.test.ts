import { randomBytes } from 'node:crypto'
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { isVenusError } from '../errors/index.js'
import type { ProofsBackend } from './backend.js'
import { mockProofs } from './mock.js'
import { sealProofFacts } from './registry.js'

const PROVER = new Uint8Array(32)
PROVER[0] = 0xe8
PROVER[1] = 0x07

async function codeOf(p: Promise<unknown>): Promise<string | undefined> {
  try {
    await p
    return undefined
  } catch (err) {
    return isVenusError(err) ? err.code : 'not a VenusError'
  }
}

describe('mockProofs SnapDeals updates', () => {
  let dir: string
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'venus-mock-snap-'))
  })
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true })
  })

  /** A CC sector (PC1 + PC2) and a staged file with one random piece at its start. */
  async function prepare(proofs: ProofsBackend, name: string, proofType: number, pieceSize = 127 * 16) {
    const size = sealProofFacts(proofType).sectorSize
    const p = (f: string) => join(dir, `${name}-${f}`)
    const cc = await proofs.addPiece({
      proofType,
      source: new Uint8Array(0),
      unpaddedSize: (size / 128) * 127,
      stagedPath: p('cc-staged'),
      existingPieceSizes: [],
    })
    const p1 = await proofs.sealPreCommitPhase1({
      proofType,
      cacheDir: p('cache'),
      stagedPath: p('cc-staged'),
      sealedPath: p('sealed'),
      proverId: PROVER,
      sectorNumber: 9,
      ticket: new Uint8Array(32).fill(3),
      pieces: [cc.piece],
    })
    const { commR: commROld } = await proofs.sealPreCommitPhase2({
      phase1Output: p1,
      cacheDir: p('cache'),
      sealedPath: p('sealed'),
    })
    const data = new Uint8Array(randomBytes(pieceSize))
    const { piece } = await proofs.addPiece({
      proofType,
      source: data,
      unpaddedSize: pieceSize,
      stagedPath: p('staged'),
      existingPieceSizes: [],
    })
    const updateProofType = sealProofFacts(proofType).updateProof
    const files = {
      sectorKeyPath: p('sealed'),
      sectorKeyCacheDir: p('cache'),
      replicaPath: p('update'),
      replicaCacheDir: p('update-cache'),
    }
    const enc = await proofs.encodeInto({
      updateProofType,
      newReplicaPath: files.replicaPath,
      newCacheDir: files.replicaCacheDir,
      sectorKeyPath: files.sectorKeyPath,
      sectorKeyCacheDir: files.sectorKeyCacheDir,
      stagedPath: p('staged'),
      pieces: [piece],
    })
    const c = { updateProofType, commROld, commRNew: enc.commRNew, commDNew: enc.commDNew }
    return { c, files, data, stagedPath: p('staged'), size }
  }

  it('updates a 32GiB sector sparsely with 16-partition proofs of 3072 bytes', async () => {
    const proofs = mockProofs()
    const s = await prepare(proofs, 'big', 8)
    expect((await stat(s.files.replicaPath)).size).toBe(s.size)
    expect((await stat(s.files.replicaPath)).blocks).toBeLessThan(1024)
    const names = await readdir(s.files.replicaCacheDir)
    expect(names.filter((n) => n.startsWith('sc-02-data-tree-r-last-')).length).toBe(8)
    const vanillaProofs = await proofs.generateUpdatePartitionProofs({ ...s.c, ...s.files })
    expect(vanillaProofs.length).toBe(16)
    const proof = await proofs.generateUpdateProofWithVanilla({ ...s.c, vanillaProofs })
    expect(proof.length).toBe(3072)
    expect(await proofs.verifyUpdateProof({ ...s.c, proof })).toBe(true)
    const out = join(dir, 'big-range')
    const n = await proofs.decodeRange({
      ...s.c,
      replicaPath: s.files.replicaPath,
      sectorKeyPath: s.files.sectorKeyPath,
      outputPath: out,
      unpaddedOffset: 0,
      unpaddedLength: s.data.length,
    })
    expect(n).toBe(s.data.length)
    expect(Buffer.from(await readFile(out)).equals(s.data)).toBe(true)
  })

  it('needs the update cache tree D to prove, while WindowPoSt of the new replica does not', async () => {
    const proofs = mockProofs()
    const s = await prepare(proofs, 'cleared', 5)
    await proofs.clearCache({ sectorSize: s.size, cacheDir: s.files.replicaCacheDir })
    expect(await codeOf(proofs.generateUpdatePartitionProofs({ ...s.c, ...s.files }))).toBe('PROOFS_FAILED')
    const randomness = new Uint8Array(32).fill(5)
    const post = await proofs.generateWindowPoSt({
      randomness,
      proverId: PROVER,
      replicas: [
        {
          postProofType: 10,
          sectorNumber: 9,
          commR: s.c.commRNew,
          cacheDir: s.files.replicaCacheDir,
          sealedPath: s.files.replicaPath,
        },
      ],
    })
    expect(post.faultySectors).toEqual([])
  })

  it('regenerates a wrong sector key from the update cache, as the library does', async () => {
    // The library reads the sector key's comm_r_last from the p_aux it is given; the update
    // cache holds the new one, so the key comes out wrong (lotus passes the update cache here).
    const proofs = mockProofs()
    const s = await prepare(proofs, 'lotus-way', 5)
    const sectorKeyPath = join(dir, 'lotus-way-key')
    await proofs.removeEncodedData({
      updateProofType: s.c.updateProofType,
      sectorKeyPath,
      sectorKeyCacheDir: join(dir, 'lotus-way-key-cache'),
      replicaPath: s.files.replicaPath,
      replicaCacheDir: s.files.replicaCacheDir,
      stagedPath: s.stagedPath,
      commDNew: s.c.commDNew,
    })
    const original = await readFile(s.files.sectorKeyPath)
    expect((await readFile(sectorKeyPath)).equals(original)).toBe(false)
  })

  it('refuses vanilla proofs of other commitments and a replica of another size', async () => {
    const proofs = mockProofs()
    const s = await prepare(proofs, 'refuse', 5)
    const vanillaProofs = await proofs.generateUpdatePartitionProofs({ ...s.c, ...s.files })
    const other = { ...s.c, commRNew: s.c.commROld }
    expect(await codeOf(proofs.generateUpdateProofWithVanilla({ ...other, vanillaProofs }))).toBe(
      'PROOFS_FAILED',
    )
    expect(await codeOf(proofs.generateUpdateProofWithVanilla({ ...s.c, vanillaProofs: [] }))).toBe(
      'PROOFS_INVALID_INPUT',
    )
    expect(await proofs.verifyUpdatePartitionProofs({ ...s.c, vanillaProofs: [new Uint8Array(8)] })).toBe(
      false,
    )
    const wrongSize = proofs.encodeInto({
      updateProofType: s.c.updateProofType,
      newReplicaPath: s.stagedPath.replace('staged', 'cc-staged-not-sector'),
      newCacheDir: join(dir, 'refuse-cache2'),
      sectorKeyPath: join(dir, 'refuse-update-cache', 'p_aux'),
      sectorKeyCacheDir: s.files.sectorKeyCacheDir,
      stagedPath: s.stagedPath,
      pieces: [],
    })
    expect(await codeOf(wrongSize)).toBe('PROOFS_FAILED')
  })

  it('sleeps the snap stage delays and aborts during them', async () => {
    const proofs = mockProofs({ delays: { snapProve: 5_000 } })
    const s = await prepare(proofs, 'delay', 5)
    const controller = new AbortController()
    const p = proofs.generateUpdateProof({ ...s.c, ...s.files }, { signal: controller.signal })
    setTimeout(() => controller.abort(), 20)
    expect(await codeOf(p)).toBe('ABORTED')
  })
})
