import { describe, expect, it } from 'vitest'
import { truncateText } from './text.js'

describe('truncateText', () => {
  it('keeps text that fits', () => {
    expect(truncateText('short', 8)).toBe('short')
    expect(truncateText('ééé', 6)).toBe('ééé')
  })

  it('cuts text past the bound and says how long it was', () => {
    const long = 'x'.repeat(20 * 1024 * 1024)
    const cut = truncateText(long, 8192)
    expect(cut).toBe(`${'x'.repeat(8192)}… [truncated, 20971520 bytes]`)
  })

  it('never splits a multi-byte character', () => {
    // 'é' is 2 bytes: 5 bytes hold two of them and half of a third.
    expect(truncateText('éééé', 5)).toBe('éé… [truncated, 8 bytes]')
    expect(truncateText('😀😀', 6)).toBe('😀… [truncated, 8 bytes]')
  })
})
