/** Polling waits for tests. */

// The store wipe removes `data/` and creates it again, so a check can catch it missing: a
// condition that throws counts as not reached yet.
function holds(cond: () => boolean): boolean {
  try {
    return cond()
  } catch {
    return false
  }
}

/** Resolves once `cond()` is true (checked every 5 ms); rejects after `ms`. */
export async function until(cond: () => boolean, ms = 10_000): Promise<void> {
  const end = Date.now() + ms
  while (!holds(cond)) {
    if (Date.now() > end) throw new Error('condition not reached in time')
    await new Promise((r) => setTimeout(r, 5))
  }
}
