/**
 * The worker-thread side of {@link poolProcessor}: builds the proofs backend once per thread
 * and runs stage requests on it, so PC1/PC2/C2 never block the worker's event loop.
 */
import { mockProofs, type ProofsBackend } from '@venus-cluster/core'
import { runStageOn, type SealStage } from './processors.js'

/** Which backend the pool threads build. */
export type PoolBackendSpec =
  | { kind: 'mock'; delays?: Record<string, number> }
  | { kind: 'module'; module: string; exportName: string; options?: unknown }

/** One task of the pool. */
export interface PoolTask {
  backend: PoolBackendSpec
  stage: SealStage
  request: unknown
}

let cached: { key: string; backend: Promise<ProofsBackend> } | undefined

function backendOf(spec: PoolBackendSpec): Promise<ProofsBackend> {
  const key = JSON.stringify(spec)
  if (cached?.key === key) return cached.backend
  const backend =
    spec.kind === 'mock'
      ? Promise.resolve(mockProofs(spec.delays === undefined ? {} : { delays: spec.delays }))
      : import(spec.module).then((m: Record<string, (o: unknown) => ProofsBackend>) => {
          const make = m[spec.exportName]
          if (typeof make !== 'function') throw new Error(`${spec.module} has no export ${spec.exportName}`)
          return make(spec.options)
        })
  cached = { key, backend }
  return backend
}

/** Runs one task (piscina calls the default export). */
export default async function runPoolTask(task: PoolTask): Promise<unknown> {
  return runStageOn(await backendOf(task.backend), task.stage, task.request as never)
}
