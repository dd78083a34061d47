/**
 * The worker's GPU slots. Each GPU offers a number of slots (`[processors.gpu] devices`); a GPU
 * stage (PC2's trees, C2, snap prove, WindowPoSt) takes its `stage_slots` of one device while it
 * computes. Stages that share a GPU so run together only while their slots fit, which is what
 * keeps two of them from running the device out of memory at the same time.
 *
 * Waiters are served in order per device: a stage waiting for a device is not overtaken on that
 * device by a later, smaller one (it would wait forever behind a stream of small stages).
 */
import {
  GPU_STAGES,
  type GpuStage,
  VenusError,
  type WorkerGpuConfig,
  type WorkerGpuDevice,
} from '@venus-cluster/core'
import type { ReleaseSlot } from './limits.js'
import type { SealStage, StageIo, StageProcessor } from './processors.js'

/** A held GPU slot: the device it is on, and how to give it back (twice is harmless). */
export interface GpuGrant {
  device: string
  release: ReleaseSlot
}

/** Usage figures of one device. */
export interface GpuDeviceStats {
  id: string
  slots: number
  inUse: number
  /** Highest `inUse` seen since creation. */
  peak: number
  /** Stages granted on it in total. */
  acquired: number
}

interface Device extends GpuDeviceStats {}

interface Waiter {
  stage: GpuStage
  /** The devices it may run on. */
  devices: readonly Device[]
  /** `one`: any one of `devices`; `all`: every one of them at once (a stage run in process). */
  mode: 'one' | 'all'
  grant(held: readonly [Device, number][]): void
  reject(err: unknown): void
}

/** Whether `stage` is one of the GPU stages. */
export function isGpuStage(stage: string): stage is GpuStage {
  return (GPU_STAGES as readonly string[]).includes(stage)
}

/**
 * The slots of a worker's GPUs.
 *
 * @example
 * ```ts
 * const gpus = new GpuSlots({ devices: [{ id: '0', slots: 1 }], stageSlots: { pc2: 1, c2: 1, snap_prove: 1, wdpost: 1 } })
 * const { device, release } = await gpus.acquire('c2', { signal })
 * try { await runC2On(device) } finally { release() }
 * ```
 */
export class GpuSlots {
  readonly #devices: Device[]
  readonly #stageSlots: Readonly<Record<GpuStage, number>>
  readonly #waiters: Waiter[] = []

  constructor(config: WorkerGpuConfig) {
    this.#devices = config.devices.map((d: WorkerGpuDevice) => ({ ...d, inUse: 0, peak: 0, acquired: 0 }))
    this.#stageSlots = { ...config.stageSlots }
  }

  /** The device ids, in config order (empty: the worker has no GPUs). */
  get devices(): string[] {
    return this.#devices.map((d) => d.id)
  }

  /** Whether the worker has GPUs to schedule. */
  get enabled(): boolean {
    return this.#devices.length > 0
  }

