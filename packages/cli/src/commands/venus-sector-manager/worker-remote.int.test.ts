import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { mockProofs, parseWorkerConfig, prepareFileStore, prepareSealingStore } from '@venus-cluster/core'
import { createFakeChain, defaultMinerConfig, startManagerDaemon } from '@venus-cluster/manager'
import { createSealingWorker } from '@venus-cluster/sealer'
import { afterAll, describe, expect, it } from 'vitest'
import { freePort } from '../../__fixtures__/built-cli.js'
import { vsmCli } from '../../__fixtures__/vsm-cli.js'

const dir = mkdtempSync(join(tmpdir(), 'vsm-worker-remote-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const until = async (check: () => Promise<boolean>) => {
  for (let i = 0; i < 200; i++) {
    if (await check()) return
    await new Promise((r) => setTimeout(r, 50))
  }
  throw new Error('condition not reached in 10 s')
}

describe('venus-sector-manager util worker', () => {
  it('lists the workers that ping the manager and pauses and resumes their threads through them', async () => {
    const chain = createFakeChain({ miners: { 1000: 2048 } })
    const miner = defaultMinerConfig(1000, 't01001')
    // No sectors to hand out: the threads idle in Empty, which is enough to pause and resume them.
    miner.sector.enabled = false
    const d = await startManagerDaemon({
      home: dir,
      listen: '127.0.0.1:0',
      config: { miners: [miner], persistStores: [] },
      chain,
      messager: chain,
      tickMs: 3_600_000,
      auth: 'off',
    })
    const stores = [join(dir, 's1'), join(dir, 's2')]
    for (const s of stores) await prepareSealingStore(s)
    await prepareFileStore(join(dir, 'persist'))
    const config = parseWorkerConfig(
      `[worker]
name = "rig-7"
rpc_server.host = "127.0.0.1"
rpc_server.port = ${await freePort()}
[sector_manager]
rpc_client.addr = "/ip4/127.0.0.1/tcp/${d.port}"
[sealing]
seal_interval = "100ms"
recover_interval = "100ms"
${stores.map((s) => `[[sealing_thread]]\nlocation = "${s}"\n`).join('\n')}
[[attached]]
name = "ps1"
location = "${join(dir, 'persist')}"
`,
      join(dir, 'venus-worker.toml'),
    )
    const worker = createSealingWorker({
      config,
      proofs: mockProofs(),
      controlAuth: 'off',
      pingIntervalMs: 100,
    })
    const listen = `127.0.0.1:${d.port}`
    const cli = (...args: string[]) => vsmCli(['util', 'worker', '--listen', listen, ...args])
    try {
      await worker.start()
      await until(async () => (await cli('list')).out.includes('rig-7'))
      const list = await cli('list')
      expect(list.out).toMatch(
        /^rig-7\t127\.0\.0\.1:\d+\tthreads 2, empty 2, paused 0, errors 0\tlast ping \d+s ago$/m,
      )

      const info = await cli('info', 'rig-7')
      expect(info.code, info.err).toBe(0)
      expect(info.out).toContain(`#0: ${stores[0]}; sector: -; state: Empty; paused: false`)
      expect(info.out).toContain('#1: ')

      expect((await cli('pause', 'rig-7', '-i', '1')).out).toContain('rig-7 thread 1: pause requested')
      await until(async () => (await cli('info', 'rig-7', '--json')).out.includes('"paused":true'))
      expect((await cli('resume', 'rig-7', '-i', '1')).out).toContain('rig-7 thread 1: resumed')

      // The control address works as well as the name.
      const dest = /^rig-7\t(\S+)\t/m.exec(list.out)?.[1] ?? ''
      expect((await cli('info', dest)).out).toContain('#1: ')

      const unknown = await cli('info', 'rig-8')
      expect(unknown.code).toBe(1)
      expect(unknown.err).toContain('no worker named "rig-8" has pinged the manager')
      expect((await cli('pause', 'rig-7', '-i', 'x')).err).toContain('--index must be a thread index')
    } finally {
      await worker.stop()
      await d.stop()
    }
  }, 30_000)
})
