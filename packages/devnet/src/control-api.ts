/**
 * Devnet-only control methods (`Devnet.*`, admin): faucet, mining, null rounds, reorgs, test
 * miners. Lets tests that only hold an RPC connection drive the chain.
 */
import { type RpcMethod, type RpcPermission, VenusError } from '@venus-cluster/core'
import type { Devnet } from './devnet.js'
import { cidJson, tipsetJson } from './json.js'

const int = (method: string, v: unknown, what: string, min = 0): number => {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min) {
    throw new VenusError('RPC_INVALID_PARAMS', `${method}: ${what} must be an integer ≥ ${min}`, {
      details: { method },
    })
  }
  return v
}

/** Required permission of the control methods (all admin). */
export const controlMethodPermissions: Record<string, RpcPermission> = {
  'Devnet.Faucet': 'admin',
  'Devnet.Mine': 'admin',
  'Devnet.NullRounds': 'admin',
  'Devnet.Reorg': 'admin',
  'Devnet.CreateMiner': 'admin',
  'Devnet.NewAccount': 'admin',
}

/**
 * The `Devnet.*` control table.
 *
 * @example
 * ```ts
 * await call('Devnet.Faucet', ['t3…', '1000000000000000000']) // → message CID
 * await call('Devnet.Mine', [2]) // → new head TipSet
 * ```
 */
export function controlMethods(devnet: Devnet): Record<string, RpcMethod> {
  const ts = () => tipsetJson(devnet.head(), devnet.idAddress(1000))
  return {
    'Devnet.Faucet': async (params) => {
      const [to, amount] = params
      if (typeof to !== 'string' || typeof amount !== 'string' || !/^\d+$/.test(amount)) {
        throw new VenusError(
          'RPC_INVALID_PARAMS',
          'Devnet.Faucet: expected [address, attoFIL decimal string]',
        )
      }
      return cidJson(await devnet.faucet(to, BigInt(amount)))
    },
    'Devnet.Mine': async (params) => {
      await devnet.mine(int('Devnet.Mine', params[0] ?? 1, 'count', 1))
      return ts()
    },
    'Devnet.NullRounds': (params) => {
      devnet.nullRounds(int('Devnet.NullRounds', params[0], 'count', 1))
      return null
    },
    'Devnet.Reorg': async (params) => {
      await devnet.reorg(int('Devnet.Reorg', params[0], 'depth', 1))
      return ts()
    },
    'Devnet.CreateMiner': async (params) => {
      const post =
        params[0] === undefined || params[0] === null
          ? 10
          : int('Devnet.CreateMiner', params[0], 'window post proof type')
      const m = await devnet.createTestMiner({ windowPoStProofType: post })
      return { Miner: m.miner, Owner: m.owner, Worker: m.owner, RobustAddress: m.robustAddress }
    },
    'Devnet.NewAccount': (params) => {
      const kind = params[0] === 'secp256k1' ? 'secp256k1' : 'bls'
      return devnet.newAccount(kind)
    },
  }
}
