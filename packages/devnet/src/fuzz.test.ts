import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { fakeVerifier } from './__fixtures__/fake-proofs.js'
import { ActorAbort } from './actor-types.js'
import { createDevnet } from './devnet.js'
import { decodeMethodParams, type MethodParams } from './params-codec.js'

const METHODS: (keyof MethodParams)[] = [
  'CreateMiner',
  'PreCommitSectorBatch2',
  'ProveCommitSectors3',
  'SubmitWindowedPoSt',
  'DeclareFaults',
  'DeclareFaultsRecovered',
  'TerminateSectors',
  'WithdrawBalance',
  'ChangeWorkerAddress',
  'ChangeOwnerAddress',
  'CompactSectorNumbers',
  'ExtendSectorExpiration2',
]

describe('malformed actor params', () => {
  it('decode to a value or abort with exit 21 (16 for a huge mask), never anything else (2,000 random inputs)', () => {
    fc.assert(
      fc.property(fc.constantFrom(...METHODS), fc.uint8Array({ maxLength: 64 }), (method, bytes) => {
        try {
          decodeMethodParams(method, bytes)
        } catch (err) {
          expect(err).toBeInstanceOf(ActorAbort)
          // A well-formed but huge compaction mask is an illegal argument, not bad CBOR.
          if (method === 'CompactSectorNumbers' && (err as ActorAbort).exitCode === 16)
            expect((err as ActorAbort).message).toMatch(/invalid mask bitfield/)
          else expect((err as ActorAbort).exitCode).toBe(21)
        }
      }),
      { numRuns: 2000, seed: 7 },
    )
  })

  it('land on chain as failed receipts without stopping the chain', async () => {
    const devnet = createDevnet({ seed: 'fuzz', proofs: fakeVerifier() })
    const { miner, owner } = await devnet.createTestMiner()
    const cids: string[] = []
    for (let i = 0; i < 20; i++) {
      const params = Buffer.from(Array.from({ length: 8 + i }, (_, j) => (i * 31 + j * 7) & 0xff)).toString(
        'base64',
      )
      const m = await devnet.pushMessage({
        To: miner,
        From: owner,
        Method: [5, 9, 10, 11, 28, 34][i % 6]!,
        Params: params,
        GasLimit: 400_000_000,
        GasFeeCap: '1000',
      })
      cids.push(m.cid)
    }
    await devnet.mine(2)
    for (const cid of cids) expect(devnet.searchMessage(cid)?.receipt.exitCode).toBe(21)
  })
})
