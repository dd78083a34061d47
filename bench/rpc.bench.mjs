// Core JSON-RPC echo over loopback: the createRpcServer / createRpcClient pair, one WebSocket
// with N calls in flight, and HTTP POST for comparison. Calls/s and latency percentiles.
import { createRpcClient, httpTransport, wsTransport } from '@venus-cluster/core'
import { createRpcServer } from '@venus-cluster/core/rpc'

function percentile(sorted, p) {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]
}

async function drive(client, total, inFlight) {
  const payload = {
    sector: { Miner: 1000, Number: 42 },
    ticket: 'AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=',
  }
  const latencies = new Array(total)
  let next = 0
  const t0 = performance.now()
  const worker = async () => {
    while (next < total) {
      const i = next++
      const s = performance.now()
      const out = await client.call('Bench.Echo', [i, payload])
      latencies[i] = performance.now() - s
      if (out[0] !== i || out[1].sector.Number !== 42) throw new Error(`wrong echo for call ${i}`)
    }
  }
  await Promise.all(Array.from({ length: inFlight }, worker))
  const seconds = (performance.now() - t0) / 1000
  latencies.sort((a, b) => a - b)
  return { rate: total / seconds, p50: percentile(latencies, 50), p99: percentile(latencies, 99) }
}

export default {
  title: 'Core JSON-RPC echo',
  description:
    'Calls/s of `createRpcServer` + `createRpcClient` on loopback for an echo method with a small ' +
    'JSON payload: one WebSocket (`wsTransport`) with N calls in flight, and HTTP POST ' +
    '(`httpTransport`, keep-alive) for comparison. Client and server share one Node process.',
  async run(ctx) {
    const server = createRpcServer({ path: '/rpc/v0', methods: { 'Bench.Echo': (params) => params } })
    const { url, wsUrl } = await server.listen({ host: '127.0.0.1', port: 0 })
    try {
      const total = ctx.quick ? 2_000 : 20_000
      const ws = createRpcClient(wsTransport(wsUrl))
      for (const inFlight of [1, 16, 64]) {
        await drive(ws, Math.min(1_000, total), inFlight) // warm-up
        const r = await drive(ws, total, inFlight)
        ctx.log(
          `ws in-flight ${inFlight}: ${r.rate.toFixed(0)} calls/s, p50 ${r.p50.toFixed(2)} ms, p99 ${r.p99.toFixed(2)} ms`,
        )
        ctx.row({
          transport: 'WebSocket',
          'in flight': inFlight,
          'calls/s': r.rate.toFixed(0),
          'p50 ms': r.p50.toFixed(2),
          'p99 ms': r.p99.toFixed(2),
        })
      }
      await ws.close()
      const http = createRpcClient(httpTransport(url))
      const httpTotal = Math.floor(total / 4)
      for (const inFlight of [1, 16]) {
        await drive(http, Math.min(500, httpTotal), inFlight)
        const r = await drive(http, httpTotal, inFlight)
        ctx.log(
          `http in-flight ${inFlight}: ${r.rate.toFixed(0)} calls/s, p50 ${r.p50.toFixed(2)} ms, p99 ${r.p99.toFixed(2)} ms`,
        )
        ctx.row({
          transport: 'HTTP POST',
          'in flight': inFlight,
          'calls/s': r.rate.toFixed(0),
          'p50 ms': r.p50.toFixed(2),
          'p99 ms': r.p99.toFixed(2),
        })
      }
      ctx.note('Every echo is checked against its request; a wrong answer fails the benchmark.')
    } finally {
      await server.close()
    }
  },
}
