import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import {
  commitmentToCid,
  commPSync,
  createChainClient,
  createMessagerClient,
  qaPowerForWeight,
} from '@venus-cluster/core'
import { devnetTransport } from '@venus-cluster/devnet'
import { createVerifiedClient } from '@venus-cluster/devnet/testing'
import {
  createManagerChain,
  createManagerMessager,
  defaultMinerConfig,
  startManagerNode,
} from '@venus-cluster/manager'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type ServedMiner, servedMiner } from '../../__fixtures__/served-miner.js'
import { vsmCli } from '../../__fixtures__/vsm-cli.js'

const DAY = 2880
let env: ServedMiner
let client: string
let clientId: number
const dirs: string[] = []

beforeAll(async () => {
  env = await servedMiner('cli-filplus', { minSectorExpiration: 10 * DAY })
  ;({ client, clientId } = await createVerifiedClient(env.devnet, { datacap: 1n << 20n }))
})
afterAll(async () => {
  await env?.close()
  for (const d of dirs) rmSync(d, { recursive: true, force: true })
})

const cli = (...args: string[]) => vsmCli(['--home', env.home, ...args])
const piece = (n: number) => commitmentToCid(new Uint8Array(32).fill(n), 'commP').toString()
const commR = (n: number) => commitmentToCid(new Uint8Array(32).fill(n), 'commR').toString()
const sector = (n: number) => env.devnet.worldAt().miners.get(env.minerId)!.sectors.get(n)!
const claimsOf = (n: number) =>
  [...env.devnet.worldAt().verifreg.claims].filter(([, c]) => c.sector === n && c.provider === env.minerId)

describe('venus-sector-manager util sealer sectors extend with verified claims', () => {
  it('keeps claims (bounded by their term), drops them only at the end of life with --drop-claims, and honours --only-cc, --exclude, --sector-file, --max-fee', async () => {
    const head = env.devnet.head().height
    env.devnet.injectSectors(env.miner, [
      // Kept: its claim reaches head + 300 days.
      {
        sectorNumber: 11,
        sealedCid: commR(11),
        expiration: head + 40 * DAY,
        claims: [{ client: clientId, data: piece(1), size: 2048, termMax: 300 * DAY }],
      },
      // Dropped: in its last 30 days, its claim's minimum term long passed, the term ending soon.
      {
        sectorNumber: 12,
        sealedCid: commR(12),
        expiration: head + 20 * DAY,
        claims: [
          {
            client: clientId,
            data: piece(2),
            size: 2048,
            termStart: head - 200 * DAY,
            termMin: 180 * DAY,
            termMax: 210 * DAY,
          },
        ],
      },
      { sectorNumber: 13, sealedCid: commR(13), expiration: head + 40 * DAY },
      { sectorNumber: 14, sealedCid: commR(14), expiration: head + 40 * DAY },
    ])
    const exp = (n: number) => sector(n).expiration
    const before = [11, 12, 13, 14].map(exp)
    const files = mkdtempSync(join(tmpdir(), 'vsm-extend-files-'))
    dirs.push(files)
    writeFileSync(join(files, 'sectors'), '# the sectors to look at\n11\n12\n13\n\n14\n')
    writeFileSync(join(files, 'exclude'), '14\n')
    writeFileSync(join(files, 'bad'), '11\neleven\n')
    expect(
      (await cli('util', 'sealer', 'sectors', 'extend', '--sector-file', join(files, 'bad'))).err,
    ).toContain(`--sector-file: ${join(files, 'bad')}:2: "eleven" is not a sector number`)
    expect((await cli('util', 'sealer', 'sectors', 'extend', '11', '--max-fee', 'lots')).err).toContain(
      '--max-fee',
    )

    // Without --drop-claims sector 12's claim bounds it below its own expiration: skipped.
    const target = String(head + 400 * DAY)
    const dry = await cli(
      '--json',
      'util',
      'sealer',
      'sectors',
      'extend',
      '--sector-file',
      join(files, 'sectors'),
      '--exclude',
      join(files, 'exclude'),
      '--new-expiration',
      target,
    )
    expect(dry.code, dry.err).toBe(0)
    const plan = JSON.parse(dry.out) as {
      Messages: {
        sectors: number[]
        sectorsWithClaims: { sectorNumber: number; maintainClaims: number[]; dropClaims: number[] }[]
        newExpiration: number
      }[][]
      Skipped: { sector: number; why: string }[]
    }
    expect(plan.Skipped).toEqual([
      {
        sector: 12,
        why: expect.stringMatching(
          /less than --tolerance: claim \d+ allows extension only to \d+ \(pass --drop-claims to drop it\)/,
        ),
      },
    ])
    const decls = plan.Messages.flat()
    expect(decls.flatMap((d) => d.sectors).sort()).toEqual([13])
    const withClaims = decls.flatMap((d) => d.sectorsWithClaims)
    expect(withClaims).toEqual([{ sectorNumber: 11, maintainClaims: [claimsOf(11)[0]![0]], dropClaims: [] }])
    expect(decls.find((d) => d.sectorsWithClaims.length > 0)?.newExpiration).toBe(head + 300 * DAY)

    // --only-cc leaves the data sectors out.
    const cc = await cli(
      '--json',
      'util',
      'sealer',
      'sectors',
      'extend',
      '11',
      '12',
      '13',
      '--only-cc',
      '--new-expiration',
      target,
    )
    expect((JSON.parse(cc.out) as { Skipped: { sector: number; why: string }[] }).Skipped).toEqual([
      { sector: 11, why: 'holds data (--only-cc)' },
      { sector: 12, why: 'holds data (--only-cc)' },
    ])

    const sent = await cli(
      '--json',
      'util',
      'sealer',
      'sectors',
      'extend',
      '11',
      '12',
      '13',
      '--drop-claims',
      '--new-expiration',
      target,
      '--max-fee',
      '0.5',
      '--really-do-it',
      '--poll',
      '50',
    )
    expect(sent.code, sent.err).toBe(0)
    const out = JSON.parse(sent.out) as { Sent: string[]; DroppedClaims: { sector: number; claim: number }[] }
    expect(out.DroppedClaims).toEqual([{ sector: 12, claim: claimsOf(12)[0]![0] }])
    for (const uid of out.Sent)
      expect(env.devnet.messagerEntries.get(uid)?.meta.maxFee).toBe(String(5n * 10n ** 17n))
    // Sector 11 kept its claim up to the claim's term end; sector 12 dropped its claim and lost the verified power.
    expect(exp(11)).toBe(head + 300 * DAY)
    expect(sector(11).verifiedDealWeight).toBeGreaterThan(0n)
    const s12 = sector(12)
    expect(s12.expiration).toBeGreaterThan(before[1]!)
    expect(s12.verifiedDealWeight).toBe(0n)
    expect(qaPowerForWeight(2048, s12.expiration - s12.powerBaseEpoch, s12.verifiedDealWeight)).toBe(2048n)
    expect(exp(13)).toBeGreaterThan(before[2]!)
    expect(exp(14)).toBe(before[3])
  }, 60_000)
})

