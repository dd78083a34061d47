import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { loadWorkerConfig } from './load.js'
import { parseWorkerConfig } from './worker.js'
import { canonicalWorkerPaths, resolveWorkerPaths } from './worker-paths.js'

const fixture = (name: string) => readFile(new URL(`./__fixtures__/${name}`, import.meta.url), 'utf8')
let dir = ''
afterEach(() => rmSync(dir, { recursive: true, force: true }))

describe('worker config paths', () => {
  it('makes every relative path of the v0.1.2 example absolute against the working directory', async () => {
    const cfg = resolveWorkerPaths(
      parseWorkerConfig(await fixture('venus-worker.v012.toml'), 'w.toml'),
      '/srv/w',
    )
    expect(cfg.sealingThreads.map((t) => t.location)).toEqual([
      '/srv/w/mock-tmp/store1',
      '/srv/w/mock-tmp/store2',
    ])
    expect(cfg.attached).toEqual([
      { name: 'persist-store1', location: '/srv/w/mock-tmp/remote', readonly: false },
    ])
    expect(cfg.processors.staticTreeD).toEqual({ '2KiB': '/srv/w/mock-tmp/tree-d-2KiB.dat' })
    // Absolute binaries stay; a bare name is left for the PATH lookup, a relative path is resolved.
    expect(cfg.processors.external.c2?.[0]?.bin).toBe('/usr/local/bin/c2-proc')
    expect(cfg.processors.external.pc2?.[0]?.bin).toBeUndefined()
    const more = parseWorkerConfig(
      `[sector_manager]\nrpc_client.addr = "/ip4/127.0.0.1/tcp/1789"\n[[processors.pc1]]\nbin = "./bin/pc1"\n[[processors.pc2]]\nbin = "pc2-proc"\n`,
      'w.toml',
    )
    const r = resolveWorkerPaths(more, '/srv/w')
    expect(r.processors.external.pc1?.[0]?.bin).toBe('/srv/w/bin/pc1')
    expect(r.processors.external.pc2?.[0]?.bin).toBe('pc2-proc')
  })

  it('gives an unnamed attached store the absolute path as its name, and the seed example its paths', async () => {
    const cfg = resolveWorkerPaths(
      parseWorkerConfig(await fixture('venus-worker.example.toml'), 'w.toml'),
      '/srv/w',
    )
    expect(cfg.sealingThreads.map((t) => t.location)).toEqual([
      '/srv/w/path/to/local/store1',
      '/srv/w/path/to/local/store2',
      '/srv/w/path/to/local/store3',
    ])
    expect(cfg.attached[0]).toMatchObject({
      name: '/srv/w/path/to/remote/store',
      location: '/srv/w/path/to/remote/store',
    })
  })

  it('loads a config with symlinks resolved for existing stores, as the original canonicalises them', async () => {
    dir = mkdtempSync(join(tmpdir(), 'vc-paths-'))
    mkdirSync(join(dir, 'real', 'store1'), { recursive: true })
    mkdirSync(join(dir, 'real', 'remote'), { recursive: true })
    symlinkSync(join(dir, 'real'), join(dir, 'link'))
    const file = join(dir, 'w.toml')
    writeFileSync(
      file,
      `[sector_manager]\nrpc_client.addr = "/ip4/127.0.0.1/tcp/1789"\n[[sealing_thread]]\nlocation = "${dir}/link/store1"\n[[sealing_thread]]\nlocation = "${dir}/link/missing"\n[[attached]]\nlocation = "${dir}/link/remote"\n`,
    )
    const cfg = await loadWorkerConfig(file)
    expect(cfg.sealingThreads.map((t) => t.location)).toEqual([
      join(dir, 'real', 'store1'),
      join(dir, 'link', 'missing'),
    ])
    expect(cfg.attached[0]).toMatchObject({
      name: join(dir, 'real', 'remote'),
      location: join(dir, 'real', 'remote'),
    })
    // Idempotent: a canonical config stays as it is.
    expect(await canonicalWorkerPaths(cfg, '/elsewhere')).toEqual(cfg)
  })
})
