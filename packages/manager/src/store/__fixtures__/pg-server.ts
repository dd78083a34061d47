import { execFileSync } from 'node:child_process'
import { chmodSync, chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

/** A throwaway PostgreSQL server on loopback in a temp dir, for integration tests. */
export interface TestPgServer {
  connectionString: string
  /** A connection string for a fresh database (created on demand). */
  createDatabase(name: string): string
  stop(): void
}

export function findPgBin(): string | undefined {
  const root = '/usr/lib/postgresql'
  if (!existsSync(root)) return undefined
  const versions = readdirSync(root).sort((a, b) => Number(b) - Number(a))
  for (const v of versions) {
    const bin = join(root, v, 'bin')
    if (existsSync(join(bin, 'initdb')) && existsSync(join(bin, 'pg_ctl'))) return bin
  }
  return undefined
}

/** A free TCP port on loopback (closed again, so a server can take it). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer()
    s.listen(0, '127.0.0.1', () => {
      const a = s.address()
      s.close(() => (typeof a === 'object' && a !== null ? resolve(a.port) : reject(new Error('no port'))))
    })
  })
}

function pgUser(): { uid: number; gid: number; name: string } {
  const uid = Number(execFileSync('id', ['-u', 'postgres']).toString().trim())
  const gid = Number(execFileSync('id', ['-g', 'postgres']).toString().trim())
  return { uid, gid, name: 'postgres' }
}

/** Starts initdb + pg_ctl as the `postgres` user (the server refuses to run as root). */
export async function startTestPg(): Promise<TestPgServer> {
  const bin = findPgBin()
  if (bin === undefined)
    throw new Error('PostgreSQL server binaries not installed (apt-get install -y postgresql)')
  const dir = mkdtempSync(join(tmpdir(), 'vsm-pg-'))
  chmodSync(dir, 0o755)
  const asRoot = process.getuid?.() === 0
  const user = asRoot ? pgUser() : undefined
  if (user) chownSync(dir, user.uid, user.gid)
  const run = (cmd: string, args: string[]) => {
    if (user) execFileSync('runuser', ['-u', user.name, '--', join(bin, cmd), ...args], { stdio: 'pipe' })
    else execFileSync(join(bin, cmd), args, { stdio: 'pipe' })
  }
  const data = join(dir, 'data')
  const port = await freePort()
  const superuser = user?.name ?? (process.env.USER || 'postgres')
  run('initdb', ['-D', data, '-U', superuser, '--auth=trust', '-E', 'UTF8', '--no-sync'])
  run('pg_ctl', [
    '-D',
    data,
    '-l',
    join(dir, 'log'),
    '-w',
    '-o',
    `-c listen_addresses=127.0.0.1 -c port=${port} -c unix_socket_directories=${dir} -c max_connections=100`,
    'start',
  ])
  const base = `postgres://${superuser}@127.0.0.1:${port}`
  let stopped = false
  return {
    connectionString: `${base}/postgres`,
    createDatabase(name: string) {
      run('createdb', ['-h', '127.0.0.1', '-p', String(port), '-U', superuser, name])
      return `${base}/${name}`
    },
    stop() {
      if (stopped) return
      stopped = true
      try {
        run('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop'])
      } finally {
        rmSync(dir, { recursive: true, force: true })
      }
    },
  }
}
