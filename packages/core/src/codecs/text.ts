/** Bounded text: what is kept of a string that came from the wire and is stored or shown. */

/**
 * `text` when it fits in `maxBytes` of UTF-8; otherwise its first `maxBytes` bytes (cut on a
 * character boundary) followed by `… [truncated, N bytes]`, N being the original size, so a
 * reader sees that something was cut and how much.
 *
 * @example
 * ```ts
 * truncateText('x'.repeat(20971520), 8192) // 'xxx…x… [truncated, 20971520 bytes]'
 * truncateText('short', 8192) // 'short'
 * ```
 */
export function truncateText(text: string, maxBytes: number): string {
  // Cheap exits: a UTF-8 string has at most 3 bytes per UTF-16 unit, at least 1.
  if (text.length * 3 <= maxBytes) return text
  const size = Buffer.byteLength(text)
  if (size <= maxBytes) return text
  let cut = Buffer.from(text.slice(0, maxBytes), 'utf8').subarray(0, maxBytes).toString('utf8')
  // A character split by the byte cut decodes as U+FFFD: drop what is not the original's.
  while (cut.length > 0 && !text.startsWith(cut)) cut = cut.slice(0, -1)
  return `${cut}… [truncated, ${size} bytes]`
}
