/**
 * Child process for the daemon kill -9 test: one manager daemon (SQLite in `home`, fixed port)
 * on a devnet served over JSON-RPC, batching both commit kinds, mock proofs. Prints READY.
 * With a PostgreSQL URL as last argument the state lives there instead.
 * `VSM_UNCLAIMED_TIMEOUT_MS` sets the unclaimed-allocation sweep's timeout.
 */
import { createChainClient, createMessagerClient, httpTransport, mockProofs } from '@venus-cluster/core'
import { createManagerChain, createManagerMessager } from '../chain-adapter.js'
import { defaultMinerConfig } from '../config.js'
import { startManagerNode } from '../node.js'

const [home, port, chainUrl, messagerUrl, token, miner, sender, persist, db] = process.argv.slice(2)
if (!home || !port || !chainUrl || !messagerUrl || !token || !miner || !sender || !persist) {
  throw new Error(
    'usage: daemon-child <home> <port> <chainUrl> <messagerUrl> <token> <miner> <sender> <persist>',
  )
}
const m = defaultMinerConfig(Number(miner), sender)
m.commitment.confidence = 1
for (const kind of [m.commitment.pre, m.commitment.prove]) {
  kind.batch = { ...kind.batch, enabled: true, threshold: 3, maxWaitMs: 1_500, checkIntervalMs: 100 }
}
const d = await startManagerNode({
  home,
  listen: `127.0.0.1:${port}`,
  synchronous: 'full',
  ...(db ? { db } : {}),
  auth: 'off',
  config: { miners: [m], persistStores: [{ name: 'ps1', path: persist }] },
  chain: createManagerChain(createChainClient(httpTransport(chainUrl, { token }))),
  messager: createManagerMessager(createMessagerClient(httpTransport(messagerUrl, { token }))),
  proofs: mockProofs(),
  tickMs: 100,
  ...(process.env.VSM_UNCLAIMED_TIMEOUT_MS
    ? { unclaimedTimeoutMs: Number(process.env.VSM_UNCLAIMED_TIMEOUT_MS) }
    : {}),
})
process.stdout.write(`READY ${d.url}\n`)
