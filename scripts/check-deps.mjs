// Checks every publishable package's dependencies against what its shipped sources import: no
// declared-but-unused dependency, no import of an undeclared one, and one major of each
// third-party dependency across the workspace (so two copies of a library never ship side by
// side). Imports are read with TypeScript's pre-processor (static, dynamic and require, not
// comments); tests, __fixtures__ and files the package's `files` leaves out do not count (their
// packages are the root's devDependencies). Exits 1 with one line per finding.
//
//   node scripts/check-deps.mjs
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs'
import { builtinModules } from 'node:module'
import { dirname, join, relative, resolve } from 'node:path'
import ts from 'typescript'

const root = resolve(dirname(new URL(import.meta.url).pathname), '..')
const builtins = new Set(builtinModules.flatMap((m) => [m, `node:${m}`]))

/** Dependencies a package declares for what it loads by a computed name or on behalf of another. */
const IMPLICIT = {
  // The commands install both database drivers (optional peers of @venus-cluster/manager, loaded
  // when a store opens) and accept the proofs addon, loaded by name when `--proofs native`.
  'venus-cluster': ['better-sqlite3', 'pg', '@venus-cluster/proofs-native'],
  // The addon's platform package, resolved by name for the running platform.
  '@venus-cluster/proofs-native': ['@venus-cluster/proofs-native-linux-x64-gnu'],
}

function* sources(dir) {
  if (!existsSync(dir)) return
  for (const e of readdirSync(dir)) {
    const p = join(dir, e)
    if (statSync(p).isDirectory()) {
      if (e !== '__fixtures__' && e !== 'node_modules' && e !== 'dist' && e !== 'test') yield* sources(p)
    } else if (/\.(m?[jt]s|cjs)$/.test(e) && !/\.test\.[mc]?[jt]s$/.test(e) && !e.endsWith('.d.ts')) yield p
  }
}

/** The package name of a bare specifier (`@scope/name/sub` → `@scope/name`), or undefined. */
function packageOf(spec) {
  if (spec.startsWith('.') || spec.startsWith('/') || builtins.has(spec) || spec.startsWith('node:')) return
  const parts = spec.split('/')
  return spec.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]
}

/** Module specifiers a file imports (static, dynamic, require), comments left out. */
const importsOf = (text) => ts.preProcessFile(text, true, true).importedFiles.map((f) => f.fileName)

const dirs = ['packages', 'bindings'].flatMap((g) =>
  readdirSync(join(root, g))
    .map((d) => join(root, g, d))
    .filter((d) => existsSync(join(d, 'package.json'))),
)
const findings = []
const ranges = new Map() // dependency → Map(range → [package])
for (const dir of dirs) {
  const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'))
  if (pkg.private) continue
  const declared = new Set([
    ...Object.keys(pkg.dependencies ?? {}),
    ...Object.keys(pkg.peerDependencies ?? {}),
    ...Object.keys(pkg.optionalDependencies ?? {}),
  ])
  for (const field of ['dependencies', 'peerDependencies', 'optionalDependencies', 'devDependencies']) {
    for (const [name, range] of Object.entries(pkg[field] ?? {})) {
      if (name.startsWith('@venus-cluster/') || name === 'venus-cluster') continue
      if (!ranges.has(name)) ranges.set(name, new Map())
      const byRange = ranges.get(name)
      if (!byRange.has(range)) byRange.set(range, [])
      byRange.get(range).push(pkg.name)
    }
  }
  const used = new Map() // package → first file importing it
  const roots = [join(dir, 'src'), join(dir, 'bin')].filter(existsSync)
  // Plain paths the package's `files` leaves out (`!src/pool-worker-dev.mjs`) do not ship.
  const left = new Set(
    (pkg.files ?? []).filter((f) => f.startsWith('!') && !/[*?]/.test(f)).map((f) => join(dir, f.slice(1))),
  )
  for (const file of roots.flatMap((r) => [...sources(r)]).filter((f) => !left.has(f))) {
    for (const spec of importsOf(readFileSync(file, 'utf8'))) {
      const name = packageOf(spec)
      if (name !== undefined && name !== pkg.name && !used.has(name)) used.set(name, relative(root, file))
    }
  }
  for (const name of IMPLICIT[pkg.name] ?? []) if (!used.has(name)) used.set(name, '(implicit)')
  for (const name of declared) {
    if (!used.has(name)) findings.push(`${pkg.name}: declares ${name} but no shipped source imports it`)
  }
  for (const [name, file] of used) {
    if (!declared.has(name))
      findings.push(`${pkg.name}: ${file} imports ${name}, which package.json does not declare`)
  }
}

const major = (range) => /(\d+)/.exec(range)?.[1]
for (const [name, byRange] of ranges) {
  const majors = new Set([...byRange.keys()].map(major))
  if (majors.size > 1) {
    const seen = [...byRange].map(([r, ps]) => `${r} (${ps.join(', ')})`).join(', ')
    findings.push(`${name}: more than one major across the packages: ${seen}`)
  }
}

if (findings.length > 0) {
  for (const f of findings) console.error(f)
  console.error(`\ncheck-deps: ${findings.length} finding(s)`)
  process.exit(1)
}
console.log(`check-deps: ${dirs.length} packages, every dependency used and declared, one major each`)
