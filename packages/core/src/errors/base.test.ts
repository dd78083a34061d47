import { describe, expect, it } from 'vitest'
import { isVenusError, throwIfAborted, VenusError } from './base.js'
import { ErrorCodes } from './codes.js'

describe('VenusError', () => {
  it('keeps code, message, details and cause through toJSON/fromJSON', () => {
    const inner = new VenusError('CBOR_INVALID', 'bad tuple', { details: { field: 'SectorNumber' } })
    const err = new VenusError('RPC_INVALID_PARAMS', 'params do not decode', {
      details: { method: 'Venus.SubmitPreCommit', field: 'Sector' },
      cause: inner,
    })
    const back = VenusError.fromJSON(JSON.parse(JSON.stringify(err)))
    expect(back.code).toBe('RPC_INVALID_PARAMS')
    expect(back.message).toBe('params do not decode')
    expect(back.details).toEqual({ method: 'Venus.SubmitPreCommit', field: 'Sector' })
    expect(isVenusError(back.cause, 'CBOR_INVALID')).toBe(true)
    expect((back.cause as VenusError).details).toEqual({ field: 'SectorNumber' })
  })

  it('maps unknown codes to INTERNAL and remembers the original', () => {
    const back = VenusError.fromJSON({ code: 'FROM_THE_FUTURE', message: 'x' })
    expect(back.code).toBe('INTERNAL')
    expect(back.details.originalCode).toBe('FROM_THE_FUTURE')
  })

  it('serialises plain error causes by name and message', () => {
    const err = new VenusError('STORE_IO', 'write failed', { cause: new TypeError('boom') })
    expect(err.toJSON().cause).toEqual({ name: 'TypeError', message: 'boom' })
  })

  it('throwIfAborted throws ABORTED only for an aborted signal', () => {
    const ac = new AbortController()
    expect(() => throwIfAborted(ac.signal)).not.toThrow()
    ac.abort(new Error('stop'))
    expect(() => throwIfAborted(ac.signal)).toThrowError(expect.objectContaining({ code: 'ABORTED' }))
  })

  it('lists every code with a description', () => {
    for (const [code, text] of Object.entries(ErrorCodes)) {
      expect(code).toMatch(/^[A-Z][A-Z0-9_]+$/)
      expect(text.length).toBeGreaterThan(5)
    }
  })
})
