/**
 * The dashboard's plots in headless Chromium, from a running cluster: a devnet, the manager
 * daemon, two workers with mock proofs sealing four sectors in batches, and the WindowPoSt poster
 * proving them. Each plot must draw what the cluster did (throughput, queues, power, threads, gas
 * and what batching saved, stage durations, the proving-period wheel).
 *
 * The screenshot goes to a temporary folder; VENUS_UPDATE_SCREENSHOTS=1 refreshes
 * docs/dashboard.png (the README's picture) instead.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { mockProofs } from '@venus-cluster/core'
import type { DashboardCharts } from '@venus-cluster/manager'
import { type Browser, chromium } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type DemoCluster, startDemoCluster } from './cluster.js'
import { waitForWindowPoSt } from './post.js'

const CHROMIUM = '/usr/bin/chromium'
const DOCS_SCREENSHOT = fileURLToPath(new URL('../../../../docs/dashboard.png', import.meta.url))
const SECTORS = 4

let home = ''
let c: DemoCluster
let browser: Browser

describe.skipIf(!existsSync(CHROMIUM))('dashboard plots from a running cluster (headless Chromium)', () => {
  beforeAll(async () => {
    home = mkdtempSync(join(tmpdir(), 'vsm-charts-'))
    c = await startDemoCluster({
      home,
      proofs: mockProofs(),
      sectorSize: 2048,
      sectors: SECTORS,
      workers: 2,
      blockTimeMs: 60,
      challengeDelay: 5,
      postChallengeWindow: 6,
      batch: { maxWaitMs: 2_000 },
      sampleMs: 100,
    })
    const done = async () =>
      (await c.manager.store.listSectors(false)).filter((s) => s.finalized).length === SECTORS
    for (let i = 0; i < 1500 && !(await done()); i++) await new Promise((r) => setTimeout(r, 40))
    expect(await done()).toBe(true)
    await waitForWindowPoSt(
      c,
      Array.from({ length: SECTORS }, (_, i) => i + 1),
      BigInt(SECTORS * 2048),
      { deadlineAt: Date.now() + 60_000 },
    )
    // Two more samples, so the power after WindowPoSt is in the series.
    await new Promise((r) => setTimeout(r, 300))
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--no-first-run',
        '--disable-background-networking',
      ],
    })
  }, 150_000)
  afterAll(async () => {
    await browser?.close()
    await c?.stop()
    if (home) rmSync(home, { recursive: true, force: true })
  })

  it('serves uPlot from the manager and draws every plot with the data of the cluster', async () => {
    const base = `http://127.0.0.1:${c.manager.port}`
    const read = (await c.manager.auth?.issue('read')) as string
    // The data first: what the plots must show.
    const res = await fetch(`${base}/ui/api/charts?window=3600000`, {
      headers: { authorization: `Bearer ${read}` },
    })
    expect(res.status).toBe(200)
    const charts = (await res.json()) as DashboardCharts
    const max = (s: DashboardCharts['throughput'], name?: string) =>
      Math.max(
        0,
        ...s.lines.filter((l) => name === undefined || l.name === name).flatMap((l) => l.values.map(Number)),
      )
    expect(max(charts.throughput, 'Finalized')).toBeGreaterThan(0)
    expect(charts.queues.lines.map((l) => l.name)).toContain('queue: precommit')
    expect(max(charts.queues)).toBeGreaterThan(0)
    expect(max(charts.power, `raw t0${c.miner.id}`)).toBe(SECTORS * 2048)
    const threads = c.manager.manager.workers.pings().reduce((a, p) => a + p.summary.threads, 0)
    expect(threads).toBeGreaterThan(0)
    expect(max(charts.workers, 'threads')).toBe(threads)
    expect(max(charts.workers, 'sealing')).toBeGreaterThan(0)
    // Batched: fewer messages than sectors, and the saving counted.
    const pre = charts.fees.find((f) => f.kind === 'pre')
    expect(pre?.sectors).toBe(SECTORS)
    expect(pre?.messagesSaved).toBe(SECTORS - (pre?.messages ?? 0))
    expect(pre?.messagesSaved).toBeGreaterThan(0)
    expect(charts.stages.stages.reduce((a, s) => a + s.count, 0)).toBeGreaterThan(0)
    const wheel = charts.wheels[0]
    expect(wheel?.deadlines).toHaveLength(48)
    expect(wheel?.deadlines.filter((d) => d === 'proven').length).toBeGreaterThan(0)

    // uPlot comes from the manager, not a CDN.
    const lib = await fetch(`${base}/ui/uplot.js`, { headers: { authorization: `Bearer ${read}` } })
    expect(lib.status).toBe(200)
    expect(await lib.text()).toContain('uPlot')
    expect((await fetch(`${base}/ui/uplot.js`)).status).toBe(401)
    const bad = await fetch(`${base}/ui/api/charts?window=5`, {
      headers: { authorization: `Bearer ${read}` },
    })
    expect(bad.status).toBe(400)
    expect(((await bad.json()) as { error: string }).error).toMatch(/^window must be milliseconds from 60000/)

    const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } })
    const external: string[] = []
    page.on('request', (r) => {
      if (!r.url().startsWith(base)) external.push(r.url())
    })
    const errors: string[] = []
    page.on('pageerror', (e) => errors.push(e.message))
    await page.goto(`${base}/ui?token=${read}`)
    const points = (id: string) => page.locator(`[data-testid=${id}]`).getAttribute('data-points')
    for (const id of ['chart-throughput', 'chart-queues', 'chart-power', 'chart-workers', 'chart-gas']) {
      await expect
        .poll(async () => Number(await points(id)), { timeout: 15_000, message: id })
        .toBeGreaterThan(0)
      expect(await page.locator(`[data-testid=${id}] canvas`).count(), id).toBeGreaterThan(0)
    }
    // The legend of the power plot names the miner's raw and QA power.
    expect(await page.locator('[data-testid=chart-power] .u-legend').textContent()).toContain(
      `raw t0${c.miner.id}`,
    )
    expect(Number(await points('chart-stages'))).toBeGreaterThan(0)
    expect(await page.locator('[data-testid=chart-stages] .bars').count()).toBe(charts.stages.stages.length)
    expect(await page.locator('[data-testid=chart-wheel] path').count()).toBe(48)
    expect(await page.locator('[data-testid=chart-wheel] path.proven').count()).toBeGreaterThan(0)
    const feeRow = await page.locator('[data-testid=fees] tbody tr').first().locator('td').allTextContents()
    expect(feeRow.slice(1, 4)).toEqual(['pre', String(pre?.messages), String(SECTORS)])
    expect(external).toEqual([])
    expect(errors).toEqual([])

    const shots = mkdtempSync(join(tmpdir(), 'vsm-charts-shot-'))
    try {
      const path =
        process.env.VENUS_UPDATE_SCREENSHOTS === '1' ? DOCS_SCREENSHOT : join(shots, 'dashboard.png')
      const png = await page.screenshot({ path, fullPage: true })
      expect(png.subarray(1, 4).toString()).toBe('PNG')
    } finally {
      rmSync(shots, { recursive: true, force: true })
    }
    await page.close()
  }, 60_000)
})
