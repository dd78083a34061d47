/**
 * Test fixture (not exported from the package): a manager daemon with auth on over a fake
 * chain, plus a token-carrying JSON-RPC caller.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Logger } from '@venus-cluster/core'
import { defaultMinerConfig } from '../config.js'
import { createFakeChain, type FakeChain } from '../fake-chain.js'
import type { ManagerLimits } from '../limits.js'
import { type ManagerNode, startManagerNode } from '../node.js'

/** A started daemon and how to call it. */
export interface OpsDaemon {
  d: ManagerNode
  chain: FakeChain
  home: string
  base: string
  /** Calls `Venus.<method>`; returns HTTP status and the JSON body (or text for non-JSON). */
  // biome-ignore lint/suspicious/noExplicitAny: tests read JSON-RPC replies loosely
  call(method: string, params: unknown[], token?: string): Promise<{ status: number; body: any }>
  stop(): Promise<void>
}

export async function startOpsDaemon(
  opts: { trustedNetworks?: string[]; logger?: Logger; limits?: Partial<ManagerLimits> } = {},
): Promise<OpsDaemon> {
  const home = mkdtempSync(join(tmpdir(), 'vsm-ops-'))
  const chain = createFakeChain({ miners: { 1000: 2048 } })
  let d: Awaited<ReturnType<typeof startManagerNode>>
  try {
    d = await startManagerNode({
      home,
      listen: '127.0.0.1:0',
      config: { miners: [defaultMinerConfig(1000, 't01001')], persistStores: [] },
      chain,
      messager: chain,
      tickMs: 3_600_000,
      trustedNetworks: opts.trustedNetworks,
      logger: opts.logger,
      limits: opts.limits,
    })
  } catch (err) {
    rmSync(home, { recursive: true, force: true })
    throw err
  }
  const base = `http://127.0.0.1:${d.port}`
  let id = 0
  return {
    d,
    chain,
    home,
    base,
    async call(method, params, token) {
      const res = await fetch(d.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          ...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
        },
        body: JSON.stringify({ jsonrpc: '2.0', id: ++id, method: `Venus.${method}`, params }),
      })
      const text = await res.text()
      let body: unknown = text
      try {
        body = JSON.parse(text)
      } catch {}
      return { status: res.status, body }
    },
    async stop() {
      await d.stop()
      rmSync(home, { recursive: true, force: true })
    },
  }
}

/** Reports a state change of a sector like a worker does. */
export function reportParams(
  num: number,
  prev: string,
  next: string,
  failure: string | null = null,
): unknown[] {
  return [
    { Miner: 1000, Number: num },
    {
      Worker: { Instance: 'worker-a', Location: '/tmp/x' },
      StateChange: { Prev: prev, Next: next, Event: `Set${next}` },
      Failure: failure === null ? null : { Level: 'temporary', Desc: failure },
    },
  ]
}
