/** The demo summary as lines for people. */
import { formatFil } from '@venus-cluster/core'
import type { DemoSummary } from './run.js'

const secs = (ms: number) => `${(ms / 1000).toFixed(2)}s`

function bytes(n: string): string {
  const v = Number(n)
  for (const [unit, size] of [
    ['GiB', 2 ** 30],
    ['MiB', 2 ** 20],
    ['KiB', 2 ** 10],
  ] as const)
    if (v >= size) return `${(v / size).toFixed(v % size === 0 ? 0 : 1)} ${unit}`
  return `${v} B`
}

/** Quality-adjusted power and the claims of the verified pieces, when the demo had some. */
function verifiedLines(s: DemoSummary): string[] {
  if (s.verified === undefined) return []
  const claimed = s.verified.pieces.filter((p) => p.claimedBySector !== null)
  const r = ratio(s.power)
  return [
    `  QA power         ${bytes(s.power.qaBytes)} quality-adjusted${r === '' ? '' : `, ${r}`} (verified data counts 10×)`,
    `  Fil+ (DDO)       ${claimed.length} of ${s.verified.pieces.length} verified piece(s) of ${s.verified.client} claimed: ${
      claimed.map((p) => `allocation ${p.allocationId} → sector ${p.claimedBySector}`).join(', ') || 'none'
    }`,
  ]
}

/** `N.NN× raw` of a power, or '' without raw power. */
function ratio(p: { rawBytes: string; qaBytes: string }): string {
  const raw = BigInt(p.rawBytes)
  return raw === 0n ? '' : `${(Number((BigInt(p.qaBytes) * 100n) / raw) / 100).toFixed(2)}× raw`
}

/** The snap-up: stage times, the update message, new sealed CIDs, power before and after. */
function snapLines(s: DemoSummary): string[] {
  const snap = s.snap
  if (snap === undefined) return []
  const claimed = snap.pieces.filter((p) => p.claimedBySector !== null)
  const lines = [
    '',
    `SnapDeals: ${snap.sectors.length} CC sector(s) snapped up with a verified direct piece each, updated on chain and proven by WindowPoSt in ${secs(snap.ms)}`,
    '  stage            mean      max   (per sector)',
  ]
  for (const t of snap.stages) {
    if (t.sectors === 0) continue
    lines.push(`  ${t.stage.padEnd(14)} ${secs(t.meanMs).padStart(7)} ${secs(t.maxMs).padStart(8)}`)
  }
  lines.push(
    `  update           ${snap.messages.count} ProveReplicaUpdates3 (exit code ${snap.messages.exitCodes.join(', ')}, gas ${snap.messages.gasUsed.toLocaleString('en-US')}), landed ${secs(snap.updateMs)} after the pieces were queued`,
  )
  for (const x of snap.sectors)
    lines.push(
      `  sector ${String(x.number).padEnd(9)} ${x.sectorKeyCid} → ${x.sealedCid} (epoch ${x.landedEpoch}${x.provenAfterUpdate ? ', proven' : ''})`,
    )
  lines.push(
    `  power before     ${bytes(snap.powerBefore.rawBytes)} raw, ${bytes(snap.powerBefore.qaBytes)} QA`,
    `  power after      ${bytes(snap.powerAfter.rawBytes)} raw, ${bytes(snap.powerAfter.qaBytes)} QA${ratio(snap.powerAfter) === '' ? '' : ` (${ratio(snap.powerAfter)})`}`,
    `  Fil+ (DDO)       ${claimed.length} of ${snap.pieces.length} verified piece(s) of ${snap.client} claimed: ${
      claimed.map((p) => `allocation ${p.allocationId} → sector ${p.claimedBySector}`).join(', ') || 'none'
    }`,
    `  WindowPoSt       deadline(s) ${snap.windowPoSt.deadlines.join(', ')} proven again after the update in ${secs(snap.windowPoSt.ms)} (${snap.windowPoSt.epochs} epochs, ${snap.windowPoSt.messages} message(s))`,
  )
  return lines
}

/**
 * Formats `s` for a terminal.
 *
 * @example
 * ```ts
 * for (const line of summaryLines(await runDemo(opts))) console.log(line)
 * ```
 */
export function summaryLines(s: DemoSummary): string[] {
  const lines = [
    '',
    `venus-cluster demo: ${s.sectors.length} × ${s.sectorSize} sectors sealed, active on chain${
      s.windowPoSt.included ? ' and proven by WindowPoSt' : ''
    } in ${secs(s.wallMs)}`,
    `  proofs           ${s.proofs.kind}${s.proofs.kind === 'mock' ? ' (not real proofs)' : ''}`,
    `  miner            ${s.miner}, ${s.workers} worker(s)`,
    `  start-up         ${secs(s.startupMs)} (devnet, miner, manager, workers)`,
    `  chain            ${s.epochs} epochs`,
    '',
    '  stage            mean      max   (per sector)',
  ]
  for (const t of s.stages) {
    if (t.sectors === 0) continue
    lines.push(`  ${t.stage.padEnd(14)} ${secs(t.meanMs).padStart(7)} ${secs(t.maxMs).padStart(8)}`)
  }
  lines.push('', '  sector           worker  sealed in  activation')
  for (const x of s.sectors)
    lines.push(
      `  ${x.sector.padEnd(16)} ${String(x.worker).padStart(6)} ${secs(x.sealMs).padStart(10)}  ${x.activation}`,
    )
  const kinds = Object.entries(s.messages.byKind)
    .map(([k, n]) => `${n} ${k}`)
    .join(', ')
  lines.push(
    '',
    `  messages         ${s.messages.count} (${kinds}), all exit code ${
      s.messages.list.every((m) => m.exitCode === 0) ? '0' : 'NOT 0'
    }${s.windowPoSt.included ? `; ${s.windowPoSt.messages} WindowPoSt` : ''}`,
    `  gas used         ${s.messages.gasUsed.toLocaleString('en-US')}${
      s.windowPoSt.included ? ` sealing + ${s.windowPoSt.gasUsed.toLocaleString('en-US')} WindowPoSt` : ''
    }`,
    `  fees paid        ${formatFil(BigInt(s.fees.gasFeesAtto))} (gas, all messages)`,
    `  deposits+pledge  ${formatFil(BigInt(s.fees.lockedAtto))}`,
    `  power gained     ${bytes(s.power.rawBytes)} raw (${bytes(s.power.committedBytes)} committed: ${s.power.note})`,
    ...verifiedLines(s),
    `  WindowPoSt       ${
      s.windowPoSt.included
        ? `deadline(s) ${s.windowPoSt.deadlines.join(', ')} proven in ${secs(s.windowPoSt.ms)} (${s.windowPoSt.epochs} epochs, ${s.windowPoSt.messages} message(s), gas ${s.windowPoSt.gasUsed.toLocaleString('en-US')})`
        : s.windowPoSt.note
    }`,
  )
  lines.push(...snapLines(s))
  if (s.kept) lines.push(`  scratch home     ${s.home} (kept)`)
  return lines
}
