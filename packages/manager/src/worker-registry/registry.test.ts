import { describe, expect, it } from 'vitest'
import { WorkerRegistry } from './registry.js'

const summary = { threads: 1, empty: 1, paused: 0, errors: 0 }
const ping = (name: string, dest = '10.0.0.5:17890') => ({ name, dest, summary })

describe('worker registry', () => {
  it('pins a name to its first control address and says how to release it', () => {
    const reg = new WorkerRegistry()
    reg.ping(ping('rig-7'))
    reg.ping(ping('rig-7'))
    expect(() => reg.ping(ping('rig-7', '10.0.0.66:17890'))).toThrow(
      /worker name "rig-7" is registered with control address "10\.0\.0\.5:17890"; this ping reports "10\.0\.0\.66:17890"\. If the worker moved, release the name on the manager's host: venus-sector-manager util worker remove rig-7/,
    )
    expect(reg.pingOf('rig-7')?.dest).toBe('10.0.0.5:17890')
    expect(reg.remove('rig-7')).toBe(true)
    expect(reg.remove('rig-7')).toBe(false)
    reg.ping(ping('rig-7', '10.0.0.66:17890'))
    expect(reg.pingOf('rig-7')?.dest).toBe('10.0.0.66:17890')
  })

  it('refuses names and control addresses out of bounds, naming the field', () => {
    const reg = new WorkerRegistry()
    expect(() => reg.ping(ping('x'.repeat(129)))).toThrow(/params\[0\]\.Name: .*at most 128/)
    expect(() => reg.ping(ping('rig 7'))).toThrow(/params\[0\]\.Name: .*only letters/)
    expect(() => reg.ping(ping('rig-7', 'evil.example/steal:80'))).toThrow(/params\[0\]\.Dest: .*host:port/)
    expect(() => reg.ping(ping('rig-7', `${'a'.repeat(300)}:1`))).toThrow(/params\[0\]\.Dest: .*at most 262/)
    expect(reg.pings()).toEqual([])
  })

  it('keeps at most maxWorkers: a stale one makes room, otherwise the new name is refused', () => {
    let now = 1_000_000
    const reg = new WorkerRegistry({ maxWorkers: 2, staleAfterMs: 60_000, now: () => now })
    reg.ping(ping('a'))
    now += 30_000
    reg.ping(ping('b'))
    expect(() => reg.ping(ping('c'))).toThrow(/at most 2 pinging workers .* "c" is not registered/)
    // Known names still ping while full.
    reg.ping(ping('b'))
    now += 31_000
    // "a" has now been silent for 61 s: it goes, "c" comes in.
    reg.ping(ping('c'))
    expect(reg.pings().map((p) => p.name)).toEqual(['b', 'c'])
  })

  it('tracks names seen in reports, bounded, and lists them with the online sectors they hold', () => {
    let now = 5_000_000
    const reg = new WorkerRegistry({ maxWorkers: 2, now: () => now })
    reg.ping(ping('ours'))
    reg.noteReport('orig-1')
    now += 1000
    reg.noteReport('orig-2')
    reg.noteReport('not a name')
    reg.noteReport('orig-3')
    const state = (i: string) => ({ latestReport: { worker: { instance: i, location: '/d' } } }) as never
    const known = reg.known([
      state('orig-3'),
      state('orig-3'),
      state('gone-before-restart'),
      state('bad name'),
    ])
    expect(known.map((w) => [w.name, w.dest, w.lastReport, w.sectors])).toEqual([
      ['gone-before-restart', undefined, undefined, 1],
      ['orig-2', undefined, 5001, 0],
      ['orig-3', undefined, 5001, 2],
      ['ours', '10.0.0.5:17890', undefined, 0],
    ])
  })
})
