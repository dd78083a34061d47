import { parseManagerConfig } from '@venus-cluster/core'
import { describe, expect, it } from 'vitest'
import { windowPoStMinersOf, winningPoStMinersOf } from './manager-config.js'

const commitment = (actor: number) => [
  '[[Miners]]',
  `Actor = ${actor}`,
  '[Miners.Commitment.Pre]',
  'Sender = "t01001"',
  '[Miners.Commitment.Prove]',
  'Sender = "t01001"',
]

describe('the poster part of sector-manager.cfg', () => {
  it('runs WindowPoSt for the miners with [Miners.PoSt] enabled, with their settings', () => {
    const file = parseManagerConfig(
      [
        ...commitment(1000),
        '[Miners.PoSt]',
        'Enabled = true',
        'Sender = "t01002"',
        'StrictCheck = true',
        'Confidence = 2',
        'ChallengeConfidence = 3',
        'SubmitConfidence = 1',
        'GasOverEstimation = 1.2',
        'MaxFeeCap = "5 nanoFIL"',
        ...commitment(2000),
        '[Miners.PoSt]',
        'Enabled = false',
      ].join('\n'),
      'x.cfg',
    )
    expect(windowPoStMinersOf(file.miners)).toEqual([
      {
        miner: 't01000',
        config: {
          strictCheck: true,
          confidence: 2,
          challengeConfidence: 3,
          submitConfidence: 1,
          maxPartitionsPerRecoveryMessage: 0,
          gasOverEstimation: 1.2,
          sender: 't01002',
          gasFeeCap: 5_000_000_000n,
        },
      },
    ])
  })

  it('reads the seed layout too: a [PoSt.Actors] sender enables the miner', () => {
    const file = parseManagerConfig(
      ['[PoSt.Default]', 'ChallengeConfidence = 5', '[PoSt.Actors.1000]', 'Sender = "t01001"'].join('\n'),
      'x.cfg',
    )
    expect(windowPoStMinersOf(file.miners)).toMatchObject([
      { miner: 't01000', config: { challengeConfidence: 5, sender: 't01001' } },
    ])
  })

  it('answers WinningPoSt only for enabled miners with a gateway, with its token', () => {
    const file = parseManagerConfig(
      [
        '[Common.API]',
        'Gateway = ["tok:/ip4/10.0.0.5/tcp/45132"]',
        ...commitment(1000),
        '[Miners.Proof]',
        'Enabled = true',
        ...commitment(2000),
      ].join('\n'),
      'x.cfg',
    )
    expect(winningPoStMinersOf(file.miners)).toEqual([
      { miner: 't01000', gateways: ['tok:/ip4/10.0.0.5/tcp/45132'] },
    ])
    const none = parseManagerConfig(
      [...commitment(1000), '[Miners.Proof]', 'Enabled = true'].join('\n'),
      'x.cfg',
    )
    expect(winningPoStMinersOf(none.miners)).toEqual([])
  })
})
