// Prints the exported names of every entry point of every publishable package, read from the
// built declaration files (`npm run build` first) through the TypeScript checker, so types count
// as well as values. Used to measure the public surface before and after packaging changes.
//
//   node scripts/api-surface.mjs            one row per entry point: names, values, types
//   node scripts/api-surface.mjs --list     also every name, one per line under its entry
//   node scripts/api-surface.mjs --json     the same as JSON ({ "<pkg>/<entry>": string[] })
//   node scripts/api-surface.mjs DIR        read the packages installed under DIR/node_modules
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import ts from 'typescript'

const args = process.argv.slice(2)
const list = args.includes('--list')
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

if (json) {
  console.log(JSON.stringify(result, null, 2))
} else {
  const rows = Object.entries(result).map(([entry, r]) => [
    entry,
    r.values.length + r.types.length,
    r.values.length,
    r.types.length,
  ])
  const total = rows.reduce((a, r) => a + r[1], 0)
  console.log('| entry point | names | values | types only |\n|---|---|---|---|')
  for (const r of rows) console.log(`| \`${r[0]}\` | ${r[1]} | ${r[2]} | ${r[3]} |`)
  console.log(`| all entry points | ${total} | | |`)
  if (list) {
    for (const [entry, r] of Object.entries(result)) {
      console.log(`\n${entry}`)
      for (const n of r.values) console.log(`  ${n}`)
      for (const n of r.types) console.log(`  type ${n}`)
    }
  }
}
