// Devnet RPC over WebSocket on loopback: a mix of Filecoin.ChainHead, StateMinerInfo and
// StateMinerProvingDeadline (1:1:1), N requests in flight on one socket, as a sector manager
// and a PoSt scheduler poll it. Calls/s and latency percentiles per concurrency level.
import { mockProofs } from '@venus-cluster/core'
import { createDevnet, serveDevnet } from '@venus-cluster/devnet'
import WebSocket from 'ws'

function percentile(sorted, p) {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]
}

async function drive(url, token, miner, total, inFlight) {
  const ws = new WebSocket(url, { headers: { Authorization: `Bearer ${token}` } })
  await new Promise((resolve, reject) => {
    ws.once('open', resolve)
    ws.once('error', reject)
  })
  const calls = [
    ['Filecoin.ChainHead', []],
    ['Filecoin.StateMinerInfo', [miner, []]],
    ['Filecoin.StateMinerProvingDeadline', [miner, []]],
  ]
  const pending = new Map()
  const latencies = []
  let sent = 0
  let done = 0
  let failures = 0
  const t0 = performance.now()
  await new Promise((resolve) => {
    const send = () => {
      const id = sent
      const [method, params] = calls[sent % calls.length]
      sent++
      pending.set(id, performance.now())
      ws.send(JSON.stringify({ jsonrpc: '2.0', id, method, params }))
    }
    ws.on('message', (data) => {
      const msg = JSON.parse(String(data))
      if (msg.id === undefined) return
      const start = pending.get(msg.id)
      pending.delete(msg.id)
      latencies.push(performance.now() - start)
      if (msg.error || msg.result === null || msg.result === undefined) failures++
      done++
      if (sent < total) send()
      else if (done === total) resolve()
    })
    for (let i = 0; i < Math.min(inFlight, total); i++) send()
  })
  const seconds = (performance.now() - t0) / 1000
  ws.close()
  latencies.sort((a, b) => a - b)
  return { rate: total / seconds, p50: percentile(latencies, 50), p99: percentile(latencies, 99), failures }
}

export default {
  title: 'Devnet RPC over WebSocket',
  description:
    "Calls/s and latency of the devnet's Lotus API over one loopback WebSocket for a " +
    '`ChainHead` / `StateMinerInfo` / `StateMinerProvingDeadline` mix (1:1:1), with mock proofs, one ' +
    'miner holding 64 injected sectors, and N requests in flight.',
  async run(ctx) {
    const devnet = createDevnet({ seed: 'bench', proofs: mockProofs() })
    const { miner } = await devnet.createTestMiner()
    devnet.injectSectors(
      miner,
      Array.from({ length: 64 }, (_, i) => ({
        sectorNumber: i + 1,
        sealedCid: 'bagboea4b5abcaeirceirceirceirceirceirceirceirceirceirceirceirceir',
      })),
    )
    await devnet.mine(5)
    const served = await serveDevnet(devnet, { host: '127.0.0.1', port: 0 })
    try {
      const total = ctx.quick ? 3_000 : 30_000
      for (const inFlight of [1, 16, 64]) {
        await drive(served.wsUrl, served.adminToken, miner, Math.min(1_000, total), inFlight) // warm-up
        const r = await drive(served.wsUrl, served.adminToken, miner, total, inFlight)
        if (r.failures > 0) throw new Error(`${r.failures} failed calls`)
        ctx.log(
          `${inFlight} in flight: ${r.rate.toFixed(0)} calls/s, p50 ${r.p50.toFixed(3)} ms, p99 ${r.p99.toFixed(3)} ms`,
        )
        ctx.row({
          'in flight': inFlight,
          calls: total,
          'calls/s': r.rate.toFixed(0),
          'p50 ms': r.p50.toFixed(3),
          'p99 ms': r.p99.toFixed(3),
        })
      }
      ctx.note(
        'Client and server share one Node process and the loopback interface; token auth on every connection.',
      )
    } finally {
      await served.close()
      await devnet.stop()
    }
  },
}
