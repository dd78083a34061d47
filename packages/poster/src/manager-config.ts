/**
 * The poster's part of the manager's configuration (`sector-manager.cfg`, either layout, as core
 * parses it): which miners run WindowPoSt and with which settings, which answer WinningPoSt.
 */
import type { ManagerMinerConfig } from '@venus-cluster/core'
import type { WindowPoStConfig } from './config.js'
import type { WindowPoStMiner } from './window-service.js'
import type { WinningPoStMiner } from './winning-service.js'

/**
 * The `[Miners.PoSt]` section of one miner as {@link WindowPoStConfig} settings. Unset values keep
 * the scheduler's defaults (`MaxPartitionsPerPoStMessage = 0` is the network's maximum).
 *
 * @example
 * ```ts
 * windowPoStConfigOf(file.miners[0].post) // { strictCheck: false, confidence: 10, … }
 * ```
 */
export function windowPoStConfigOf(post: ManagerMinerConfig['post']): Partial<WindowPoStConfig> {
  return {
    strictCheck: post.strictCheck,
    confidence: post.confidence,
    challengeConfidence: post.challengeConfidence,
    submitConfidence: post.submitConfidence,
    maxPartitionsPerRecoveryMessage: post.maxPartitionsPerRecoveryMessage,
    gasOverEstimation: post.gasOverEstimation,
    ...(post.maxPartitionsPerPoStMessage > 0
      ? { maxPartitionsPerPoStMessage: post.maxPartitionsPerPoStMessage }
      : {}),
    ...(post.sender !== undefined ? { sender: post.sender } : {}),
    ...(post.senders.length > 1 ? { senders: [...post.senders] } : {}),
    ...(post.maxFeeCap !== undefined ? { gasFeeCap: post.maxFeeCap } : {}),
  }
}

/**
 * The miners whose WindowPoSt is enabled (`[Miners.PoSt] Enabled`, or a seed `[PoSt.Actors]`
 * sender), as {@link windowPoStService} takes them.
 *
 * @example
 * ```ts
 * const poster = windowPoStService({ chain, proofs, locate, miners: windowPoStMinersOf(file.miners) })
 * ```
 */
export function windowPoStMinersOf(
  miners: readonly Pick<ManagerMinerConfig, 'actor' | 'post'>[],
): WindowPoStMiner[] {
  return miners
    .filter((m) => m.post.enabled)
    .map((m) => ({ miner: `t0${m.actor}`, config: windowPoStConfigOf(m.post) }))
}

/**
 * The miners that answer WinningPoSt through venus-gateway (`[Miners.Proof] Enabled` with at
 * least one gateway API), as {@link winningPoStService} takes them.
 *
 * @example
 * ```ts
 * const winning = winningPoStService({ proofs, locate, miners: winningPoStMinersOf(file.miners) })
 * ```
 */
export function winningPoStMinersOf(
  miners: readonly Pick<ManagerMinerConfig, 'actor' | 'proof'>[],
): WinningPoStMiner[] {
  return miners
    .filter((m) => m.proof.enabled && m.proof.apis.length > 0)
    .map((m) => ({
      miner: `t0${m.actor}`,
      gateways: m.proof.apis,
      ...(m.proof.token ? { token: m.proof.token } : {}),
    }))
}
