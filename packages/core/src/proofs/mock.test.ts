import { randomBytes } from 'node:crypto'
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { isVenusError, VenusError } from '../errors/index.js'
import { commPSync, fr32Pad, zeroCommitment } from '../piece/index.js'
import { proofsBackendConformance } from '../testing.js'
import type { ProofsBackend } from './backend.js'
import { mockProofs } from './mock.js'
import { sealProofFacts } from './registry.js'

proofsBackendConformance(() => mockProofs(), {
  describe,
  it,
  expect,
  afterAll,
  name: 'mockProofs conformance (2KiB V1_1)',
})
proofsBackendConformance(() => mockProofs(), {
  describe,
  it,
  expect,
  afterAll,
  proofType: 1,
  // 8MiB seals cost ~0.5 s each on a loaded 2-core box: the 2KiB run covers these groups already.
  skip: { aggregate: true, winningPoSt: true },
  name: 'mockProofs conformance (8MiB V1)',
})

const PROVER = new Uint8Array(32)
PROVER[0] = 0xe8
PROVER[1] = 0x07
const TICKET = new Uint8Array(32).fill(7)
const SEED = new Uint8Array(32).fill(9)

async function codeOf(p: Promise<unknown>): Promise<string | undefined> {
  try {
    await p
    return undefined
  } catch (err) {
    return isVenusError(err) ? err.code : 'not a VenusError'
  }
}

