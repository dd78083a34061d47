#!/usr/bin/env node
// Checks docs/alerts.yml the way `promtool check rules` would, without a Go toolchain: the file
// is YAML with groups of rules (unique group names; each rule an `alert` with a name, an `expr`,
// optional `for`, `labels`, `annotations`), every expression parses as PromQL (the grammar
// Prometheus' own UI uses), and every metric it names is one the manager exports (read from a
// live metrics registry of the built manager). Exits non-zero naming the rule and the problem.
//
// Usage: node scripts/check-alerts.mjs [docs/alerts.yml]
import { readFileSync } from 'node:fs'
import { parser } from '@prometheus-io/lezer-promql'
import { parse as parseYaml } from 'yaml'

const file = process.argv[2] ?? 'docs/alerts.yml'
// A set: a range selector holds a vector selector, and one unknown metric is reported once.
const problems = new Set()
const fail = (where, what) => problems.add(`${file}: ${where}: ${what}`)

/** Metric names the manager exports (its registry, the health gauges, Node's process metrics). */
async function exportedMetrics() {
  const { createManagerMetrics, registerHealthMetrics } = await import('@venus-cluster/manager')
  const metrics = createManagerMetrics({ processMetrics: true })
  const health = {
    current: () => ({
      ready: true,
      chain: { reachable: true, height: 1, headAgeSeconds: 0, lastOkAt: 0 },
      messager: { reachable: true },
      store: { ok: true },
    }),
  }
  registerHealthMetrics(metrics.registry, health)
  const names = new Set()
  for (const m of await metrics.registry.getMetricsAsJSON()) {
    names.add(m.name)
    if (m.type === 'histogram') for (const s of ['_bucket', '_sum', '_count']) names.add(m.name + s)
    if (m.type === 'summary') for (const s of ['_sum', '_count']) names.add(m.name + s)
  }
  return names
}

const DURATION = /^(\d+(ms|s|m|h|d|w|y))+$/

let doc
try {
  doc = parseYaml(readFileSync(file, 'utf8'), { uniqueKeys: true, strict: true })
} catch (err) {
  console.error(`${file}: not valid YAML: ${err.message}`)
  process.exit(1)
}
const known = await exportedMetrics()
if (!doc || !Array.isArray(doc.groups) || doc.groups.length === 0) fail('groups', 'must be a non-empty list')
const groupNames = new Set()
let rules = 0
for (const [gi, g] of (doc?.groups ?? []).entries()) {
  const gw = `groups[${gi}]`
  if (typeof g?.name !== 'string' || g.name === '') fail(gw, 'needs a name')
  else if (groupNames.has(g.name)) fail(gw, `group name ${g.name} is used twice`)
  groupNames.add(g?.name)
  for (const k of Object.keys(g ?? {}))
    if (!['name', 'interval', 'rules', 'limit'].includes(k)) fail(gw, `unknown key ${k}`)
  if (!Array.isArray(g?.rules) || g.rules.length === 0) fail(gw, 'needs rules')
  for (const [ri, r] of (g?.rules ?? []).entries()) {
    rules++
    const rw = `${gw} (${g?.name}) rule ${r?.alert ?? r?.record ?? ri}`
    for (const k of Object.keys(r ?? {}))
      if (!['alert', 'record', 'expr', 'for', 'keep_firing_for', 'labels', 'annotations'].includes(k))
        fail(rw, `unknown key ${k}`)
    if ((r?.alert === undefined) === (r?.record === undefined))
      fail(rw, 'needs exactly one of alert and record')
    if (r?.alert !== undefined && !/^[a-zA-Z_][a-zA-Z0-9_]*$/.test(r.alert))
      fail(rw, 'alert name must be a valid label value name')
    if (r?.for !== undefined && !DURATION.test(String(r.for))) fail(rw, `for: ${r.for} is not a duration`)
    for (const k of ['labels', 'annotations'])
      if (
        r?.[k] !== undefined &&
        (typeof r[k] !== 'object' || Object.values(r[k]).some((v) => typeof v !== 'string'))
      )
        fail(rw, `${k} must map names to strings`)
    if (typeof r?.expr !== 'string' || r.expr.trim() === '') {
      fail(rw, 'needs an expr')
      continue
    }
    const tree = parser.parse(r.expr)
    const cursor = tree.cursor()
    do {
      if (cursor.type.isError) fail(rw, `expr does not parse as PromQL at ${cursor.from}: ${r.expr}`)
      if (cursor.name === 'VectorSelector' || cursor.name === 'MatrixSelector') {
        // The metric name: the first Identifier under the selector.
        const sub = cursor.node.cursor()
        let name
        do {
          if (sub.name === 'Identifier' || sub.name === 'MetricName') {
            name = r.expr.slice(sub.from, sub.to)
            break
          }
        } while (sub.next() && sub.from < cursor.to)
        if (name !== undefined && !known.has(name)) fail(rw, `metric ${name} is not exported by the manager`)
      }
    } while (cursor.next())
  }
}
if (problems.size > 0) {
  for (const p of problems) console.error(p)
  process.exit(1)
}
console.log(`${file}: ${groupNames.size} groups, ${rules} rules: OK (PromQL parsed, metrics known)`)
