/**
 * Paths of `venus-worker.toml` made absolute. The original worker resolves relative paths against
 * the directory it was started from (its mock config and quick start use `./mock-tmp/store1`) and
 * canonicalises stores and static tree_d files when it opens them. Keeping a relative path breaks
 * things that outlive the working directory: a symlink gets a relative target and dangles (the
 * tree_d link in the cache directory), and the manager is told a location it cannot interpret.
 */
import { realpath } from 'node:fs/promises'
import { isAbsolute, resolve } from 'node:path'
import type { ExternalProcessorConfig, WorkerConfig } from './worker-config.js'

/** A processor `bin` with a path separator is a path; a bare name is looked up on `PATH`. */
function resolveBin(bin: string | undefined, base: string): string | undefined {
  if (bin === undefined || isAbsolute(bin) || !bin.includes('/')) return bin
  return resolve(base, bin)
}

function mapPaths(config: WorkerConfig, fix: (path: string) => string, base: string): WorkerConfig {
  const external: WorkerConfig['processors']['external'] = {}
  for (const [stage, specs] of Object.entries(config.processors.external)) {
    external[stage as keyof typeof external] = specs?.map(
      (p): ExternalProcessorConfig => ({ ...p, bin: resolveBin(p.bin, base) }),
    )
  }
  return {
    ...config,
    sealingThreads: config.sealingThreads.map((t) => ({ ...t, location: fix(t.location) })),
    attached: config.attached.map((a) => {
      const location = fix(a.location)
      return { ...a, location, ...(a.nameFromLocation === true ? { name: location } : {}) }
    }),
    processors: {
      ...config.processors,
      staticTreeD: Object.fromEntries(
        Object.entries(config.processors.staticTreeD).map(([k, v]) => [k, fix(v)]),
      ),
      external,
    },
  }
}

/**
 * Makes every path of a worker config absolute against `base` (default: the working directory):
 * sealing thread locations, attached stores (and their default names), static tree_d files and
 * processor binaries given as paths. Pure path arithmetic; nothing needs to exist.
 *
 * @example
 * ```ts
 * resolveWorkerPaths(cfg, '/srv').sealingThreads[0]?.location // '/srv/mock-tmp/store1' for "./mock-tmp/store1"
 * ```
 */
export function resolveWorkerPaths(config: WorkerConfig, base: string = process.cwd()): WorkerConfig {
  return mapPaths(config, (p) => resolve(base, p), base)
}

/**
 * {@link resolveWorkerPaths}, then symlinks resolved for the stores and static tree_d files that
 * exist, as the original canonicalises them (a missing one keeps its absolute path and is reported
 * when it is opened).
 *
 * @example
 * ```ts
 * const cfg = await canonicalWorkerPaths(parseWorkerConfig(text, file))
 * ```
 */
export async function canonicalWorkerPaths(
  config: WorkerConfig,
  base: string = process.cwd(),
): Promise<WorkerConfig> {
  const resolved = resolveWorkerPaths(config, base)
  const real = new Map<string, string>()
  const all = [
    ...resolved.sealingThreads.map((t) => t.location),
    ...resolved.attached.map((a) => a.location),
    ...Object.values(resolved.processors.staticTreeD),
  ]
  await Promise.all(
    all.map(async (p) => {
      real.set(p, await realpath(p).catch(() => p))
    }),
  )
  return mapPaths(resolved, (p) => real.get(p) ?? p, base)
}
