/**
 * The network upgrades Lotus reports in `StateGetNetworkParams` → `ForkUpgradeParams`, each with
 * the network version it brings, in Lotus's field order. Clients (Boost, lotus-miner, Curio)
 * read these heights to decide which message forms a chain accepts, so a node that omits one
 * breaks them.
 */

/** One field of Lotus's `ForkUpgradeParams` and the network version the upgrade activates. */
export interface ForkUpgrade {
  /** The JSON field, e.g. `UpgradeSmokeHeight`. */
  readonly field: string
  /** Network version from this upgrade on; upgrades that kept the version (Liftoff, Claus) repeat it. */
  readonly networkVersion: number
}

/**
 * Every `ForkUpgradeParams` height field of Lotus's current API, in Lotus's order.
 * (`BreezeGasTampingDuration` is a duration, not a height: see {@link forkUpgradeParams}.)
 *
 * @example
 * ```ts
 * FORK_UPGRADES.find((f) => f.field === 'UpgradeTeepHeight')?.networkVersion // 25
 * ```
 */
export const FORK_UPGRADES: readonly ForkUpgrade[] = [
  { field: 'UpgradeSmokeHeight', networkVersion: 2 },
  { field: 'UpgradeBreezeHeight', networkVersion: 1 },
  { field: 'UpgradeIgnitionHeight', networkVersion: 3 },
  { field: 'UpgradeLiftoffHeight', networkVersion: 5 },
  { field: 'UpgradeAssemblyHeight', networkVersion: 4 },
  { field: 'UpgradeRefuelHeight', networkVersion: 3 },
  { field: 'UpgradeTapeHeight', networkVersion: 5 },
  { field: 'UpgradeKumquatHeight', networkVersion: 6 },
  { field: 'UpgradeCalicoHeight', networkVersion: 7 },
  { field: 'UpgradePersianHeight', networkVersion: 8 },
  { field: 'UpgradeOrangeHeight', networkVersion: 9 },
  { field: 'UpgradeClausHeight', networkVersion: 9 },
  { field: 'UpgradeTrustHeight', networkVersion: 10 },
  { field: 'UpgradeNorwegianHeight', networkVersion: 11 },
  { field: 'UpgradeTurboHeight', networkVersion: 12 },
  { field: 'UpgradeHyperdriveHeight', networkVersion: 13 },
  { field: 'UpgradeChocolateHeight', networkVersion: 14 },
  { field: 'UpgradeOhSnapHeight', networkVersion: 15 },
  { field: 'UpgradeSkyrHeight', networkVersion: 16 },
  { field: 'UpgradeSharkHeight', networkVersion: 17 },
  { field: 'UpgradeHyggeHeight', networkVersion: 18 },
  { field: 'UpgradeLightningHeight', networkVersion: 19 },
  { field: 'UpgradeThunderHeight', networkVersion: 20 },
  { field: 'UpgradeWatermelonHeight', networkVersion: 21 },
  { field: 'UpgradeDragonHeight', networkVersion: 22 },
  { field: 'UpgradePhoenixHeight', networkVersion: 22 },
  { field: 'UpgradeWaffleHeight', networkVersion: 23 },
  { field: 'UpgradeTuktukHeight', networkVersion: 24 },
  { field: 'UpgradeTeepHeight', networkVersion: 25 },
  { field: 'UpgradeTockHeight', networkVersion: 26 },
  { field: 'UpgradeGoldenWeekHeight', networkVersion: 27 },
  { field: 'UpgradeFireHorseHeight', networkVersion: 28 },
  { field: 'UpgradeXxHeight', networkVersion: 29 },
]

/** The height Lotus gives an upgrade a network has not scheduled (mainnet's placeholder). */
export const UNSCHEDULED_UPGRADE_HEIGHT = 9_999_999_999

/**
 * `ForkUpgradeParams` of a chain that started at `networkVersion` (as a Lotus 2k devnet does):
 * upgrades up to that version ran before genesis and get distinct negative heights, counting
 * down in Lotus's order (the 2k convention); later ones are unscheduled.
 *
 * @example
 * ```ts
 * forkUpgradeParams(28).UpgradeFireHorseHeight // negative: already active
 * forkUpgradeParams(28).UpgradeXxHeight // 9999999999
 * ```
 */
export function forkUpgradeParams(networkVersion: number): Record<string, number> {
  const out: Record<string, number> = {}
  let past = 0
  for (const f of FORK_UPGRADES) {
    out[f.field] = f.networkVersion <= networkVersion ? --past : UNSCHEDULED_UPGRADE_HEIGHT
    // Lotus prints the Breeze gas duration right after the Kumquat height.
    if (f.field === 'UpgradeKumquatHeight') out.BreezeGasTampingDuration = 0
  }
  return out
}
