import { describe, expect, it } from 'vitest'
import {
  sectorIdFromWire,
  sectorIdToWire,
  seedFromWire,
  seedToWire,
  ticketFromWire,
  ticketToWire,
  workerInfoFromWire,
  workerInfoToWire,
  workerSummaryToWire,
} from './sealer-wire.js'

describe('Venus.* converters shared by the manager and the worker', () => {
  it('carries sector ids between camelCase and the wire', () => {
    expect(sectorIdToWire({ miner: 1000, number: 7 })).toEqual({ Miner: 1000, Number: 7 })
    expect(sectorIdFromWire({ Miner: 1000, Number: 7 })).toEqual({ miner: 1000, number: 7 })
  })

  it('carries tickets and seeds as padded base64 with their epoch, both ways', () => {
    const value = Uint8Array.from({ length: 32 }, (_, i) => i)
    const ticket = ticketToWire({ value, epoch: 100 })
    expect(ticket).toEqual({ Ticket: Buffer.from(value).toString('base64'), Epoch: 100 })
    expect(ticketFromWire(ticket)).toEqual({ value, epoch: 100 })
    const seed = seedToWire({ value, epoch: 110 })
    expect(seed).toEqual({ Seed: Buffer.from(value).toString('base64'), Epoch: 110 })
    expect(seedFromWire(seed)).toEqual({ value, epoch: 110 })
  })

  it('refuses a ticket or seed that is not base64, naming it', () => {
    expect(() => ticketFromWire({ Ticket: '%%%', Epoch: 1 })).toThrow(/Ticket/)
    expect(() => seedFromWire({ Seed: '%%%', Epoch: 1 })).toThrow(/Seed/)
  })

  it('carries a worker ping (WorkerInfo) both ways', () => {
    const report = {
      name: 'w1',
      dest: '10.0.0.2:17890',
      summary: { threads: 4, empty: 1, paused: 2, errors: 1 },
    }
    const wire = workerInfoToWire(report)
    expect(wire).toEqual({
      Name: 'w1',
      Dest: '10.0.0.2:17890',
      Summary: { Threads: 4, Empty: 1, Paused: 2, Errors: 1 },
    })
    expect(workerInfoFromWire(wire)).toEqual(report)
    expect(workerSummaryToWire(report.summary)).toEqual(wire.Summary)
  })
})
