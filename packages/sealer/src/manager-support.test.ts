import { VenusError } from '@venus-cluster/core'
import { describe, expect, it } from 'vitest'
import { rpcFailure } from './failure.js'
import { isMethodNotFound, ManagerMethodSupport } from './manager-support.js'

describe('manager method support', () => {
  it('recognises "method not found" through the failure a sealer call wraps it in', () => {
    expect(isMethodNotFound(rpcFailure('WorkerPing', new VenusError('RPC_METHOD_NOT_FOUND', 'nope')))).toBe(
      true,
    )
    const go = new VenusError('RPC_SERVER', "method 'Venus.WorkerPing' not found", {
      details: { rpcCode: -32601 },
    })
    expect(isMethodNotFound(go)).toBe(true)
    expect(isMethodNotFound(rpcFailure('WorkerPing', new VenusError('RPC_TRANSPORT', 'ECONNREFUSED')))).toBe(
      false,
    )
    expect(isMethodNotFound(new Error("method 'x' not found"))).toBe(false)
  })

  it('skips a method the manager did not know until the re-probe is due, and forgets it once answered', () => {
    let now = 0
    const s = new ManagerMethodSupport({ reprobeMs: 1000, now: () => now })
    expect(s.mayCall('Venus.WorkerPing')).toBe(true)
    expect(s.record('Venus.WorkerPing', new VenusError('RPC_METHOD_NOT_FOUND', 'nope'))).toBe(true)
    expect(s.mayCall('Venus.WorkerPing')).toBe(false)
    expect(s.mayCall('Venus.WorkerControlKey')).toBe(true)
    now = 999
    expect(s.mayCall('Venus.WorkerPing')).toBe(false)
    now = 1000
    expect(s.mayCall('Venus.WorkerPing')).toBe(true)
    // A transport failure on the re-probe says nothing about the method; an answer clears it.
    expect(s.record('Venus.WorkerPing', new VenusError('RPC_TRANSPORT', 'ECONNREFUSED'))).toBe(false)
    expect(s.missing('Venus.WorkerPing')).toBe(true)
    s.record('Venus.WorkerPing')
    expect(s.missing('Venus.WorkerPing')).toBe(false)
  })
})
