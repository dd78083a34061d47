// Checks that core stays the one home of the protocol: no package declares again what another
// package exports, no package re-exports core's names as its own, and no package outside core
// gives a top-level declaration a name that core exports (a wrapper or a copy of core's). Runs
// over the sources (no build needed) in CI's lint step; exits 1 with one line per finding.
//
//   node scripts/check-protocol-home.mjs           the findings, or a one-line summary
//   node scripts/check-protocol-home.mjs --list    also every name exported by two packages
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { dirname, join, relative, resolve, sep } from 'node:path'
import ts from 'typescript'

const root = resolve(dirname(new URL(import.meta.url).pathname), '..')
const list = process.argv.includes('--list')

/** Publishable packages: name, folder, and their entry points mapped to source files. */
function packages() {
  const out = []
  for (const group of ['packages', 'bindings']) {
    for (const d of readdirSync(join(root, group))) {
      const dir = join(root, group, d)
      let pkg
      try {
        pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'))
      } catch {
        continue
      }
      const entries = {}
      for (const [key, target] of Object.entries(pkg.exports ?? {})) {
        if (typeof target !== 'object' || target === null || typeof target.types !== 'string') continue
        const src = join(dir, target.types.replace(/^\.\/dist\//, 'src/').replace(/\.d\.ts$/, '.ts'))
        entries[key === '.' ? pkg.name : `${pkg.name}/${key.slice(2)}`] = src
      }
      out.push({ name: pkg.name, short: d, dir, src: join(dir, 'src'), entries })
    }
  }
  return out
}

/** Source files that ship: not tests, fixtures or declaration files. */
function* sources(dir) {
  for (const e of readdirSync(dir)) {
    const p = join(dir, e)
    if (statSync(p).isDirectory()) {
      if (e !== '__fixtures__' && e !== 'node_modules') yield* sources(p)
    } else if (/\.(m?ts)$/.test(e) && !/\.test\.ts$/.test(e) && !e.endsWith('.d.ts')) yield p
  }
}

/** Whether a declaration is tagged `@internal` (stripInternal leaves it out of the `.d.ts`). */
const isInternal = (decl) => ts.getJSDocTags(decl).some((t) => t.tagName.text === 'internal')

const pkgs = packages()
const core = pkgs.find((p) => p.name === '@venus-cluster/core')
const ownerOf = (file) => pkgs.find((p) => file.startsWith(p.src + sep))

const paths = {}
for (const p of pkgs) for (const [spec, file] of Object.entries(p.entries)) paths[spec] = [file]
const files = pkgs.flatMap((p) => [...sources(p.src)])
const program = ts.createProgram(files, {
  module: ts.ModuleKind.ESNext,
  moduleResolution: ts.ModuleResolutionKind.Bundler,
  target: ts.ScriptTarget.ES2022,
  noEmit: true,
  allowJs: false,
  skipLibCheck: true,
  baseUrl: root,
  paths,
})
const checker = program.getTypeChecker()

/** name → Map(declaring package → entry points exporting it). */
const exported = new Map()
const findings = []
for (const p of pkgs) {
  for (const [entry, file] of Object.entries(p.entries)) {
    const sf = program.getSourceFile(file)
    const mod = sf && checker.getSymbolAtLocation(sf)
    if (!mod) {
      findings.push(`${entry}: entry point ${relative(root, file)} not found`)
      continue
    }
    for (const s of checker.getExportsOfModule(mod)) {
      const target = s.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(s) : s
      const decl = target.declarations?.[0]
      const from = decl ? ownerOf(decl.getSourceFile().fileName) : undefined
      if (from === undefined) continue // a third-party type re-exported on purpose
      if (isInternal(decl)) continue // stripped from the published declarations
      if (from !== p && from === core) {
        findings.push(`${entry} re-exports core's ${s.name}: users import it from @venus-cluster/core`)
      }
      if (!exported.has(s.name)) exported.set(s.name, new Map())
      const byPkg = exported.get(s.name)
      const key = `${from.name}#${target.escapedName}@${decl.getSourceFile().fileName}:${decl.pos}`
      if (!byPkg.has(key)) byPkg.set(key, { from, entries: [] })
      byPkg.get(key).entries.push(entry)
    }
  }
}

for (const [name, byDecl] of exported) {
  const homes = [...byDecl.values()]
  const owners = new Set(homes.map((h) => h.from.name))
  if (owners.size > 1) {
    findings.push(
      `${name} is declared in ${[...owners].join(' and ')} (exported by ${homes.flatMap((h) => h.entries).join(', ')})`,
    )
  }
}

// Names exported from the sources of two packages (public or not): one of them is a copy.
const sourceExports = new Map()
for (const p of pkgs) {
  for (const file of sources(p.src)) {
    const sf = program.getSourceFile(file)
    const mod = sf && checker.getSymbolAtLocation(sf)
    if (!mod) continue
    for (const s of checker.getExportsOfModule(mod)) {
      // Re-exports (`export *` included) are counted in the file that declares the name.
      if (s.flags & ts.SymbolFlags.Alias || s.declarations?.[0]?.getSourceFile() !== sf) continue
      if (!sourceExports.has(s.name)) sourceExports.set(s.name, new Map())
      const byPkg = sourceExports.get(s.name)
      if (!byPkg.has(p.name)) byPkg.set(p.name, relative(root, file))
    }
  }
}
for (const [name, byPkg] of sourceExports) {
  if (byPkg.size < 2) continue
  const publicOwners = new Set([...(exported.get(name)?.values() ?? [])].map((h) => h.from.name))
  if ([...byPkg.keys()].every((k) => publicOwners.has(k))) continue // reported above
  findings.push(`${name} is exported by ${[...byPkg.values()].join(' and ')}`)
}

// Top-level declarations outside core that take a name core exports.
const coreNames = new Set()
for (const [name, byDecl] of exported) {
  for (const h of byDecl.values()) if (h.from === core) coreNames.add(name)
}
for (const p of pkgs) {
  if (p === core) continue
  for (const file of sources(p.src)) {
    const sf = program.getSourceFile(file)
    if (!sf) continue
    for (const st of sf.statements) {
      const names = []
      if (ts.isVariableStatement(st)) {
        for (const d of st.declarationList.declarations) if (ts.isIdentifier(d.name)) names.push(d.name)
      } else if (
        (ts.isFunctionDeclaration(st) ||
          ts.isClassDeclaration(st) ||
          ts.isInterfaceDeclaration(st) ||
          ts.isTypeAliasDeclaration(st) ||
          ts.isEnumDeclaration(st)) &&
        st.name
      ) {
        names.push(st.name)
      }
      for (const n of names) {
        if (!coreNames.has(n.text)) continue
        const { line } = sf.getLineAndCharacterOfPosition(n.getStart())
        findings.push(
          `${relative(root, file)}:${line + 1} declares ${n.text}, which @venus-cluster/core exports: import core's`,
        )
      }
    }
  }
}

if (list) {
  for (const [name, byDecl] of [...exported].sort(([a], [b]) => a.localeCompare(b))) {
    const entries = [...byDecl.values()].flatMap((h) => h.entries)
    const pkgsOf = new Set(
      entries.map((e) =>
        e
          .split('/')
          .slice(0, e.startsWith('@') ? 2 : 1)
          .join('/'),
      ),
    )
    if (pkgsOf.size > 1) console.log(`${name}: ${entries.join(', ')}`)
  }
}
if (findings.length > 0) {
  for (const f of findings) console.error(f)
  console.error(
    `\ncheck-protocol-home: ${findings.length} finding(s). Protocol types, codecs and constants live in` +
      ' @venus-cluster/core; other packages import them (CONTRIBUTING.md, "One home for the protocol").',
  )
  process.exit(1)
}
console.log(
  `check-protocol-home: ${exported.size} exported names in ${pkgs.length} packages, each declared in one package`,
)
