import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { mockProofs, postRandomness, proverId, type RpcMethod } from '@venus-cluster/core'
import { createRpcServer, type RpcServer } from '@venus-cluster/core/rpc'
import { sealTestSectors } from '@venus-cluster/devnet/testing'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import {
  createGatewayProofService,
  type GatewayProofEvent,
  type GatewayProofService,
  onAnyGatewayProofEvent,
} from './gateway.js'
import { dirLocator } from './locator.js'
import { winningPoStService } from './winning-service.js'

const MINER = 1000
const proofs = mockProofs()
let root: string
let sealed: Awaited<ReturnType<typeof sealTestSectors>>

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'venus-gateway-'))
  sealed = await sealTestSectors(proofs, root, MINER, [1, 2])
})
afterAll(async () => {
  await rm(root, { recursive: true, force: true })
})

const b64json = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64')
const unb64json = (s: string) => JSON.parse(Buffer.from(s, 'base64').toString('utf8'))

interface Reply {
  Id: string
  Payload: string | null
  Error: string
}

/**
 * A stand-in for venus-gateway's proof side: `ListenProofEvent` opens a channel per listener
 * (InitConnect first, then whatever the test sends), `ResponseProofEvent` collects answers.
 */
function fakeGateway() {
  const listeners = new Set<(ev: unknown) => void>()
  const closers = new Set<() => void>()
  const replies: Reply[] = []
  const waiters: (() => void)[] = []
  let connects = 0
  const methods: Record<string, RpcMethod> = {
    'Gateway.ListenProofEvent': (params, ctx) => {
      const policy = params[0] as { MinerAddress?: string }
      if (policy?.MinerAddress !== `t0${MINER}`) throw new Error(`unexpected miner ${policy?.MinerAddress}`)
      connects++
      const queue: unknown[] = [
        {
          Id: `init-${connects}`,
          Method: 'InitConnect',
          Payload: b64json({ ChannelId: `chan-${connects}` }),
        },
      ]
      let wake: (() => void) | undefined
      let closed = false
      const push = (ev: unknown) => {
        queue.push(ev)
        wake?.()
      }
      const close = () => {
        closed = true
        wake?.()
      }
      listeners.add(push)
      closers.add(close)
      return (async function* () {
        try {
          while (!ctx.signal.aborted && !closed) {
            const ev = queue.shift()
            if (ev !== undefined) {
              yield ev
              continue
            }
            await new Promise<void>((r) => {
              wake = r
              ctx.signal.addEventListener('abort', () => r(), { once: true })
            })
            wake = undefined
          }
        } finally {
          listeners.delete(push)
          closers.delete(close)
        }
      })()
    },
    'Gateway.ResponseProofEvent': (params) => {
      replies.push(params[0] as Reply)
      for (const w of waiters.splice(0)) w()
      return {}
    },
  }
  return {
    methods,
    replies,
    get connects() {
      return connects
    },
    get listening() {
      return listeners.size
    },
    send(ev: unknown) {
      for (const l of listeners) l(ev)
    },
    /** Ends every open channel (the gateway restarting its side). */
    closeChannels() {
      for (const c of [...closers]) c()
    },
    async reply(id: string): Promise<Reply> {
      for (;;) {
        const r = replies.find((x) => x.Id === id)
        if (r) return r
        await new Promise<void>((resolve) => waiters.push(resolve))
      }
    },
  }
}

async function until(cond: () => boolean, what: string, ms = 5000): Promise<void> {
  const end = Date.now() + ms
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 10))
  }
}

let server: RpcServer | undefined
let svc: GatewayProofService | undefined
afterEach(async () => {
  await svc?.stop()
  await server?.close()
  svc = undefined
  server = undefined
})

async function start(gw: ReturnType<typeof fakeGateway>, events: GatewayProofEvent[]) {
  server = createRpcServer({ methods: gw.methods, path: '/rpc/v1' })
  const { wsUrl, port } = await server.listen({ host: '127.0.0.1', port: 0 })
  svc = createGatewayProofService({
    gateways: [wsUrl],
    miners: [`t0${MINER}`],
    proofs,
    locate: dirLocator(root),
    reconnectDelayMs: 50,
  })
  onAnyGatewayProofEvent(svc.events, (e) => events.push(e))
  await svc.start()
  await until(() => events.some((e) => e.type === 'connected'), 'InitConnect')
  return port
}

const rand = new Uint8Array(32).fill(7)
const computeProof = (id: string, sectors: typeof sealed) => ({
  Id: id,
  Method: 'ComputeProof',
  Payload: b64json({
    SectorInfos: sectors.map((s) => ({
      SealProof: 5,
      SectorNumber: s.sectorNumber,
      SectorKey: null,
      SealedCID: { '/': s.sealedCid },
    })),
    Rand: Buffer.from(rand).toString('base64'),
    Height: 12345,
    NWVersion: 25,
  }),
})

