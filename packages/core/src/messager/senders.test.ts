import { describe, expect, it } from 'vitest'
import { pickRichestSender } from './senders.js'

describe('pickRichestSender', () => {
  const balances: Record<string, bigint> = { t01: 5n, t02: 50n, t03: 20n }
  const balanceOf = async (a: string) => {
    const b = balances[a]
    if (b === undefined) throw new Error('no such actor')
    return b
  }

  it('takes the richest of several senders, and says whether it can pay', async () => {
    expect(await pickRichestSender(['t01', 't02', 't03'], balanceOf, 10n)).toEqual({
      address: 't02',
      balance: 50n,
      covers: true,
    })
    expect((await pickRichestSender(['t01', 't03'], balanceOf, 100n))?.covers).toBe(false)
  })

  it('skips a sender whose balance cannot be read, and keeps a single sender without asking', async () => {
    expect((await pickRichestSender(['t09', 't01'], balanceOf, 1n))?.address).toBe('t01')
    let asked = 0
    const counting = async (a: string) => {
      asked++
      return balanceOf(a)
    }
    expect(await pickRichestSender(['t01'], counting, 1n)).toEqual({
      address: 't01',
      balance: undefined,
      covers: true,
    })
    expect(asked).toBe(0)
    expect(await pickRichestSender([], balanceOf, 1n)).toBeUndefined()
    expect((await pickRichestSender(['t08', 't09'], balanceOf, 1n))?.address).toBe('t08')
  })
})
