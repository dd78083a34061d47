import { spawnSync } from 'node:child_process'
import { mkdir, mkdtemp, readdir, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { removeStaleTemporaries } from '../src/params.js'

describe('parameter generation temporaries', () => {
  const dirs: string[] = []
  afterAll(async () => {
    for (const d of dirs) await rm(d, { recursive: true, force: true })
  })

  it('removes the temporary folders of killed generators and keeps those of live ones', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'venus-params-tmp-'))
    dirs.push(dir)
    const gone = spawnSync(process.execPath, ['-e', '0']).pid as number
    const names = [
      `.tmp-gen-${gone}-1`,
      `.tmp-gen-${process.pid}-2`,
      `.tmp-gen-${process.ppid}-3`,
      'v28-some-parameters.params',
    ]
    for (const n of names) await mkdir(join(dir, n))
    await removeStaleTemporaries(dir)
    expect((await readdir(dir)).sort()).toEqual(names.slice(1).sort())
  })
})
