/** A timer that produces a block per period, never two at once, and stops cleanly. */
export function blockTimer(produce: () => Promise<void>, ms: number): { stop(): Promise<void> } {
  let busy = false
  const timer = setInterval(async () => {
    if (busy) return
    busy = true
    try {
      await produce()
    } catch {
      // a failed block is retried on the next one
    } finally {
      busy = false
    }
  }, ms)
  return {
    async stop() {
      clearInterval(timer)
      while (busy) await new Promise((r) => setTimeout(r, 5))
    },
  }
}
