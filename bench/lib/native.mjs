// Shared by the native-proofs benchmarks: stage measurement and the parameter check.
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { appliedNativeProofsSettings, initNativeProofs } from '@venus-cluster/proofs-native'

/** Runs `fn`, sampling RSS and the event loop with a 5 ms timer. */
export async function measure(fn) {
  let peak = process.memoryUsage.rss()
  let last = performance.now()
  let stall = 0
  const timer = setInterval(() => {
    const now = performance.now()
    stall = Math.max(stall, now - last - 5)
    last = now
    peak = Math.max(peak, process.memoryUsage.rss())
  }, 5)
  const t0 = performance.now()
  try {
    const value = await fn()
    return { value, s: (performance.now() - t0) / 1000, peakMiB: peak / 2 ** 20, stallMs: stall }
  } finally {
    clearInterval(timer)
  }
}

/** The first parameter file of `parts` missing for `sectorSize`, or undefined. */
export function missingParams(sectorSize, parts) {
  const addon = initNativeProofs()
  const dir = appliedNativeProofsSettings()?.parameterCache ?? ''
  for (const part of parts) {
    for (const n of addon.parameterFileNames(part, sectorSize))
      if (!existsSync(join(dir, n))) return join(dir, n)
  }
  return undefined
}
