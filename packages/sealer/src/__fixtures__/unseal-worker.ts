/** An in-process worker whose every thread runs plan `unseal`, against a manager env. */
import { join } from 'node:path'
import { type ProofsBackend, parseWorkerConfig } from '@venus-cluster/core'
import { createSealingWorker, type SealingWorker } from '../worker.js'
import type { WorkerEnv } from './env.js'
import type { ManagerEnv } from './manager-env.js'

/** Starts the worker; stop it when done. */
export async function startUnsealWorker(
  env: WorkerEnv,
  mgr: ManagerEnv,
  proofs: ProofsBackend,
): Promise<SealingWorker> {
  let text = env.configText.replace('/ip4/127.0.0.1/tcp/1789', mgr.url.replace('http://', 'ws://'))
  for (const s of env.stores)
    text = text.replace(`location = "${s}"\n`, `location = "${s}"\nplan = "unseal"\n`)
  const worker = createSealingWorker({
    config: parseWorkerConfig(text, join(env.dir, 'unseal.toml')),
    proofs,
    controlApi: false,
  })
  await worker.start()
  return worker
}

/** Waits until every unseal task of `pieces` is done; throws on a failed one or after 30 s. */
export async function waitUnsealsDone(
  mgr: ManagerEnv,
  pieces: readonly { id: { miner: number; number: number }; cid: string }[],
): Promise<void> {
  const end = Date.now() + 30_000
  for (;;) {
    const tasks = await Promise.all(pieces.map((p) => mgr.manager.repair.get('unseal', p.id, p.cid)))
    if (tasks.every((t) => t?.state === 'done')) return
    if (tasks.some((t) => t?.state === 'failed') || Date.now() > end)
      throw new Error(`unseals not done: ${JSON.stringify(tasks.map((t) => [t?.state, t?.error]))}`)
    await new Promise((r) => setTimeout(r, 20))
  }
}
