import { describe, expect, it } from 'vitest'
import { formatKeyPath, lineOf, tomlKeyLines } from './key-lines.js'

describe('tomlKeyLines', () => {
  it('maps tables, keys and arrays of tables to their lines', () => {
    const text = [
      '# comment',
      '[SectorManager]',
      'PreFetch = true',
      '[[SectorManager.Miners]]',
      'ID = 1',
      '[[SectorManager.Miners]]',
      'ID = 2',
      '[PoSt.Actors."f0 1"]',
      'Sender = "x" # trailing',
    ].join('\n')
    const lines = tomlKeyLines(text)
    expect(lines.get('SectorManager')).toBe(2)
    expect(lines.get('SectorManager.PreFetch')).toBe(3)
    expect(lines.get('SectorManager.Miners[0].ID')).toBe(5)
    expect(lines.get('SectorManager.Miners[1].ID')).toBe(7)
    expect(lines.get('PoSt.Actors."f0 1".Sender')).toBe(9)
  })

  it('skips the continuation lines of multi-line arrays and strings', () => {
    const text = ['a = [', '  "x = 1",', ']', 's = """', 'y = 2', '"""', 'b = 3'].join('\n')
    const lines = tomlKeyLines(text)
    expect(lines.get('b')).toBe(7)
    expect(lines.has('x')).toBe(false)
    expect(lines.has('y')).toBe(false)
  })

  it('gives keys of dotted and inline tables the line of their nearest ancestor', () => {
    const lines = tomlKeyLines('[p]\ncgroup = { cpuset = "1" }\nrpc.addr = "x"\n')
    expect(lineOf(lines, ['p', 'cgroup', 'cpuset'])).toBe(2)
    expect(lineOf(lines, ['p', 'rpc', 'addr'])).toBe(3)
    expect(lineOf(lines, ['nowhere'])).toBe(0)
  })

  it('formats paths with indices and quotes odd names', () => {
    expect(formatKeyPath(['a', 0, 'b.c', 'd'])).toBe('a[0]."b.c".d')
  })
})
