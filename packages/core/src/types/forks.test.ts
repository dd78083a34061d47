import { describe, expect, it } from 'vitest'
import { FORK_UPGRADES, forkUpgradeParams, UNSCHEDULED_UPGRADE_HEIGHT } from './forks.js'

describe('forkUpgradeParams', () => {
  it('gives every upgrade up to the network version a distinct negative height, later ones none', () => {
    const p = forkUpgradeParams(28)
    expect(Object.keys(p)).toHaveLength(FORK_UPGRADES.length + 1)
    expect(p.BreezeGasTampingDuration).toBe(0)
    const past = FORK_UPGRADES.filter((f) => f.networkVersion <= 28).map((f) => p[f.field] as number)
    expect(past.every((h) => h < 0)).toBe(true)
    expect(new Set(past).size).toBe(past.length)
    expect(p.UpgradeSmokeHeight).toBeLessThan(0)
    expect(p.UpgradeXxHeight).toBe(UNSCHEDULED_UPGRADE_HEIGHT)
  })

  it('leaves the upgrades after an older network version unscheduled', () => {
    const p = forkUpgradeParams(25)
    expect(p.UpgradeTeepHeight).toBeLessThan(0)
    for (const f of ['UpgradeTockHeight', 'UpgradeGoldenWeekHeight', 'UpgradeFireHorseHeight'])
      expect(p[f]).toBe(UNSCHEDULED_UPGRADE_HEIGHT)
  })
})
