/**
 * The GPUs of a sealing worker (`[processors.gpu]`): which devices it has, how many slots each
 * one offers, and how many slots each GPU stage takes on one device. Stages that share a GPU then
 * run together only while their slots fit, so two of them do not run the device out of memory
 * at the same time. Shared by `workerConfig` (config from code) and the TOML reader.
 */

/** The stages that run on a GPU when the proofs are built with CUDA. */
export const GPU_STAGES = ['pc2', 'c2', 'snap_prove', 'wdpost'] as const
/** One of {@link GPU_STAGES}. */
export type GpuStage = (typeof GPU_STAGES)[number]

/** One GPU of the worker. */
export interface WorkerGpuDevice {
  /**
   * The device as `CUDA_VISIBLE_DEVICES` names it: an index (`"0"`) or a UUID
   * (`"GPU-5c1b…"`, `"MIG-…"`), as `nvidia-smi -L` lists them.
   */
  id: string
  /** How many slots the device offers; a stage takes `stageSlots[stage]` of them while it runs. */
  slots: number
}

/** `processors.gpus` of a `WorkerConfig`. */
export interface WorkerGpuConfig {
  /** The worker's GPUs; empty (the default) = no GPU scheduling, stages run as before. */
  devices: WorkerGpuDevice[]
  /** Slots of one device each GPU stage takes while it computes (default 1 each). */
  stageSlots: Record<GpuStage, number>
}

/** What `workerConfig` takes as `processors.gpus`. */
export interface WorkerGpuInput {
  /** Device ids, or `{ id, slots }` for a device with its own number of slots. */
  devices?: (string | { id: string; slots?: number | undefined })[] | undefined
  /** Slots of a device not given its own (default 1). */
  slots?: number | undefined
  stageSlots?: Partial<Record<GpuStage, number>> | undefined
}

/** Slots per device and per stage when the config says nothing. */
export const GPU_DEFAULT_SLOTS = 1

const DEVICE_ID = /^(\d{1,3}|GPU-[0-9A-Fa-f-]{8,64}|MIG-[0-9A-Za-z/-]{1,100})$/

/** What a device id must look like, for errors. */
export const GPU_DEVICE_EXPECTED = 'a CUDA device: an index like "0" or a UUID like "GPU-…" or "MIG-…"'

/** Whether `id` names a device as `CUDA_VISIBLE_DEVICES` takes it. */
export function isGpuDeviceId(id: unknown): id is string {
  return typeof id === 'string' && DEVICE_ID.test(id)
}

/** A problem of one part of the GPU config: the key path under it, what was expected and found. */
export interface GpuConfigProblem {
  path: readonly (string | number)[]
  expected: string
  found: string
}

/**
 * What is wrong with a complete GPU config, if anything: duplicate devices, or a stage that
 * takes more slots than every device has (it could never run).
 */
export function gpuConfigProblem(g: WorkerGpuConfig): GpuConfigProblem | undefined {
  const seen = new Set<string>()
  for (const [i, d] of g.devices.entries()) {
    if (seen.has(d.id))
      return { path: ['devices', i], expected: 'each device once', found: `"${d.id}" twice` }
    seen.add(d.id)
  }
  if (g.devices.length === 0) return undefined
  const most = Math.max(...g.devices.map((d) => d.slots))
  for (const stage of GPU_STAGES) {
    if (g.stageSlots[stage] > most) {
      return {
        path: ['stageSlots', stage],
        expected: `at most ${most} (the most slots a device has)`,
        found: String(g.stageSlots[stage]),
      }
    }
  }
  return undefined
}

/**
 * What is wrong with the device of one external processor, if anything. A child of a GPU stage
 * is pinned to one of the worker's devices with `gpu`; `envs.CUDA_VISIBLE_DEVICES` naming one
 * of them (the original's way) counts as the same.
 *
 * @returns The problem, with `key` the processor key it is about (`gpu` or `CUDA_VISIBLE_DEVICES`
 *   of `envs`) and `found` ready to show; or the device the child is pinned to (undefined = not
 *   pinned). A device must have the slots the stage takes.
 */
export function externalGpuOf(
  stage: string,
  gpu: string | undefined,
  envs: Readonly<Record<string, string>>,
  gpus: WorkerGpuConfig,
): { device: string | undefined } | { key: 'gpu' | 'CUDA_VISIBLE_DEVICES'; expected: string; found: string } {
  const ids = gpus.devices.map((d) => d.id)
  const known = ids.length === 0 ? 'none configured in [processors.gpu] devices' : ids.join(', ')
  const isGpu = (GPU_STAGES as readonly string[]).includes(stage)
  const env = envs.CUDA_VISIBLE_DEVICES
  let key: 'gpu' | 'CUDA_VISIBLE_DEVICES' = 'gpu'
  let device = gpu
  if (gpu !== undefined) {
    if (!isGpu)
      return {
        key,
        expected: `no GPU: ${stage} is not a GPU stage (${GPU_STAGES.join(', ')})`,
        found: JSON.stringify(gpu),
      }
    if (env !== undefined && env !== gpu)
      return {
        key: 'CUDA_VISIBLE_DEVICES',
        expected: `nothing, or the processor's gpu "${gpu}"`,
        found: JSON.stringify(env),
      }
  } else {
    if (env === undefined || ids.length === 0 || !isGpu) return { device: undefined }
    key = 'CUDA_VISIBLE_DEVICES'
    device = env
  }
  const d = gpus.devices.find((x) => x.id === device)
  if (d === undefined)
    return { key, expected: `one of the worker's GPUs (${known})`, found: JSON.stringify(device) }
  const need = gpus.stageSlots[stage as GpuStage]
  if (d.slots < need)
    return {
      key,
      expected: `a GPU with the ${need} slots ${stage} takes`,
      found: `"${d.id}" with ${d.slots}`,
    }
  return { device: d.id }
}
