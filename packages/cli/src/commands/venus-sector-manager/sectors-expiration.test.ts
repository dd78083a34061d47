import { describe, expect, it } from 'vitest'
import { intoMessages, planExtensions } from './sectors-expiration.js'

const w = (sectorNumber: number, deadline: number, partition: number, newExpiration: number) => ({
  sectorNumber,
  deadline,
  partition,
  newExpiration,
})

describe('extension planning', () => {
  it('shares a declaration between sectors of a partition within the tolerance of its earliest', () => {
    const decls = planExtensions(
      [w(1, 0, 0, 1000), w(2, 0, 0, 1050), w(3, 0, 0, 1200), w(4, 0, 1, 1000), w(5, 3, 0, 1100)],
      100,
    )
    expect(decls.map((d) => [d.deadline, d.partition, d.sectors, d.newExpiration])).toEqual([
      [0, 0, [1, 2], 1000],
      [0, 0, [3], 1200],
      [0, 1, [4], 1000],
      [3, 0, [5], 1100],
    ])
    expect(decls.every((d) => d.sectorsWithClaims.length === 0)).toBe(true)
  })

  it('cuts messages at the sector limit, splitting a declaration that does not fit', () => {
    const decls = planExtensions(
      [1, 2, 3, 4, 5].map((n) => w(n, 1, 0, 500)),
      0,
    )
    const messages = intoMessages([...decls, ...planExtensions([w(9, 2, 0, 700)], 0)], 2)
    expect(messages.map((m) => m.map((d) => d.sectors))).toEqual([[[1, 2]], [[3, 4]], [[5], [9]]])
    expect(messages.flat().every((d) => d.newExpiration === (d.sectors[0] === 9 ? 700 : 500))).toBe(true)
  })
})
