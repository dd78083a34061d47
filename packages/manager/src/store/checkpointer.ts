import { createRequire } from 'node:module'
import { Worker } from 'node:worker_threads'

// Runs in a worker thread with its own connection: PASSIVE checkpoints never block the main
// connection's readers or writers, and their fsyncs of the database file stay off the event loop.
const CHECKPOINTER = `
const { parentPort, workerData } = require('node:worker_threads')
const Database = require(workerData.driver)
const db = new Database(workerData.path)
db.pragma('busy_timeout = 5000')
const run = () => { try { db.pragma('wal_checkpoint(PASSIVE)') } catch {} }
const timer = setInterval(run, workerData.intervalMs)
parentPort.on('message', () => { clearInterval(timer); run(); db.close(); parentPort.postMessage('closed') })
`

/** A background WAL checkpointer for one SQLite file. */
export interface Checkpointer {
  stop(): Promise<void>
}

/**
 * Starts checkpointing `path` every `intervalMs` from a worker thread.
 *
 * @example
 * ```ts
 * const cp = startCheckpointer('/home/vsm/manager.db', 1000)
 * await cp.stop()
 * ```
 */
export function startCheckpointer(path: string, intervalMs: number): Checkpointer {
  const driver = createRequire(import.meta.url).resolve('better-sqlite3')
  const worker = new Worker(CHECKPOINTER, { eval: true, workerData: { path, driver, intervalMs } })
  worker.unref()
  worker.on('error', () => {})
  return {
    async stop() {
      await new Promise<void>((resolve) => {
        const done = () => resolve()
        worker.once('message', done)
        worker.once('exit', done)
        worker.postMessage('stop')
      })
      await worker.terminate()
    },
  }
}
