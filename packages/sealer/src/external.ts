/**
 * External processors: one long-lived child per `[[processors.<stage>]]` entry,
 * speaking line-delimited JSON. The child prints `<stage> processor ready` first, then answers
 * `{"id", "data"}` requests with `{"id", "err_msg", "result"}` lines, possibly out of order.
 * Children that die are restarted (in-flight requests fail with a `PROCESSOR_FAILED` error whose
 * `details.crashed` is true, and the sealing thread retries the step); all children are killed
 * when the processor closes.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { createInterface } from 'node:readline'
import { VenusError } from '@venus-cluster/core'
import { type CgroupPlacement, placeInCgroup } from './cgroup.js'
import { type GpuSlots, isGpuStage } from './gpu.js'
import type { SlotPool } from './limits.js'
import {
  fromStageWire,
  type SealStage,
  type StageIo,
  type StageProcessor,
  toStageWire,
} from './processors.js'

/** How to start one child. */
export interface ExternalChildSpec {
  /** Executable (default: this Node binary). */
  bin: string
  args: string[]
  env?: Record<string, string>
  /** How long to wait for the ready line (default 5 s). */
  stableWaitMs?: number
  /** Bound on in-flight requests (undefined = unbounded). */
  concurrent?: number | undefined
  /** Ext locks taken around each request sent to this child. */
  locks?: string[]
  cgroup?: { cpuset: string; groupName: string } | undefined
  /**
   * The GPU this child computes on: it is started with `CUDA_VISIBLE_DEVICES` set to it, and
   * with `gpus` each request takes the stage's slots of it first.
   */
  gpu?: string | undefined
}

/** Options of {@link externalProcessor}. */
export interface ExternalProcessorOptions {
  stage: SealStage
  children: ExternalChildSpec[]
  /** Pool holding the ext locks named by children. */
  locks?: SlotPool
  /**
   * The worker's GPU slots: for a GPU stage each request waits for the stage's slots on a GPU
   * one of the children is pinned to, and goes to such a child (every child needs a `gpu`).
   */
  gpus?: GpuSlots | undefined
  /** Restart a dead child after this many ms (default 200). */
  restartDelayMs?: number
  log?: (msg: string, fields?: Record<string, unknown>) => void
}

interface Pending {
  resolve: (v: unknown) => void
  reject: (e: unknown) => void
}

class Child {
  proc: ChildProcess | undefined
  inFlight = 0
  restarts = 0
  #nextId = 1
  #pending = new Map<number, Pending>()
  #ready: Promise<void> | undefined
  #closed = false
  #cgroup: CgroupPlacement | undefined

  constructor(
    readonly spec: ExternalChildSpec,
    readonly index: number,
    readonly opts: ExternalProcessorOptions,
  ) {}

