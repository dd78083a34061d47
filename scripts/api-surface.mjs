// Prints the exported names of every entry point of every publishable package, read from the
// built declaration files (`npm run build` first) through the TypeScript checker, so types count
// as well as values. Used to measure the public surface before and after packaging changes.
//
//   node scripts/api-surface.mjs            one row per entry point: names, values, types
//   node scripts/api-surface.mjs --list     also every name, one per line under its entry
//   node scripts/api-surface.mjs --json     the same as JSON ({ "<pkg>/<entry>": string[] })
//   node scripts/api-surface.mjs --write    stores the list in docs/api-surface.md
//   node scripts/api-surface.mjs --check    fails when the exports differ from docs/api-surface.md
//                                           (CI's lint step: a new or lost export, types included,
//                                           shows up in review as a change of that file)
//   node scripts/api-surface.mjs DIR        read the packages installed under DIR/node_modules
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import ts from 'typescript'

const args = process.argv.slice(2)
const write = args.includes('--write')
const check = args.includes('--check')
const list = args.includes('--list') || write || check
const json = args.includes('--json')
const installed = args.find((a) => !a.startsWith('--'))
const root = resolve(dirname(new URL(import.meta.url).pathname), '..')

/** Package folders: the workspace's, or those under `<installed>/node_modules`. */
function packageDirs() {
  if (installed !== undefined) {
    const nm = join(resolve(installed), 'node_modules')
    const dirs = readdirSync(join(nm, '@venus-cluster')).map((d) => join(nm, '@venus-cluster', d))
    if (existsSync(join(nm, 'venus-cluster'))) dirs.push(join(nm, 'venus-cluster'))
    return dirs
  }
  const dirs = []
  for (const group of ['packages', 'bindings']) {
    for (const d of readdirSync(join(root, group))) dirs.push(join(root, group, d))
  }
  return dirs.filter((d) => existsSync(join(d, 'package.json')))
}

/** `{ entry, file }` for each `exports` key with a `types` condition. */
function entryPoints(dir) {
  const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'))
  const out = []
  for (const [key, target] of Object.entries(pkg.exports ?? {})) {
    if (typeof target !== 'object' || target === null || typeof target.types !== 'string') continue
    out.push({ entry: key === '.' ? pkg.name : `${pkg.name}/${key.slice(2)}`, file: join(dir, target.types) })
  }
  return out
}

const entries = packageDirs().flatMap(entryPoints)
const missing = entries.filter((e) => !existsSync(e.file))
if (missing.length > 0) {
  console.error(`api-surface: missing ${missing.map((e) => e.file).join(', ')}; run \`npm run build\` first`)
  process.exit(1)
}

const program = ts.createProgram(
  entries.map((e) => e.file),
  { module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext, noEmit: true },
)
const checker = program.getTypeChecker()
const result = {}
for (const e of entries) {
  const source = program.getSourceFile(e.file)
  const module = source && checker.getSymbolAtLocation(source)
  const names = module ? checker.getExportsOfModule(module) : []
  const values = []
  const types = []
  for (const s of names) {
    const target = s.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(s) : s
    if (target.flags & ts.SymbolFlags.Value) values.push(s.name)
    else types.push(s.name)
  }
  result[e.entry] = { values: values.sort(), types: types.sort() }
}

/** The table and, with `list`, every name under its entry point. */
function report() {
  const rows = Object.entries(result).map(([entry, r]) => [
    entry,
    r.values.length + r.types.length,
    r.values.length,
    r.types.length,
  ])
  const total = rows.reduce((a, r) => a + r[1], 0)
  const out = ['| entry point | names | values | types only |', '|---|---|---|---|']
  for (const r of rows) out.push(`| \`${r[0]}\` | ${r[1]} | ${r[2]} | ${r[3]} |`)
  out.push(`| all entry points | ${total} | | |`)
  if (list) {
    for (const [entry, r] of Object.entries(result)) {
      out.push('', entry)
      for (const n of r.values) out.push(`  ${n}`)
      for (const n of r.types) out.push(`  type ${n}`)
    }
  }
  return `${out.join('\n')}\n`
}

const stored = join(root, 'docs', 'api-surface.md')
const header =
  '# Exported names\n\nEvery name each entry point of each package exports, read from the built declarations by\n' +
  '`node scripts/api-surface.mjs`. CI checks this file against the packages (`--check`); after a\n' +
  'deliberate change of the public API, rewrite it with `node scripts/api-surface.mjs --write`.\n\n'
if (json) {
  console.log(JSON.stringify(result, null, 2))
} else if (write) {
  writeFileSync(stored, `${header}${report()}`)
  console.log(`api-surface: wrote ${stored}`)
} else if (check) {
  const want = existsSync(stored) ? readFileSync(stored, 'utf8') : ''
  const got = `${header}${report()}`
  if (want !== got) {
    const before = new Set(want.split('\n'))
    const after = new Set(got.split('\n'))
    const added = got.split('\n').filter((l) => l.startsWith('  ') && !before.has(l))
    const lost = want.split('\n').filter((l) => l.startsWith('  ') && !after.has(l))
    console.error('api-surface: the exports differ from docs/api-surface.md')
    if (added.length > 0) console.error(`  new: ${added.map((l) => l.trim()).join(', ')}`)
    if (lost.length > 0) console.error(`  gone: ${lost.map((l) => l.trim()).join(', ')}`)
    console.error('If the change is deliberate: node scripts/api-surface.mjs --write, and commit the file.')
    process.exit(1)
  }
  console.log(`api-surface: ${Object.keys(result).length} entry points match docs/api-surface.md`)
} else {
  process.stdout.write(report())
}
