import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { cgroupPrepareScript, placeInCgroup } from './cgroup.js'

let root: string
afterEach(() => rmSync(root, { recursive: true, force: true }))

describe('processor cgroups', () => {
  it('creates a cgroup v2 child group with the cpu list and the pid, and removes it', async () => {
    root = mkdtempSync(join(tmpdir(), 'cg2-'))
    writeFileSync(join(root, 'cgroup.controllers'), 'cpuset cpu memory')
    mkdirSync(join(root, 'vc-worker'))
    const cg = await placeInCgroup(4242, { cpuset: '4-5', groupName: 'vc-worker', name: 'sub-pc2-1-0', root })
    expect(cg.version).toBe(2)
    expect(readFileSync(join(cg.path, 'cpuset.cpus'), 'utf8')).toBe('4-5')
    expect(readFileSync(join(cg.path, 'cgroup.procs'), 'utf8')).toBe('4242')
    // A real cgroupfs removes the control files itself; here they are plain files.
    for (const f of ['cpuset.cpus', 'cgroup.procs']) rmSync(join(cg.path, f))
    await cg.remove()
    expect(existsSync(cg.path)).toBe(false)
  })

  it('falls back to the v1 cpuset hierarchy and copies cpuset.mems from the parent', async () => {
    root = mkdtempSync(join(tmpdir(), 'cg1-'))
    mkdirSync(join(root, 'cpuset', 'vc-worker'), { recursive: true })
    writeFileSync(join(root, 'cpuset', 'vc-worker', 'cpuset.mems'), '0-1\n')
    const cg = await placeInCgroup(7, { cpuset: '0,2', groupName: 'vc-worker', name: 'sub-c2-1-0', root })
    expect(cg.version).toBe(1)
    expect(cg.path).toBe(join(root, 'cpuset', 'vc-worker', 'sub-c2-1-0'))
    expect(readFileSync(join(cg.path, 'cpuset.mems'), 'utf8')).toBe('0-1')
    expect(readFileSync(join(cg.path, 'cpuset.cpus'), 'utf8')).toBe('0,2')
  })

  it('creates the parent group itself on cgroup v2, with the cpuset controller enabled for it', async () => {
    root = mkdtempSync(join(tmpdir(), 'cg2-'))
    writeFileSync(join(root, 'cgroup.controllers'), 'cpuset cpu memory\n')
    writeFileSync(join(root, 'cgroup.subtree_control'), 'memory\n')
    const cg = await placeInCgroup(99, { cpuset: '0', groupName: 'vc-worker', name: 'sub-pc1-1-0', root })
    // cgroupfs takes "+cpuset" as "add cpuset"; a plain file just shows what was written.
    expect(readFileSync(join(root, 'cgroup.subtree_control'), 'utf8')).toBe('+cpuset')
    expect(readFileSync(join(root, 'vc-worker', 'cgroup.subtree_control'), 'utf8')).toBe('+cpuset')
    expect(readFileSync(join(cg.path, 'cgroup.procs'), 'utf8')).toBe('99')
  })

  it('creates the parent group itself on cgroup v1 with the CPUs and memory nodes of the root cpuset', async () => {
    root = mkdtempSync(join(tmpdir(), 'cg1-'))
    mkdirSync(join(root, 'cpuset'))
    writeFileSync(join(root, 'cpuset', 'cpuset.cpus'), '0-7\n')
    writeFileSync(join(root, 'cpuset', 'cpuset.mems'), '0-1\n')
    const cg = await placeInCgroup(5, { cpuset: '2-3', groupName: 'vc-worker', name: 'sub-pc2-1-0', root })
    expect(readFileSync(join(root, 'cpuset', 'vc-worker', 'cpuset.cpus'), 'utf8')).toBe('0-7')
    expect(readFileSync(join(root, 'cpuset', 'vc-worker', 'cpuset.mems'), 'utf8')).toBe('0-1')
    expect(readFileSync(join(cg.path, 'cpuset.cpus'), 'utf8')).toBe('2-3')
    expect(readFileSync(join(cg.path, 'cpuset.mems'), 'utf8')).toBe('0-1')
  })

  it('says what is missing and the command that prepares the group when it cannot', async () => {
    root = mkdtempSync(join(tmpdir(), 'cg-'))
    writeFileSync(join(root, 'cgroup.controllers'), 'cpuset')
    writeFileSync(join(root, 'vc-worker'), 'not a directory')
    await expect(
      placeInCgroup(1, { cpuset: '1', groupName: 'vc-worker', name: 'sub-pc1-1-0', root }),
    ).rejects.toThrow(
      /cannot place processor pid 1 in cgroup .*vc-worker exists but is not a directory; run `venus-worker cgroup prepare --group vc-worker \| sudo sh`/,
    )
    writeFileSync(join(root, 'cgroup.controllers'), 'cpu memory')
    await expect(
      placeInCgroup(1, { cpuset: '1', groupName: 'vc-worker', name: 'sub-pc1-1-0', root }),
    ).rejects.toThrow(/the cpuset controller is not available in the cgroup v2 hierarchy/)
    rmSync(join(root, 'cgroup.controllers'))
    await expect(
      placeInCgroup(1, { cpuset: '1', groupName: 'vc-worker', name: 'sub-pc1-1-0', root }),
    ).rejects.toThrow(/no cgroup v2 hierarchy at .* and no v1 cpuset hierarchy/)
  })

  it('writes a prepare script for both hierarchies and refuses unsafe names', () => {
    const s = cgroupPrepareScript('vc-worker', 'sealer')
    expect(s).toMatch(/chown -R sealer "\$R\/vc-worker"/)
    expect(s).toMatch(/cpuset\.mems/)
    expect(() => cgroupPrepareScript('x; rm -rf /', 'u')).toThrow(/letters, digits/)
  })
})
