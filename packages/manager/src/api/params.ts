/**
 * Validation of `Venus.*` params: every field is checked before any state changes, and a bad
 * field fails with `INVALID_ARGUMENT` naming the method and the field path.
 */
import { type SectorId, VenusError } from '@venus-cluster/core'

/** Reads one method's params with field-named errors. */
export class ParamReader {
  readonly method: string
  readonly params: readonly unknown[]

  /** `count` params, of which the last `optional` may be left out. */
  constructor(method: string, params: unknown, count: number, optional = 0) {
    this.method = method
    if (!Array.isArray(params)) {
      throw new VenusError('RPC_INVALID_PARAMS', `${method}: params must be an array`, {
        details: { method },
      })
    }
    if (params.length > count || params.length < count - optional) {
      const expected = optional === 0 ? `${count}` : `${count - optional} to ${count}`
      throw new VenusError(
        'RPC_INVALID_PARAMS',
        `${method}: expected ${expected} params, got ${params.length}`,
        {
          details: { method, expected: count, got: params.length },
        },
      )
    }
    this.params = params
  }

  fail(path: string, want: string, got: unknown): never {
    const shown = got === undefined ? 'missing' : JSON.stringify(got)?.slice(0, 80)
    throw new VenusError('INVALID_ARGUMENT', `${this.method}: ${path} must be ${want}, got ${shown}`, {
      details: { method: this.method, field: path },
    })
  }

  at(i: number): unknown {
    return this.params[i]
  }

  object(v: unknown, path: string): Record<string, unknown> {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) this.fail(path, 'an object', v)
    return v as Record<string, unknown>
  }

  uint(v: unknown, path: string): number {
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0)
      this.fail(path, 'a non-negative integer', v)
    return v
  }

  int(v: unknown, path: string): number {
    if (typeof v !== 'number' || !Number.isSafeInteger(v)) this.fail(path, 'an integer', v)
    return v
  }

  bool(v: unknown, path: string): boolean {
    if (typeof v !== 'boolean') this.fail(path, 'a boolean', v)
    return v
  }

  /** A string; with `maxBytes`, one of at most that many UTF-8 bytes. */
  string(v: unknown, path: string, maxBytes?: number): string {
    if (typeof v !== 'string') this.fail(path, 'a string', v)
    if (maxBytes !== undefined && v.length > maxBytes / 3 && Buffer.byteLength(v) > maxBytes)
      this.fail(
        path,
        `a string of at most ${maxBytes} bytes`,
        `${v.slice(0, 40)}… (${Buffer.byteLength(v)} bytes)`,
      )
    return v
  }

  nullableUintList(v: unknown, path: string): number[] | null {
    if (v === null || v === undefined) return null
    if (!Array.isArray(v)) this.fail(path, 'an array of integers or null', v)
    return v.map((x, i) => this.uint(x, `${path}[${i}]`))
  }

  uintList(v: unknown, path: string): number[] {
    if (!Array.isArray(v)) this.fail(path, 'an array of integers', v)
    return v.map((x, i) => this.uint(x, `${path}[${i}]`))
  }

  /** Standard base64 with padding, optionally of an exact decoded length. */
  base64(v: unknown, path: string, length?: number): Uint8Array {
    if (
      typeof v !== 'string' ||
      !/^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/.test(v)
    ) {
      this.fail(path, 'standard base64', v)
    }
    const bytes = new Uint8Array(Buffer.from(v, 'base64'))
    if (length !== undefined && bytes.length !== length) this.fail(path, `base64 of ${length} bytes`, v)
    return bytes
  }

  /** A Go `[32]byte`: an array of 32 integers 0..255. */
  bytes32(v: unknown, path: string): Uint8Array {
    if (!Array.isArray(v) || v.length !== 32) this.fail(path, 'an array of 32 integers 0..255', v)
    const out = new Uint8Array(32)
    v.forEach((x, i) => {
      if (typeof x !== 'number' || !Number.isInteger(x) || x < 0 || x > 255) {
        this.fail(`${path}[${i}]`, 'an integer 0..255', x)
      }
      out[i] = x
    })
    return out
  }

  /** A wire `SectorID` (`{ Miner, Number }`) as the domain's {@link SectorId}. */
  sectorId(v: unknown, path: string): SectorId {
    const o = this.object(v, path)
    return { miner: this.uint(o.Miner, `${path}.Miner`), number: this.uint(o.Number, `${path}.Number`) }
  }
}
