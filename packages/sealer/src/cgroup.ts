/**
 * Puts an external processor's child into a cpuset cgroup: cgroup v2 when
 * `/sys/fs/cgroup/cgroup.controllers` exists, else the v1 `cpuset` hierarchy. As the original
 * worker does, the parent group (`vc-worker` by default) is created on first use where the worker
 * may (root, or a delegated hierarchy): on v2 with the cpuset controller enabled for it, on v1
 * with the CPUs and memory nodes of the root cpuset. Where it may not, the error says what is
 * missing and that {@link cgroupPrepareScript} (`venus-worker cgroup prepare`) fixes it.
 */
import { mkdir, readFile, rmdir, stat, writeFile } from 'node:fs/promises'
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

const codeOf = (err: unknown) => (err as NodeJS.ErrnoException | undefined)?.code ?? 'error'

/** A control file's content; '' when it is absent (a fresh directory outside cgroupfs). */
async function readControl(path: string): Promise<string> {
  try {
    return (await readFile(path, 'utf8')).trim()
  } catch (err) {
    if (codeOf(err) === 'ENOENT') return ''
    throw err
  }
}

/** Step failures carry what could not be done; {@link placeInCgroup} adds the fix. */
class CgroupStep extends Error {}

async function step<T>(what: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn()
  } catch (err) {
    if (err instanceof CgroupStep) throw err
    throw new CgroupStep(`${what} (${codeOf(err)})`, { cause: err })
  }
}

async function makeGroup(path: string): Promise<void> {
  await step(`cannot create ${path}`, async () => {
    try {
      await mkdir(path)
    } catch (err) {
      if (codeOf(err) !== 'EEXIST') throw err
    }
  })
  const isDir = await stat(path).then(
    (s) => s.isDirectory(),
    () => false,
  )
  if (!isDir) throw new CgroupStep(`${path} exists but is not a directory`)
}

/** Enables the cpuset controller for the children of `group` (cgroup v2). */
async function enableCpuset(group: string): Promise<void> {
  const control = join(group, 'cgroup.subtree_control')
  const on = (await step(`cannot read ${control}`, () => readControl(control))).split(/\s+/)
  if (on.includes('cpuset')) return
  await step(`cannot enable the cpuset controller in ${control}`, () => writeFile(control, '+cpuset'))
}

/** Creates the parent group where permitted; returns its path. */
async function ensureParent(root: string, v2: boolean, groupName: string): Promise<string> {
  if (v2) {
    const controllers = await step(`cannot read ${join(root, 'cgroup.controllers')}`, () =>
      readControl(join(root, 'cgroup.controllers')),
    )
    if (!controllers.split(/\s+/).includes('cpuset')) {
      throw new CgroupStep(
        `the cpuset controller is not available in the cgroup v2 hierarchy at ${root} (cgroup.controllers: "${controllers}")`,
      )
    }
    await enableCpuset(root)
    const parent = join(root, groupName)
    await makeGroup(parent)
    await enableCpuset(parent)
    return parent
  }
  const cpusetRoot = join(root, 'cpuset')
  if (
    !(await stat(cpusetRoot).then(
      (s) => s.isDirectory(),
      () => false,
    ))
  ) {
    throw new CgroupStep(
      `there is no cgroup v2 hierarchy at ${root} and no v1 cpuset hierarchy at ${cpusetRoot}`,
    )
  }
  const parent = join(cpusetRoot, groupName)
  await makeGroup(parent)
  // A new v1 cpuset group starts with no CPUs and no memory nodes; no task can join it then.
  for (const file of ['cpuset.cpus', 'cpuset.mems']) {
    const target = join(parent, file)
    if ((await step(`cannot read ${target}`, () => readControl(target))) !== '') continue
    const value = await step(`cannot read ${join(cpusetRoot, file)}`, () =>
      readControl(join(cpusetRoot, file)),
    )
    await step(`cannot write ${target}`, () => writeFile(target, value || '0'))
  }
  return parent
}

/**
 * Creates `<group>/<name>` (and the group itself when missing), writes the cpu list and moves
 * `pid` into it.
 *
 * @throws VenusError `CGROUP_UNAVAILABLE` naming what is missing and the fix when it cannot.
 * @example
 * ```ts
 * const cg = await placeInCgroup(child.pid, { cpuset: '4-5', groupName: 'vc-worker', name: 'sub-pc2-1-0' })
 * ```
 */
export async function placeInCgroup(pid: number, opts: CgroupOptions): Promise<CgroupPlacement> {
  const root = opts.root ?? '/sys/fs/cgroup'
  const v2 = await stat(join(root, 'cgroup.controllers')).then(
    () => true,
    () => false,
  )
  const version = v2 ? 2 : 1
  const parentGuess = v2 ? join(root, opts.groupName) : join(root, 'cpuset', opts.groupName)
  const path = join(parentGuess, opts.name)
  try {
    const parent = await ensureParent(root, v2, opts.groupName)
    await makeGroup(path)
    if (!v2) {
      const mems = (await readControl(join(parent, 'cpuset.mems'))) || '0'
      await step(`cannot write ${join(path, 'cpuset.mems')}`, () =>
        writeFile(join(path, 'cpuset.mems'), mems),
      )
    }
    try {
      await writeFile(join(path, 'cpuset.cpus'), opts.cpuset)
    } catch (err) {
      const effective = await readControl(
        join(parent, v2 ? 'cpuset.cpus.effective' : 'cpuset.effective_cpus'),
      ).catch(() => '')
      throw new CgroupStep(
        codeOf(err) === 'EINVAL' || codeOf(err) === 'ERANGE'
          ? `the cpu list "${opts.cpuset}" is not within the CPUs of ${parent}${effective === '' ? '' : ` (${effective})`}`
          : `cannot write ${join(path, 'cpuset.cpus')} (${codeOf(err)})`,
        { cause: err },
      )
    }
    await step(`cannot move pid ${pid} into ${join(path, 'cgroup.procs')}`, () =>
      writeFile(join(path, 'cgroup.procs'), String(pid)),
    )
  } catch (err) {
    const what = err instanceof Error ? err.message : String(err)
    throw new VenusError(
      'CGROUP_UNAVAILABLE',
      `cannot place processor pid ${pid} in cgroup ${path}: ${what}; run \`venus-worker cgroup prepare --group ${opts.groupName} | sudo sh\` once as the worker's user (it creates the group and hands it to that user), or fix cgroup.cpuset in the config`,
      { details: { path, cpuset: opts.cpuset, version }, cause: err instanceof CgroupStep ? err.cause : err },
    )
  }
  return {
    path,
    version,
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
