// The manager under the largest inputs its limits allow: its memory (RSS before, peak, after)
// while 200 connections each send the largest body of a class, while connections trickle
// headers (slowloris), and for a million nested arrays. The daemon runs in its own process
// (bench/lib/manager-child.mjs) with the default limits; the load comes from this process.
import { fork } from 'node:child_process'
import { request } from 'node:http'
import { connect } from 'node:net'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { DEFAULT_HTTP_LIMITS } from '@venus-cluster/core/http'
import { MANAGER_LIMITS } from '@venus-cluster/manager'

const MiB = 1024 * 1024
const mib = (n) => (n / MiB).toFixed(0)

function startChild(limits = {}) {
  const child = fork(join(dirname(fileURLToPath(import.meta.url)), 'lib', 'manager-child.mjs'), [], {
    execArgv: ['--expose-gc'],
    env: { ...process.env, BENCH_MANAGER_LIMITS: JSON.stringify(limits) },
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  })
  const ask = (msg) =>
    new Promise((resolve) => {
      child.once('message', resolve)
      child.send(msg)
    })
  return new Promise((resolve, reject) => {
    child.once('message', (m) =>
      resolve({
        port: m.port,
        mem: (reset) => ask({ cmd: 'mem', reset }),
        stop: () =>
          new Promise((r) => {
            child.once('exit', r)
            child.send({ cmd: 'stop' })
          }),
      }),
    )
    child.once('exit', (code) => reject(new Error(`manager child exited with ${code}`)))
  })
}

/** POSTs head + big + tail on its own connection; resolves with the status (0 = reset). */
function post(port, pieces) {
  const length = pieces.reduce((n, p) => n + p.length, 0)
  return new Promise((resolve) => {
    let settled = false
    const done = (status) => {
      if (!settled) {
        settled = true
        resolve(status)
      }
    }
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path: '/rpc/v0',
        method: 'POST',
        agent: false,
        headers: { 'content-type': 'application/json', 'content-length': length },
      },
      (res) => {
        res.resume()
        res.on('end', () => done(res.statusCode))
        res.on('error', () => done(res.statusCode))
      },
    )
    req.on('error', () => done(0))
    for (const p of pieces) req.write(p)
    req.end()
  })
}

const reportPieces = (number, desc) => [
  Buffer.from(
    `{"jsonrpc":"2.0","id":${number},"method":"Venus.ReportState","params":[{"Miner":1000,"Number":${number}},` +
      '{"Worker":{"Instance":"bench","Location":"/b"},"StateChange":{"Prev":"PC1","Next":"PC1Failed","Event":"None"},' +
      '"Failure":{"Level":"temporary","Desc":"',
  ),
  desc,
  Buffer.from('"}}]}'),
]

/** 200 concurrent senders; each retries after a 503/reset until its call is answered 200. */
async function flood(port, connections, pieceFor, retryMs) {
  let busy = 0
  let resets = 0
  let attempts = 0
  const one = async (i) => {
    for (;;) {
      attempts++
      const status = await post(port, pieceFor(i))
      if (status === 200) return
      if (status === 503) busy++
      else if (status === 0) resets++
      else throw new Error(`unexpected HTTP ${status}`)
      await new Promise((r) => setTimeout(r, retryMs))
    }
  }
  const t0 = performance.now()
  await Promise.all(Array.from({ length: connections }, (_, i) => one(i)))
  return { seconds: (performance.now() - t0) / 1000, busy, resets, attempts }
}

/**
 * Opens `count` connections that send one header line every `gapMs` and never finish; resolves
 * when the server has closed them all, with when each closed and how many were closed at once.
 */
async function slowloris(port, count, gapMs, giveUpMs) {
  const t0 = performance.now()
  const closedAt = []
  let atOnce = 0
  const one = () =>
    new Promise((resolve) => {
      const s = connect(port, '127.0.0.1')
      let timer
      let n = 0
      const giveUp = setTimeout(() => s.destroy(), giveUpMs)
      s.on('connect', () => {
        s.write('POST /rpc/v0 HTTP/1.1\r\nhost: x\r\n')
        timer = setInterval(() => s.write(`x-slow-${n++}: ${'y'.repeat(100)}\r\n`), gapMs)
      })
      s.on('error', () => {})
      s.on('close', () => {
        clearInterval(timer)
        clearTimeout(giveUp)
        const at = performance.now() - t0
        if (n === 0) atOnce++
        closedAt.push(at)
        resolve()
      })
    })
  await Promise.all(Array.from({ length: count }, one))
  return { closedAt, atOnce }
}

