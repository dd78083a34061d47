import { readFile } from 'node:fs/promises'
import { VenusError } from '../errors/index.js'
import { parseManagerConfig } from './manager.js'
import type { ManagerConfig } from './manager-config.js'
import { parseWorkerConfig } from './worker.js'
import type { WorkerConfig } from './worker-config.js'
import { canonicalWorkerPaths } from './worker-paths.js'

async function readConfigFile(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8')
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    if (code === 'ENOENT') {
      throw new VenusError('CONFIG_NOT_FOUND', `${path}: config file does not exist`, {
        details: { file: path },
        cause: err,
      })
    }
    throw new VenusError('CONFIG_NOT_FOUND', `${path}: config file cannot be read (${code ?? 'error'})`, {
      details: { file: path },
      cause: err,
    })
  }
}

/**
 * Reads and parses `sector-manager.cfg`.
 *
 * @example
 * ```ts
 * const cfg = await loadManagerConfig(join(home, 'sector-manager.cfg'))
 * ```
 */
export async function loadManagerConfig(path: string): Promise<ManagerConfig> {
  return parseManagerConfig(await readConfigFile(path), path)
}

/**
 * Reads and parses `venus-worker.toml`. Relative paths in it are taken from the working directory
 * and made absolute (stores and static tree_d files with symlinks resolved), as the original does.
 *
 * @example
 * ```ts
 * const cfg = await loadWorkerConfig('venus-worker.toml')
 * ```
 */
export async function loadWorkerConfig(path: string): Promise<WorkerConfig> {
  return canonicalWorkerPaths(parseWorkerConfig(await readConfigFile(path), path))
}
