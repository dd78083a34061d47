import { homedir } from 'node:os'
import { join, resolve } from 'node:path'

/** Expands a leading `~` and makes the path absolute. */
export function expandHome(path: string): string {
  if (path === '~') return homedir()
  if (path.startsWith('~/')) return join(homedir(), path.slice(2))
  return resolve(path)
}

/** The manager's default home directory. */
export const DEFAULT_SECTOR_MANAGER_HOME = '~/.venus-sector-manager'

/** The manager's config file name inside its home. */
export const SECTOR_MANAGER_CONFIG_FILE = 'sector-manager.cfg'
