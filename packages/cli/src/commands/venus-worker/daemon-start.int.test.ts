// `venus-worker daemon` start-up as an operator meets it (the built CLI in its own process): a
// worker that cannot start exits non-zero with the cause, even with external processor children
// already running; a manager that is down at start is waited for, as the original worker does.
import type { ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createServer, type Server } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { prepareFileStore, prepareSealingStore } from '@venus-cluster/core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ensureBuiltCli, freePort, type SpawnedCli, spawnBuilt } from '../../__fixtures__/built-cli.js'

const dirs: string[] = []
const children: ChildProcess[] = []

beforeAll(() => ensureBuiltCli())
afterAll(() => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL')
  for (const d of dirs) rmSync(d, { recursive: true, force: true })
})

async function workerConfig(o: { port: number; manager: number; extra?: string }): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'vw-start-'))
  dirs.push(dir)
  await prepareSealingStore(join(dir, 's0'))
  await prepareFileStore(join(dir, 'p'))
  const file = join(dir, 'venus-worker.toml')
  writeFileSync(
    file,
    [
      '[worker]',
      'name = "start-test"',
      '[worker.rpc_server]',
      'host = "127.0.0.1"',
      `port = ${o.port}`,
      '[sector_manager.rpc_client]',
      `addr = "/ip4/127.0.0.1/tcp/${o.manager}"`,
      '[sealing]',
      'recover_interval = "200ms"',
      '[[sealing_thread]]',
      `location = "${join(dir, 's0')}"`,
      '[[attached]]',
      'name = "ps1"',
      `location = "${join(dir, 'p')}"`,
      o.extra ?? '',
      '',
    ].join('\n'),
  )
  return file
}

function run(config: string): SpawnedCli {
  const d = spawnBuilt('venus-worker', ['daemon', '-c', config, '--proofs', 'mock'])
  children.push(d.child)
  return d
}

const listenOn = (port: number) =>
  new Promise<Server>((resolve) => {
    const s = createServer().listen(port, '127.0.0.1', () => resolve(s))
  })

describe('venus-worker daemon start-up', () => {
  it('exits non-zero naming the key when the control port is taken, with external processors started', async () => {
    const port = await freePort()
    const holder = await listenOn(port)
    try {
      const cfg = await workerConfig({
        port,
        manager: await freePort(),
        extra: '[processors.limit]\npc2 = 1\n[[processors.pc2]]\nconcurrent = 1\n',
      })
      const d = run(cfg)
      const timer = setTimeout(() => d.child.kill('SIGKILL'), 30_000)
      const r = await d.exited
      clearTimeout(timer)
      expect(r.code).toBe(1)
      expect(r.out).toContain(
        `error: cannot serve the control API on 127.0.0.1:${port}: the address is in use (another worker running? set [worker.rpc_server] port)`,
      )
    } finally {
      await new Promise((r) => holder.close(r))
    }
  }, 40_000)

  it('keeps running and retrying while the manager is down at start, and stops on SIGTERM', async () => {
    const port = await freePort()
    const d = run(await workerConfig({ port, manager: await freePort() }))
    const end = Date.now() + 20_000
    while (!/AllocateSector failed; retrying/.test(d.output()) && Date.now() < end)
      await new Promise((r) => setTimeout(r, 100))
    expect(d.output()).toMatch(/AllocateSector failed; retrying/)
    expect(d.child.exitCode).toBeNull()
    // The control API is up meanwhile (it asks for a token, as it should).
    expect((await fetch(`http://127.0.0.1:${port}/metrics`)).status).toBeLessThan(500)
    d.child.kill('SIGTERM')
    expect((await d.exited).code).toBe(0)
  }, 40_000)

  it('re-reads its config on SIGHUP and SIGUSR1: applies what can change live, names what needs a restart', async () => {
    const port = await freePort()
    const cfg = await workerConfig({
      port,
      manager: await freePort(),
      extra: '[processors.limit]\npc1 = 1\n',
    })
    const d = run(cfg)
    const until = async (re: RegExp) => {
      const end = Date.now() + 20_000
      while (!re.test(d.output()) && Date.now() < end) await new Promise((r) => setTimeout(r, 100))
      expect(d.output()).toMatch(re)
    }
    await until(/venus-worker daemon running/)
    const { readFileSync } = await import('node:fs')
    const text = readFileSync(cfg, 'utf8')
    writeFileSync(cfg, text.replace('pc1 = 1', 'pc1 = 4').replace('name = "start-test"', 'name = "renamed"'))
    d.child.kill('SIGHUP')
    await until(/these changes take effect after a restart/)
    expect(d.output()).toMatch(/"keys":\["worker\.name"\]/)
    expect(d.output()).toMatch(/"live":\["processors\.limit"\]/)
    // A broken file leaves the worker as it was.
    writeFileSync(cfg, `${text}\n[sealing]\nmax_retries = -1\n`)
    d.child.kill('SIGUSR1')
    await until(/config reload failed; the worker runs as before/)
    expect(d.child.exitCode).toBeNull()
    d.child.kill('SIGTERM')
    expect((await d.exited).code).toBe(0)
  }, 60_000)
})