  /**
   * Waits for the slots of `stage` on one device: of `devices` if given, else of any. Of the
   * devices where it fits, the one with the most free slots is taken; a device with fewer slots
   * in all than the stage takes is never used for it.
   *
   * @throws VenusError `INVALID_ARGUMENT` for a device the worker does not have, or none big
   *   enough; `ABORTED` when `signal` aborts the wait.
   */
  async acquire(
    stage: GpuStage,
    opts: { devices?: readonly string[]; signal?: AbortSignal } = {},
  ): Promise<GpuGrant> {
    const named = opts.devices === undefined ? this.#devices : opts.devices.map((id) => this.#device(id))
    const devices = named.filter((d) => d.slots >= this.#stageSlots[stage])
    if (devices.length === 0) {
      throw new VenusError(
        'INVALID_ARGUMENT',
        `${stage} takes ${this.#stageSlots[stage]} GPU slots; no GPU of ${named.map((d) => `"${d.id}" (${d.slots})`).join(', ') || 'none'} has that many`,
      )
    }
    return this.#enqueue(stage, devices, 'one', opts.signal).then((held) => ({
      device: (held[0] as [Device, number])[0].id,
      release: this.#releaser(held),
    }))
  }

  /**
   * Waits for the slots of `stage` on every device at once (at most all of a device's slots):
   * for a stage computed in the worker's own process, which may use any GPU it sees.
   *
   * @throws VenusError `ABORTED` when `signal` aborts the wait.
   */
  async acquireAll(stage: GpuStage, signal?: AbortSignal): Promise<ReleaseSlot> {
    if (!this.enabled) return () => {}
    return this.#releaser(await this.#enqueue(stage, this.#devices, 'all', signal))
  }

  /** Live figures of one device. */
  stats(id: string): GpuDeviceStats {
    const { slots, inUse, peak, acquired } = this.#device(id)
    return { id, slots, inUse, peak, acquired }
  }

  #device(id: string): Device {
    const d = this.#devices.find((x) => x.id === id)
    if (d === undefined) {
      throw new VenusError(
        'INVALID_ARGUMENT',
        `no GPU "${id}" in this worker (it has: ${this.devices.join(', ') || 'none'})`,
      )
    }
    return d
  }

  #need(stage: GpuStage, d: Device): number {
    return Math.min(this.#stageSlots[stage], d.slots)
  }

  #enqueue(
    stage: GpuStage,
    devices: readonly Device[],
    mode: Waiter['mode'],
    signal: AbortSignal | undefined,
  ): Promise<(readonly [Device, number])[]> {
    if (signal?.aborted)
      return Promise.reject(
        new VenusError('ABORTED', `waiting for a GPU for ${stage} was aborted`, { cause: signal.reason }),
      )
    return new Promise((resolve, reject) => {
      const onAbort = () => {
        const i = this.#waiters.indexOf(w)
        if (i < 0) return
        this.#waiters.splice(i, 1)
        reject(
          new VenusError('ABORTED', `waiting for a GPU for ${stage} was aborted`, { cause: signal?.reason }),
        )
        // A waiter that held back later ones on its devices is gone.
        this.#pump()
      }
      const w: Waiter = {
        stage,
        devices,
        mode,
        grant: (held) => {
          signal?.removeEventListener('abort', onAbort)
          resolve([...held])
        },
        reject,
      }
      signal?.addEventListener('abort', onAbort, { once: true })
      this.#waiters.push(w)
      this.#pump()
    })
  }

  /** Grants what fits, in order; a waiter that does not fit holds its devices for itself. */
  #pump(): void {
    const reserved = new Set<Device>()
    for (let i = 0; i < this.#waiters.length; ) {
      const w = this.#waiters[i] as Waiter
      const held = this.#fit(w, reserved)
      if (held === undefined) {
        for (const d of w.devices) reserved.add(d)
        i++
        continue
      }
      this.#waiters.splice(i, 1)
      for (const [d, n] of held) {
        d.inUse += n
        d.acquired++
        if (d.inUse > d.peak) d.peak = d.inUse
      }
      w.grant(held)
    }
  }

  #fit(w: Waiter, reserved: ReadonlySet<Device>): [Device, number][] | undefined {
    const free = (d: Device) => (reserved.has(d) ? -1 : d.slots - d.inUse - this.#need(w.stage, d))
    if (w.mode === 'all')
      return w.devices.every((d) => free(d) >= 0)
        ? w.devices.map((d) => [d, this.#need(w.stage, d)])
        : undefined
    let best: Device | undefined
    for (const d of w.devices) if (free(d) >= 0 && (best === undefined || free(d) > free(best))) best = d
    return best === undefined ? undefined : [[best, this.#need(w.stage, best)]]
  }

  #releaser(held: readonly (readonly [Device, number])[]): ReleaseSlot {
    let released = false
    return () => {
      if (released) return
      released = true
      for (const [d, n] of held) d.inUse -= n
      this.#pump()
    }
  }
}

/**
 * Wraps the processor that runs stages in the worker's own process (in line or on its thread
 * pool): a GPU stage holds its slots on every GPU while it runs, since the process sees them all.
 * A stage meant to share the GPUs runs in external processors pinned to one device each.
 *
 * @example
 * ```ts
 * const processor = inProcessGpuSlots(inlineProcessor(proofs), new GpuSlots(config.processors.gpus))
 * ```
 */
export function inProcessGpuSlots(inner: StageProcessor, gpus: GpuSlots): StageProcessor {
  if (!gpus.enabled) return inner
  return {
    async run<S extends SealStage>(stage: S, req: StageIo[S]['req'], opts: { signal?: AbortSignal } = {}) {
      if (!isGpuStage(stage)) return inner.run(stage, req, opts)
      const release = await gpus.acquireAll(stage, opts.signal)
      try {
        return await inner.run(stage, req, opts)
      } finally {
        release()
      }
    },
    ...(inner.close === undefined ? {} : { close: () => inner.close?.() as Promise<void> }),
  }
}
