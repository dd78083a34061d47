import { type ChildProcess, execFile, spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { type AddressInfo, createServer } from 'node:net'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

/** The repository root. */
export const ROOT = fileURLToPath(new URL('../../../../', import.meta.url))

/** Path of a built command (`venus-sector-manager`, `venus-worker`). */
export function builtBin(name: 'venus-sector-manager' | 'venus-worker' | 'venus-cluster'): string {
  return join(ROOT, 'packages/cli/dist/bin', `${name}.js`)
}

/** Builds the CLI package when its bins are missing (a test run without `npm run build`). */
export async function ensureBuiltCli(): Promise<void> {
  if (existsSync(builtBin('venus-sector-manager')) && existsSync(builtBin('venus-worker'))) return
  await new Promise<void>((resolve, reject) =>
    execFile('npx', ['tsc', '-b', 'packages/cli'], { cwd: ROOT, timeout: 240_000 }, (err) =>
      err ? reject(err) : resolve(),
    ),
  )
}

/** A TCP port on loopback that was free a moment ago. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer()
    srv.once('error', reject)
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as AddressInfo
      srv.close(() => resolve(port))
    })
  })
}

/** A built command started as its own process, with everything it prints collected. */
export interface SpawnedCli {
  child: ChildProcess
  /** Resolves when it exits: its exit code and all it printed (stdout and stderr). */
  exited: Promise<{ code: number | null; out: string }>
  /** What it printed so far. */
  output(): string
}

/** Starts a built command; the caller kills it if it is still running at the end. */
export function spawnBuilt(name: 'venus-sector-manager' | 'venus-worker', args: string[]): SpawnedCli {
  let out = ''
  const child = spawn(process.execPath, [builtBin(name), ...args], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  const collect = (d: Buffer) => {
    out += String(d)
  }
  child.stdout?.on('data', collect)
  child.stderr?.on('data', collect)
  const exited = new Promise<{ code: number | null; out: string }>((resolve) => {
    child.once('exit', (code) => resolve({ code, out }))
  })
  return { child, exited, output: () => out }
}
