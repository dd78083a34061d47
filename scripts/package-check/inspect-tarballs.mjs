// Checks the contents and metadata of every packed tarball: only what users need (no tests,
// fixtures, build info or dev loaders), both license files, a README, source maps only where
// their sources ship, and the same repository, license and Node range as the workspace root.
//
//   node inspect-tarballs.mjs ROOT TARBALL...
import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { basename } from 'node:path'

const [root, ...tarballs] = process.argv.slice(2)
const rootPkg = JSON.parse(readFileSync(`${root}/package.json`, 'utf8'))
const problems = []

const tar = (file, ...args) =>
  execFileSync('tar', ['-xzOf', file, ...args], { encoding: 'utf8', maxBuffer: 64 << 20 })

for (const file of tarballs) {
  const name = basename(file)
  const files = execFileSync('tar', ['-tzf', file], { encoding: 'utf8', maxBuffer: 64 << 20 })
    .split('\n')
    .filter((f) => f !== '' && !f.endsWith('/'))
    .map((f) => f.replace(/^package\//, ''))
  const has = new Set(files)
  const pkg = JSON.parse(tar(file, 'package/package.json'))
  const bad = (why) => problems.push(`${name}: ${why}`)

  for (const f of files) {
    if (/(^|\/)__fixtures__\//.test(f)) bad(`ships test fixture ${f}`)
    if (/\.(test|test-d|bench)\.[cm]?[jt]s$/.test(f)) bad(`ships test ${f}`)
    if (/\.tsbuildinfo$/.test(f)) bad(`ships build info ${f}`)
    if (/-dev\.mjs$/.test(f)) bad(`ships development loader ${f}`)
  }
  for (const f of ['LICENSE-MIT', 'LICENSE-APACHE', 'README.md']) if (!has.has(f)) bad(`has no ${f}`)

  // A map is useful only when the sources it points at are in the tarball too.
  const maps = files.filter((f) => f.endsWith('.map'))
  for (const map of maps.slice(0, 400)) {
    const { sources = [] } = JSON.parse(tar(file, `package/${map}`))
    const dir = map.split('/').slice(0, -1)
    for (const s of sources) {
      const parts = [...dir]
      for (const seg of s.split('/')) {
        if (seg === '..') parts.pop()
        else if (seg !== '.') parts.push(seg)
      }
      if (!has.has(parts.join('/'))) bad(`${map} points at ${s}, which is not packed`)
    }
  }

  // Metadata: one repository, license and Node range for every package.
  if (pkg.license !== rootPkg.license) bad(`license ${pkg.license}, the workspace says ${rootPkg.license}`)
  if (pkg.repository?.url !== rootPkg.repository?.url) bad(`repository.url is not ${rootPkg.repository?.url}`)
  if (typeof pkg.repository?.directory !== 'string') bad('repository.directory is missing')
  for (const key of ['homepage', 'bugs', 'keywords', 'description']) if (!pkg[key]) bad(`no ${key}`)
  if (pkg.engines?.node !== rootPkg.engines?.node) bad(`engines.node is not ${rootPkg.engines?.node}`)
  if (pkg.name.startsWith('@') && pkg.publishConfig?.access !== 'public')
    bad('publishConfig.access is not public')
  for (const [key, target] of Object.entries(pkg.exports ?? {})) {
    if (typeof target === 'string') {
      if (!has.has(target.replace(/^\.\//, ''))) bad(`exports["${key}"] → ${target} is not packed`)
      continue
    }
    const conditions = Object.keys(target)
    if (conditions[0] !== 'types') bad(`exports["${key}"] does not list "types" first`)
    for (const t of Object.values(target))
      if (!has.has(t.replace(/^\.\//, ''))) bad(`exports["${key}"] → ${t} is not packed`)
  }
  if (pkg.main && !has.has(pkg.main.replace(/^\.\//, ''))) bad(`main ${pkg.main} is not packed`)
  const kib = Math.round(readFileSync(file).length / 1024)
  console.log(`${name}: ${files.length} files, ${kib} KiB packed`)
}

if (problems.length > 0) {
  console.error(problems.join('\n'))
  process.exit(1)
}
