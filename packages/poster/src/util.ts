/** Small helpers shared by the WindowPoSt modules. */

/** `xs` in slices of `n` (the last one shorter). */
export function chunk<T>(xs: readonly T[], n: number): T[][] {
  const out: T[][] = []
  for (let i = 0; i < xs.length; i += n) out.push(xs.slice(i, i + n))
  return out
}

/** A CID as a string, from the string or its JSON form `{ '/': 'bafy…' }`. */
export function cidString(c: unknown): string {
  if (typeof c === 'string') return c
  if (c && typeof c === 'object' && '/' in c) return String((c as { '/': unknown })['/'])
  return String(c)
}

/** The message of an error, or the value as text. */
export function errMsg(e: unknown): string {
  return e instanceof Error ? e.message : String(e)
}

/** Subscribes `listener` to each of `types` on `events`; returns the function that undoes it. */
export function onEach<T extends string, E>(
  events: { on(type: T, listener: (e: E) => void): () => void },
  types: readonly T[],
  listener: (e: E) => void,
): () => void {
  const offs = types.map((type) => events.on(type, listener))
  return () => {
    for (const off of offs) off()
  }
}
