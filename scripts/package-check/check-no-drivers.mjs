// Run in an app that installed only @venus-cluster/core and @venus-cluster/manager (no
// better-sqlite3, no pg): the manager imports, and opening a store names the package to install.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

const problems = []
await import('@venus-cluster/manager')
const { openSqliteStore } = await import('@venus-cluster/manager/sqlite')
const { openPostgresStore } = await import('@venus-cluster/manager/postgres')

const dir = mkdtempSync(join(tmpdir(), 'venus-no-drivers-'))
try {
  for (const [driver, open] of [
    ['better-sqlite3', () => openSqliteStore({ path: join(dir, 'manager.db') })],
    ['pg', () => openPostgresStore({ connectionString: 'postgres://127.0.0.1:9/none' })],
  ]) {
    const err = await open().then(
      () => undefined,
      (e) => e,
    )
    if (err?.code !== 'DEPENDENCY_MISSING' || !String(err.message).includes(`npm install ${driver}`)) {
      problems.push(
        `without ${driver}: expected DEPENDENCY_MISSING naming it, got ${err?.code}: ${err?.message}`,
      )
    } else {
      console.log(`no drivers: ${err.message}`)
    }
  }
} finally {
  rmSync(dir, { recursive: true, force: true })
}
if (problems.length > 0) {
  console.error(problems.join('\n'))
  process.exit(1)
}
