import { describe, expect, it } from 'vitest'
import { runCli } from '../../run.js'
import { buildClusterProgram } from './index.js'
import { utilParamsParts, utilParamsSectorSize } from './util.js'

function sink() {
  const out: string[] = []
  const err: string[] = []
  return { io: { out: (t: string) => out.push(t), err: (t: string) => err.push(t) }, out, err }
}

describe('venus-cluster util params', () => {
  it('accepts the small sector sizes the local generator supports', () => {
    expect(utilParamsSectorSize('2KiB')).toBe(2048)
    expect(utilParamsSectorSize('8MiB')).toBe(8 << 20)
    expect(utilParamsSectorSize('512MiB')).toBe(512 << 20)
  })

  it('refuses a production sector size with a one-line error and exit code 1', async () => {
    const s = sink()
    const code = await runCli(
      buildClusterProgram(),
      ['node', 'venus-cluster', 'util', 'params', '--sector-size', '32GiB'],
      s.io,
    )
    expect(code).toBe(1)
    const text = s.err.join('')
    expect(text.trim().split('\n')).toHaveLength(1)
    expect(text).toMatch(
      /--sector-size: local parameters can be made for 2KiB, 8MiB and 512MiB only, not 32GiB/,
    )
  })

  it('refuses a size that is not a size at all', async () => {
    const s = sink()
    const code = await runCli(
      buildClusterProgram(),
      ['node', 'venus-cluster', 'util', 'params', '--sector-size', '3KB'],
      s.io,
    )
    expect(code).toBe(1)
    expect(s.err.join('').trim()).toBe("error: --sector-size: '3KB' is not a sector size like 2KiB")
  })

  it('takes a list of parameter sets, the SnapDeals update circuit among them', () => {
    expect(utilParamsParts('update')).toEqual(['update'])
    expect(utilParamsParts('porep, update')).toEqual(['porep', 'update'])
  })

  it('refuses an unknown parameter set naming --parts', async () => {
    const s = sink()
    const code = await runCli(
      buildClusterProgram(),
      ['node', 'venus-cluster', 'util', 'params', '--parts', 'update,snap'],
      s.io,
    )
    expect(code).toBe(1)
    expect(s.err.join('').trim()).toBe(
      "error: --parts: 'snap' is not a parameter set (porep, window-post, winning-post, update, srs)",
    )
  })
})
