import { randomBytes } from 'node:crypto'
import { mkdir, readFile, rm, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { isVenusError } from '../errors/index.js'
import { fr32Unpad, commD as piecesCommD } from '../piece/index.js'
import type { ProofsBackend, ProofsPieceInfo } from './backend.js'
import type { UpdateCommitments, UpdateFiles } from './backend-update.js'
import type { ConformanceExpect } from './conformance.js'
import { codeOf, flipBit, verifierRejected } from './conformance-util.js'
import { sealProofFacts, updateProofFacts } from './registry.js'

/** What the SnapDeals part of the conformance suite borrows from the main suite. */
export interface SnapConformanceContext {
  it: (name: string, fn: () => Promise<void>, timeoutMs?: number) => void
  expect: ConformanceExpect
  backend: () => Promise<ProofsBackend>
  dir: () => Promise<string>
  proofType: number
  proverId: Uint8Array
  timeoutMs: number
}

interface Snapped {
  commROld: Uint8Array
  commRNew: Uint8Array
  commDNew: Uint8Array
  commRLastNew: Uint8Array
  files: UpdateFiles
  stagedPath: string
  pieces: ProofsPieceInfo[]
  pieceData: Uint8Array[]
  /** The CC sector's sealed file and p_aux as they were before the update. */
  sealedBefore: Uint8Array
  pAuxBefore: Uint8Array
}

const SECTOR = 40

function same(a: Uint8Array, b: Uint8Array): boolean {
  return Buffer.from(a.buffer, a.byteOffset, a.length).equals(b)
}

/**
 * Registers the empty-sector-update (SnapDeals) tests of `proofsBackendConformance`: a CC sector
 * is sealed (PC1 + PC2), two random pieces and a zero piece are encoded into it, and the suite
 * checks CommD, decoding (whole and by range), vanilla and SNARK proofs with their rejections,
 * WindowPoSt over the new replica, and regenerating the sector key.
 */
export function snapConformance(ctx: SnapConformanceContext): void {
  const { it, expect, backend, proofType, proverId } = ctx
  const facts = sealProofFacts(proofType)
  const updateProofType = facts.updateProof
  const update = updateProofFacts(updateProofType)
  const sectorSize = facts.sectorSize
  const unpaddedSector = (sectorSize / 128) * 127
  const timeout = ctx.timeoutMs

  let snappedP: Promise<Snapped> | undefined
  const snapped = () => {
    snappedP ??= snap()
    return snappedP
  }

  async function snap(): Promise<Snapped> {
    const b = await backend()
    const d = join(await ctx.dir(), 'snap')
    await mkdir(d, { recursive: true })
    const sealedPath = join(d, 'sealed')
    const cacheDir = join(d, 'cache')
    const ccStaged = join(d, 'cc-staged')
    const cc = await b.addPiece({
      proofType,
      source: new Uint8Array(0),
      unpaddedSize: unpaddedSector,
      stagedPath: ccStaged,
      existingPieceSizes: [],
    })
    const ticket = new Uint8Array(32).fill(0x21)
    const p1 = await b.sealPreCommitPhase1({
      proofType,
      cacheDir,
      stagedPath: ccStaged,
      sealedPath,
      proverId,
      sectorNumber: SECTOR,
      ticket,
      pieces: [cc.piece],
    })
    const { commR: commROld } = await b.sealPreCommitPhase2({ phase1Output: p1, cacheDir, sealedPath })
    const stagedPath = join(d, 'staged')
    const sizes = [unpaddedSector / 2, unpaddedSector / 4, unpaddedSector / 4]
    const pieces: ProofsPieceInfo[] = []
    const pieceData: Uint8Array[] = []
    for (const [i, size] of sizes.entries()) {
      const source = i < 2 ? new Uint8Array(randomBytes(size)) : new Uint8Array(0)
      const r = await b.addPiece({
        proofType,
        source,
        unpaddedSize: size,
        stagedPath,
        existingPieceSizes: sizes.slice(0, i),
      })
      pieces.push(r.piece)
      pieceData.push(source)
    }
    const sealedBefore = new Uint8Array(await readFile(sealedPath))
    const pAuxBefore = new Uint8Array(await readFile(join(cacheDir, 'p_aux')))
    const files: UpdateFiles = {
      sectorKeyPath: sealedPath,
      sectorKeyCacheDir: cacheDir,
      replicaPath: join(d, 'update'),
      replicaCacheDir: join(d, 'update-cache'),
    }
    const enc = await b.encodeInto({
      updateProofType,
      newReplicaPath: files.replicaPath,
      newCacheDir: files.replicaCacheDir,
      sectorKeyPath: files.sectorKeyPath,
      sectorKeyCacheDir: files.sectorKeyCacheDir,
      stagedPath,
      pieces,
    })
    return { commROld, ...enc, files, stagedPath, pieces, pieceData, sealedBefore, pAuxBefore }
  }

  const commitments = (s: Snapped, change: Partial<UpdateCommitments> = {}): UpdateCommitments => ({
    updateProofType,
    commROld: s.commROld,
    commRNew: s.commRNew,
    commDNew: s.commDNew,
    ...change,
  })

  it('reports update proof registry facts that match the proof type', async () => {
    const b = await backend()
    const info = await b.updateProofInfo(updateProofType)
    expect(info.sectorSize).toBe(sectorSize)
    expect(info.partitions).toBe(update.partitions)
    expect(info.proofLength).toBe(192 * update.partitions)
    expect(info.circuitIdentifier.includes('empty-sector-update')).toBe(true)
    expect(await codeOf(b.updateProofInfo(9))).toBe('PROOF_TYPE_INVALID')
  })

  it(
    'encodes pieces into a CC replica with the CommD of the pieces and leaves the sector key as it was',
    async () => {
      const s = await snapped()
      const b = await backend()
      expect(s.commDNew).toEqual(piecesCommD(s.pieces, sectorSize))
      expect(await b.computeCommD({ proofType, pieces: s.pieces })).toEqual(s.commDNew)
      expect(same(s.commRNew, s.commROld)).toBe(false)
      expect((await stat(s.files.replicaPath)).size).toBe(sectorSize)
      for (const f of ['p_aux', 't_aux']) {
        expect((await stat(join(s.files.replicaCacheDir, f))).isFile()).toBe(true)
      }
      // comm_c is unchanged; comm_r_last is the new one.
      const pAux = new Uint8Array(await readFile(join(s.files.replicaCacheDir, 'p_aux')))
      expect(same(pAux.subarray(0, 32), s.pAuxBefore.subarray(0, 32))).toBe(true)
      expect(same(pAux.subarray(32), s.commRLastNew)).toBe(true)
      expect(same(new Uint8Array(await readFile(s.files.sectorKeyPath)), s.sealedBefore)).toBe(true)
      const replica = new Uint8Array(await readFile(s.files.replicaPath))
      expect(same(replica, new Uint8Array(await readFile(s.stagedPath)))).toBe(false)
    },
    timeout,
  )

  it(
    'decodes the replica back to the staged bytes, whole and by range, and not with another CommD',
    async () => {
      const s = await snapped()
      const b = await backend()
      const out = join(await ctx.dir(), 'snap', 'decoded')
      await b.decodeFrom({
        updateProofType,
        outputPath: out,
        replicaPath: s.files.replicaPath,
        sectorKeyPath: s.files.sectorKeyPath,
        sectorKeyCacheDir: s.files.sectorKeyCacheDir,
        commDNew: s.commDNew,
      })
      const staged = new Uint8Array(await readFile(s.stagedPath))
      expect(same(new Uint8Array(await readFile(out)), staged)).toBe(true)
      expect(same(fr32Unpad(staged.subarray(0, sectorSize / 2)), s.pieceData[0] as Uint8Array)).toBe(true)
      const second = s.pieceData[1] as Uint8Array
      const rangeOut = join(await ctx.dir(), 'snap', 'range')
      const range = {
        updateProofType,
        commDNew: s.commDNew,
        commROld: s.commROld,
        replicaPath: s.files.replicaPath,
        sectorKeyPath: s.files.sectorKeyPath,
        outputPath: rangeOut,
        unpaddedOffset: unpaddedSector / 2,
        unpaddedLength: second.length,
      }
      expect(await b.decodeRange(range)).toBe(second.length)
      expect(same(new Uint8Array(await readFile(rangeOut)), second)).toBe(true)
      await b.decodeRange({ ...range, commDNew: flipBit(s.commDNew) })
      expect(same(new Uint8Array(await readFile(rangeOut)), second)).toBe(false)
      expect(await codeOf(b.decodeRange({ ...range, unpaddedOffset: 100 }))).toBe('PROOFS_INVALID_INPUT')
    },
    timeout,
  )

  it(
    'proves the update through vanilla partition proofs and verifies it only for its commitments',
    async () => {
      const s = await snapped()
      const b = await backend()
      const c = commitments(s)
      const vanillaProofs = await b.generateUpdatePartitionProofs({ ...c, ...s.files })
      expect(vanillaProofs.length).toBe(update.partitions)
      expect(await b.verifyUpdatePartitionProofs({ ...c, vanillaProofs })).toBe(true)
      expect(
        await verifierRejected(
          b.verifyUpdatePartitionProofs({ ...commitments(s, { commRNew: s.commROld }), vanillaProofs }),
        ),
      ).toBe(true)
      const proof = await b.generateUpdateProofWithVanilla({ ...c, vanillaProofs })
      expect(proof.length).toBe(update.proofLength)
      const verify = (change: Partial<UpdateCommitments> = {}, p = proof) =>
        b.verifyUpdateProof({ ...commitments(s, change), proof: p })
      expect(await verify()).toBe(true)
      expect(await verifierRejected(verify({ commRNew: s.commROld }))).toBe(true)
      expect(await verifierRejected(verify({ commRNew: flipBit(s.commRNew) }))).toBe(true)
      expect(await verifierRejected(verify({ commROld: flipBit(s.commROld) }))).toBe(true)
      expect(await verifierRejected(verify({ commDNew: flipBit(s.commDNew) }))).toBe(true)
      expect(await verifierRejected(verify({}, flipBit(proof, 5)))).toBe(true)
    },
    timeout,
  )

  it(
    'proves the update in one call; vanilla proofs for another CommD fail or do not verify',
    async () => {
      const s = await snapped()
      const b = await backend()
      const proof = await b.generateUpdateProof({ ...commitments(s), ...s.files })
      expect(await b.verifyUpdateProof({ ...commitments(s), proof })).toBe(true)
      // The library proves whatever it is asked to (its proofs then do not verify); the mock
      // refuses at once. Either way no verifying proof comes out.
      const wrong = commitments(s, { commDNew: flipBit(s.commDNew) })
      const made = await b.generateUpdatePartitionProofs({ ...wrong, ...s.files }).then(
        (v) => v,
        (err: unknown) => {
          if (isVenusError(err, 'PROOFS_FAILED')) return undefined
          throw err
        },
      )
      if (made !== undefined) {
        expect(await verifierRejected(b.verifyUpdatePartitionProofs({ ...wrong, vanillaProofs: made }))).toBe(
          true,
        )
      }
    },
    timeout,
  )

  it(
    'proves the new replica with WindowPoSt (update file, update cache, new CommR)',
    async () => {
      const s = await snapped()
      const b = await backend()
      const randomness = new Uint8Array(32).fill(0x17)
      randomness[31] = 0x17
      const res = await b.generateWindowPoSt({
        randomness,
        proverId,
        replicas: [
          {
            postProofType: facts.windowPoStProof,
            sectorNumber: SECTOR,
            commR: s.commRNew,
            cacheDir: s.files.replicaCacheDir,
            sealedPath: s.files.replicaPath,
          },
        ],
      })
      expect(res.faultySectors).toEqual([])
      const verify = (commR: Uint8Array) =>
        b.verifyWindowPoSt({
          randomness,
          proverId,
          proofs: res.proofs,
          replicas: [{ sectorNumber: SECTOR, commR }],
        })
      expect(await verify(s.commRNew)).toBe(true)
      expect(await verify(s.commROld)).toBe(false)
    },
    timeout,
  )

  it(
    'regenerates the sector key from the replica and the data (remove encoded data)',
    async () => {
      const s = await snapped()
      const b = await backend()
      const d = join(await ctx.dir(), 'snap')
      const sectorKeyPath = join(d, 'regenerated')
      const sectorKeyCacheDir = join(d, 'regenerated-cache')
      await b.removeEncodedData({
        updateProofType,
        sectorKeyPath,
        sectorKeyCacheDir,
        replicaPath: s.files.replicaPath,
        // The library reads comm_c and the sector key's comm_r_last from this directory's p_aux.
        replicaCacheDir: s.files.sectorKeyCacheDir,
        stagedPath: s.stagedPath,
        commDNew: s.commDNew,
      })
      expect(same(new Uint8Array(await readFile(sectorKeyPath)), s.sealedBefore)).toBe(true)
      expect(same(new Uint8Array(await readFile(join(sectorKeyCacheDir, 'p_aux'))), s.pAuxBefore)).toBe(true)
      await rm(sectorKeyPath, { force: true })
    },
    timeout,
  )

  it(
    'encodes a piece that does not fill the sector (the rest is zeros) and decodes it back',
    async () => {
      const s = await snapped()
      const b = await backend()
      const d = join(await ctx.dir(), 'snap')
      const data = new Uint8Array(randomBytes(unpaddedSector / 4))
      const { piece } = await b.addPiece({
        proofType,
        source: data,
        unpaddedSize: data.length,
        stagedPath: join(d, 'staged-short'),
        existingPieceSizes: [],
      })
      const enc = await b.encodeInto({
        updateProofType,
        newReplicaPath: join(d, 'update-short'),
        newCacheDir: join(d, 'update-cache-short'),
        sectorKeyPath: s.files.sectorKeyPath,
        sectorKeyCacheDir: s.files.sectorKeyCacheDir,
        stagedPath: join(d, 'staged-short'),
        pieces: [piece],
      })
      expect(enc.commDNew).toEqual(piecesCommD([piece], sectorSize))
      const out = join(d, 'range-short')
      await b.decodeRange({
        updateProofType,
        commDNew: enc.commDNew,
        commROld: s.commROld,
        replicaPath: join(d, 'update-short'),
        sectorKeyPath: s.files.sectorKeyPath,
        outputPath: out,
        unpaddedOffset: 0,
        unpaddedLength: data.length,
      })
      expect(same(new Uint8Array(await readFile(out)), data)).toBe(true)
    },
    timeout,
  )

  it(
    'fails an encoding whose pieces are not the staged data and rejects malformed update inputs',
    async () => {
      const s = await snapped()
      const b = await backend()
      const d = join(await ctx.dir(), 'snap')
      const other = [
        { commP: s.pieces[1]?.commP as Uint8Array, paddedSize: sectorSize / 2 },
        ...s.pieces.slice(1),
      ]
      const bad = b.encodeInto({
        updateProofType,
        newReplicaPath: join(d, 'update-bad'),
        newCacheDir: join(d, 'update-cache-bad'),
        sectorKeyPath: s.files.sectorKeyPath,
        sectorKeyCacheDir: s.files.sectorKeyCacheDir,
        stagedPath: s.stagedPath,
        pieces: other,
      })
      expect(await codeOf(bad)).toBe('PROOFS_FAILED')
      const short = b.verifyUpdateProof({
        ...commitments(s, { commROld: new Uint8Array(31) }),
        proof: new Uint8Array(192),
      })
      expect(await codeOf(short)).toBe('PROOFS_INVALID_INPUT')
      const unknown = b.verifyUpdateProof({
        ...commitments(s, { updateProofType: 7 }),
        proof: new Uint8Array(192),
      })
      expect(await codeOf(unknown)).toBe('PROOF_TYPE_INVALID')
    },
    timeout,
  )
}
