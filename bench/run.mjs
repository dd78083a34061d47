#!/usr/bin/env node
// Runs every bench/*.bench.mjs (and *.bench.ts, through tsx) in its own child process, prints
// each one's figures, and writes one section per benchmark into docs/benchmarks.md. A section is
// replaced on every run; sections of benchmarks that did not run are kept.
//
// Usage: node bench/run.mjs [--no-write] [name-filter ...]
// See bench/README.md for how to add a benchmark.
import { fork } from 'node:child_process'
import { readdir } from 'node:fs/promises'
import { basename, dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { machineInfo, writeSections } from './lib/report.mjs'

const benchDir = dirname(fileURLToPath(import.meta.url))
const root = dirname(benchDir)
const docPath = join(root, 'docs', 'benchmarks.md')

const args = process.argv.slice(2)
const write = !args.includes('--no-write')
const filters = args.filter((a) => !a.startsWith('--'))

const files = (await readdir(benchDir))
  .filter((f) => /\.bench\.(mjs|js|ts)$/.test(f))
  .filter((f) => filters.length === 0 || filters.some((x) => f.includes(x)))
  .sort()

if (files.length === 0) {
  console.error(`no benchmark matched ${filters.length ? filters.join(', ') : 'bench/*.bench.*'}`)
  process.exit(1)
}

/** Runs one bench file in a fresh process; resolves to its section or rejects with its error. */
function runOne(file) {
  return new Promise((resolve, reject) => {
    const execArgv = ['--expose-gc', ...(file.endsWith('.ts') ? ['--import', 'tsx'] : [])]
    const child = fork(join(benchDir, 'lib', 'child.mjs'), [join(benchDir, file)], {
      cwd: root,
      execArgv,
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    })
    let result
    child.on('message', (msg) => {
      result = msg
    })
    child.on('error', reject)
    child.on('exit', (code, signal) => {
      if (result?.ok) resolve(result.section)
      else reject(new Error(result?.error ?? `exited with ${signal ?? code}`))
    })
  })
}

const machine = machineInfo()
console.log(
  `venus-cluster benchmarks — ${machine.date}, Node ${machine.node}, ${machine.cpu} × ${machine.cores}`,
)
const sections = []
let failed = 0
for (const file of files) {
  const id = basename(file).replace(/\.bench\.(mjs|js|ts)$/, '')
  console.log(`\n== ${file}`)
  const started = performance.now()
  try {
    const section = await runOne(file)
    sections.push({ id, ...section })
    console.log(`== ${file}: done in ${((performance.now() - started) / 1000).toFixed(1)} s`)
  } catch (err) {
    failed++
    console.error(`== ${file}: FAILED: ${err instanceof Error ? err.message : err}`)
  }
}

if (write && sections.length > 0) {
  await writeSections(docPath, sections, machine)
  console.log(`\nwrote ${sections.length} section(s) to ${docPath}`)
}
process.exitCode = failed > 0 ? 1 : 0
