import { VenusError } from '@venus-cluster/core'
import { afterEach, describe, expect, it } from 'vitest'
import { rpcFailure } from './failure.js'
import { ManagerMethodSupport } from './manager-support.js'
import { startWorkerPing } from './worker-ping.js'

const stops: (() => void)[] = []
afterEach(() => {
  for (const s of stops.splice(0)) s()
})

function logger() {
  const lines: string[] = []
  const at = (level: string) => (_o: object, msg?: string) => void lines.push(`${level} ${msg}`)
  return { lines, log: { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') } }
}

const info = () => ({
  name: 'rig-7',
  dest: '10.0.0.5:17890',
  summary: { threads: 1, empty: 1, paused: 0, errors: 0 },
})
const tick = () => new Promise((r) => setTimeout(r, 30))

describe('WorkerPing loop', () => {
  it('logs a refusal when its reason changes, not every period', async () => {
    const { lines, log } = logger()
    let answer: Error | undefined = rpcFailure(
      'WorkerPing',
      new VenusError('WORKER_NAME_TAKEN', 'worker name "rig-7" is registered with control address …'),
    )
    const ping = async () => {
      if (answer) throw answer
    }
    stops.push(startWorkerPing({ ping, info, intervalMs: 5, support: new ManagerMethodSupport(), log }))
    await tick()
    expect(lines.filter((l) => l.startsWith('warn'))).toEqual(['warn WorkerPing refused or failed'])
    answer = undefined
    await tick()
    expect(lines).toContain('info WorkerPing accepted again')
  })

  it('stops pinging a manager that does not know the method', async () => {
    const { lines, log } = logger()
    let calls = 0
    const ping = async () => {
      calls++
      throw rpcFailure(
        'WorkerPing',
        new VenusError('RPC_METHOD_NOT_FOUND', "method 'Venus.WorkerPing' not found"),
      )
    }
    stops.push(startWorkerPing({ ping, info, intervalMs: 2, support: new ManagerMethodSupport(), log }))
    await tick()
    expect(calls).toBe(1)
    expect(lines.filter((l) => !l.startsWith('debug'))).toHaveLength(1)
    expect(lines[0]).toMatch(/does not know Venus\.WorkerPing/)
  })
})
