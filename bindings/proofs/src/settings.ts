import { homedir } from 'node:os'
import { join } from 'node:path'
import { type Logger, VenusError } from '@venus-cluster/core'
import { type AddonInitOptions, gpuRequested, loadProofsAddon, type ProofsAddon } from './addon.js'

/** Where the proofs library keeps its files. Fixed for the life of the process once applied. */
export interface NativeProofsSettings {
  /** Groth16 parameters, verifying keys and the aggregation SRS (`FIL_PROOFS_PARAMETER_CACHE`). */
  parameterCache: string
  /** SDR parent cache files (`FIL_PROOFS_PARENT_CACHE`). */
  parentCache: string
  /** Other library caches (`FIL_PROOFS_CACHE_DIR`). */
  cacheDir: string
  /** Accept only the published parameter files (`FIL_PROOFS_VERIFY_PRODUCTION_PARAMS`). Off by default: locally made parameters would fail it. */
  verifyProductionParams: boolean
  /**
   * Nice value (0–19) of the threads that run proofs work (`VENUS_PROOFS_WORKER_NICE`, default
   * 10): when every core is busy proving, the JavaScript thread still gets one promptly.
   */
  workerNice: number
  /**
   * Prove on NVIDIA GPUs with the CUDA build of the addon (`VENUS_PROOFS_GPU=1`; build it with
   * `npm run build:native -- --gpu`). Where that build is missing or the machine has no NVIDIA
   * driver, the CPU build is used and a warning says why; where the driver sees no GPU, the CUDA
   * build proves on the CPU. Default off.
   */
  gpu: boolean
}

/** The machine-local cache root: `$VENUS_CACHE` or `~/.cache/venus-cluster`. */
export function venusCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.VENUS_CACHE || join(homedir(), '.cache', 'venus-cluster')
}

/**
 * Default settings: the `FIL_PROOFS_*` environment variables when set, else directories under the
 * venus cache (`params/`, `parents/`, `proofs-cache/`).
 *
 * @example
 * ```ts
 * defaultNativeProofsSettings().parameterCache // '/home/me/.cache/venus-cluster/params'
 * ```
 */
export function defaultNativeProofsSettings(env: NodeJS.ProcessEnv = process.env): NativeProofsSettings {
  const root = venusCacheDir(env)
  return {
    parameterCache: env.FIL_PROOFS_PARAMETER_CACHE || join(root, 'params'),
    parentCache: env.FIL_PROOFS_PARENT_CACHE || join(root, 'parents'),
    cacheDir: env.FIL_PROOFS_CACHE_DIR || join(root, 'proofs-cache'),
    verifyProductionParams: env.FIL_PROOFS_VERIFY_PRODUCTION_PARAMS === '1',
    workerNice: env.VENUS_PROOFS_WORKER_NICE ? Number(env.VENUS_PROOFS_WORKER_NICE) : 10,
    gpu: gpuRequested(env),
  }
}

let applied: NativeProofsSettings | undefined

/**
 * Loads the addon and applies the settings before the first proofs call (the library reads them
 * once per process). A second call with other settings fails with
 * `PROOFS_INVALID_INPUT`, because the library can not switch directories mid-process.
 * `logger` gets the warning when the GPU is asked for but the CPU build is used.
 *
 * @example
 * ```ts
 * const addon = initNativeProofs({ parameterCache: '/tmp/params', gpu: true })
 * ```
 */
export function initNativeProofs(settings: Partial<NativeProofsSettings> = {}, logger?: Logger): ProofsAddon {
  const wanted: NativeProofsSettings = {
    ...(applied ?? defaultNativeProofsSettings()),
    ...definedOnly(settings),
  }
  const addon = loadProofsAddon({ gpu: wanted.gpu, logger })
  if (applied && !sameSettings(applied, wanted)) {
    throw new VenusError('PROOFS_INVALID_INPUT', 'proofs settings are already applied in this process', {
      details: { applied, wanted },
    })
  }
  const options: AddonInitOptions = {
    parameterCache: wanted.parameterCache,
    parentCache: wanted.parentCache,
    cacheDir: wanted.cacheDir,
    verifyProductionParams: wanted.verifyProductionParams,
    workerNice: wanted.workerNice,
  }
  addon.init(options)
  applied = wanted
  return addon
}

/** The settings in force, or `undefined` before the first call. */
export function appliedNativeProofsSettings(): NativeProofsSettings | undefined {
  return applied
}

function definedOnly<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>
}

function sameSettings(a: NativeProofsSettings, b: NativeProofsSettings): boolean {
  return (
    a.parameterCache === b.parameterCache &&
    a.parentCache === b.parentCache &&
    a.cacheDir === b.cacheDir &&
    a.verifyProductionParams === b.verifyProductionParams &&
    a.workerNice === b.workerNice &&
    a.gpu === b.gpu
  )
}