describe('WinningPoSt through venus-gateway (ListenProofEvent / ResponseProofEvent)', () => {
  it('answers ComputeProof with PoSt proofs that verify against the challenged sectors', async () => {
    const gw = fakeGateway()
    const events: GatewayProofEvent[] = []
    await start(gw, events)
    expect(events[0]).toMatchObject({ type: 'connected', channel: 'chan-1', miner: `t0${MINER}` })
    gw.send(computeProof('req-1', sealed.slice(0, 1)))
    const r = await gw.reply('req-1')
    expect(r.Error).toBe('')
    const out = unb64json(r.Payload as string) as { PoStProof: number; ProofBytes: string }[]
    expect(out).toHaveLength(1)
    expect(out[0]!.PoStProof).toBe(0) // StackedDrgWinning2KiBV1
    const ok = await proofs.verifyWinningPoSt({
      randomness: postRandomness(rand),
      proverId: proverId(MINER),
      proofs: out.map((p) => ({ postProof: p.PoStProof, proofBytes: Buffer.from(p.ProofBytes, 'base64') })),
      replicas: [{ sectorNumber: 1, commR: sealed[0]!.commR }],
    })
    expect(ok).toBe(true)
    expect(events.some((e) => e.type === 'computed' && e.id === 'req-1' && e.height === 12345)).toBe(true)
  })

  it('replies with an error for an unknown sector or a bad payload, and keeps serving', async () => {
    const gw = fakeGateway()
    const events: GatewayProofEvent[] = []
    await start(gw, events)
    const missing = { ...sealed[0]!, sectorNumber: 77 }
    gw.send(computeProof('req-missing', [missing]))
    expect((await gw.reply('req-missing')).Error).toMatch(/not found|faulty/)
    gw.send({ Id: 'req-bad', Method: 'ComputeProof', Payload: b64json({ Rand: 'AA==' }) })
    expect((await gw.reply('req-bad')).Error).toMatch(/SectorInfos/)
    gw.send({ Id: 'req-odd', Method: 'Frobnicate', Payload: null })
    expect((await gw.reply('req-odd')).Error).toMatch(/unknown proof event method Frobnicate/)
    gw.send(computeProof('req-ok', sealed.slice(1)))
    expect((await gw.reply('req-ok')).Error).toBe('')
    expect(events.filter((e) => e.type === 'failed')).toHaveLength(3)
  })

  it('opens the channel again after the gateway closes it or drops the socket', async () => {
    const gw = fakeGateway()
    const events: GatewayProofEvent[] = []
    const port = await start(gw, events)
    gw.closeChannels()
    await until(() => gw.connects === 2 && gw.listening === 1, 'a second ListenProofEvent')
    expect(events.some((e) => e.type === 'disconnected')).toBe(true)
    // The gateway process restarts: its sockets drop, then it listens again on the same port.
    await server?.close()
    const drops = events.filter((e) => e.type === 'disconnected').length
    await until(() => events.filter((e) => e.type === 'disconnected').length > drops, 'the dropped socket')
    server = createRpcServer({ methods: gw.methods, path: '/rpc/v1' })
    await server.listen({ host: '127.0.0.1', port })
    await until(() => gw.connects === 3 && gw.listening === 1, 'a ListenProofEvent after the restart')
    gw.send(computeProof('req-after', sealed.slice(0, 1)))
    expect((await gw.reply('req-after')).Error).toBe('')
  })
})

describe('winningPoStService', () => {
  it("answers each miner's gateways as one service, reporting and logging every event", async () => {
    const gw = fakeGateway()
    server = createRpcServer({ methods: gw.methods, path: '/rpc/v1' })
    const { wsUrl } = await server.listen({ host: '127.0.0.1', port: 0 })
    const logged: { msg: string | undefined; fields: object }[] = []
    const log = (fields: object, msg?: string) => logged.push({ msg, fields })
    const winning = winningPoStService({
      proofs,
      locate: dirLocator(root),
      miners: [{ miner: `t0${MINER}`, gateways: [wsUrl] }],
      reconnectDelayMs: 50,
      logger: { debug: log, info: log, warn: log, error: log },
    })
    const computed: GatewayProofEvent[] = []
    winning.events.on('computed', (e) => computed.push(e))
    await winning.start()
    try {
      await until(() => gw.listening === 1, 'ListenProofEvent')
      gw.send(computeProof('req-svc', sealed.slice(0, 1)))
      expect((await gw.reply('req-svc')).Error).toBe('')
      await until(() => computed.length === 1, 'the computed event')
      expect(computed[0]).toMatchObject({ miner: `t0${MINER}`, id: 'req-svc', sectors: 1 })
      expect(logged.map((l) => l.msg)).toEqual(expect.arrayContaining(['connected', 'computed']))
      expect(logged.every((l) => (l.fields as { component?: string }).component === 'winning-post')).toBe(
        true,
      )
      expect(Object.keys(winning.methods)).toEqual(['Venus.ComputeWinningPoSt'])
    } finally {
      await winning.stop()
    }
  })

  it('refuses to start for a miner that is not an ID address, or one without a gateway', async () => {
    const bad = winningPoStService({
      proofs,
      locate: dirLocator(root),
      miners: [{ miner: 'f3abc', gateways: ['ws://127.0.0.1:9/rpc/v1'] }],
    })
    await expect(bad.start()).rejects.toThrow('miner f3abc is not an ID address like t01000')
    const none = winningPoStService({
      proofs,
      locate: dirLocator(root),
      miners: [{ miner: 't01000', gateways: [] }],
    })
    await expect(none.start()).rejects.toThrow('WinningPoSt needs at least one venus-gateway API')
  })
})
