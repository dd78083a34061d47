// `util storage attach` over many stores at once: lotus storage paths named by their
// sectorstore.json ID (read-only when their Weight is 0), other stores by their path, and the
// errors of a pattern that matches nothing or a --name given to several stores.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { openSqliteStore } from '@venus-cluster/manager'
import { afterEach, describe, expect, it } from 'vitest'
import { vsmCli } from '../../__fixtures__/vsm-cli.js'

const dirs: string[] = []
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true })
})

function storeDir(root: string, name: string, numbers: number[], lotusMeta?: object): string {
  const dir = join(root, name)
  mkdirSync(join(dir, 'sealed'), { recursive: true })
  mkdirSync(join(dir, 'cache'), { recursive: true })
  for (const n of numbers) {
    writeFileSync(join(dir, 'sealed', `s-t01000-${n}`), '')
    mkdirSync(join(dir, 'cache', `s-t01000-${n}`))
  }
  if (lotusMeta !== undefined) writeFileSync(join(dir, 'sectorstore.json'), JSON.stringify(lotusMeta))
  return dir
}

describe('util storage attach --pattern', () => {
  it('attaches every matching directory, naming lotus paths by their sectorstore.json ID', async () => {
    const home = mkdtempSync(join(tmpdir(), 'vsm-attach-home-'))
    const mnt = mkdtempSync(join(tmpdir(), 'vsm-attach-mnt-'))
    dirs.push(home, mnt)
    storeDir(mnt, 'disk1', [1, 2], { ID: 'lotus-id-1', Weight: 10, CanSeal: true, CanStore: true })
    storeDir(mnt, 'disk2', [3], { ID: 'lotus-id-2', Weight: 0, CanSeal: false, CanStore: true })
    const plain = storeDir(mnt, 'nas1', [4])
    // Not matched: another prefix, and a hidden directory.
    storeDir(mnt, 'other', [5])
    storeDir(mnt, '.disk9', [6])

    const r = await vsmCli([
      '--home',
      home,
      'util',
      'storage',
      'attach',
      '--pattern',
      join(mnt, 'disk*'),
      '--pattern',
      join(mnt, 'nas?'),
      '--json',
    ])
    expect(r.err).toBe('')
    expect(r.code).toBe(0)
    expect(JSON.parse(r.out)).toEqual([
      { name: 'lotus-id-1', path: join(mnt, 'disk1'), recorded: true, sealed: 2, cache: 0 },
      { name: 'lotus-id-2', path: join(mnt, 'disk2'), recorded: true, sealed: 1, cache: 0 },
      { name: plain, path: plain, recorded: true, sealed: 1, cache: 0 },
    ])
    const store = await openSqliteStore({ path: join(home, 'manager.db') })
    try {
      expect(await store.findLocation({ miner: 1000, number: 2 }, 'normal')).toEqual({
        sealed: 'lotus-id-1',
        cache: 'lotus-id-1',
      })
      expect(await store.findLocation({ miner: 1000, number: 3 }, 'normal')).toEqual({
        sealed: 'lotus-id-2',
        cache: 'lotus-id-2',
      })
      expect(await store.findLocation({ miner: 1000, number: 4 }, 'normal')).toEqual({
        sealed: plain,
        cache: plain,
      })
      expect(await store.findLocation({ miner: 1000, number: 5 }, 'normal')).toBeUndefined()
      expect(await store.findLocation({ miner: 1000, number: 6 }, 'normal')).toBeUndefined()
    } finally {
      await store.close()
    }

    // The text report: one PersistStores block per store; a lotus path of Weight 0 read-only.
    const text = await vsmCli(['--home', home, 'util', 'storage', 'attach', '--pattern', join(mnt, 'disk*')])
    expect(text.code).toBe(0)
    const blocks = text.out.split('[[Common.PersistStores]]').slice(1)
    expect(blocks).toHaveLength(2)
    expect(blocks[0]).toContain('Name = "lotus-id-1"')
    expect(blocks[0]).toContain('ReadOnly = false')
    expect(blocks[1]).toContain('Name = "lotus-id-2"')
    expect(blocks[1]).toContain('ReadOnly = true')
  })

  it('refuses a pattern that matches no directory and a --name for several stores, naming the flag', async () => {
    const home = mkdtempSync(join(tmpdir(), 'vsm-attach-home-'))
    const mnt = mkdtempSync(join(tmpdir(), 'vsm-attach-mnt-'))
    dirs.push(home, mnt)
    storeDir(mnt, 'disk1', [1])
    storeDir(mnt, 'disk2', [2])

    const none = await vsmCli(['--home', home, 'util', 'storage', 'attach', '--pattern', join(mnt, 'nope*')])
    expect(none.code).not.toBe(0)
    expect(none.err).toContain(`--pattern ${JSON.stringify(join(mnt, 'nope*'))} matches no directory`)
    expect(none.err).not.toMatch(/\n\s+at /)

    const named = await vsmCli([
      '--home',
      home,
      'util',
      'storage',
      'attach',
      '--name',
      'ps1',
      '--pattern',
      join(mnt, 'disk*'),
    ])
    expect(named.code).not.toBe(0)
    expect(named.err).toContain('--name names one store, but 2 paths are given')

    const empty = await vsmCli(['--home', home, 'util', 'storage', 'attach'])
    expect(empty.code).not.toBe(0)
    expect(empty.err).toContain('give a path or --pattern')
  })
})
