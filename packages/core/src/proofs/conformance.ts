import { randomBytes } from 'node:crypto'
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { commPSync, commD as piecesCommD, zeroCommitment } from '../piece/index.js'
import type { PrivateReplicaInfo, ProofsBackend, ProofsPieceInfo, ProofsProgressEvent } from './backend.js'
import { snapConformance } from './conformance-snap.js'
import { codeOf, exists, flipBit, verifierRejected } from './conformance-util.js'
import { sealProofFacts } from './registry.js'
import { generateWindowPoStVanillaProofs, windowPoStViaVanilla } from './window-post-vanilla.js'

/** The slice of a vitest/jest-style `expect` the suite uses. */
export type ConformanceExpect = (actual: unknown) => {
  toBe(expected: unknown): void
  toEqual(expected: unknown): void
}

/** Options of {@link proofsBackendConformance}: the test API plus knobs for slow backends. */
export interface ProofsConformanceOptions {
  describe: (name: string, fn: () => void) => void
  it: (name: string, fn: () => Promise<void>, timeoutMs?: number) => void
  expect: ConformanceExpect
  /** Registers cleanup of the temporary directory when given (e.g. vitest's `afterAll`). */
  afterAll?: ((fn: () => Promise<void>) => void) | undefined
  /** Seal proof type to run with; default 5 (StackedDrg2KiBV1_1). */
  proofType?: number | undefined
  /** How many proofs to aggregate; default 4 (native backends may choose 2). */
  aggregateCount?: number | undefined
  /** Per-test timeout in ms passed to `it`; default 30 000. */
  timeoutMs?: number | undefined
  /** Parent directory of the temporary sector directories; default the OS temp dir. */
  tmpRoot?: string | undefined
  /** Groups to leave out, e.g. `{ aggregate: true }` where no SnarkPack SRS exists. */
  skip?:
    | {
        aggregate?: boolean
        windowPoSt?: boolean
        winningPoSt?: boolean
        dataSector?: boolean
        unseal?: boolean
        /** The empty-sector-update (SnapDeals) group, e.g. where no update parameters exist. */
        snap?: boolean
      }
    | undefined
  /** Suite name; default `'ProofsBackend conformance'`. */
  name?: string | undefined
}

/** A sector the suite sealed, with everything verifiers need. */
interface SealedSector {
  sectorNumber: number
  ticket: Uint8Array
  seed: Uint8Array
  commR: Uint8Array
  commD: Uint8Array
  proof: Uint8Array
  cacheDir: string
  sealedPath: string
  pieces: ProofsPieceInfo[]
  /** Raw bytes of each piece (zero pieces are empty arrays). */
  pieceData: Uint8Array[]
}

/** prover id of actor f01000: the LEB128 of 1000 left-aligned in 32 bytes. */
const PROVER_ID = (() => {
  const p = new Uint8Array(32)
  p[0] = 0xe8
  p[1] = 0x07
  return p
})()

function filled(byte: number): Uint8Array {
  return new Uint8Array(32).fill(byte)
}

/** 32 bytes that are a canonical field element (top two bits of byte 31 clear). */
function randomness(byte: number): Uint8Array {
  const r = filled(byte)
  r[31] = byte & 0x3f
  return r
}

/**
 * Registers a conformance suite for a {@link ProofsBackend} with the given test functions (so
 * core needs no test framework at run time). It seals a CC sector and a data sector through
 * AddPiece → PC1 → PC2 → C1 → C2 → verify, checks rejections of altered inputs, WindowPoSt over two
 * sectors (whole and per partition from vanilla proofs), aggregation, WinningPoSt, clear-cache,
 * input validation and abort, and a SnapDeals update of a CC sector (encode, decode, vanilla and
 * SNARK proofs, WindowPoSt of the new replica, sector key regeneration). Sealed sectors are shared between tests, so slow backends pay for
 * each seal once.
 *
 * @example
 * ```ts
 * import { afterAll, describe, expect, it } from 'vitest'
 * import { mockProofs } from '@venus-cluster/core'
 * import { proofsBackendConformance } from '@venus-cluster/core/testing'
 * proofsBackendConformance(() => mockProofs(), { describe, it, expect, afterAll })
 * ```
 */
