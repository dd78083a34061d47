import { describe, expect, it } from 'vitest'
import { parseApiInfo } from './api-info.js'

const JWT = 'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJBbGxvdyI6WyJyZWFkIl19.c2lnbmF0dXJl'

describe('parseApiInfo', () => {
  it.each([
    [
      `${JWT}:/ip4/127.0.0.1/tcp/1234/http`,
      {},
      {
        token: JWT,
        httpUrl: 'http://127.0.0.1:1234/rpc/v1',
        wsUrl: 'ws://127.0.0.1:1234/rpc/v1',
        preferWs: false,
      },
    ],
    [
      '/ip4/127.0.0.1/tcp/1234',
      {},
      { httpUrl: 'http://127.0.0.1:1234/rpc/v1', wsUrl: 'ws://127.0.0.1:1234/rpc/v1', preferWs: true },
    ],
    [
      '/ip4/10.0.0.2/tcp/39812',
      { version: 'v0' },
      { httpUrl: 'http://10.0.0.2:39812/rpc/v0', wsUrl: 'ws://10.0.0.2:39812/rpc/v0', preferWs: true },
    ],
    [
      '/dns/node.example/tcp/3453/wss',
      {},
      {
        httpUrl: 'https://node.example:3453/rpc/v1',
        wsUrl: 'wss://node.example:3453/rpc/v1',
        preferWs: true,
      },
    ],
    [
      '/dns4/node/tcp/443/https',
      {},
      { httpUrl: 'https://node:443/rpc/v1', wsUrl: 'wss://node:443/rpc/v1', preferWs: false },
    ],
    [
      '/dns6/node/tcp/80/ws',
      {},
      { httpUrl: 'http://node:80/rpc/v1', wsUrl: 'ws://node:80/rpc/v1', preferWs: true },
    ],
    [
      '/ip6/::1/tcp/1234/http',
      {},
      { httpUrl: 'http://[::1]:1234/rpc/v1', wsUrl: 'ws://[::1]:1234/rpc/v1', preferWs: false },
    ],
    [
      '/ip4/1.2.3.4/tcp/1234/tls/ws',
      {},
      { httpUrl: 'https://1.2.3.4:1234/rpc/v1', wsUrl: 'wss://1.2.3.4:1234/rpc/v1', preferWs: true },
    ],
    [
      '/ip4/1.2.3.4/tcp/3453/version/v0',
      {},
      { httpUrl: 'http://1.2.3.4:3453/rpc/v0', wsUrl: 'ws://1.2.3.4:3453/rpc/v0', preferWs: true },
    ],
    [
      '/ip4/1.2.3.4/tcp/1234/http',
      { token: 'sep' },
      {
        token: 'sep',
        httpUrl: 'http://1.2.3.4:1234/rpc/v1',
        wsUrl: 'ws://1.2.3.4:1234/rpc/v1',
        preferWs: false,
      },
    ],
    [
      'http://127.0.0.1:1789',
      { version: 'v0' },
      { httpUrl: 'http://127.0.0.1:1789/rpc/v0', wsUrl: 'ws://127.0.0.1:1789/rpc/v0', preferWs: false },
    ],
    [
      'ws://127.0.0.1:1789/rpc/v0',
      {},
      { httpUrl: 'http://127.0.0.1:1789/rpc/v0', wsUrl: 'ws://127.0.0.1:1789/rpc/v0', preferWs: true },
    ],
    [
      'wss://gw.example/custom/path',
      {},
      { httpUrl: 'https://gw.example/custom/path', wsUrl: 'wss://gw.example/custom/path', preferWs: true },
    ],
    [
      `tok:https://gw.example`,
      {},
      {
        token: 'tok',
        httpUrl: 'https://gw.example/rpc/v1',
        wsUrl: 'wss://gw.example/rpc/v1',
        preferWs: false,
      },
    ],
    [
      '127.0.0.1:1234',
      {},
      { httpUrl: 'http://127.0.0.1:1234/rpc/v1', wsUrl: 'ws://127.0.0.1:1234/rpc/v1', preferWs: false },
    ],
  ] as const)('parses %s', (info, opts, want) => {
    expect(parseApiInfo(info, opts)).toEqual(want)
  })

  it.each([
    ['', 'empty'],
    ['/ip4/127.0.0.1', 'no /tcp port'],
    ['/tcp/1234', 'no /ip4'],
    ['/ip4/300.0.0.1/tcp/1', 'not an IPv4'],
    ['/ip4/1.2.3.4/tcp/99999', 'not a TCP port'],
    ['/ip4/1.2.3.4/tcp/1/quic', "unsupported multiaddr component '/quic'"],
    ['/ip4/1.2.3.4/tcp/1/version/x', 'not an API version'],
    ['ftp://x', "unsupported URL scheme 'ftp'"],
    [`${JWT}:/ip4/1.2.3.4`, 'no /tcp port'],
  ])('refuses %j with API_INFO_INVALID (%s)', (info, why) => {
    expect(() => parseApiInfo(info)).toThrowError(
      expect.objectContaining({ code: 'API_INFO_INVALID', message: expect.stringContaining(why) }),
    )
  })
})