  start(): Promise<void> {
    const { spec, opts } = this
    const proc = spawn(spec.bin, spec.args, {
      stdio: ['pipe', 'pipe', 'inherit'],
      env: {
        ...process.env,
        ...(spec.env ?? {}),
        ...(spec.gpu === undefined ? {} : { CUDA_VISIBLE_DEVICES: spec.gpu }),
      },
    })
    this.proc = proc
    const want = `${opts.stage} processor ready`
    const lines = createInterface({ input: proc.stdout as NodeJS.ReadableStream })
    let readyResolve!: () => void
    let readyReject!: (e: unknown) => void
    const ready = new Promise<void>((res, rej) => {
      readyResolve = res
      readyReject = rej
    })
    let isReady = false
    const wait = spec.stableWaitMs ?? 5000
    const timer = setTimeout(() => {
      if (isReady) return
      proc.kill('SIGKILL')
      readyReject(
        new VenusError(
          'PROCESSOR_FAILED',
          `${opts.stage} processor did not print "${want}" within ${wait} ms`,
          {
            details: { stage: opts.stage, bin: spec.bin, args: spec.args },
          },
        ),
      )
    }, wait)
    lines.on('line', (line) => {
      if (!isReady) {
        if (line.trim() === want) {
          isReady = true
          clearTimeout(timer)
          readyResolve()
        }
        return
      }
      this.#onLine(line)
    })
    proc.on('error', (err) => {
      clearTimeout(timer)
      readyReject(
        new VenusError('PROCESSOR_FAILED', `cannot start ${opts.stage} processor ${spec.bin}`, {
          cause: err,
        }),
      )
    })
    proc.on('exit', (code, sig) => {
      clearTimeout(timer)
      if (!isReady) {
        readyReject(
          new VenusError(
            'PROCESSOR_FAILED',
            `${opts.stage} processor exited before it was ready (${code ?? sig})`,
          ),
        )
      }
      // A dead child is a fault of the moment (killed, out of memory): the request may be retried.
      this.#failAll(
        new VenusError('PROCESSOR_FAILED', `${opts.stage} processor died (${code ?? sig})`, {
          details: { stage: opts.stage, exit: code ?? sig, pid: proc.pid, crashed: true },
        }),
      )
      void this.#cgroup?.remove()
      this.#cgroup = undefined
      if (this.#closed || !isReady) return
      // Restart in the background; requests meanwhile wait on the new ready promise.
      this.restarts++
      opts.log?.('restarting external processor', { stage: opts.stage, index: this.index, code, signal: sig })
      this.#ready = new Promise<void>((res) => setTimeout(res, opts.restartDelayMs ?? 200)).then(() =>
        this.start(),
      )
      this.#ready.catch(() => {})
    })
    const started = ready.then(async () => {
      if (spec.cgroup !== undefined && proc.pid !== undefined) {
        this.#cgroup = await placeInCgroup(proc.pid, {
          cpuset: spec.cgroup.cpuset,
          groupName: spec.cgroup.groupName,
          name: `sub-${opts.stage}-${process.pid}-${this.index}`,
        })
      }
    })
    this.#ready = started
    return started
  }

  #onLine(line: string) {
    let msg: { id?: unknown; err_msg?: unknown; result?: unknown }
    try {
      msg = JSON.parse(line)
    } catch {
      this.opts.log?.('undecodable line from processor', { stage: this.opts.stage, line: line.slice(0, 200) })
      return
    }
    const id = typeof msg.id === 'number' ? msg.id : -1
    const p = this.#pending.get(id)
    if (p === undefined) return
    this.#pending.delete(id)
    if (typeof msg.err_msg === 'string' && msg.err_msg !== '') {
      p.reject(new VenusError('PROCESSOR_FAILED', `${this.opts.stage} processor: ${msg.err_msg}`))
    } else {
      p.resolve(fromStageWire(msg.result))
    }
  }

  #failAll(err: unknown) {
    for (const p of this.#pending.values()) p.reject(err)
    this.#pending.clear()
  }

  async request(data: unknown, signal?: AbortSignal): Promise<unknown> {
    await this.#ready
    const proc = this.proc
    if (proc?.stdin === null || proc === undefined || proc.exitCode !== null) {
      throw new VenusError('PROCESSOR_FAILED', `${this.opts.stage} processor is not running`, {
        details: { stage: this.opts.stage, crashed: true },
      })
    }
    const id = this.#nextId++
    this.inFlight++
    // The signal usually outlives the request (a sealing thread's stop signal): the listener is
    // removed when the request ends, or every request would leave one behind.
    let onAbort: (() => void) | undefined
    try {
      return await new Promise((resolve, reject) => {
        this.#pending.set(id, { resolve, reject })
        onAbort = () => {
          // The child keeps computing; its late answer is dropped.
          this.#pending.delete(id)
          reject(new VenusError('ABORTED', `${this.opts.stage} request aborted`, { cause: signal?.reason }))
        }
        if (signal?.aborted) return onAbort()
        signal?.addEventListener('abort', onAbort, { once: true })
        proc.stdin?.write(`${JSON.stringify({ id, data: toStageWire(data) })}\n`)
      })
    } finally {
      if (onAbort !== undefined) signal?.removeEventListener('abort', onAbort)
      this.inFlight--
    }
  }

  async close(): Promise<void> {
    this.#closed = true
    const proc = this.proc
    if (proc !== undefined && proc.exitCode === null && proc.signalCode === null) {
      const exited = new Promise((r) => proc.once('exit', r))
      proc.stdin?.end()
      proc.kill('SIGKILL')
      await exited
    }
    await this.#cgroup?.remove()
  }
}

