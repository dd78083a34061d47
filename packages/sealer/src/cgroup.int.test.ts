import { spawn } from 'node:child_process'
import { mkdirSync, readFileSync, rmdirSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { type CgroupPlacement, placeInCgroup } from './cgroup.js'

/**
 * The real cpuset hierarchy when this process may create groups in it (root on most hosts, not in
 * a container with a read-only cgroupfs): probed by creating and removing a group.
 */
function writableCpusetParent():
  | { parent: string; reason?: undefined }
  | { parent?: undefined; reason: string } {
  if (process.getuid?.() !== 0) return { reason: 'not root: the host cgroup tree is not ours to change' }
  const root = '/sys/fs/cgroup'
  let parent: string
  try {
    statSync(join(root, 'cgroup.controllers'))
    if (!readFileSync(join(root, 'cgroup.controllers'), 'utf8').includes('cpuset')) {
      return { reason: 'cgroup v2 without the cpuset controller' }
    }
    parent = root
  } catch {
    try {
      statSync(join(root, 'cpuset', 'cpuset.cpus'))
      parent = join(root, 'cpuset')
    } catch {
      return { reason: 'no cgroup hierarchy with cpusets on this host' }
    }
  }
  const probe = join(parent, `vc-probe-${process.pid}`)
  try {
    mkdirSync(probe)
    rmdirSync(probe)
  } catch (err) {
    return { reason: `the host cgroup tree refuses new groups (${(err as NodeJS.ErrnoException).code})` }
  }
  return { parent }
}

describe('processor cgroups on the host', () => {
  it('creates the group itself, moves a child into it, and names the CPUs when a cpu list is out of range', async (ctx) => {
    const host = writableCpusetParent()
    if (host.parent === undefined) return ctx.skip(host.reason)
    const groupName = `vc-test-${process.pid}`
    const child = spawn('sleep', ['30'], { stdio: 'ignore' })
    const pid = child.pid as number
    let cg: CgroupPlacement | undefined
    try {
      cg = await placeInCgroup(pid, { cpuset: '0', groupName, name: 'sub-pc1-test-0' })
      expect(readFileSync(`/proc/${pid}/cgroup`, 'utf8')).toContain(`/${groupName}/sub-pc1-test-0`)
      await expect(
        placeInCgroup(pid, { cpuset: '100000', groupName, name: 'sub-pc1-test-1' }),
      ).rejects.toThrow(/the cpu list "100000" is not within the CPUs of/)
    } finally {
      const exited = new Promise((r) => child.once('exit', r))
      child.kill('SIGKILL')
      await exited
      await cg?.remove()
      for (const sub of ['sub-pc1-test-0', 'sub-pc1-test-1', '']) {
        try {
          rmdirSync(join(host.parent, groupName, sub))
        } catch {}
      }
    }
  })
})
