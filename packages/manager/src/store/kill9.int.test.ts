import { type ChildProcess, spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { build } from 'esbuild'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { findPgBin, startTestPg, type TestPgServer } from './__fixtures__/pg-server.js'
import { openPostgresStore } from './postgres.js'
import { openSqliteStore } from './sqlite.js'
import type { ManagerStore } from './types.js'

const here = dirname(fileURLToPath(import.meta.url))
const dir = mkdtempSync(join(tmpdir(), 'vsm-kill9-'))
// Bundled once so each trial starts in ~100 ms instead of paying a TypeScript loader per child.
// Written under the repo's node_modules so the bundle resolves better-sqlite3 and pg.
const root = join(here, '..', '..', '..', '..')
const child = join(root, 'node_modules', '.cache', 'venus-manager', `kill9-child-${process.pid}.mjs`)
let pg: TestPgServer | undefined
beforeAll(async () => {
  await build({
    entryPoints: [join(here, '__fixtures__', 'kill9-child.ts')],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    outfile: child,
    external: ['better-sqlite3', 'pg'],
    banner: {
      js: "import { createRequire as __vsmRequire } from 'node:module'; const require = __vsmRequire(import.meta.url);",
    },
    logLevel: 'silent',
  })
})
afterAll(() => {
  pg?.stop()
  rmSync(dir, { recursive: true, force: true })
  rmSync(child, { force: true })
})

interface Acked {
  allocs: Map<string, true>
  updates: Map<string, string>
}

/** Runs the child until it printed READY plus a random number of acks, then SIGKILLs it. */
function runAndKill(engine: string, target: string, killAfterAcks: number): Promise<Acked> {
  return new Promise((resolve, reject) => {
    const p: ChildProcess = spawn(process.execPath, [child, engine, target], {
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    const acked: Acked = { allocs: new Map(), updates: new Map() }
    let buf = ''
    let acks = 0
    let err = ''
    p.stderr?.on('data', (d) => {
      err += String(d)
    })
    p.stdout?.on('data', (d) => {
      buf += String(d)
      const lines = buf.split('\n')
      buf = lines.pop() ?? ''
      for (const line of lines) {
        const [kind, miner, num, mark] = line.split(' ')
        if (kind === 'ALLOC') acked.allocs.set(`${miner}/${num}`, true)
        else if (kind === 'UPD') acked.updates.set(`${miner}/${num}`, mark as string)
        if (kind === 'ALLOC' || kind === 'UPD') acks++
        if (acks === killAfterAcks) p.kill('SIGKILL')
      }
    })
    p.on('exit', (code, signal) => {
      if (signal === 'SIGKILL') resolve(acked)
      else reject(new Error(`child exited ${code}: ${err}`))
    })
  })
}

async function verify(store: ManagerStore, acked: Acked, seen: Set<string>): Promise<void> {
  for (const key of acked.allocs.keys()) {
    expect(seen.has(key), `number ${key} handed out twice`).toBe(false)
    seen.add(key)
    const [miner, num] = key.split('/').map(Number) as [number, number]
    const got = await store.getSector({ miner, number: num })
    expect(got, `acknowledged allocation ${key} lost`).toBeDefined()
    expect(await store.lastNumber(miner)).toBeGreaterThanOrEqual(num)
  }
  for (const [key, mark] of acked.updates) {
    const [miner, num] = key.split('/').map(Number) as [number, number]
    const got = await store.getSector({ miner, number: num })
    expect(got?.state.abortReason, `acknowledged update of ${key} lost`).toBe(mark)
    expect((await store.listQueue('pre', miner)).some((q) => q.number === num)).toBe(true)
  }
}

async function trials(
  engine: 'sqlite' | 'postgres',
  target: string,
  n: number,
  open: () => Promise<ManagerStore>,
) {
  const seen = new Set<string>()
  let total = 0
  for (let t = 0; t < n; t++) {
    const acked = await runAndKill(engine, target, 1 + Math.floor(Math.random() * 120))
    total += acked.allocs.size
    const store = await open()
    try {
      await verify(store, acked, seen)
    } finally {
      await store.close()
    }
  }
  return total
}

describe('kill -9 durability', () => {
  it('sqlite (synchronous=FULL, group commit): 20 trials lose no acknowledged write and reuse no number', async () => {
    const path = join(dir, 'kill9.sqlite')
    const total = await trials('sqlite', path, 20, () => openSqliteStore({ path }))
    expect(total).toBeGreaterThan(20)
  }, 180_000)

  it.skipIf(findPgBin() === undefined)(
    'postgres: 20 trials lose no acknowledged write and reuse no number',
    async () => {
      pg = await startTestPg()
      const url = pg.createDatabase('kill9')
      const total = await trials('postgres', url, 20, () => openPostgresStore({ connectionString: url }))
      expect(total).toBeGreaterThan(20)
    },
    180_000,
  )
})
