import { describe, expect, it } from 'vitest'
import { proofsChoice, workerLogLevel } from './worker-common.js'

describe('venus-worker logging and backend choice', () => {
  it('takes the level from RUST_LOG, then VENUS_WORKER_LOG, then LOG_LEVEL', () => {
    expect(workerLogLevel({ RUST_LOG: 'debug,hyper=warn', LOG_LEVEL: 'error' })).toBe('debug')
    expect(workerLogLevel({ VENUS_WORKER_LOG: 'warn' })).toBe('warn')
    expect(workerLogLevel({ LOG_LEVEL: 'trace' })).toBe('trace')
    expect(workerLogLevel({ RUST_LOG: 'venus_worker=debug' })).toBe('info')
    expect(workerLogLevel({})).toBe('info')
    expect(workerLogLevel({ RUST_LOG: 'off' })).toBe('silent')
  })

  it('refuses an unknown proofs backend by name', () => {
    expect(proofsChoice('mock')).toBe('mock')
    expect(() => proofsChoice('gpu')).toThrow(/--proofs must be "mock" or "native", not "gpu"/)
  })
})
