import { describe, expect, it } from 'vitest'
import { jsonDepthExceeded, parseRpcJson } from './parse.js'

describe('parseRpcJson', () => {
  it('parses requests within the depth bound', () => {
    expect(parseRpcJson('{"id":1,"params":[[{"a":[1]}]]}', 5)).toEqual({
      ok: true,
      value: { id: 1, params: [[{ a: [1] }]] },
    })
    // Brackets inside strings, escaped quotes included, do not count.
    expect(jsonDepthExceeded('["[[[[", "\\"[[[[", {"{{{{": 1}]', 2)).toBe(-1)
  })

  it('answers a million nested arrays or objects with a -32700 parse error, not a stack overflow', () => {
    for (const open of ['[', '{"a":']) {
      const close = open === '[' ? ']' : '}'
      const text = open.repeat(1_000_000) + (open === '[' ? '' : '1') + close.repeat(1_000_000)
      const r = parseRpcJson(text)
      expect(r).toEqual({
        ok: false,
        error: {
          code: -32700,
          message: expect.stringMatching(/^parse error: JSON nested deeper than 64 levels/),
        },
      })
    }
  })

  it('reports invalid JSON as a -32700 parse error', () => {
    expect(parseRpcJson('{"a":')).toMatchObject({ ok: false, error: { code: -32700 } })
  })
})
