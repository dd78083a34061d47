// The start-up checks through the real Lotus adapter against the devnet's Filecoin.* methods:
// StateMinerInfo's owner/worker/control addresses, StateLookupID and WalletBalance as Lotus
// answers them, and a forced network that is not the node's.
import { mockProofs } from '@venus-cluster/core'
import { createDevnet, devnetCall } from '@venus-cluster/devnet'
import { afterAll, describe, expect, it } from 'vitest'
import { defaultMinerConfig } from './config.js'
import { createLotusChain } from './lotus-adapter.js'
import { checkChainAtStart } from './startup.js'

const devnet = createDevnet({ seed: 'manager-startup-devnet', proofs: mockProofs() })
afterAll(() => devnet.stop())
const call = devnetCall(devnet)

describe('start-up checks on the devnet', () => {
  it('accepts the owner as sender and refuses an account that is not an address of the miner', async () => {
    const a = await devnet.createTestMiner()
    const b = await devnet.createTestMiner()
    const chain = createLotusChain(call)
    const ok = await checkChainAtStart({ chain, miners: [defaultMinerConfig(a.minerId, a.owner)] })
    expect(ok.params.name).toBe('2k')
    await expect(
      checkChainAtStart({ chain, miners: [defaultMinerConfig(a.minerId, b.owner)] }),
    ).rejects.toThrow(
      new RegExp(
        `${b.owner} may not send precommit messages for t0${a.minerId}: only its worker, owner or a control address may`,
      ),
    )
    await expect(
      checkChainAtStart({ chain, miners: [defaultMinerConfig(a.minerId, 't0999999')] }),
    ).rejects.toThrow(/no actor has the address t0999999 on 2k/)
    await expect(
      checkChainAtStart({ chain, miners: [defaultMinerConfig(999_999, a.owner)] }),
    ).rejects.toMatchObject({ code: 'ACTOR_NOT_FOUND' })
  })

  it('refuses a forced network that is another public network than the node serves', async () => {
    const who = await devnet.createTestMiner()
    const calib = createLotusChain(
      async (method, params) =>
        method === 'Filecoin.StateNetworkName' ? 'calibrationnet' : call(method, params),
      { network: 'mainnet' },
    )
    await expect(
      checkChainAtStart({ chain: calib, miners: [defaultMinerConfig(who.minerId, who.owner)] }),
    ).rejects.toMatchObject({
      code: 'NETWORK_UNKNOWN',
      message: expect.stringContaining(
        'the chain node serves calibrationnet (calibnet), but --net says mainnet',
      ),
    })
    // A devnet may be read with another network's rules on purpose: only public networks are compared.
    const forced = createLotusChain(call, { network: 'calibnet' })
    expect((await forced.networkParams()).name).toBe('calibnet')
  })
})
