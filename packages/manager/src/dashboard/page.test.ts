// The dashboard page's script run against a stub DOM (the headless-browser test needs Chromium):
// the health banner appears with what is down while the manager is not ready, and goes away.
import vm from 'node:vm'
import { describe, expect, it } from 'vitest'
import { DASHBOARD_HTML } from './page.js'

interface StubElement {
  hidden: boolean
  textContent: string
  className: string
}

async function renderWith(health: unknown): Promise<StubElement> {
  const script = DASHBOARD_HTML.split('<script>')[1]?.split('</script>')[0] ?? ''
  const elements = new Map<string, StubElement>()
  const element = (id: string) => {
    let e = elements.get(id)
    if (e === undefined) {
      e = Object.assign(
        { hidden: id === 'health', textContent: '', className: '', dataset: {} },
        { replaceChildren() {}, append() {}, setAttribute() {}, classList: { toggle() {} } },
      )
      elements.set(id, e)
    }
    return e
  }
  const overview = {
    now: 1_000_000,
    addressPrefix: 't',
    sectorsByState: [],
    sectors: [],
    workers: [],
    queues: { pre: [], prove: [] },
    messages: [],
    post: [],
    health,
  }
  const context = vm.createContext({
    document: {
      getElementById: element,
      createElement: () => element(String(Math.random())),
      querySelectorAll: () => [],
    },
    fetch: async () => ({ status: 200, ok: true, json: async () => overview }),
    setInterval() {},
  })
  vm.runInContext(script, context)
  // tick() runs at load: one fetch, one render.
  for (let i = 0; i < 50 && !element('status').textContent.startsWith('live'); i++)
    await new Promise((r) => setTimeout(r, 5))
  return element('health')
}

describe('dashboard page', () => {
  it('shows a banner naming what is down while the manager is not ready', async () => {
    const banner = await renderWith({
      ready: false,
      problems: ['chain node unreachable', 'messager unreachable'],
      chain: { reachable: false, lastOkAt: 1_000_000 - 95_000 },
    })
    expect(banner.hidden).toBe(false)
    expect(banner.textContent).toBe(
      'Not ready: chain node unreachable (last answer 2 min ago); messager unreachable. Calls that need them fail and are retried; sealing resumes on its own.',
    )
  })

  it('shows no banner when ready', async () => {
    const banner = await renderWith({ ready: true, problems: [], chain: { reachable: true } })
    expect(banner.hidden).toBe(true)
  })
})