/** A running external processor of one stage. */
export interface ExternalProcessor extends StageProcessor {
  /** Resolves once every child printed its ready line. */
  ready: Promise<void>
  /** PIDs of the current children (for tests). */
  pids(): number[]
  /** Restarts so far per child. */
  restarts(): number[]
}

/**
 * Whether `err` says an external processor child died under a request (rather than the
 * computation failing): the request may be tried again on the restarted child.
 *
 * @example
 * ```ts
 * if (isProcessorCrash(err)) throw temporary('pc2 processor crashed', err)
 * ```
 */
export function isProcessorCrash(err: unknown): boolean {
  return (
    err instanceof VenusError &&
    err.code === 'PROCESSOR_FAILED' &&
    (err.details as { crashed?: unknown } | undefined)?.crashed === true
  )
}

/**
 * Starts the children of one stage.
 *
 * @example
 * ```ts
 * const pc2 = externalProcessor({ stage: 'pc2', children: [{ bin: process.execPath, args: [cli, 'processor', 'pc2'] }] })
 * await pc2.ready
 * const out = await pc2.run('pc2', req)
 * ```
 */
export function externalProcessor(options: ExternalProcessorOptions): ExternalProcessor {
  if (options.children.length === 0) {
    throw new VenusError('CONFIG_INVALID_VALUE', `no external processor configured for ${options.stage}`)
  }
  const gpuStage = options.gpus?.enabled === true && isGpuStage(options.stage) ? options.stage : undefined
  const gpus = options.gpus
  const unpinned = options.children.findIndex((c) => c.gpu === undefined)
  if (gpuStage !== undefined && unpinned >= 0) {
    throw new VenusError(
      'CONFIG_INVALID_VALUE',
      `${options.stage} processor ${unpinned} has no gpu; on a worker with GPUs each ${options.stage} processor computes on one`,
      { details: { stage: options.stage, index: unpinned } },
    )
  }
  const children = options.children.map((spec, i) => new Child(spec, i, options))
  const ready = Promise.all(children.map((c) => c.start())).then(() => {})
  ready.catch(() => {})
  const devices = [...new Set(children.map((c) => c.spec.gpu as string))]
  const pick = (device?: string): Child => {
    const on = device === undefined ? children : children.filter((c) => c.spec.gpu === device)
    const free = on.filter((c) => c.spec.concurrent === undefined || c.inFlight < c.spec.concurrent)
    const from = free.length > 0 ? free : on
    return from[Math.floor(Math.random() * from.length)] as Child
  }
  return {
    ready,
    async run<S extends SealStage>(stage: S, req: StageIo[S]['req'], opts: { signal?: AbortSignal } = {}) {
      if (stage !== options.stage) {
        throw new VenusError('INVALID_ARGUMENT', `${options.stage} processor asked to run ${stage}`)
      }
      // The GPU slot first: the child is one pinned to the device that had room.
      const gpu =
        gpuStage === undefined || gpus === undefined
          ? undefined
          : await gpus.acquire(gpuStage, {
              devices,
              ...(opts.signal === undefined ? {} : { signal: opts.signal }),
            })
      let release: () => void = () => {}
      try {
        const child = pick(gpu?.device)
        release = (await options.locks?.acquireAll(child.spec.locks ?? [], opts.signal)) ?? release
        return (await child.request(req, opts.signal)) as StageIo[S]['res']
      } finally {
        release()
        gpu?.release()
      }
    },
    async close() {
      await Promise.all(children.map((c) => c.close()))
    },
    pids: () => children.map((c) => c.proc?.pid ?? -1),
    restarts: () => children.map((c) => c.restarts),
  }
}
