// Every changeset must be one Changesets can read: a `---` frontmatter block of
// `"package": major|minor|patch` lines naming workspace packages. A formatter once rewrote the
// frontmatter into a Markdown heading, which `changeset version` would silently drop.
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'

const root = new URL('..', import.meta.url).pathname
const packages = new Set()
// The workspace globs of the root package.json (`dir/*`), as Changesets reads them.
for (const glob of JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).workspaces) {
  const group = glob.replace(/\/\*$/, '')
  for (const dir of readdirSync(join(root, group))) {
    try {
      packages.add(JSON.parse(readFileSync(join(root, group, dir, 'package.json'), 'utf8')).name)
    } catch {
      // not a package folder
    }
  }
}

const problems = []
const files = readdirSync(join(root, '.changeset')).filter((f) => f.endsWith('.md') && f !== 'README.md')
for (const file of files) {
  const text = readFileSync(join(root, '.changeset', file), 'utf8')
  const m = /^---\n((?:.*\n)*?)---\n\s*\S/.exec(text)
  if (!m) {
    problems.push(`.changeset/${file}:1: no "---" frontmatter block followed by a summary`)
    continue
  }
  const lines = (m[1] ?? '').split('\n').filter((l) => l.trim() !== '')
  if (lines.length === 0) problems.push(`.changeset/${file}:2: the frontmatter names no package`)
  lines.forEach((line, i) => {
    const r = /^"([^"]+)": (major|minor|patch)$/.exec(line.trim())
    if (!r)
      problems.push(`.changeset/${file}:${i + 2}: expected '"<package>": major|minor|patch', got '${line}'`)
    else if (!packages.has(r[1])) problems.push(`.changeset/${file}:${i + 2}: unknown package "${r[1]}"`)
  })
}
if (problems.length > 0) {
  console.error(problems.join('\n'))
  process.exit(1)
}
console.log(`${files.length} changesets OK`)
