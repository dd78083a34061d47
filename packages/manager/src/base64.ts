/** Standard base64 with padding, as Go encodes `[]byte` in JSON. */

/**
 * Bytes as standard base64.
 *
 * @example
 * ```ts
 * toBase64(new Uint8Array([1, 2, 3])) // 'AQID'
 * ```
 */
export function toBase64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64')
}

/**
 * The bytes of standard base64 text (input from the wire is checked by the param reader first).
 *
 * @example
 * ```ts
 * fromBase64('AQID') // Uint8Array [1, 2, 3]
 * ```
 */
export function fromBase64(text: string): Uint8Array {
  return new Uint8Array(Buffer.from(text, 'base64'))
}
