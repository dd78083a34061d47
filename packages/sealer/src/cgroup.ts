/**
 * Puts an external processor's child into a cpuset cgroup (spec §2.8): cgroup v2 when
 * `/sys/fs/cgroup/cgroup.controllers` exists, else the v1 `cpuset` hierarchy. The parent group
 * (`vc-worker` by default) must exist and belong to the worker's user; see
 * {@link cgroupPrepareScript}.
 */
import { access, mkdir, readFile, rmdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { VenusError } from '@venus-cluster/core'

/** A created cgroup; `remove()` deletes it (after its process is gone). */
export interface CgroupPlacement {
  path: string
  version: 1 | 2
  remove(): Promise<void>
}

/** Options of {@link placeInCgroup}. */
export interface CgroupOptions {
  cpuset: string
  groupName: string
  /** Name of the child group, e.g. `sub-pc2-1234-0`. */
  name: string
  /** cgroup mount root (default `/sys/fs/cgroup`; tests point it at a temp dir). */
  root?: string
}

async function exists(p: string): Promise<boolean> {
  try {
    await access(p)
    return true
  } catch {
    return false
  }
}

/**
 * Creates `<group>/<name>`, writes the cpu list and moves `pid` into it.
 *
 * @throws VenusError `CGROUP_UNAVAILABLE` naming the path and the fix when it cannot.
 * @example
 * ```ts
 * const cg = await placeInCgroup(child.pid, { cpuset: '4-5', groupName: 'vc-worker', name: 'sub-pc2-1-0' })
 * ```
 */
export async function placeInCgroup(pid: number, opts: CgroupOptions): Promise<CgroupPlacement> {
  const root = opts.root ?? '/sys/fs/cgroup'
  const v2 = await exists(join(root, 'cgroup.controllers'))
  const parent = v2 ? join(root, opts.groupName) : join(root, 'cpuset', opts.groupName)
  const path = join(parent, opts.name)
  try {
    await mkdir(path, { recursive: true })
    if (v2) {
      await writeFile(join(path, 'cpuset.cpus'), opts.cpuset)
    } else {
      // v1 needs cpuset.mems set before tasks can join; copy the parent's.
      const mems = (await readFile(join(parent, 'cpuset.mems'), 'utf8').catch(() => '0')).trim() || '0'
      await writeFile(join(path, 'cpuset.mems'), mems)
      await writeFile(join(path, 'cpuset.cpus'), opts.cpuset)
    }
    await writeFile(join(path, 'cgroup.procs'), String(pid))
  } catch (err) {
    throw new VenusError(
      'CGROUP_UNAVAILABLE',
      `cannot place processor pid ${pid} in cgroup ${path}; run \`venus-worker cgroup prepare\` as root first`,
      { details: { path, cpuset: opts.cpuset, version: v2 ? 2 : 1 }, cause: err },
    )
  }
  return {
    path,
    version: v2 ? 2 : 1,
    async remove() {
      await rmdir(path).catch(() => {})
    },
  }
}

/**
 * A shell script that prepares the parent group for an unprivileged worker user: on cgroup v2 it
 * enables the cpuset controller on the root and creates `/sys/fs/cgroup/<group>` owned by the
 * user; on v1 it creates `<subsys>/<group>` in every hierarchy (as `create-cgroup.sh`) and copies
 * `cpuset.cpus`/`cpuset.mems` from the root cpuset.
 *
 * @example
 * ```ts
 * execFileSync('sudo', ['sh', '-c', cgroupPrepareScript('vc-worker', 'sealer')])
 * ```
 */
export function cgroupPrepareScript(groupName: string, user: string): string {
  if (!/^[A-Za-z0-9_.-]+$/.test(groupName) || !/^[A-Za-z0-9_.-]+$/.test(user)) {
    throw new VenusError('INVALID_ARGUMENT', 'group and user names may only hold letters, digits, _ . -')
  }
  return `set -e
R=/sys/fs/cgroup
if [ -f "$R/cgroup.controllers" ]; then
  echo +cpuset > "$R/cgroup.subtree_control" || true
  mkdir -p "$R/${groupName}"
  echo +cpuset > "$R/${groupName}/cgroup.subtree_control" || true
  chown -R ${user} "$R/${groupName}"
  chown ${user} "$R/cgroup.procs" 2>/dev/null || true
else
  for d in "$R"/*/; do
    mkdir -p "$d${groupName}"
    chown -R ${user} "$d${groupName}"
  done
  cat "$R/cpuset/cpuset.cpus" > "$R/cpuset/${groupName}/cpuset.cpus"
  cat "$R/cpuset/cpuset.mems" > "$R/cpuset/${groupName}/cpuset.mems"
fi
`
}
