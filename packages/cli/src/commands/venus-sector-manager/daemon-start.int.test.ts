// `venus-sector-manager daemon run` as an operator starts it (the built CLI in its own process):
// a daemon that cannot start exits non-zero with the cause and frees its port at once; one that
// starts answers /healthz and /readyz without a token.
import type { ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ensureBuiltCli, freePort, type SpawnedCli, spawnBuilt } from '../../__fixtures__/built-cli.js'
import { type ServedMiner, seedManagerCfg, servedMiner } from '../../__fixtures__/served-miner.js'

const dirs: string[] = []
const children: ChildProcess[] = []
let env: ServedMiner

beforeAll(async () => {
  await ensureBuiltCli()
  env = await servedMiner('cli-daemon-start')
})
afterAll(async () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL')
  await env?.close()
  for (const d of dirs) rmSync(d, { recursive: true, force: true })
})

function homeWith(cfg: string): string {
  const home = mkdtempSync(join(tmpdir(), 'vsm-start-cli-'))
  dirs.push(home)
  writeFileSync(join(home, 'sector-manager.cfg'), cfg)
  return home
}

/** Starts `daemon run` with mock proofs. */
function run(home: string, args: string[]): SpawnedCli {
  const d = spawnBuilt('venus-sector-manager', ['--home', home, 'daemon', 'run', '--proofs', 'mock', ...args])
  children.push(d.child)
  return d
}

async function until(what: () => boolean, ms: number): Promise<void> {
  const end = Date.now() + ms
  while (!what() && Date.now() < end) await new Promise((r) => setTimeout(r, 50))
}

function bindable(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createServer()
    s.once('error', () => resolve(false))
    s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)))
  })
}

/** A v0.1.2 config for miner 1000 whose chain and messager are at `api`. */
const unreachableCfg = (api: string) =>
  [
    '[Common.API]',
    `Chain = "${api}"`,
    `Messager = "${api}"`,
    '[[Miners]]',
    'Actor = 1000',
    '[Miners.Commitment.Pre]',
    'Sender = "t01000"',
    '[Miners.Commitment.Prove]',
    'Sender = "t01000"',
    '',
  ].join('\n')

describe('venus-sector-manager daemon run start-up', () => {
  it('exits non-zero after --start-timeout when the chain node is unreachable, and frees its port', async () => {
    const dead = await freePort()
    const port = await freePort()
    const home = homeWith(unreachableCfg(`/ip4/127.0.0.1/tcp/${dead}`))
    const r = await run(home, ['--listen', `127.0.0.1:${port}`, '--start-timeout', '1s']).exited
    expect(r.code).toBe(1)
    expect(r.out).toMatch(/warn: the chain node does not answer; waiting for it before serving/)
    expect(r.out).toMatch(
      new RegExp(
        `error: the chain node did not answer for 1 s at start \\(cannot reach http://127\\.0\\.0\\.1:${dead}/rpc/v1: connect ECONNREFUSED.*\\); gave up after --start-timeout 1s`,
      ),
    )
    expect(r.out).not.toMatch(/listening on/)
    expect(await bindable(port)).toBe(true)
  })

  it('stops waiting and exits 0 on SIGTERM during the start', async () => {
    const home = homeWith(unreachableCfg(`/ip4/127.0.0.1/tcp/${await freePort()}`))
    const port = await freePort()
    const d = run(home, ['--listen', `127.0.0.1:${port}`, '--start-timeout', '10m'])
    await until(() => /waiting for it before serving/.test(d.output()), 15_000)
    d.child.kill('SIGTERM')
    const r = await d.exited
    expect(r.code).toBe(0)
    expect(await bindable(port)).toBe(true)
  })

  it('exits at once when the chain node refuses the token, naming the config keys', async () => {
    const home = homeWith(
      seedManagerCfg({
        minerId: env.minerId,
        api: env.served.multiaddr,
        token: 'not-a-token',
        sender: env.owner,
      }),
    )
    const r = await run(home, ['--listen', '127.0.0.1:0', '--start-timeout', '10m']).exited
    expect(r.code).toBe(1)
    expect(r.out).toMatch(
      /error: .*refused the token \(HTTP 401\); check the token of that API in .*sector-manager\.cfg/,
    )
  })

  it('refuses a sealing miner without a precommit sender, naming file:line and key', async () => {
    const home = homeWith(
      seedManagerCfg({ minerId: env.minerId, api: env.served.multiaddr, token: env.served.adminToken }),
    )
    const r = await run(home, ['--listen', '127.0.0.1:0']).exited
    expect(r.code).toBe(1)
    expect(r.out).toContain(
      `error: ${join(home, 'sector-manager.cfg')}:3: Commitment.Miners.${env.minerId}.Controls.PreCommit: t0${env.minerId} seals new sectors but has no precommit sender`,
    )
  })

  it('serves /healthz and /readyz without a token once started, and exits 0 on SIGTERM', async () => {
    const home = homeWith(
      seedManagerCfg({
        minerId: env.minerId,
        api: env.served.multiaddr,
        token: env.served.adminToken,
        sender: env.owner,
      }),
    )
    const port = await freePort()
    const d = run(home, ['--listen', `127.0.0.1:${port}`])
    await until(() => /listening on/.test(d.output()), 30_000)
    expect(d.output()).toContain(`health: http://127.0.0.1:${port}/healthz and /readyz (no token needed)`)
    const healthz = await fetch(`http://127.0.0.1:${port}/healthz`)
    expect(healthz.status).toBe(200)
    const readyz = await fetch(`http://127.0.0.1:${port}/readyz`)
    expect(readyz.status).toBe(200)
    expect(await readyz.json()).toMatchObject({
      ready: true,
      chain: { reachable: true },
      store: { ok: true },
    })
    expect((await fetch(`http://127.0.0.1:${port}/ui/api/overview`)).status).toBe(401)
    d.child.kill('SIGTERM')
    expect((await d.exited).code).toBe(0)
    expect(await bindable(port)).toBe(true)
  })
})
