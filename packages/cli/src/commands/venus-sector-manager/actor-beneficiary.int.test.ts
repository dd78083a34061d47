import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type ServedMiner, servedMiner } from '../../__fixtures__/served-miner.js'
import { vsmCli } from '../../__fixtures__/vsm-cli.js'

const FIL = 10n ** 18n
let env: ServedMiner

beforeAll(async () => {
  env = await servedMiner('cli-beneficiary')
})
afterAll(() => env?.close())

const actor = (...args: string[]) =>
  vsmCli(['--home', env.home, 'util', 'sealer', 'actor', ...args, '--poll', '50'])
const miner = () => env.devnet.worldAt().miners.get(env.minerId)!

async function account(): Promise<{ key: string; id: string }> {
  const key = env.devnet.newAccount('bls')
  await env.devnet.faucet(key, 5n * FIL)
  for (let i = 0; i < 200 && env.devnet.resolve(key) === undefined; i++)
    await new Promise((r) => setTimeout(r, 20))
  return { key, id: env.devnet.idAddress(env.devnet.resolve(key)!) }
}

describe('venus-sector-manager util sealer actor propose/confirm-change-beneficiary (devnet)', () => {
  it('checks the terms, shows the plan, proposes from the owner and takes effect once the nominee confirms', async () => {
    const nominee = await account()
    const far = env.devnet.head().height + 100_000
    expect((await actor('propose-change-beneficiary', nominee.key, '0', String(far))).err).toContain(
      '<quota> must be more than 0',
    )
    expect((await actor('propose-change-beneficiary', nominee.key, '10', '1')).err).toContain(
      'is not after the head',
    )
    expect((await actor('propose-change-beneficiary', env.owner, '1', '0')).err).toContain(
      'the owner as beneficiary takes a quota of 0',
    )
    expect((await actor('confirm-change-beneficiary', '--new-beneficiary')).err).toContain(
      'has no beneficiary change proposed',
    )

    const dry = await actor('propose-change-beneficiary', nominee.key, '10 FIL', String(far))
    expect(dry.code, dry.err).toBe(0)
    expect(dry.out).toContain(`Proposes: ${nominee.id}, quota 10 FIL until epoch ${far}`)
    expect(dry.out).toContain('nothing sent; pass --really-do-it')
    expect(miner().pendingBeneficiary).toBeNull()

    const proposed = await actor(
      'propose-change-beneficiary',
      nominee.key,
      '10 FIL',
      String(far),
      '--really-do-it',
    )
    expect(proposed.code, proposed.err).toBe(0)
    expect(proposed.out).toContain('confirm with: confirm-change-beneficiary --new-beneficiary')
    expect(miner().pendingBeneficiary).toMatchObject({
      quota: 10n * FIL,
      expiration: far,
      approvedByBeneficiary: true,
    })
    // A second proposal needs the overwrite flag.
    expect((await actor('propose-change-beneficiary', nominee.key, '5', String(far))).err).toContain(
      '--overwrite-pending-change',
    )
    // The owner-beneficiary has nothing to lose and approved with the proposal.
    expect((await actor('confirm-change-beneficiary', '--existing-beneficiary')).err).toContain(
      'approved already',
    )
    expect(
      (await actor('confirm-change-beneficiary', '--existing-beneficiary', '--new-beneficiary')).err,
    ).toContain('exactly one of')

    const confirmed = await actor(
      '--json',
      'confirm-change-beneficiary',
      '--new-beneficiary',
      '--really-do-it',
    )
    expect(confirmed.code, confirmed.err).toBe(0)
    expect(JSON.parse(confirmed.out)).toMatchObject({ Beneficiary: nominee.id, Pending: null })
    expect(miner().beneficiary).toBe(env.devnet.resolve(nominee.key))
    expect(miner().beneficiaryTerm).toMatchObject({ quota: 10n * FIL, usedQuota: 0n, expiration: far })

    // Back to the owner: the owner proposing itself approves as the nominee; the current
    // beneficiary still has quota, so it must approve too.
    const back = await actor('propose-change-beneficiary', env.owner, '0', '0', '--really-do-it')
    expect(back.code, back.err).toBe(0)
    expect(miner().pendingBeneficiary).toMatchObject({
      approvedByBeneficiary: false,
      approvedByNominee: true,
    })
    expect((await actor('confirm-change-beneficiary', '--new-beneficiary')).err).toContain('approved already')
    const asOld = await actor('confirm-change-beneficiary', '--existing-beneficiary', '--really-do-it')
    expect(asOld.code, asOld.err).toBe(0)
    expect(asOld.out).toContain(`the beneficiary of ${env.miner} is now`)
    expect(miner().beneficiary).toBe(miner().owner)
    expect(miner().pendingBeneficiary).toBeNull()
  }, 90_000)
})
