import { afterAll, beforeAll, describe, it } from 'vitest'
import { storeConformance } from './__fixtures__/conformance.js'
import { findPgBin, startTestPg, type TestPgServer } from './__fixtures__/pg-server.js'
import { openPostgresStore } from './postgres.js'

const hasPg = findPgBin() !== undefined
let server: TestPgServer | undefined
let n = 0
const urls = new Map<unknown, string>()

beforeAll(async () => {
  if (hasPg) server = await startTestPg()
})
afterAll(() => server?.stop())

if (hasPg) {
  storeConformance(
    'postgres',
    async () => {
      if (!server) throw new Error('postgres not started')
      const url = server.createDatabase(`vsm_${n++}`)
      const s = await openPostgresStore({ connectionString: url })
      urls.set(s, url)
      return s
    },
    async (first) => openPostgresStore({ connectionString: urls.get(first) as string }),
  )
} else {
  describe('ManagerStore conformance: postgres', () => {
    it.skip('needs the PostgreSQL server binaries (apt-get install -y postgresql)', () => {})
  })
}
