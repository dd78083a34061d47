import { describe, expect, it } from 'vitest'
import { parseRequestTarget } from './target.js'

describe('parseRequestTarget', () => {
  it('passes origin-form targets through unchanged', () => {
    expect(parseRequestTarget('/rpc/v0')).toEqual({
      ok: true,
      path: '/rpc/v0',
      query: '',
      originForm: '/rpc/v0',
    })
    expect(parseRequestTarget('/ui?token=a.b-c_d')).toEqual({
      ok: true,
      path: '/ui',
      query: 'token=a.b-c_d',
      originForm: '/ui?token=a.b-c_d',
    })
    expect(parseRequestTarget('/piecestore/baga6ea4sea%41')).toMatchObject({
      ok: true,
      path: '/piecestore/baga6ea4sea%41',
    })
    // A dot inside a segment is a name, not a dot segment.
    expect(parseRequestTarget('/a/.well-known/b..c')).toMatchObject({ ok: true })
  })

  it('takes the path of an absolute-form target', () => {
    expect(parseRequestTarget('http://10.0.0.1:1789/rpc/v0?x=1')).toMatchObject({
      ok: true,
      originForm: '/rpc/v0?x=1',
    })
    expect(parseRequestTarget('HTTP://host')).toMatchObject({ ok: true, originForm: '/' })
    expect(parseRequestTarget('http://host/metrics/../rpc/v0')).toMatchObject({ ok: false, status: 400 })
  })

  it.each([
    ['/metrics/../rpc/v0', /"\." or "\.\." segments/],
    ['/rpc/v0/.', /"\." or "\.\." segments/],
    ['/a/%2e%2e/rpc/v0', /percent-encoded/],
    ['/a/%2E./rpc/v0', /percent-encoded/],
    ['/a/.%2e/rpc/v0', /percent-encoded/],
    ['/rpc/v0#x', /fragment/],
    ['/rpc/v0?a=1#x', /fragment/],
    ['//rpc/v0', /must not start with "\/\/"/],
    ['*', /only meaningful for OPTIONS/],
    ['rpc/v0', /must be a path/],
    ['example.com:443', /must be a path/],
    ['/a\\..\\b', /outside RFC 3986/],
    ['/a%zz', /outside RFC 3986/],
    ['/a b', /outside RFC 3986/],
    ['/a?b=<c>', /query has characters/],
    [`/${'a'.repeat(9000)}`, /longer than 8192/],
  ])('refuses %s', (target, message) => {
    const r = parseRequestTarget(target)
    expect(r.ok).toBe(false)
    if (!r.ok) {
      expect(r.status).toBe(400)
      expect(r.message).toMatch(message)
    }
  })
})