describe('venus-sector-manager util sealer claims', () => {
  it('lists claims, extends them from a client wallet (free for their client, DataCap for another) and removes expired ones', async () => {
    const head = env.devnet.head().height
    env.devnet.injectSectors(env.miner, [
      {
        sectorNumber: 21,
        sealedCid: commR(21),
        claims: [
          { client: clientId, data: piece(3), size: 1024, termMax: 200 * DAY },
          { client: clientId, data: piece(4), size: 1024, termStart: head - 300 * DAY, termMax: 250 * DAY },
        ],
      },
    ])
    const [live, expired] = claimsOf(21).map(([id]) => id)
    const list = await cli('--json', 'util', 'sealer', 'claims', 'list')
    expect(list.code, list.err).toBe(0)
    const rows = (JSON.parse(list.out) as { Claims: { ID: number; Expired: boolean; Sector: number }[] })
      .Claims
    expect(rows.filter((r) => r.Sector === 21).map((r) => [r.ID, r.Expired])).toEqual([
      [live, false],
      [expired, true],
    ])
    expect((await cli('util', 'sealer', 'claims', 'list', '--expired')).out).toMatch(
      new RegExp(`^${expired}\\t`, 'm'),
    )

    // The claim's own client: ExtendClaimTerms, no DataCap.
    const own = await cli(
      '--json',
      'util',
      'sealer',
      'claims',
      'extend',
      String(live),
      '--client',
      client,
      '--term-max',
      String(400 * DAY),
      '--really-do-it',
      '--poll',
      '50',
    )
    expect(own.code, own.err).toBe(0)
    expect(JSON.parse(own.out)).toMatchObject({
      Terms: [{ claimId: live, termMax: 400 * DAY }],
      Paid: [],
      Failed: [],
    })
    expect(env.devnet.worldAt().verifreg.claims.get(live!)?.termMax).toBe(400 * DAY)
    // Another client pays with its DataCap (the claim's size); an expired claim is skipped.
    const other = await createVerifiedClient(env.devnet, { datacap: 4096 })
    const paid = await cli(
      '--json',
      'util',
      'sealer',
      'claims',
      'extend',
      String(live),
      String(expired),
      '--client',
      other.client,
      '--term-max',
      String(500 * DAY),
      '--really-do-it',
      '--poll',
      '50',
    )
    expect(paid.code, paid.err).toBe(0)
    expect(JSON.parse(paid.out)).toMatchObject({
      Paid: [{ claim: live, size: 1024 }],
      Skipped: [{ claim: expired, why: expect.stringMatching(/^expired at epoch/) }],
    })
    expect(env.devnet.worldAt().verifreg.claims.get(live!)?.termMax).toBeGreaterThan(400 * DAY)
    expect(env.devnet.worldAt().datacap.get(other.clientId)).toBe(3072n * 10n ** 18n)
    expect((await cli('util', 'sealer', 'claims', 'extend', '--client', client)).err).toContain(
      'give claim ids or --all',
    )

    const notExpired = await cli('util', 'sealer', 'claims', 'remove-expired', String(live))
    expect(notExpired.err).toContain(`not expired claims of ${env.miner}: ${live}`)
    const rm = await cli(
      '--json',
      'util',
      'sealer',
      'claims',
      'remove-expired',
      '--really-do-it',
      '--poll',
      '50',
    )
    expect(rm.code, rm.err).toBe(0)
    expect(env.devnet.worldAt().verifreg.claims.has(expired!)).toBe(false)
    expect(env.devnet.worldAt().verifreg.claims.has(live!)).toBe(true)
  }, 60_000)
})

