import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { type Browser, chromium } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type OpsDaemon, reportParams, startOpsDaemon } from '../__fixtures__/ops-daemon.js'

const CHROMIUM = '/usr/bin/chromium'
// Tests never modify tracked files: the screenshot goes to a temporary folder unless
// VENUS_UPDATE_SCREENSHOTS=1 asks to refresh the one committed in docs/.
const DOCS_SCREENSHOT = fileURLToPath(new URL('../../../../docs/dashboard.png', import.meta.url))
const shots = mkdtempSync(join(tmpdir(), 'vsm-dashboard-'))
const SCREENSHOT =
  process.env.VENUS_UPDATE_SCREENSHOTS === '1' ? DOCS_SCREENSHOT : join(shots, 'dashboard.png')

let o: OpsDaemon
let browser: Browser
let admin: string

describe.skipIf(!existsSync(CHROMIUM))('dashboard in headless Chromium', () => {
  beforeAll(async () => {
    o = await startOpsDaemon()
    admin = (await o.d.auth?.issue('admin')) as string
    for (let i = 0; i < 4; i++)
      await o.call('AllocateSector', [{ AllowedMiners: null, AllowedProofTypes: null }], admin)
    const path: [number, string, string][] = [
      [1, 'Empty', 'Allocated'],
      [1, 'Allocated', 'DealsAcquired'],
      [1, 'DealsAcquired', 'PieceAdded'],
      [1, 'PieceAdded', 'TreeDBuilt'],
      [1, 'TreeDBuilt', 'PC1Done'],
      [2, 'Empty', 'Allocated'],
      [2, 'Allocated', 'DealsAcquired'],
      [2, 'DealsAcquired', 'PieceAdded'],
      [2, 'PieceAdded', 'TreeDBuilt'],
      [2, 'TreeDBuilt', 'PC1Done'],
      [3, 'Empty', 'Allocated'],
    ]
    for (const [n, prev, next] of path) await o.call('ReportState', reportParams(n, prev, next), admin)
    await o.call('ReportState', reportParams(3, 'Allocated', 'Allocated', 'piece store unreachable'), admin)
    await o.call('ReportAborted', [{ Miner: 1000, Number: 4 }, 'operator aborted'], admin)
    await o.call(
      'WorkerPing',
      [{ Name: 'worker-a', Dest: '10.0.0.2:17890', Summary: { Threads: 4, Empty: 1, Paused: 1, Errors: 1 } }],
      admin,
    )
    o.d.metrics.recordPost({ miner: 1000, deadline: 7, partitions: 1, durationMs: 4200, ok: true })
    // One precommit message that lands (gas from the fake chain) and one sector waiting to prove.
    const store = o.d.manager.store
    await store.updateSector({ miner: 1000, number: 2 }, (s) => ({ ...s }), { enqueue: 'pre' })
    await store.updateSector({ miner: 1000, number: 1 }, (s) => ({ ...s }), { enqueue: 'prove' })
    const uid = 'bafy2bzacedashboardtestmessage0001'
    const body = { Value: '123000000000000', Spec: { MaxFee: '70000000000000000', MaxFeeCap: '0' } }
    await store.claimMessage({ uid, miner: 1000, kind: 'pre', sectors: [2], body }, (s) => ({ ...s }))
    await o.chain.pushMessageWithId(
      uid,
      // Method 0 (a plain send): the fake chain lands it without decoding commit params.
      { from: 't01001', to: 't01000', method: 0, params: new Uint8Array(), value: 123000000000000n },
      { gasOverEstimation: 1.2, maxFeeCap: 0n, maxFee: 70000000000000000n },
    )
    await store.markMessagePushed(uid)
    o.chain.advance(1)
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    })
  }, 60_000)
  afterAll(async () => {
    await browser?.close()
    await o?.stop()
    rmSync(shots, { recursive: true, force: true })
  })

  it('refuses a visitor without a valid token', async () => {
    const page = await browser.newPage()
    expect((await page.goto(`${o.base}/ui`))?.status()).toBe(401)
    const forged = `${admin.slice(0, -4)}AAAA`
    expect((await page.goto(`${o.base}/ui?token=${forged}`))?.status()).toBe(401)
    await page.close()
  })

  it('shows sector counts, sector rows, history, workers and PoSt, and updates live', async () => {
    const read = (await o.d.auth?.issue('read')) as string
    const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } })
    await page.goto(`${o.base}/ui?token=${read}`)
    expect(new URL(page.url()).search).toBe('')

    const count = (state: string) => page.locator(`[data-testid=states] .card[data-state="${state}"] b`)
    await expect.poll(() => count('PC1Done').textContent()).toBe('2')
    expect(await count('Aborted').textContent()).toBe('1')
    expect(await count('Allocated').textContent()).toBe('1')

    const row = page.locator('tr[data-sector="1000/1"]')
    expect(await row.locator('td').allTextContents()).toEqual(['s-t01000-1', 'PC1Done', 'worker-a', ''])
    expect(await page.locator('tr[data-sector="1000/3"] td').nth(3).textContent()).toBe(
      'temporary: piece store unreachable',
    )

    const workers = await page.locator('#workers tr td').allTextContents()
    expect(workers).toEqual([
      'worker-a',
      '10.0.0.2:17890',
      '4',
      '1',
      '1',
      '1',
      // Sectors 1-3 are being sealed and last reported by worker-a.
      '3',
      expect.stringMatching(/^\d+ s ago$/),
    ])
    expect(await page.locator('#post tr td').nth(5).textContent()).toBe('ok')
    expect((await page.locator('#queues tr td').allTextContents()).slice(0, 3)).toEqual([
      'ProveCommit',
      't01000',
      '1',
    ])
    const msg = await page.locator('#messages tr td').allTextContents()
    expect(msg.slice(0, 7)).toEqual([
      'PreCommit',
      't01000',
      '1',
      'onchain',
      '1,000,000',
      '123 microFIL',
      '70 milliFIL',
    ])
    expect(await page.locator('#messages tr td').nth(5).getAttribute('title')).toBe('123000000000000 attoFIL')

    await row.click()
    await expect.poll(() => page.locator('#history tr').count()).toBe(6)
    const steps = await page.locator('#history tr td:nth-child(3)').allTextContents()
    expect(steps).toContain('DealsAcquired → PieceAdded')
    expect(await page.locator('#sector-title').textContent()).toBe('s-t01000-1 (PC1Done)')

    // A worker reports progress; the open page picks it up on its next poll.
    await o.call('ReportState', reportParams(1, 'PC1Done', 'PC2Done'), admin)
    await expect.poll(() => count('PC2Done').textContent(), { timeout: 10_000 }).toBe('1')
    expect(await count('PC1Done').textContent()).toBe('1')
    await expect.poll(() => page.locator('#history tr').count(), { timeout: 10_000 }).toBe(7)
    expect(await page.locator('#status').textContent()).toMatch(/^live/)

    const png = await page.screenshot({ path: SCREENSHOT, fullPage: true })
    // A PNG of the whole page, not an empty capture.
    expect(png.subarray(1, 4).toString()).toBe('PNG')
    expect(png.length).toBeGreaterThan(10_000)
    await page.close()
  }, 60_000)
})
