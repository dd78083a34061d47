/** Test helpers: prepared stores and a worker config in a temp dir. */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import {
  parseWorkerConfig,
  prepareFileStore,
  prepareSealingStore,
  type WorkerConfig,
} from '@venus-cluster/core'

export interface WorkerEnv {
  dir: string
  stores: string[]
  persist: string
  configText: string
  config: WorkerConfig
  cleanup(): void
}

export interface WorkerEnvOptions {
  threads?: number
  /** Extra TOML appended (e.g. `[processors.limit]`). */
  extra?: string
  /** Lines added to `[sealing]`. */
  sealing?: string
  /** Leave the sealing stores unprepared. */
  unprepared?: boolean
  managerAddr?: string
  port?: number
}

export async function workerEnv(opts: WorkerEnvOptions = {}): Promise<WorkerEnv> {
  const dir = mkdtempSync(join(tmpdir(), 'sealer-'))
  const stores: string[] = []
  for (let i = 0; i < (opts.threads ?? 1); i++) {
    const s = join(dir, `store${i}`)
    if (!opts.unprepared) await prepareSealingStore(s)
    stores.push(s)
  }
  const persist = join(dir, 'persist')
  await prepareFileStore(persist)
  const configText = `[worker]
name = "test-worker"

[worker.rpc_server]
host = "127.0.0.1"
port = ${opts.port ?? 17890}

[sector_manager.rpc_client]
addr = "${opts.managerAddr ?? '/ip4/127.0.0.1/tcp/1789'}"

[sealing]
seal_interval = "1ms"
recover_interval = "5ms"
rpc_polling_interval = "5ms"
max_retries = 3
${opts.sealing ?? ''}

${stores.map((s) => `[[sealing_thread]]\nlocation = "${s}"\n`).join('\n')}
[[attached]]
name = "ps1"
location = "${persist}"

${opts.extra ?? ''}
`
  return {
    dir,
    stores,
    persist,
    configText,
    config: parseWorkerConfig(configText, join(dir, 'venus-worker.toml')),
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  }
}
