import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { mockProofs, parseWorkerConfig, prepareFileStore, prepareSealingStore } from '@venus-cluster/core'
import { createRpcServer } from '@venus-cluster/core/rpc'
import { createSealingWorker } from '@venus-cluster/sealer'
import { afterAll, describe, expect, it } from 'vitest'
import { freePort } from '../../__fixtures__/built-cli.js'
import { vwCli as vw } from '../../__fixtures__/vsm-cli.js'

const dir = mkdtempSync(join(tmpdir(), 'vw-control-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe('venus-worker worker list|pause|resume', () => {
  it('uses the local control token of the worker home, with the manager up or down', async () => {
    // A manager with no auth and none of this project's extensions, as the original one.
    const manager = createRpcServer({ path: '/rpc/v0', methods: { 'Venus.AllocateSector': () => null } })
    const { port } = await manager.listen({ host: '127.0.0.1', port: 0 })
    const store = join(dir, 's1')
    await prepareSealingStore(store)
    await prepareFileStore(join(dir, 'persist'))
    const config = parseWorkerConfig(
      `[worker]
name = "rig-1"
rpc_server.host = "127.0.0.1"
rpc_server.port = ${await freePort()}
[sector_manager]
rpc_client.addr = "/ip4/127.0.0.1/tcp/${port}"
[sealing]
seal_interval = "200ms"
[[sealing_thread]]
location = "${store}"
[[attached]]
name = "ps1"
location = "${join(dir, 'persist')}"
`,
      join(dir, 'venus-worker.toml'),
    )
    const home = join(dir, 'home')
    const worker = createSealingWorker({ config, proofs: mockProofs(), home })
    await worker.start()
    const url = worker.controlUrl as string
    try {
      const list = await vw(['worker', '--home', home, '--url', url, 'list'])
      expect(list.code, list.err).toBe(0)
      expect(list.out).toContain(`#0: ${store}; sector: -`)
      // --json prints the worker's answer as it came: the original's snake_case entries.
      const json = await vw(['worker', '--home', home, '--url', url, 'list', '--json'])
      expect(JSON.parse(json.out)).toEqual([
        {
          location: store,
          sector_id: null,
          index: 0,
          paused: false,
          paused_elapsed: null,
          state: 'Empty',
          last_error: null,
        },
      ])
      await manager.close()
      expect((await vw(['worker', '--home', home, '--url', url, 'pause', '-i', '0'])).out).toContain(
        'thread 0: pause requested',
      )
      const elsewhere = await vw(['worker', '--home', join(dir, 'nope'), '--url', url, 'list'])
      expect(elsewhere.code).toBe(1)
      expect(elsewhere.err).toContain(`${join(dir, 'nope')}/control.token does not exist`)
    } finally {
      await worker.stop()
      await manager.close()
    }
  }, 20_000)
})
