import { execFile } from 'node:child_process'
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
