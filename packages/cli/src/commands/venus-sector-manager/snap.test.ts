import { Command } from 'commander'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { registerSnapCommands } from './snap.js'

afterEach(() => vi.restoreAllMocks())

/** Runs `snap …` against a fake daemon; returns what it printed and the calls it made. */
async function run(args: string[], answers: Record<string, unknown>) {
  const calls: [string, unknown[]][] = []
  const out: string[] = []
  vi.spyOn(process.stdout, 'write').mockImplementation((s) => {
    out.push(String(s))
    return true
  })
  const program = new Command().exitOverride().option('--json')
  registerSnapCommands(program, () => async (method, params) => {
    calls.push([method, params])
    return answers[method]
  })
  await program.parseAsync(['node', 'x', ...args])
  return { calls, out: out.join('') }
}

describe('util sealer snap', () => {
  it('fetch fills the pool of a miner, optionally of one deadline', async () => {
    const a = await run(['snap', 'fetch', '1000'], { 'Venus.SnapUpPreFetch': { Total: 3, Diff: 2 } })
    expect(a.calls).toEqual([['Venus.SnapUpPreFetch', [1000, null]]])
    expect(a.out).toBe('2 new candidates, 3 in the pool of miner 1000\n')
    const b = await run(['snap', 'fetch', 't01000', '7'], { 'Venus.SnapUpPreFetch': { Total: 1, Diff: 1 } })
    expect(b.calls).toEqual([['Venus.SnapUpPreFetch', [1000, 7]]])
  })

  it('candidates lists the pool by deadline, or says how to fill it', async () => {
    const list = [
      { Number: 4, Deadline: 9, Partition: 0, Expiration: 99 },
      { Number: 1, Deadline: 2, Partition: 0, Expiration: 99 },
      { Number: 2, Deadline: 2, Partition: 0, Expiration: 99 },
    ]
    const a = await run(['snap', 'candidates', '1000'], { 'Venus.SnapUpCandidates': list })
    expect(a.out).toBe('deadline 2: 2 sectors (1, 2)\ndeadline 9: 1 sectors (4)\n')
    const empty = await run(['snap', 'candidates', '1000'], { 'Venus.SnapUpCandidates': [] })
    expect(empty.out).toMatch(/run: util sealer snap fetch 1000/)
    const json = await run(['--json', 'snap', 'candidates', '1000'], { 'Venus.SnapUpCandidates': list })
    expect(JSON.parse(json.out)).toEqual(list)
  })

  it('cancel-commit names the sector, and refuses a bad number before calling the daemon', async () => {
    const a = await run(['snap', 'cancel-commit', '1000', '5'], { 'Venus.SnapUpCancelCommitment': null })
    expect(a.calls).toEqual([['Venus.SnapUpCancelCommitment', [{ Miner: 1000, Number: 5 }]]])
    expect(a.out).toBe('snap-up of m-1000-n-5 cancelled\n')
    await expect(run(['snap', 'cancel-commit', '1000', 'x'], {})).rejects.toThrow(/number/)
  })
})
