/**
 * Prometheus metrics of a worker (prom-client): sealing threads per state, paused and erroring
 * threads, time spent in each sealing state, steps and failures, and the GPUs' slots.
 */
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client'
import type { ThreadStepEvent } from '../events.js'
import type { GpuSlots } from '../gpu.js'
import type { SealingThread } from '../thread.js'

/** A worker's registry and its step feed. */
export interface WorkerMetrics {
  readonly registry: Registry
  readonly contentType: string
  /** Counts one step (the worker feeds it every `thread:step` event). */
  observeStep(e: ThreadStepEvent): void
  scrape(): Promise<string>
}

/** Options of {@link createWorkerMetrics}. */
export interface WorkerMetricsOptions {
  /** The live threads, read at scrape time. */
  threads: () => readonly SealingThread[]
  /** The worker's GPU slots, read at scrape time (default: no GPU metrics). */
  gpus?: GpuSlots | undefined
  /** Include Node.js process metrics (default true). */
  processMetrics?: boolean | undefined
  now?: () => number
}

const STAGE_BUCKETS = [0.01, 0.1, 1, 5, 30, 60, 300, 900, 1800, 3600, 7200, 14400, 43200, 86400]

/**
 * Creates the worker's registry.
 *
 * @example
 * ```ts
 * const metrics = createWorkerMetrics({ threads: () => worker.threads })
 * ```
 */
export function createWorkerMetrics(opts: WorkerMetricsOptions): WorkerMetrics {
  const registry = new Registry()
  if (opts.processMetrics !== false) collectDefaultMetrics({ register: registry, prefix: 'venus_worker_' })
  const now = opts.now ?? Date.now
  const entered = new Map<number, number>()

  new Gauge({
    name: 'venus_worker_sealing_threads',
    help: 'Sealing threads by state',
    labelNames: ['state'],
    registers: [registry],
    collect() {
      this.reset()
      for (const t of opts.threads()) this.inc({ state: String(t.info().state) })
    },
  })
  new Gauge({
    name: 'venus_worker_sealing_threads_paused',
    help: 'Paused sealing threads',
    registers: [registry],
    collect() {
      this.set(opts.threads().filter((t) => t.info().paused).length)
    },
  })
  new Gauge({
    name: 'venus_worker_sealing_threads_with_error',
    help: 'Sealing threads whose last step failed',
    registers: [registry],
    collect() {
      this.set(opts.threads().filter((t) => t.info().lastError !== null).length)
    },
  })
  const gpus = opts.gpus
  if (gpus?.enabled === true) {
    new Gauge({
      name: 'venus_worker_gpu_slots',
      help: 'Slots a GPU offers to the GPU stages ([processors.gpu])',
      labelNames: ['device'],
      registers: [registry],
      collect() {
        for (const id of gpus.devices) this.set({ device: id }, gpus.stats(id).slots)
      },
    })
    new Gauge({
      name: 'venus_worker_gpu_slots_in_use',
      help: 'Slots of a GPU held by stages computing on it',
      labelNames: ['device'],
      registers: [registry],
      collect() {
        for (const id of gpus.devices) this.set({ device: id }, gpus.stats(id).inUse)
      },
    })
  }
  const stage = new Histogram({
    name: 'venus_worker_stage_duration_seconds',
    help: 'Time a sealing thread spent in a state before moving on',
    labelNames: ['stage'],
    buckets: STAGE_BUCKETS,
    registers: [registry],
  })
  const steps = new Counter({
    name: 'venus_worker_steps_total',
    help: 'Sealing steps by the state they entered',
    labelNames: ['state'],
    registers: [registry],
  })
  const failures = new Counter({
    name: 'venus_worker_step_failures_total',
    help: 'Failed sealing steps by level',
    labelNames: ['level'],
    registers: [registry],
  })

  return {
    registry,
    contentType: registry.contentType,
    observeStep(e) {
      const at = now()
      const since = entered.get(e.thread)
      if (since !== undefined && e.prev !== e.next)
        stage.observe({ stage: String(e.prev) }, (at - since) / 1000)
      if (since === undefined || e.prev !== e.next) entered.set(e.thread, at)
      steps.inc({ state: String(e.next) })
      if (e.failure) failures.inc({ level: e.failure.level })
    },
    scrape: () => registry.metrics(),
  }
}
