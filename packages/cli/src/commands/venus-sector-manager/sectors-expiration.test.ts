import { describe, expect, it } from 'vitest'
import { claimExtension, intoMessages, planExtensions } from './sectors-expiration.js'

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

  it('puts sectors with claims into sectors_with_claims and counts them against the message size', () => {
    const decls = planExtensions(
      [w(1, 0, 0, 900), { ...w(2, 0, 0, 950), claims: { maintain: [7], drop: [8] } }, w(3, 0, 0, 960)],
      100,
    )
    expect(decls).toEqual([
      {
        deadline: 0,
        partition: 0,
        sectors: [1, 3],
        sectorsWithClaims: [{ sectorNumber: 2, maintainClaims: [7], dropClaims: [8] }],
        newExpiration: 900,
      },
    ])
    const messages = intoMessages(decls, 2)
    expect(
      messages.map((m) => m.map((d) => [d.sectors, d.sectorsWithClaims.map((c) => c.sectorNumber)])),
    ).toEqual([[[[1, 3], []]], [[[], [2]]]])
  })

  it('keeps claims that reach the new expiration, bounds it by the others, and drops those only at the end of life', () => {
    const DAY = 2880
    const claim = (id: number, start: number, max: number, min = 0) => ({
      id,
      TermStart: start,
      TermMin: min,
      TermMax: max,
    })
    const s = { sectorNumber: 5, expiration: 100 * DAY }
    const head = 50 * DAY
    const claims = [claim(1, 0, 400 * DAY), claim(2, 0, 200 * DAY)]
    expect(claimExtension(s, claims, 300 * DAY, head, false)).toEqual({
      newExpiration: 200 * DAY,
      maintain: [1, 2],
      drop: [],
      bound: 'claim 2 allows extension only to 576000 (pass --drop-claims to drop it)',
    })
    // Not in the last 30 days: still bounded with --drop-claims.
    expect(claimExtension(s, claims, 300 * DAY, head, true).bound).toContain(
      "only in the sector's last 30 days",
    )
    // In the last 30 days, the minimum term passed: dropped.
    expect(claimExtension(s, claims, 300 * DAY, 80 * DAY, true)).toEqual({
      newExpiration: 300 * DAY,
      maintain: [1],
      drop: [2],
    })
    const young = [claim(3, 70 * DAY, 20 * DAY, 15 * DAY)]
    expect(claimExtension(s, young, 300 * DAY, 80 * DAY, true).bound).toContain(
      'its minimum term has not passed',
    )
  })
})
