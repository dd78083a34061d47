import { rmSync } from 'node:fs'
import { mockProofs, parseWorkerConfig, workerConfig } from '@venus-cluster/core'
import { afterEach, describe, expect, it } from 'vitest'
import { type WorkerEnv, workerEnv } from './__fixtures__/env.js'
import { fakeSealer } from './__fixtures__/fake-sealer.js'
import { createSealingWorker } from './worker.js'

let env: WorkerEnv | undefined
afterEach(() => env?.cleanup())

// Async: a config the worker cannot run is refused by createSealingWorker itself.
const start = async (text: string) =>
  createSealingWorker({
    config: parseWorkerConfig(text, 'w.toml'),
    proofs: mockProofs(),
    sealer: fakeSealer().client,
    controlApi: false,
  }).start()

describe('worker startup checks', () => {
  it('refuses an attached store that was not prepared, naming it and the fix', async () => {
    env = await workerEnv()
    rmSync(env.persist, { recursive: true })
    await expect(start(env.configText)).rejects.toThrow(/persist: not a prepared store.*file-init/)
  })

  it('refuses a config whose attached stores are all read-only', async () => {
    env = await workerEnv()
    await expect(
      start(env.configText.replace('name = "ps1"', 'name = "ps1"\nreadonly = true')),
    ).rejects.toThrow(/no writable attached store/)
  })

  it('refuses two sealing threads on one store', async () => {
    env = await workerEnv()
    const loc = env.stores[0] ?? ''
    await expect(start(`${env.configText}\n[[sealing_thread]]\nlocation = "${loc}/"\n`)).rejects.toThrow(
      /two sealing threads use the store/,
    )
  })

  it('refuses a plan it does not implement, naming the file, the line and the known plans', async () => {
    env = await workerEnv()
    const loc = env.stores[0] ?? ''
    const text = env.configText.replace(`location = "${loc}"`, `location = "${loc}"\nplan = "reseal"`)
    await expect(start(text)).rejects.toThrow(/plan "reseal" is not supported/)
    const line = text.split('\n').indexOf('plan = "reseal"') + 1
    await expect(start(text)).rejects.toMatchObject({
      code: 'CONFIG_INVALID_VALUE',
      message: `w.toml:${line}: sealing_thread[0].plan: plan "reseal" is not supported by this worker; known plans: "sealer", "snapup", "wdpost", "rebuild", "unseal"`,
    })
  })

  it('refuses an unknown plan of a config built in code, naming its key', () => {
    expect(() =>
      createSealingWorker({
        config: workerConfig({
          sectorManager: { addr: '/ip4/127.0.0.1/tcp/1789' },
          sealingThreads: [{ location: '/tmp/s1' }, { location: '/tmp/s2', plan: 'snap' }],
        }),
        proofs: mockProofs(),
      }),
    ).toThrow(
      'sealingThreads[1].plan: plan "snap" is not supported by this worker; known plans: "sealer", "snapup", "wdpost", "rebuild", "unseal"',
    )
  })

  it('is a Startable: stop() lets go of the control port and is safe to call twice', async () => {
    env = await workerEnv()
    const worker = createSealingWorker({
      config: { ...env.config, rpcServer: { host: '127.0.0.1', port: 0 } },
      proofs: mockProofs(),
      sealer: fakeSealer({ sectors: 0 }).client,
      controlAuth: 'off',
    })
    await worker.start()
    const url = worker.controlUrl as string
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/)
    await worker.stop()
    await worker.stop()
    await expect(fetch(url, { method: 'POST', body: '{}' })).rejects.toThrow()
  })
})