describe('mockProofs specifics', () => {
  let dir: string
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'venus-mock-proofs-'))
  })
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true })
  })

  async function sealCc(proofs: ProofsBackend, name: string, proofType = 5) {
    const size = sealProofFacts(proofType).sectorSize
    const stagedPath = join(dir, `${name}-staged`)
    const sealedPath = join(dir, `${name}-sealed`)
    const cacheDir = join(dir, `${name}-cache`)
    const { piece } = await proofs.addPiece({
      proofType,
      source: new Uint8Array(0),
      unpaddedSize: (size / 128) * 127,
      stagedPath,
      existingPieceSizes: [],
    })
    const base = { proofType, proverId: PROVER, sectorNumber: 4, ticket: TICKET, pieces: [piece] }
    const p1 = await proofs.sealPreCommitPhase1({ ...base, cacheDir, stagedPath, sealedPath })
    const p2 = await proofs.sealPreCommitPhase2({ phase1Output: p1, cacheDir, sealedPath })
    return { ...base, ...p2, p1, cacheDir, sealedPath, stagedPath }
  }

  it('writes Fr32-padded piece bytes at the aligned offset and reports the library counts', async () => {
    const proofs = mockProofs()
    const stagedPath = join(dir, 'addpiece')
    const a = randomBytes(508)
    const b = randomBytes(1016)
    const ra = await proofs.addPiece({
      proofType: 5,
      source: a,
      unpaddedSize: 508,
      stagedPath,
      existingPieceSizes: [],
    })
    const rb = await proofs.addPiece({
      proofType: 5,
      source: b,
      unpaddedSize: 1016,
      stagedPath,
      existingPieceSizes: [508],
    })
    expect(ra).toEqual({
      piece: { commP: commPSync(a).commP, paddedSize: 512 },
      writtenUnpadded: 508,
      paddedOffset: 0,
    })
    expect(rb.paddedOffset).toBe(1024)
    expect(rb.writtenUnpadded).toBe(1524)
    expect(rb.piece.commP).toEqual(commPSync(b).commP)
    const staged = new Uint8Array(await readFile(stagedPath))
    expect(staged.length).toBe(2048)
    expect(staged.subarray(0, 512)).toEqual(fr32Pad(a))
    expect(staged.subarray(512, 1024)).toEqual(new Uint8Array(512))
    expect(staged.subarray(1024)).toEqual(fr32Pad(b))
  })

  it('streams a piece from a file path and from an async iterable to the same commitment', async () => {
    const proofs = mockProofs()
    const data = randomBytes(127 * 64)
    const path = join(dir, 'piece-src')
    await writeFile(path, data)
    async function* parts() {
      for (let i = 0; i < data.length; i += 1000) yield data.subarray(i, i + 1000)
    }
    const fromPath = await proofs.generatePieceCommitment({
      proofType: 6,
      source: { path },
      unpaddedSize: data.length,
    })
    const fromIter = await proofs.generatePieceCommitment({
      proofType: 6,
      source: parts(),
      unpaddedSize: data.length,
    })
    expect(fromPath).toEqual({ commP: commPSync(data).commP, paddedSize: 8192 })
    expect(fromIter).toEqual(fromPath)
    const tooLong = proofs.generatePieceCommitment({ proofType: 6, source: data, unpaddedSize: 127 * 32 })
    expect(await codeOf(tooLong)).toBe('PROOFS_INVALID_INPUT')
  })

  it('leaves the cache files of the proofs library and clearCache keeps only what PoSt needs', async () => {
    const proofs = mockProofs()
    const s = await sealCc(proofs, 'files')
    expect((await readdir(s.cacheDir)).sort()).toEqual(
      [
        'p_aux',
        'sc-02-data-layer-1.dat',
        'sc-02-data-layer-2.dat',
        'sc-02-data-tree-c.dat',
        'sc-02-data-tree-d.dat',
        'sc-02-data-tree-r-last.dat',
        't_aux',
      ].sort(),
    )
    const treeD = await readFile(join(s.cacheDir, 'sc-02-data-tree-d.dat'))
    expect(treeD.length).toBe(127 * 32)
    expect(new Uint8Array(treeD.subarray(treeD.length - 32))).toEqual(zeroCommitment(2048))
    await proofs.clearCache({ sectorSize: 2048, cacheDir: s.cacheDir })
    expect((await readdir(s.cacheDir)).sort()).toEqual(['p_aux', 'sc-02-data-tree-r-last.dat', 't_aux'])
  })

  it('derives the same CommR and proof from the same inputs in another instance', async () => {
    const a = await sealCc(mockProofs(), 'det-a')
    const b = await sealCc(mockProofs(), 'det-b')
    expect(a.commR).toEqual(b.commR)
    expect(a.commR[31] as number).toBeLessThan(0x40)
    const c = await sealCc(mockProofs(), 'det-c', 0)
    expect(c.commR).not.toEqual(a.commR)
  })

  it('seals a 32GiB sector sparsely with 10-partition proofs of 1920 bytes', async () => {
    const proofs = mockProofs()
    const s = await sealCc(proofs, 'big', 8)
    expect((await stat(s.sealedPath)).size).toBe(32 * 1024 ** 3)
    expect((await stat(s.sealedPath)).blocks).toBeLessThan(1024)
    const names = await readdir(s.cacheDir)
    expect(names.filter((n) => n.startsWith('sc-02-data-tree-r-last-')).length).toBe(8)
    expect(names.filter((n) => n.startsWith('sc-02-data-layer-')).length).toBe(11)
    const c1 = await proofs.sealCommitPhase1({ ...s, seed: SEED, sectorNumber: 4 })
    const proof = await proofs.sealCommitPhase2({ phase1Output: c1, proverId: PROVER, sectorNumber: 4 })
    expect(proof.length).toBe(1920)
    expect(await proofs.verifySeal({ ...s, seed: SEED, proof })).toBe(true)
  })

  it('fails C2 for another prover or sector and rejects an altered phase output', async () => {
    const proofs = mockProofs()
    const s = await sealCc(proofs, 'c2')
    const c1 = await proofs.sealCommitPhase1({ ...s, seed: SEED })
    expect(
      await codeOf(proofs.sealCommitPhase2({ phase1Output: c1, proverId: PROVER, sectorNumber: 5 })),
    ).toBe('PROOFS_FAILED')
    const altered = new TextEncoder().encode(
      new TextDecoder().decode(c1).replace(/"sectorNumber":4/, '"sectorNumber":6'),
    )
    expect(
      await codeOf(proofs.sealCommitPhase2({ phase1Output: altered, proverId: PROVER, sectorNumber: 6 })),
    ).toBe('PROOFS_INVALID_INPUT')
    expect(
      await codeOf(
        proofs.sealPreCommitPhase2({
          phase1Output: new Uint8Array([1, 2]),
          cacheDir: s.cacheDir,
          sealedPath: s.sealedPath,
        }),
      ),
    ).toBe('PROOFS_INVALID_INPUT')
  })

  it('checks CommR and CommD as field elements: accepts a real CommR with bit 6 of byte 31 set', async () => {
    // From the native backend: a 2KiB V1_1 CC sector of f01000, sector 1, ticket 32×0x01.
    // Poseidon outputs use the whole field, so byte 31 is 0x5c here (bit 6 set, below r).
    const hex = (h: string) => new Uint8Array(Buffer.from(h, 'hex'))
    const commR = hex('77424390b36f74acd595c40d0e341f4fbff18623feaf8ad72fe73d7490d0d65c')
    const commD = zeroCommitment(2048)
    expect((commR[31] as number) & 0x40).toBe(0x40)
    const proofs = mockProofs()
    const seal = {
      proofType: 5,
      proverId: PROVER,
      sectorNumber: 1,
      ticket: new Uint8Array(32).fill(1),
      seed: SEED,
      commR,
      commD,
      proof: new Uint8Array(sealProofFacts(5).proofLength),
    }
    // A proof the mock did not make: false, not an input error.
    expect(await proofs.verifySeal(seal)).toBe(false)
    const agg = proofs.aggregateSealProofs({
      proofType: 5,
      aggregateType: 1,
      commRs: [commR],
      seeds: [SEED],
      proofs: [seal.proof],
    })
    expect(await codeOf(agg)).toBeUndefined()
    // r itself (little-endian) and anything above it are not field elements.
    const modulus = hex('01000000fffffffffe5bfeff02a4bd5305d8a10908d83933487d9d2953a7ed73')
    expect(await codeOf(proofs.verifySeal({ ...seal, commR: modulus }))).toBe('PROOFS_INVALID_INPUT')
    expect(await codeOf(proofs.verifySeal({ ...seal, commD: modulus }))).toBe('PROOFS_INVALID_INPUT')
    const below = modulus.slice()
    below[0] = 0
    expect(await proofs.verifySeal({ ...seal, commR: below })).toBe(false)
  })

  it('rejects PoSt randomness that is not a canonical field element', async () => {
    const proofs = mockProofs()
    const s = await sealCc(proofs, 'rand')
    const randomness = new Uint8Array(32).fill(0xff)
    const req = { randomness, proverId: PROVER, replicas: [{ ...s, postProofType: 10, sectorNumber: 4 }] }
    expect(await codeOf(proofs.generateWindowPoSt(req))).toBe('PROOFS_INVALID_INPUT')
  })

  it('sleeps the configured per-stage delay and aborts during it', async () => {
    const proofs = mockProofs({ delays: { pc2: 10_000 } })
    const s = await sealCc(mockProofs(), 'delay')
    const ctl = new AbortController()
    const pending = proofs.sealPreCommitPhase2(
      { phase1Output: s.p1, cacheDir: s.cacheDir, sealedPath: s.sealedPath },
      { signal: ctl.signal },
    )
    setTimeout(() => ctl.abort(), 5)
    expect(await codeOf(pending)).toBe('ABORTED')
  })

  it('lets a hook inject failures by stage', async () => {
    const seen: string[] = []
    const proofs = mockProofs({
      onCall: ({ stage, method }) => {
        seen.push(method)
        if (stage === 'pc2') throw new Error('disk on fire')
        if (stage === 'c2') throw new VenusError('PROOFS_PANIC', 'boom')
      },
    })
    const s = await sealCc(mockProofs(), 'inject')
    expect(
      await codeOf(
        proofs.sealPreCommitPhase2({ phase1Output: s.p1, cacheDir: s.cacheDir, sealedPath: s.sealedPath }),
      ),
    ).toBe('PROOFS_FAILED')
    expect(
      await codeOf(
        proofs.sealCommitPhase2({ phase1Output: new Uint8Array(), proverId: PROVER, sectorNumber: 1 }),
      ),
    ).toBe('PROOFS_PANIC')
    expect(seen).toEqual(['sealPreCommitPhase2', 'sealCommitPhase2'])
  })

  it('writes and preprocesses a piece at an offset without alignment, appending by default', async () => {
    const proofs = mockProofs()
    const targetPath = join(dir, 'wap')
    const a = randomBytes(127)
    const b = randomBytes(254)
    const ra = await proofs.writeAndPreprocess({ proofType: 5, source: a, unpaddedSize: 127, targetPath })
    const rb = await proofs.writeAndPreprocess({ proofType: 5, source: b, unpaddedSize: 254, targetPath })
    expect(ra.paddedOffset).toBe(0)
    expect(rb).toEqual({
      piece: { commP: commPSync(b).commP, paddedSize: 256 },
      writtenUnpadded: 254,
      paddedOffset: 128,
    })
    const at = await proofs.writeAndPreprocess({
      proofType: 5,
      source: a,
      unpaddedSize: 127,
      targetPath,
      paddedOffset: 1024,
    })
    expect(at.paddedOffset).toBe(1024)
    const file = new Uint8Array(await readFile(targetPath))
    expect(file.subarray(0, 128)).toEqual(fr32Pad(a))
    expect(file.subarray(128, 384)).toEqual(fr32Pad(b))
    expect(file.subarray(1024, 1152)).toEqual(fr32Pad(a))
    const odd = proofs.writeAndPreprocess({
      proofType: 5,
      source: a,
      unpaddedSize: 127,
      targetPath,
      paddedOffset: 100,
    })
    expect(await codeOf(odd)).toBe('PROOFS_INVALID_INPUT')
  })

  it('splits a WindowPoSt into partitions and gets the same bytes through vanilla proofs', async () => {
    const proofs = mockProofs()
    const replicas = []
    for (const n of [1, 2, 3]) {
      const s = await sealCc(proofs, `part-${n}`)
      // sealCc seals sector 4 each time; give each its own identity for PoSt purposes.
      replicas.push({
        postProofType: 10,
        sectorNumber: n,
        commR: s.commR,
        cacheDir: s.cacheDir,
        sealedPath: s.sealedPath,
      })
    }
    const randomness = new Uint8Array(32).fill(0x11)
    const whole = await proofs.generateWindowPoSt({ randomness, proverId: PROVER, replicas })
    expect(await proofs.windowPoStPartitions(10, 3)).toBe(2)
    expect(whole.proofs[0]?.proofBytes.length).toBe(384)
    const challenges = await proofs.generateFallbackSectorChallenges({
      postProofType: 10,
      randomness,
      proverId: PROVER,
      sectorNumbers: [1, 2, 3],
    })
    expect(
      challenges.every((c) => c.challenges.length === 10 && c.challenges.every((x) => x >= 0 && x < 64)),
    ).toBe(true)
    const vanilla = []
    for (const [i, r] of replicas.entries()) {
      vanilla.push(
        await proofs.generateSingleVanillaProof({ replica: r, challenges: challenges[i]?.challenges ?? [] }),
      )
    }
    const p0 = await proofs.generateSingleWindowPoStWithVanilla({
      postProofType: 10,
      randomness,
      proverId: PROVER,
      vanillaProofs: vanilla.slice(0, 2),
      partitionIndex: 0,
    })
    const p1 = await proofs.generateSingleWindowPoStWithVanilla({
      postProofType: 10,
      randomness,
      proverId: PROVER,
      vanillaProofs: vanilla.slice(2),
      partitionIndex: 1,
    })
    const merged = await proofs.mergeWindowPoStPartitionProofs({
      postProofType: 10,
      partitionProofs: [p1, p0],
    })
    expect(merged.proofBytes).toEqual(whole.proofs[0]?.proofBytes)
    const other = new Uint8Array(32).fill(0x12)
    const stale = proofs.generateSingleWindowPoStWithVanilla({
      postProofType: 10,
      randomness: other,
      proverId: PROVER,
      vanillaProofs: vanilla.slice(0, 2),
      partitionIndex: 0,
    })
    expect(await codeOf(stale)).toBe('PROOFS_FAILED')
    const forged = (vanilla[0] as Uint8Array).slice()
    forged[20] = (forged[20] as number) ^ 1
    const bad = proofs.generateSingleWindowPoStWithVanilla({
      postProofType: 10,
      randomness,
      proverId: PROVER,
      vanillaProofs: [forged],
      partitionIndex: 0,
    })
    expect(await codeOf(bad)).toBe('PROOFS_FAILED')
    const pub = replicas.map((r) => ({ sectorNumber: r.sectorNumber, commR: r.commR }))
    const asWinning = await proofs.verifyWinningPoSt({
      randomness,
      proverId: PROVER,
      proofs: whole.proofs,
      replicas: pub,
    })
    expect(asWinning).toBe(false)
  })

  it('knows the registry facts of every seal and PoSt proof type', async () => {
    const proofs = mockProofs()
    expect((await proofs.sealProofInfo(8)).proofLength).toBe(1920)
    expect((await proofs.sealProofInfo(15)).proofLength).toBe(13 * 192)
    expect((await proofs.sealProofInfo(18)).partitions).toBe(126)
    expect((await proofs.postProofInfo(13)).sectorsPerPartition).toBe(2349)
    expect((await proofs.postProofInfo(14)).sectorsPerPartition).toBe(2300)
    expect((await proofs.postProofInfo(0)).challengesPerSector).toBe(66)
    expect(await proofs.windowPoStPartitions(13, 2350)).toBe(2)
    expect(await codeOf(proofs.postProofInfo(15))).toBe('PROOF_TYPE_INVALID')
  })
})
