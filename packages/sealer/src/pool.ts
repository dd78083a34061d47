/**
 * The in-process processor on a worker-thread pool (piscina): the default processor of the
 * daemon, so heavy stages never block the event loop that serves RPC and drives threads.
 */
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { Piscina } from 'piscina'
import type { PoolBackendSpec } from './pool-worker.js'
import type { SealStage, StageIo, StageProcessor } from './processors.js'

/** Options of {@link poolProcessor}. */
export interface PoolProcessorOptions {
  backend: PoolBackendSpec
  /** Threads (default 4). */
  threads?: number
}

/**
 * Starts a piscina pool whose threads run stages on the configured backend.
 *
 * @example
 * ```ts
 * const p = poolProcessor({ backend: { kind: 'mock' }, threads: 4 })
 * const commit = await p.run('c2', { phase1Output, proverId, sectorNumber })
 * await p.close?.()
 * ```
 */
export function poolProcessor(options: PoolProcessorOptions): StageProcessor & { threads: number } {
  const js = new URL('./pool-worker.js', import.meta.url)
  const dev = new URL('./pool-worker-dev.mjs', import.meta.url)
  // Running from sources (tests): a bootstrap loads the TypeScript worker through tsx.
  const fromSource = !existsSync(fileURLToPath(js)) && existsSync(fileURLToPath(dev))
  const threads = options.threads ?? 4
  const pool = new Piscina({
    filename: fileURLToPath(fromSource ? dev : js),
    minThreads: 1,
    maxThreads: threads,
  })
  return {
    threads,
    async run<S extends SealStage>(stage: S, req: StageIo[S]['req'], opts: { signal?: AbortSignal } = {}) {
      return (await pool.run(
        { backend: options.backend, stage, request: req },
        opts.signal === undefined ? {} : { signal: opts.signal },
      )) as StageIo[S]['res']
    },
    async close() {
      await pool.destroy()
    },
  }
}
