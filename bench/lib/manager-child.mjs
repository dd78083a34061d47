// A manager daemon in its own process for bench/http-limits.bench.mjs, so that its memory is
// measured apart from the load generator. Auth on, loopback trusted (the tokenless path the
// original worker takes). Answers { cmd: 'mem', reset } with its RSS and peak RSS (VmHWM; reset
// clears the peak to the current RSS first) after a garbage collection.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createFakeChain, defaultMinerConfig, startManagerNode } from '@venus-cluster/manager'

const home = mkdtempSync(join(tmpdir(), 'bench-http-limits-'))
const chain = createFakeChain({ miners: { 1000: 2048 } })
const limits = JSON.parse(process.env.BENCH_MANAGER_LIMITS ?? '{}')
const d = await startManagerNode({
  home,
  db: ':memory:',
  listen: '127.0.0.1:0',
  config: { miners: [defaultMinerConfig(1000, 't01001')], persistStores: [] },
  chain,
  messager: chain,
  tickMs: 3_600_000,
  trustedNetworks: ['127.0.0.0/8'],
  limits,
})

const kib = (field) =>
  Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync('/proc/self/status', 'utf8'))?.[1] ?? 0)

process.on('message', async (msg) => {
  if (msg.cmd === 'mem') {
    globalThis.gc?.()
    await new Promise((r) => setTimeout(r, 50))
    globalThis.gc?.()
    if (msg.reset) writeFileSync('/proc/self/clear_refs', '5')
    const u = process.memoryUsage()
    process.send({ rss: kib('VmRSS') * 1024, peak: kib('VmHWM') * 1024, js: u.heapUsed + u.external })
  } else if (msg.cmd === 'stop') {
    await d.stop()
    rmSync(home, { recursive: true, force: true })
    process.exit(0)
  }
})
process.send({ port: d.port })
