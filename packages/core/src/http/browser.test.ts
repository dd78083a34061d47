import type { ServerResponse } from 'node:http'
import { describe, expect, it } from 'vitest'
import { answerPreflight, refuseBrowserRequest } from './browser.js'

const req = (headers: Record<string, string>, method = 'POST') => ({
  method,
  headers: { host: '10.0.0.1:1789', ...headers },
})

function fakeRes() {
  const out: { status?: number; headers?: Record<string, unknown>; body?: string } = {}
  const res = {
    writeHead(status: number, headers: Record<string, unknown>) {
      out.status = status
      out.headers = headers
      return res
    },
    end(body?: string) {
      out.body = body ?? ''
    },
  }
  return { res: res as unknown as ServerResponse, out }
}

describe('refuseBrowserRequest', () => {
  it('lets programs through: no Origin, no Sec-Fetch-Site (the original worker, go-jsonrpc, curl)', () => {
    expect(refuseBrowserRequest(req({ 'content-type': 'application/json' }), { json: true })).toBeUndefined()
    expect(
      refuseBrowserRequest(
        req({ 'content-type': 'application/json; charset=utf-8', 'sec-fetch-mode': 'cors' }),
        {
          json: true,
        },
      ),
    ).toBeUndefined()
  })

  it('lets the server’s own pages through', () => {
    const own = {
      origin: 'http://10.0.0.1:1789',
      'sec-fetch-site': 'same-origin',
      'content-type': 'application/json',
    }
    expect(refuseBrowserRequest(req(own), { json: true })).toBeUndefined()
    // Following a link to the dashboard from another site is a navigation, not a forged call.
    expect(
      refuseBrowserRequest(req({ 'sec-fetch-site': 'cross-site', 'sec-fetch-mode': 'navigate' }, 'GET')),
    ).toBeUndefined()
  })

  it('refuses a foreign page: another Origin, or Sec-Fetch-Site cross-site / same-site', () => {
    expect(refuseBrowserRequest(req({ origin: 'http://evil.example' }))).toMatchObject({
      status: 403,
      message: expect.stringMatching(/origin "http:\/\/evil.example" without a token/),
    })
    expect(refuseBrowserRequest(req({ origin: 'null' }))?.status).toBe(403)
    // Another port of the same machine is another origin.
    expect(refuseBrowserRequest(req({ origin: 'http://10.0.0.1:8080' }))?.status).toBe(403)
    expect(refuseBrowserRequest(req({ 'sec-fetch-site': 'cross-site' }))?.status).toBe(403)
    expect(refuseBrowserRequest(req({ 'sec-fetch-site': 'same-site' }, 'GET'))?.status).toBe(403)
    // A navigation with a body is still refused.
    expect(
      refuseBrowserRequest(req({ 'sec-fetch-site': 'cross-site', 'sec-fetch-mode': 'navigate' }))?.status,
    ).toBe(403)
  })

  it('refuses a body that is not application/json when asked to', () => {
    expect(refuseBrowserRequest(req({ 'content-type': 'text/plain' }), { json: true })).toEqual({
      status: 415,
      message: 'refused: the body must be sent as Content-Type: application/json, got "text/plain"',
    })
    expect(refuseBrowserRequest(req({}), { json: true })?.message).toMatch(/got none/)
    expect(refuseBrowserRequest(req({ 'content-type': 'application/x-www-form-urlencoded' }))).toBeUndefined()
  })
})

describe('answerPreflight', () => {
  it('refuses a CORS preflight from another origin with 403 and grants nothing', () => {
    const { res, out } = fakeRes()
    answerPreflight(
      req({ origin: 'http://evil.example', 'access-control-request-method': 'POST' }, 'OPTIONS'),
      res,
      'POST',
    )
    expect(out.status).toBe(403)
    expect(out.headers?.['access-control-allow-origin']).toBeUndefined()
    expect(out.body).toMatch(/cross-origin requests are not allowed/)
  })

  it('answers a plain OPTIONS with 204 and Allow, and a same-origin preflight with that origin only', () => {
    const plain = fakeRes()
    answerPreflight(req({}, 'OPTIONS'), plain.res, 'GET, HEAD')
    expect(plain.out.status).toBe(204)
    expect(plain.out.headers).toMatchObject({ allow: 'GET, HEAD, OPTIONS' })
    expect(plain.out.headers?.['access-control-allow-origin']).toBeUndefined()
    const own = fakeRes()
    answerPreflight(req({ origin: 'http://10.0.0.1:1789' }, 'OPTIONS'), own.res, 'POST')
    expect(own.out.status).toBe(204)
    expect(own.out.headers?.['access-control-allow-origin']).toBe('http://10.0.0.1:1789')
  })
})