export default {
  title: 'Manager memory under the largest allowed inputs',
  description:
    'RSS of a manager daemon (own process, default limits, auth on, loopback trusted: the ' +
    'tokenless path of the original worker) while connections send it the largest bodies its ' +
    'limits allow, trickle headers, or nest JSON a million deep. Burst rows send once from every ' +
    'connection at the same moment; the sustained row retries 250 ms after each 503 until every ' +
    'report is stored. `peak` is the high-water mark (VmHWM, reset before each row); `after` is ' +
    'read after a GC once the connections are closed.',
  async run(ctx) {
    const quick = ctx.quick
    const connections = quick ? 40 : 200
    const m = await startChild()
    try {
      // Sectors to report on.
      for (let i = 0; i < connections; i++) {
        const status = await post(m.port, [
          Buffer.from(
            '{"jsonrpc":"2.0","id":1,"method":"Venus.AllocateSector","params":[{"AllowedMiners":null,"AllowedProofTypes":null}]}',
          ),
        ])
        if (status !== 200) throw new Error(`AllocateSector answered ${status}`)
      }
      const row = async (scenario, body, fn) => {
        const before = (await m.mem(true)).rss
        const r = await fn()
        const peak = (await m.mem(false)).peak
        const { rss: after, js } = await m.mem(false)
        ctx.log(
          `${scenario}: before ${mib(before)} MiB, peak ${mib(peak)} MiB, after ${mib(after)} MiB, JS ${mib(js)} MiB (${r.note})`,
        )
        ctx.row({
          scenario,
          connections: r.connections,
          body,
          'RSS before MiB': mib(before),
          'RSS peak MiB': mib(peak),
          'RSS after MiB': mib(after),
          'JS heap + buffers after MiB': mib(js),
          seconds: r.seconds.toFixed(1),
          outcome: r.note,
        })
      }

      const report = Buffer.alloc(MANAGER_LIMITS.reportBodyBytes - 400, 'e')
      const reportMiB = `${mib(MANAGER_LIMITS.reportBodyBytes)} MiB`
      /** Every connection sends once, all at once; counts the answers. */
      const burst = async (pieceFor) => {
        const t0 = performance.now()
        const statuses = await Promise.all(
          Array.from({ length: connections }, (_, i) => post(m.port, pieceFor(i))),
        )
        const count = (x) => statuses.filter((y) => y === x).length
        return {
          seconds: (performance.now() - t0) / 1000,
          ok: count(200),
          busy: count(503),
          resets: count(0),
        }
      }
      for (const scenario of [
        'ReportState burst: all at once, largest report body',
        'the same burst again',
      ]) {
        await row(scenario, reportMiB, async () => {
          const r = await burst((i) => reportPieces(i + 1, report))
          return {
            connections,
            seconds: r.seconds,
            note: `${r.ok} stored (text cut to ${MANAGER_LIMITS.failureTextBytes} B), ${r.busy} × 503, ${r.resets} resets`,
          }
        })
      }
      const senders = quick ? 10 : 40
      await row('ReportState sustained: senders retry after a 503 until stored', reportMiB, async () => {
        const r = await flood(m.port, senders, (i) => reportPieces(i + 1, report), 250)
        return {
          connections: senders,
          seconds: r.seconds,
          note: `all ${senders} stored after ${r.busy} × 503, ${r.resets} resets`,
        }
      })

      const ordinary = Buffer.alloc(MANAGER_LIMITS.callBodyBytes - 400, 'e')
      await row(
        'ordinary call burst, largest ordinary body',
        `${mib(MANAGER_LIMITS.callBodyBytes)} MiB`,
        async () => {
          const r = await burst((i) => [
            Buffer.from(
              `{"jsonrpc":"2.0","id":1,"method":"Venus.SubmitPersisted","params":[{"Miner":1000,"Number":${i + 1}},"`,
            ),
            ordinary,
            Buffer.from('"]}'),
          ])
          return {
            connections,
            seconds: r.seconds,
            note: `${r.ok} answered (a JSON-RPC error: store name over 4 KiB), ${r.busy} × 503, ${r.resets} resets`,
          }
        },
      )

      const count = quick ? 200 : 1000
      const headersS = DEFAULT_HTTP_LIMITS.headersTimeoutMs / 1000
      await row('slowloris: headers one line a second, never finished', '—', async () => {
        const t0 = performance.now()
        const { closedAt, atOnce } = await slowloris(
          m.port,
          count,
          1000,
          DEFAULT_HTTP_LIMITS.headersTimeoutMs + 15_000,
        )
        const last = Math.max(...closedAt) / 1000
        return {
          connections: count,
          seconds: (performance.now() - t0) / 1000,
          note: `${atOnce} closed at once (over ${DEFAULT_HTTP_LIMITS.maxConnectionsPerAddress} from one address), the rest closed by the ${headersS} s headers timeout, last after ${last.toFixed(1)} s`,
        }
      })

      await row('a million nested arrays', '2 MiB', async () => {
        const deep = Buffer.from(
          `{"jsonrpc":"2.0","id":1,"method":"Venus.ListSectors","params":${'['.repeat(1_000_000)}${']'.repeat(1_000_000)}}`,
        )
        const t0 = performance.now()
        const status = await post(m.port, [deep])
        if (status !== 500)
          throw new Error(`deep JSON answered ${status}, expected a -32700 parse error (500)`)
        return { connections: 1, seconds: (performance.now() - t0) / 1000, note: '-32700 parse error' }
      })
      ctx.note(
        `Limits: ordinary calls ${mib(MANAGER_LIMITS.callBodyBytes)} MiB, reports ${mib(MANAGER_LIMITS.reportBodyBytes)} MiB, ` +
          `${mib(MANAGER_LIMITS.maxBufferedBodyBytes)} MiB of bodies in hand at once (past it: 503, Retry-After: 1; ` +
          `bodies up to 64 KiB always admitted); headers ${headersS} s, ` +
          `${DEFAULT_HTTP_LIMITS.maxConnectionsPerAddress} connections per address.`,
      )
      ctx.note(
        'A peak is about 3.5× the body budget: each body in hand exists as received bytes, as a ' +
          'string and as parsed JSON while its call runs.',
      )
      ctx.note(
        '`RSS after` above `JS heap + buffers` is memory the allocator keeps for reuse, not held ' +
          'data: a second identical burst starts and ends at the same RSS.',
      )
      ctx.note(
        'Resets: a sender still writing a body the server has already refused (503 and close) ' +
          'sees the connection reset instead of the answer; it retries as after a 503.',
      )
    } finally {
      await m.stop()
    }
  },
}
