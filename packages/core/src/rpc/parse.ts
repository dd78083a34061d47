/**
 * JSON parsing of request bodies and WebSocket messages with a nesting bound. `JSON.parse`
 * itself copes with a million nested arrays, but everything recursive that touches the value
 * afterwards (`JSON.stringify` of an error's detail, a structured clone, a deep-equal) overflows
 * the stack; checking the depth first, in one pass without recursion, keeps such a value out.
 */
import type { RpcErrorObject } from './types.js'

/** Default deepest nesting of arrays and objects in a request (a Venus call needs under 10). */
export const DEFAULT_MAX_JSON_DEPTH = 64

/**
 * The first position where `text` nests arrays/objects deeper than `max`, or -1. Strings are
 * skipped (brackets inside them do not count); the text need not be valid JSON.
 *
 * @example
 * ```ts
 * jsonDepthExceeded('[[1]]', 1) // 1
 * jsonDepthExceeded('["[[["]', 1) // -1
 * ```
 */
export function jsonDepthExceeded(text: string, max: number): number {
  let depth = 0
  let inString = false
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (inString) {
      if (c === 0x5c)
        i++ // backslash: skip the escaped character
      else if (c === 0x22) inString = false
      continue
    }
    if (c === 0x22) inString = true
    else if (c === 0x5b || c === 0x7b) {
      if (++depth > max) return i
    } else if (c === 0x5d || c === 0x7d) depth--
  }
  return -1
}

/**
 * Parses a JSON-RPC text: the value, or the `-32700` error to answer with (invalid JSON, or
 * nested deeper than `maxDepth`).
 *
 * @example
 * ```ts
 * const r = parseRpcJson(body, 64)
 * if (!r.ok) return send(500, { jsonrpc: '2.0', id: null, error: r.error })
 * ```
 */
export function parseRpcJson(
  text: string,
  maxDepth: number = DEFAULT_MAX_JSON_DEPTH,
): { ok: true; value: unknown } | { ok: false; error: RpcErrorObject } {
  const at = jsonDepthExceeded(text, maxDepth)
  if (at !== -1) {
    return {
      ok: false,
      error: {
        code: -32700,
        message: `parse error: JSON nested deeper than ${maxDepth} levels (at character ${at})`,
      },
    }
  }
  try {
    return { ok: true, value: JSON.parse(text) }
  } catch (err) {
    return { ok: false, error: { code: -32700, message: `parse error: ${(err as Error).message}` } }
  }
}
