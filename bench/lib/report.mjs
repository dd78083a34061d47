// Renders benchmark sections and splices them into docs/benchmarks.md between markers
// `<!-- bench:<id>:start -->` and `<!-- bench:<id>:end -->`.
import { readFile, writeFile } from 'node:fs/promises'
import os from 'node:os'

const HEADER = `# Benchmarks

Figures written by \`npm run bench\` (\`node bench/run.mjs\`). Each section below is replaced when
its benchmark runs again; see [bench/README.md](../bench/README.md) to add one. Numbers depend on
the machine: compare rows of one section, not figures across machines.
`

export function machineInfo() {
  const cpus = os.cpus()
  return {
    date: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
    node: process.version,
    cpu: (cpus[0]?.model ?? 'unknown CPU').trim(),
    cores: cpus.length,
    platform: `${process.platform}-${process.arch}`,
    // Load when the run started: on a shared machine a high figure explains low throughput.
    load: os.loadavg()[0].toFixed(2),
  }
}

function cell(v) {
  return String(v).replace(/\|/g, '\\|').replace(/\n/g, ' ')
}

export function renderTable(rows) {
  if (rows.length === 0) return '_no rows_\n'
  const cols = [...new Set(rows.flatMap((r) => Object.keys(r)))]
  const lines = [`| ${cols.map(cell).join(' | ')} |`, `|${cols.map(() => '---').join('|')}|`]
  for (const r of rows) lines.push(`| ${cols.map((c) => cell(r[c] ?? '')).join(' | ')} |`)
  return `${lines.join('\n')}\n`
}

export function renderSection(section, machine) {
  const parts = [
    `<!-- bench:${section.id}:start -->`,
    `## ${section.title}`,
    '',
    `Run ${machine.date} · Node ${machine.node} · ${machine.cpu} × ${machine.cores} · ${machine.platform} · load ${machine.load}`,
    '',
  ]
  if (section.description) parts.push(section.description.trim(), '')
  parts.push(renderTable(section.rows).trimEnd(), '')
  for (const n of section.notes ?? []) parts.push(`- ${n}`)
  if ((section.notes ?? []).length > 0) parts.push('')
  parts.push(`<!-- bench:${section.id}:end -->`)
  return parts.join('\n')
}

/** Replaces (or appends) each section in the markdown text. */
export function spliceSections(text, sections, machine) {
  let out = text.trim().length > 0 ? text : HEADER
  for (const s of sections) {
    const rendered = renderSection(s, machine)
    const start = `<!-- bench:${s.id}:start -->`
    const end = `<!-- bench:${s.id}:end -->`
    const i = out.indexOf(start)
    const j = out.indexOf(end)
    if (i >= 0 && j > i) out = out.slice(0, i) + rendered + out.slice(j + end.length)
    else out = `${out.trimEnd()}\n\n${rendered}\n`
  }
  return out.endsWith('\n') ? out : `${out}\n`
}

export async function writeSections(path, sections, machine) {
  let text = ''
  try {
    text = await readFile(path, 'utf8')
  } catch (err) {
    if (err?.code !== 'ENOENT') throw err
  }
  await writeFile(path, spliceSections(text, sections, machine))
}
