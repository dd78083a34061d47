import { parseWorkerConfig } from '@venus-cluster/core'
import { describe, expect, it } from 'vitest'

/** A complete v0.1.2 worker config; each case below breaks one key of it. */
const good = `[worker]
name = "w1"
[worker.rpc_server]
host = "127.0.0.1"
port = 17890
[sector_manager]
piece_token = "t"
[sector_manager.rpc_client]
addr = "/ip4/127.0.0.1/tcp/1789"
[sealing]
allowed_miners = [1000]
allowed_sizes = ["2KiB"]
enable_deals = false
max_deals = 3
max_retries = 5
seal_interval = "30s"
recover_interval = "30s"
rpc_polling_interval = "30s"
ignore_proof_check = false
[[sealing_thread]]
location = "/tmp/s1"
[sealing_thread.sealing]
max_retries = 2
[[attached]]
name = "ps1"
location = "/tmp/p1"
readonly = false
[processors.limit]
pc1 = 2
[processors.ext_locks]
gpu = 1
[[processors.pc2]]
stable_wait = "5s"
concurrent = 1
locks = ["gpu"]
[processors.pc2.cgroup]
cpuset = "4-5"
`

const cases: [string, RegExp, string][] = [
  ['port = 17890', /port/, 'port = "x"'],
  ['addr = "/ip4/127.0.0.1/tcp/1789"', /addr/, 'addr = "nowhere"'],
  ['allowed_miners = [1000]', /allowed_miners/, 'allowed_miners = ["f01000"]'],
  ['allowed_sizes = ["2KiB"]', /allowed_sizes/, 'allowed_sizes = ["3KiB"]'],
  ['enable_deals = false', /enable_deals/, 'enable_deals = "yes"'],
  ['max_deals = 3', /max_deals/, 'max_deals = 0'],
  ['max_retries = 5', /max_retries/, 'max_retries = -1'],
  ['seal_interval = "30s"', /seal_interval/, 'seal_interval = "soon"'],
  ['recover_interval = "30s"', /recover_interval/, 'recover_interval = 30'],
  ['rpc_polling_interval = "30s"', /rpc_polling_interval/, 'rpc_polling_interval = "1 fortnight"'],
  ['ignore_proof_check = false', /ignore_proof_check/, 'ignore_proof_check = 1'],
  ['max_retries = 2', /max_retries/, 'max_retries = "two"'],
  ['location = "/tmp/s1"', /location/, 'location = 5'],
  ['readonly = false', /readonly/, 'readonly = "no"'],
  ['pc1 = 2', /pc1/, 'pc1 = 0'],
  ['gpu = 1', /gpu/, 'gpu = "one"'],
  ['stable_wait = "5s"', /stable_wait/, 'stable_wait = "later"'],
  ['concurrent = 1', /concurrent/, 'concurrent = 0'],
  ['cpuset = "4-5"', /cpuset/, 'cpuset = "four"'],
]

describe('worker config: every key given a bad value', () => {
  it('accepts the complete config', () => {
    const cfg = parseWorkerConfig(good, 'venus-worker.toml')
    expect(cfg.sealingThreads[0]?.sealing.maxRetries).toBe(2)
    expect(cfg.processors.limit.pc1).toBe(2)
  })

  for (const [line, key, bad] of cases) {
    it(`refuses ${bad} with an error naming the key and the file`, () => {
      expect(good.includes(line)).toBe(true)
      const text = good.replace(line, bad)
      let err: unknown
      try {
        parseWorkerConfig(text, 'venus-worker.toml')
      } catch (e) {
        err = e
      }
      expect(err, bad).toBeInstanceOf(Error)
      const msg = String((err as Error).message)
      expect(msg).toMatch(key)
      expect(msg).toMatch(/venus-worker\.toml/)
    })
  }
})