describe('venus-sector-manager util sealer pieces', () => {
  it('puts a piece file into the piece store after checking its CommP, and queues it in the daemon with its allocation', async () => {
    const home = mkdtempSync(join(tmpdir(), 'vsm-pieces-'))
    dirs.push(home)
    const store = join(home, 'pieces')
    mkdirSync(store)
    writeFileSync(
      join(home, 'sector-manager.cfg'),
      [
        '[[Common.PieceStores]]',
        'Name = "pieces"',
        `Path = "${store}"`,
        '[[Miners]]',
        `Actor = ${env.minerId}`,
        '[Miners.Commitment.Pre]',
        `Sender = "${env.owner}"`,
        '[Miners.Commitment.Prove]',
        `Sender = "${env.owner}"`,
        '[Miners.Deal]',
        'Enabled = true',
        '',
      ].join('\n'),
    )
    const transport = devnetTransport(env.devnet)
    const d = await startManagerNode({
      home,
      listen: '127.0.0.1:0',
      config: {
        miners: [{ ...defaultMinerConfig(env.minerId, env.owner), deal: { enabled: true } }],
        pieceStores: [{ name: 'pieces', path: store }],
        persistStores: [],
      },
      chain: createManagerChain(createChainClient(transport)),
      messager: createManagerMessager(createMessagerClient(transport)),
      tickMs: 3_600_000,
      auth: 'off',
    })
    try {
      const data = new Uint8Array(1500).fill(9)
      const p = commPSync(data)
      const cid = commitmentToCid(p.commP, 'commP').toString()
      const file = join(home, 'payload.car')
      writeFileSync(file, data)
      const { allocateDatacap } = await import('@venus-cluster/devnet/testing')
      const [alloc] = await allocateDatacap(env.devnet, client, [
        { provider: env.minerId, data: cid, size: p.paddedSize },
      ])
      const listen = `127.0.0.1:${d.port}`
      const pieces = (...args: string[]) =>
        vsmCli(['--home', home, 'util', 'sealer', '--listen', listen, 'pieces', ...args])
      const wrong = await pieces('add', piece(7), '--file', file)
      expect(wrong.err).toContain(`has piece CID ${cid}, not ${piece(7)}`)
      expect((await pieces('add', cid, '--client', client)).err).toContain(
        '--client and --allocation go together',
      )
      const added = await pieces(
        'add',
        cid,
        '--file',
        file,
        '--client',
        client,
        '--allocation',
        String(alloc),
      )
      expect(added.code, added.err).toBe(0)
      expect(added.out).toContain(`piece file in ${join(store, cid)}`)
      expect(added.out).toMatch(
        new RegExp(`queued direct piece \\d+ for t0${env.minerId} claiming allocation ${alloc}`),
      )
      const list = await pieces('--json', 'list', '--state', 'pending')
      expect(JSON.parse(list.out)).toMatchObject([
        { PieceCID: { '/': cid }, PieceSize: 2048, PayloadSize: 1500, Client: clientId, AllocationID: alloc },
      ])
      const id = (JSON.parse(list.out) as { ID: number }[])[0]!.ID
      expect((await pieces('remove', String(id))).out).toContain(`removed direct piece ${id}`)
      expect((await pieces('list')).out).toContain('no direct pieces')
    } finally {
      await d.stop()
    }
  }, 60_000)
})