export function proofsBackendConformance(
  makeBackend: () => ProofsBackend | Promise<ProofsBackend>,
  options: ProofsConformanceOptions,
): void {
  const { describe, it, expect } = options
  const proofType = options.proofType ?? 5
  const facts = sealProofFacts(proofType)
  const sectorSize = facts.sectorSize
  const unpaddedSector = (sectorSize / 128) * 127
  const timeout = options.timeoutMs ?? 30_000
  const aggregateCount = options.aggregateCount ?? 4
  const skip = options.skip ?? {}
  const windowType = facts.windowPoStProof
  const winningType = facts.winningPoStProof
  const otherProofType = proofType >= 5 ? proofType % 5 : proofType + 5

  let backendP: Promise<ProofsBackend> | undefined
  const backend = () => {
    backendP ??= Promise.resolve(makeBackend())
    return backendP
  }
  let dirP: Promise<string> | undefined
  const dir = () => {
    dirP ??= mkdtemp(join(options.tmpRoot ?? tmpdir(), 'venus-proofs-conformance-'))
    return dirP
  }
  options.afterAll?.(async () => {
    if (dirP !== undefined) await rm(await dirP, { recursive: true, force: true })
  })

  const paths = async (sectorNumber: number) => {
    const d = await dir()
    return {
      stagedPath: join(d, `unsealed-${sectorNumber}`),
      sealedPath: join(d, `sealed-${sectorNumber}`),
      cacheDir: join(d, `cache-${sectorNumber}`),
    }
  }

  /** Seals one sector; `data` puts two random pieces and a zero piece in it, else it is CC. */
  async function seal(sectorNumber: number, kind: 'cc' | 'data'): Promise<SealedSector> {
    const b = await backend()
    const { stagedPath, sealedPath, cacheDir } = await paths(sectorNumber)
    const pieces: ProofsPieceInfo[] = []
    const sizes =
      kind === 'cc' ? [unpaddedSector] : [unpaddedSector / 2, unpaddedSector / 4, unpaddedSector / 4]
    const existing: number[] = []
    const pieceData: Uint8Array[] = []
    for (const [i, size] of sizes.entries()) {
      const source = kind === 'data' && i < 2 ? new Uint8Array(randomBytes(size)) : new Uint8Array(0)
      pieceData.push(source)
      const r = await b.addPiece({
        proofType,
        source,
        unpaddedSize: size,
        stagedPath,
        existingPieceSizes: existing,
      })
      existing.push(size)
      pieces.push(r.piece)
    }
    const ticket = filled(0x10 + (sectorNumber % 0x40))
    const seed = filled(0x80 + (sectorNumber % 0x40))
    const p1 = await b.sealPreCommitPhase1({
      proofType,
      cacheDir,
      stagedPath,
      sealedPath,
      proverId: PROVER_ID,
      sectorNumber,
      ticket,
      pieces,
    })
    const { commR, commD } = await b.sealPreCommitPhase2({ phase1Output: p1, cacheDir, sealedPath })
    const c1 = await b.sealCommitPhase1({
      proofType,
      cacheDir,
      sealedPath,
      proverId: PROVER_ID,
      sectorNumber,
      ticket,
      seed,
      commR,
      commD,
      pieces,
    })
    const proof = await b.sealCommitPhase2({ phase1Output: c1, proverId: PROVER_ID, sectorNumber })
    return { sectorNumber, ticket, seed, commR, commD, proof, cacheDir, sealedPath, pieces, pieceData }
  }

  const sealed = new Map<number, Promise<SealedSector>>()
  const sector = (n: number, kind: 'cc' | 'data' = 'cc') => {
    let p = sealed.get(n)
    if (p === undefined) {
      p = seal(n, kind)
      sealed.set(n, p)
    }
    return p
  }
  const ccSector = () => sector(1, 'cc')
  const dataSector = () => sector(2, skip.dataSector ? 'cc' : 'data')

  const replicaOf = (s: SealedSector, postProofType = windowType): PrivateReplicaInfo => ({
    postProofType,
    sectorNumber: s.sectorNumber,
    commR: s.commR,
    cacheDir: s.cacheDir,
    sealedPath: s.sealedPath,
  })

  const verify = async (s: SealedSector, change: Partial<Record<string, unknown>> = {}) =>
    (await backend()).verifySeal({
      proofType,
      proverId: PROVER_ID,
      sectorNumber: s.sectorNumber,
      ticket: s.ticket,
      seed: s.seed,
      commR: s.commR,
      commD: s.commD,
      proof: s.proof,
      ...change,
    })

  describe(options.name ?? 'ProofsBackend conformance', () => {
    it('reports registry facts that match the proof type', async () => {
      const b = await backend()
      const info = await b.sealProofInfo(proofType)
      expect(info.sectorSize).toBe(sectorSize)
      expect(info.proofLength).toBe(192 * info.partitions)
      const post = await b.postProofInfo(windowType)
      expect(post.kind).toBe('window')
      expect(post.sectorSize).toBe(sectorSize)
      expect(await codeOf(b.sealProofInfo(999))).toBe('PROOF_TYPE_INVALID')
    })

    it('computes the CommD of an empty (CC) sector as the zero commitment', async () => {
      const b = await backend()
      expect(await b.computeCommD({ proofType, pieces: [] })).toEqual(zeroCommitment(sectorSize))
    })

    it('computes the zero-filled CommD of pieces that do not fill the sector', async () => {
      const b = await backend()
      const piece = commPSync(randomBytes(unpaddedSector / 4))
      const pieces = [{ commP: piece.commP, paddedSize: piece.paddedSize }]
      expect(await b.computeCommD({ proofType, pieces })).toEqual(piecesCommD(pieces, sectorSize))
    })

    it(
      'seals a CC sector through AddPiece, PC1, PC2, C1, C2 and verifies it',
      async () => {
        const s = await ccSector()
        expect(s.pieces[0]?.commP).toEqual(zeroCommitment(sectorSize))
        expect(s.commD).toEqual(zeroCommitment(sectorSize))
        expect(s.proof.length).toBe(facts.proofLength)
        expect((await stat(s.sealedPath)).size).toBe(sectorSize)
        expect((await readFile(join(s.cacheDir, 'p_aux'))).length).toBe(64)
        expect(await verify(s)).toBe(true)
      },
      timeout,
    )

    it(
      'seals a sector with data pieces whose CommD matches the pieces',
      async () => {
        const s = await dataSector()
        const b = await backend()
        expect(await b.computeCommD({ proofType, pieces: s.pieces })).toEqual(s.commD)
        expect(await verify(s)).toBe(true)
        const cc = await ccSector()
        expect(Buffer.from(s.commR).equals(cc.commR)).toBe(false)
      },
      timeout,
    )

    if (!skip.dataSector && !skip.unseal) {
      it(
        'unseals the raw bytes of a piece from the replica',
        async () => {
          const b = await backend()
          if (b.unsealRange === undefined) return
          const unseal = b.unsealRange.bind(b)
          const s = await dataSector()
          const outputPath = join(await dir(), 'unsealed-out')
          const base = {
            proofType,
            cacheDir: s.cacheDir,
            sealedPath: s.sealedPath,
            outputPath,
            proverId: PROVER_ID,
            sectorNumber: s.sectorNumber,
            ticket: s.ticket,
            commD: s.commD,
          }
          const second = s.pieceData[1] as Uint8Array
          const n = await unseal({
            ...base,
            unpaddedOffset: unpaddedSector / 2,
            unpaddedLength: second.length,
          })
          expect(n).toBe(second.length)
          // Buffer.equals: a deep toEqual over megabytes is slow in test frameworks.
          expect(Buffer.from(await readFile(outputPath)).equals(second)).toBe(true)
          // The library decodes garbage with a wrong ticket; either way the data must not come back.
          const wrong = unseal({
            ...base,
            ticket: flipBit(s.ticket),
            unpaddedOffset: 0,
            unpaddedLength: second.length,
          })
          const got = await wrong.then(
            async () => new Uint8Array(await readFile(outputPath)),
            () => undefined,
          )
          expect(
            got !== undefined && Buffer.from(got).equals(s.pieceData[0]?.subarray(0, second.length) ?? got),
          ).toBe(false)
        },
        timeout,
      )
    }

    it('computes the piece commitment the piece module computes', async () => {
      const b = await backend()
      const data = randomBytes(unpaddedSector / 4)
      const info = await b.generatePieceCommitment({ proofType, source: data, unpaddedSize: data.length })
      const ref = commPSync(data)
      expect(info.paddedSize).toBe(ref.paddedSize)
      expect(info.commP).toEqual(ref.commP)
    })

    it(
      'rejects a seal proof when the proof or any public input differs',
      async () => {
        const s = await ccSector()
        expect(await verifierRejected(verify(s, { proof: flipBit(s.proof, 7) }))).toBe(true)
        expect(await verify(s, { seed: flipBit(s.seed) })).toBe(false)
        expect(await verify(s, { ticket: flipBit(s.ticket) })).toBe(false)
        expect(await verify(s, { sectorNumber: s.sectorNumber + 1 })).toBe(false)
        expect(await verify(s, { commR: flipBit(s.commR) })).toBe(false)
        expect(await verify(s, { commD: flipBit(s.commD) })).toBe(false)
        expect(await verify(s, { proverId: flipBit(PROVER_ID, 2) })).toBe(false)
        expect(await verify(s, { proofType: otherProofType })).toBe(false)
      },
      timeout,
    )

    it(
      'fails C1 when the ticket differs from the one PC1 used',
      async () => {
        const s = await ccSector()
        const b = await backend()
        const code = await codeOf(
          b.sealCommitPhase1({
            proofType,
            cacheDir: s.cacheDir,
            sealedPath: s.sealedPath,
            proverId: PROVER_ID,
            sectorNumber: s.sectorNumber,
            ticket: flipBit(s.ticket),
            seed: s.seed,
            commR: s.commR,
            commD: s.commD,
            pieces: s.pieces,
          }),
        )
        expect(code).toBe('PROOFS_FAILED')
      },
      timeout,
    )

    it(
      'fails PC1 when the pieces do not match the staged data',
      async () => {
        const b = await backend()
        const { stagedPath, sealedPath, cacheDir } = await paths(90)
        await b.addPiece({
          proofType,
          source: randomBytes(127),
          unpaddedSize: unpaddedSector,
          stagedPath,
          existingPieceSizes: [],
        })
        const code = await codeOf(
          b.sealPreCommitPhase1({
            proofType,
            cacheDir,
            stagedPath,
            sealedPath,
            proverId: PROVER_ID,
            sectorNumber: 90,
            ticket: filled(1),
            pieces: [{ commP: zeroCommitment(sectorSize), paddedSize: sectorSize }],
          }),
        )
        expect(code).toBe('PROOFS_FAILED')
      },
      timeout,
    )

    it(
      'rejects malformed inputs with PROOFS_INVALID_INPUT',
      async () => {
        const s = await ccSector()
        expect(await codeOf(verify(s, { ticket: new Uint8Array(31) }))).toBe('PROOFS_INVALID_INPUT')
        const b = await backend()
        const { stagedPath } = await paths(91)
        expect(
          await codeOf(
            b.addPiece({
              proofType,
              source: new Uint8Array(0),
              unpaddedSize: 1000,
              stagedPath,
              existingPieceSizes: [],
            }),
          ),
        ).toBe('PROOFS_INVALID_INPUT')
      },
      timeout,
    )

    it(
      'honours an aborted signal',
      async () => {
        const b = await backend()
        const { stagedPath, sealedPath, cacheDir } = await paths(92)
        const signal = AbortSignal.abort()
        const pc1 = b.sealPreCommitPhase1(
          {
            proofType,
            cacheDir,
            stagedPath,
            sealedPath,
            proverId: PROVER_ID,
            sectorNumber: 92,
            ticket: filled(1),
            pieces: [],
          },
          { signal },
        )
        expect(await codeOf(pc1)).toBe('ABORTED')
        const s = await ccSector()
        const post = b.generateWindowPoSt(
          { randomness: randomness(3), proverId: PROVER_ID, replicas: [replicaOf(s)] },
          { signal },
        )
        expect(await codeOf(post)).toBe('ABORTED')
      },
      timeout,
    )

    it(
      'reports progress events of the running stage only',
      async () => {
        const b = await backend()
        const { stagedPath, sealedPath, cacheDir } = await paths(93)
        await b.addPiece({
          proofType,
          source: new Uint8Array(0),
          unpaddedSize: unpaddedSector,
          stagedPath,
          existingPieceSizes: [],
        })
        const events: ProofsProgressEvent[] = []
        await b.sealPreCommitPhase1(
          {
            proofType,
            cacheDir,
            stagedPath,
            sealedPath,
            proverId: PROVER_ID,
            sectorNumber: 93,
            ticket: filled(1),
            pieces: [],
          },
          { onProgress: (e) => events.push(e) },
        )
        expect(events.every((e) => e.stage === 'pc1' && e.done <= e.total)).toBe(true)
      },
      timeout,
    )

    if (!skip.windowPoSt) {
      it(
        'generates and verifies a WindowPoSt over two sectors',
        async () => {
          const b = await backend()
          const [a, c] = [await ccSector(), await dataSector()]
          const rand = randomness(0x21)
          const res = await b.generateWindowPoSt({
            randomness: rand,
            proverId: PROVER_ID,
            replicas: [replicaOf(c), replicaOf(a)],
          })
          expect(res.faultySectors).toEqual([])
          expect(res.proofs.length).toBe(1)
          const partitions = await b.windowPoStPartitions(windowType, 2)
          expect(res.proofs[0]?.proofBytes.length).toBe(192 * partitions)
          const pub = [a, c].map((s) => ({ sectorNumber: s.sectorNumber, commR: s.commR }))
          const ok = (change: Partial<Parameters<ProofsBackend['verifyWindowPoSt']>[0]> = {}) =>
            b.verifyWindowPoSt({
              randomness: rand,
              proverId: PROVER_ID,
              proofs: res.proofs,
              replicas: pub,
              ...change,
            })
          expect(await ok()).toBe(true)
          expect(await ok({ randomness: randomness(0x22) })).toBe(false)
          expect(await ok({ replicas: pub.slice(0, 1) })).toBe(false)
          // No prover-id check: the real WindowPoSt does not bind the prover id.
          expect(
            await ok({
              replicas: [pub[0] as (typeof pub)[0], { sectorNumber: c.sectorNumber, commR: a.commR }],
            }),
          ).toBe(false)
          const tampered = res.proofs.map((p) => ({ ...p, proofBytes: flipBit(p.proofBytes, 100) }))
          expect(await verifierRejected(ok({ proofs: tampered }))).toBe(true)
        },
        timeout,
      )

      it(
        'builds a WindowPoSt per partition from vanilla proofs',
        async () => {
          const b = await backend()
          const sectors = [await ccSector(), await dataSector()]
          const rand = randomness(0x23)
          const challenges = await b.generateFallbackSectorChallenges({
            postProofType: windowType,
            randomness: rand,
            proverId: PROVER_ID,
            sectorNumbers: sectors.map((s) => s.sectorNumber),
          })
          expect(challenges.map((c) => c.sectorNumber)).toEqual(sectors.map((s) => s.sectorNumber))
          const info = await b.postProofInfo(windowType)
          const vanilla: Uint8Array[] = []
          for (const [i, s] of sectors.entries()) {
            vanilla.push(
              await b.generateSingleVanillaProof({
                replica: replicaOf(s),
                challenges: challenges[i]?.challenges ?? [],
              }),
            )
          }
          const parts = []
          for (let p = 0; p * info.sectorsPerPartition < sectors.length; p++) {
            const slice = vanilla.slice(p * info.sectorsPerPartition, (p + 1) * info.sectorsPerPartition)
            parts.push(
              await b.generateSingleWindowPoStWithVanilla({
                postProofType: windowType,
                randomness: rand,
                proverId: PROVER_ID,
                vanillaProofs: slice,
                partitionIndex: p,
              }),
            )
          }
          const merged = await b.mergeWindowPoStPartitionProofs({
            postProofType: windowType,
            partitionProofs: parts,
          })
          const pub = sectors.map((s) => ({ sectorNumber: s.sectorNumber, commR: s.commR }))
          expect(
            await b.verifyWindowPoSt({
              randomness: rand,
              proverId: PROVER_ID,
              proofs: [merged],
              replicas: pub,
            }),
          ).toBe(true)
        },
        timeout,
      )

      it(
        'builds the whole WindowPoSt from vanilla proofs, and reports unreadable sectors as faulty',
        async () => {
          const b = await backend()
          const sectors = [await ccSector(), await dataSector()]
          const rand = randomness(0x24)
          const res = await windowPoStViaVanilla(b, {
            randomness: rand,
            proverId: PROVER_ID,
            replicas: sectors.map((s) => replicaOf(s)),
          })
          expect(res.faultySectors).toEqual([])
          const pub = sectors.map((s) => ({ sectorNumber: s.sectorNumber, commR: s.commR }))
          expect(
            await b.verifyWindowPoSt({
              randomness: rand,
              proverId: PROVER_ID,
              proofs: res.proofs,
              replicas: pub,
            }),
          ).toBe(true)
          const gone = {
            ...replicaOf(sectors[0]!),
            sealedPath: `${replicaOf(sectors[0]!).sealedPath}.missing`,
          }
          const v = await generateWindowPoStVanillaProofs(b, {
            randomness: rand,
            proverId: PROVER_ID,
            replicas: [gone, replicaOf(sectors[1]!)],
          })
          expect(v.faultySectors.map((f) => f.sectorNumber)).toEqual([sectors[0]!.sectorNumber])
          expect(v.sectors.map((s) => s.sectorNumber)).toEqual([sectors[1]!.sectorNumber])
        },
        timeout,
      )

      it(
        'reports a sector whose replica is missing as faulty',
        async () => {
          const b = await backend()
          const s = await ccSector()
          const missing = {
            ...replicaOf(s),
            sectorNumber: 77,
            sealedPath: join(await dir(), 'no-such-sealed'),
            cacheDir: join(await dir(), 'no-such-cache'),
          }
          const res = await b.generateWindowPoSt({
            randomness: randomness(5),
            proverId: PROVER_ID,
            replicas: [replicaOf(s), missing],
          })
          expect(res.faultySectors).toEqual([77])
          expect(res.proofs).toEqual([])
        },
        timeout,
      )

      it(
        'keeps PoSt working after clearCache',
        async () => {
          const b = await backend()
          const s = await sector(3, 'cc')
          await b.clearCache({ sectorSize, cacheDir: s.cacheDir })
          expect(await exists(join(s.cacheDir, 'sc-02-data-tree-d.dat'))).toBe(false)
          expect(await exists(join(s.cacheDir, 'p_aux'))).toBe(true)
          const rand = randomness(0x24)
          const res = await b.generateWindowPoSt({
            randomness: rand,
            proverId: PROVER_ID,
            replicas: [replicaOf(s)],
          })
          expect(res.faultySectors).toEqual([])
          const pub = [{ sectorNumber: s.sectorNumber, commR: s.commR }]
          expect(
            await b.verifyWindowPoSt({
              randomness: rand,
              proverId: PROVER_ID,
              proofs: res.proofs,
              replicas: pub,
            }),
          ).toBe(true)
        },
        timeout,
      )
    }

    if (!skip.aggregate) {
      it(
        `aggregates ${aggregateCount} seal proofs and verifies the aggregate`,
        async () => {
          const b = await backend()
          const sectors: SealedSector[] = []
          for (let i = 0; i < aggregateCount; i++) sectors.push(await sector(10 + i, 'cc'))
          const aggregate = await b.aggregateSealProofs({
            proofType,
            aggregateType: 1,
            commRs: sectors.map((s) => s.commR),
            seeds: sectors.map((s) => s.seed),
            proofs: sectors.map((s) => s.proof),
          })
          const infos = sectors.map((s) => ({
            sectorNumber: s.sectorNumber,
            commR: s.commR,
            commD: s.commD,
            ticket: s.ticket,
            seed: s.seed,
          }))
          const check = (agg: Uint8Array, inf = infos) =>
            b.verifyAggregateSealProofs({
              proofType,
              aggregateType: 1,
              proverId: PROVER_ID,
              aggregate: agg,
              infos: inf,
            })
          expect(await check(aggregate)).toBe(true)
          expect(await verifierRejected(check(flipBit(aggregate, 40)))).toBe(true)
          expect(await check(aggregate, [...infos].reverse())).toBe(false)
          const other = infos.map((x, i) => (i === 0 ? { ...x, seed: flipBit(x.seed) } : x))
          expect(await check(aggregate, other)).toBe(false)
        },
        timeout * 2,
      )
    }

    if (!skip.snap) {
      snapConformance({ it, expect, backend, dir, proofType, proverId: PROVER_ID, timeoutMs: timeout })
    }

    if (!skip.winningPoSt) {
      it(
        'selects, generates and verifies a WinningPoSt',
        async () => {
          const b = await backend()
          const sectors = [await ccSector(), await dataSector()]
          const rand = randomness(0x31)
          const picked = await b.generateWinningPoStSectorChallenge({
            postProofType: winningType,
            randomness: rand,
            proverId: PROVER_ID,
            sectorSetLength: sectors.length,
          })
          expect(picked.length).toBe(1)
          const chosen = sectors[picked[0] ?? 0] as SealedSector
          const proofs = await b.generateWinningPoSt({
            randomness: rand,
            proverId: PROVER_ID,
            replicas: [replicaOf(chosen, winningType)],
          })
          expect(proofs.length).toBe(1)
          expect(proofs[0]?.proofBytes.length).toBe(192)
          const pub = [{ sectorNumber: chosen.sectorNumber, commR: chosen.commR }]
          const ok = (r: Uint8Array, p = pub) =>
            b.verifyWinningPoSt({ randomness: r, proverId: PROVER_ID, proofs, replicas: p })
          expect(await ok(rand)).toBe(true)
          expect(await ok(randomness(0x32))).toBe(false)
          expect(await ok(rand, [{ sectorNumber: chosen.sectorNumber + 100, commR: chosen.commR }])).toBe(
            false,
          )
        },
        timeout,
      )
    }
  })
}
