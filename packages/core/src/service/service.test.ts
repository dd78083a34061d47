import { describe, expect, it, vi } from 'vitest'
import {
  childLogger,
  type Logger,
  type Startable,
  silentLogger,
  startAll,
  stopAll,
  TypedEmitter,
} from './index.js'

describe('TypedEmitter', () => {
  it('delivers events to listeners in order until they unsubscribe', () => {
    const e = new TypedEmitter<{ tick: number }>()
    const got: string[] = []
    const off = e.on('tick', (n) => got.push(`a${n}`))
    e.on('tick', (n) => got.push(`b${n}`))
    e.emit('tick', 1)
    off()
    e.emit('tick', 2)
    expect(got).toEqual(['a1', 'b1', 'b2'])
    expect(e.listenerCount('tick')).toBe(1)
  })

  it('calls a once listener for one event only', () => {
    const e = new TypedEmitter<{ tick: number }>()
    const fn = vi.fn()
    e.once('tick', fn)
    e.emit('tick', 1)
    e.emit('tick', 2)
    expect(fn).toHaveBeenCalledExactlyOnceWith(1)
    expect(e.listenerCount('tick')).toBe(0)
  })

  it('keeps delivering when a listener throws, and reports the error', () => {
    const errors: string[] = []
    const e = new TypedEmitter<{ tick: number }>({ onListenerError: (_err, type) => errors.push(type) })
    const fn = vi.fn()
    e.on('tick', () => {
      throw new Error('boom')
    })
    e.on('tick', fn)
    expect(() => e.emit('tick', 1)).not.toThrow()
    expect(fn).toHaveBeenCalledOnce()
    expect(errors).toEqual(['tick'])
  })
})

describe('startAll / stopAll', () => {
  const service = (name: string, log: string[], fail?: 'start' | 'stop'): Startable => ({
    async start() {
      if (fail === 'start') throw new Error(`${name} cannot start`)
      log.push(`start ${name}`)
    },
    async stop() {
      log.push(`stop ${name}`)
      if (fail === 'stop') throw new Error(`${name} cannot stop`)
    },
  })

  it('stops the started services in reverse order when a later one fails to start', async () => {
    const log: string[] = []
    await expect(
      startAll([service('a', log), service('b', log), service('c', log, 'start')]),
    ).rejects.toThrow('c cannot start')
    expect(log).toEqual(['start a', 'start b', 'stop b', 'stop a'])
  })

  it('stops every service in reverse order even when one stop fails, then rethrows it', async () => {
    const log: string[] = []
    await expect(stopAll([service('a', log), service('b', log, 'stop'), service('c', log)])).rejects.toThrow(
      'b cannot stop',
    )
    expect(log).toEqual(['stop c', 'stop b', 'stop a'])
  })
})

describe('childLogger', () => {
  it('adds its bindings to every line of a logger without child()', () => {
    const lines: object[] = []
    const base: Logger = {
      ...silentLogger,
      child: undefined,
      info: (o: object) => lines.push(o),
    } as unknown as Logger
    delete (base as { child?: unknown }).child
    childLogger(base, { component: 'x' }).info({ n: 1 }, 'hi')
    expect(lines).toEqual([{ component: 'x', n: 1 }])
  })

  it("uses the logger's own child() when it has one", () => {
    const child = vi.fn(() => silentLogger)
    childLogger({ ...silentLogger, child }, { component: 'y' })
    expect(child).toHaveBeenCalledWith({ component: 'y' })
  })
})
