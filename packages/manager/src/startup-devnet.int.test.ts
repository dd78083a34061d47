// The start-up checks through the manager's chain view over core's chain client, against the devnet's Filecoin.* methods:
// StateMinerInfo's owner/worker/control addresses, StateLookupID and WalletBalance as Lotus
// answers them, and a forced network that is not the node's.
import { createChainClient, customTransport, mockProofs } from '@venus-cluster/core'
import { createDevnet, devnetTransport } from '@venus-cluster/devnet'
import { afterAll, describe, expect, it } from 'vitest'
import { createManagerChain } from './chain-adapter.js'
import { defaultMinerConfig } from './config.js'
import { checkChainAtStart } from './startup.js'

const devnet = createDevnet({ seed: 'manager-startup-devnet', proofs: mockProofs() })
afterAll(() => devnet.stop())
const transport = devnetTransport(devnet)
const client = createChainClient(transport)

describe('start-up checks on the devnet', () => {
  it('accepts the owner as sender and refuses an account that is not an address of the miner', async () => {
    const a = await devnet.createTestMiner()
    const b = await devnet.createTestMiner()
    const chain = createManagerChain(client)
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
    const calibNode = customTransport({
      request: async (method, params, opts) =>
        method === 'Filecoin.StateNetworkName' ? 'calibrationnet' : transport.request(method, params, opts),
    })
    const calib = createManagerChain(createChainClient(calibNode), { network: 'mainnet' })
    await expect(
      checkChainAtStart({ chain: calib, miners: [defaultMinerConfig(who.minerId, who.owner)] }),
    ).rejects.toMatchObject({
      code: 'NETWORK_UNKNOWN',
      message: expect.stringContaining(
        'the chain node serves calibrationnet (calibnet), but --net says mainnet',
      ),
    })
    // A devnet may be read with another network's rules on purpose: only public networks are compared.
    const forced = createManagerChain(client, { network: 'calibnet' })
    expect((await forced.networkParams()).name).toBe('calibnet')
  })
})
