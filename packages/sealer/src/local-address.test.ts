import { describe, expect, it } from 'vitest'
import { controlDest, localAddressToward } from './local-address.js'

describe('the control address a worker reports', () => {
  it('is the local address of the route toward the manager', async () => {
    expect(await localAddressToward('ws://127.0.0.1:1789/rpc/v0')).toBe('127.0.0.1')
    expect(await localAddressToward('not a url')).toBeUndefined()
  })

  it('keeps a concrete listen host and replaces a wildcard one', async () => {
    expect(await controlDest('10.1.2.3', 17890, 'ws://127.0.0.1:1789/rpc/v0')).toBe('10.1.2.3:17890')
    expect(await controlDest('0.0.0.0', 17890, 'ws://127.0.0.1:1789/rpc/v0')).toBe('127.0.0.1:17890')
    expect(await controlDest('::1', 17890, 'ws://127.0.0.1:1789/rpc/v0')).toBe('[::1]:17890')
  })
})
