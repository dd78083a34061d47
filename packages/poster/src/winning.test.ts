import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { commitmentToCid, isVenusError, mockProofs, postRandomness, proverId } from '@venus-cluster/core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { sealSectors } from './__fixtures__/devnet.js'
import { dirLocator } from './locator.js'
import { generateWinningPoStProof, winningPoStMethods } from './winning.js'

const MINER = 1234
const proofs = mockProofs()
let root: string
let infos: { SealProof: number; SectorNumber: number; SealedCID: { '/': string } }[]
let commRs: Map<number, Uint8Array>

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'venus-poster-winning-'))
  const sealed = await sealSectors(proofs, root, MINER, [3, 9])
  commRs = new Map(sealed.map((s) => [s.sectorNumber, s.commR]))
  infos = sealed.map((s) => ({
    SealProof: 5,
    SectorNumber: s.sectorNumber,
    SealedCID: { '/': commitmentToCid(s.commR, 'commR').toString() },
  }))
})
afterAll(async () => {
  await rm(root, { recursive: true, force: true })
})

const rand = new Uint8Array(32).fill(0xff)

describe('WinningPoSt', () => {
  it('generates a proof the backend verifies against the challenged sectors', async () => {
    const out = await generateWinningPoStProof({
      minerId: MINER,
      sectors: infos.slice(0, 1),
      randomness: rand,
      proofs,
      locate: dirLocator(root),
    })
    expect(out).toHaveLength(1)
    expect(out[0]!.postProof).toBe(0)
    const ok = await proofs.verifyWinningPoSt({
      randomness: postRandomness(rand),
      proverId: proverId(MINER),
      proofs: out,
      replicas: [{ sectorNumber: 3, commR: commRs.get(3)! }],
    })
    expect(ok).toBe(true)
  })

  it('serves Venus.ComputeWinningPoSt with base64 randomness and proof bytes', async () => {
    const m = winningPoStMethods({ proofs, locate: dirLocator(root) })['Venus.ComputeWinningPoSt']!
    const res = (await m([`t0${MINER}`, infos.slice(1), Buffer.from(rand).toString('base64')], {})) as {
      PoStProof: number
      ProofBytes: string
    }[]
    expect(res[0]!.PoStProof).toBe(0)
    expect(Buffer.from(res[0]!.ProofBytes, 'base64').length).toBeGreaterThan(0)
  })

  it('rejects a bad miner, randomness or unknown sector with a clear error', async () => {
    const m = winningPoStMethods({ proofs, locate: dirLocator(root) })['Venus.ComputeWinningPoSt']!
    const code = async (p: Promise<unknown>) =>
      p.then(
        () => 'ok',
        (e: unknown) => (isVenusError(e) ? e.code : 'other'),
      )
    expect(await code(m(['t3abc', infos, Buffer.from(rand).toString('base64')], {}))).toBe('INVALID_ARGUMENT')
    expect(await code(m([MINER, infos, 'AAAA'], {}))).toBe('INVALID_ARGUMENT')
    expect(
      await code(
        generateWinningPoStProof({
          minerId: MINER,
          sectors: infos,
          randomness: rand,
          proofs,
          locate: async () => undefined,
        }),
      ),
    ).toBe('POST_FAILED')
  })
})
