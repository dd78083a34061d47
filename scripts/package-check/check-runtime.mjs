// Run inside the consumer app (after write-consumer.mjs and tsc): imports every entry point
// from the installed packages and checks what that loads. Importing must not load a database
// driver (better-sqlite3, pg: optional peers, loaded when a store opens) nor the proofs addon.
// With WANT_ADDON=1 the addon must then load from the linux-x64-gnu platform package.
import { createRequire } from 'node:module'

const require = createRequire(`${process.cwd()}/`)
const { entryPoints } = await import(`${process.cwd()}/build/consumer/entry-points.js`)
const problems = []
for (const [name, mod] of Object.entries(entryPoints)) {
  if (Object.keys(mod).length === 0) problems.push(`${name} exports nothing at run time`)
}

const loaded = Object.keys(require.cache)
for (const driver of ['better-sqlite3', 'pg']) {
  const hit = loaded.find((p) => p.includes(`/node_modules/${driver}/`))
  if (hit) problems.push(`importing the entry points loaded ${driver} (${hit})`)
}
if (loaded.some((p) => p.endsWith('.node'))) problems.push('importing the entry points loaded a native addon')

if (problems.length === 0) {
  console.log(
    `runtime: ${Object.keys(entryPoints).length} entry points import; no database driver or addon loaded`,
  )
}

const native = entryPoints['@venus-cluster/proofs-native']
if (native !== undefined && process.env.WANT_ADDON === '1') {
  const [first] = native.addonCandidates()
  if (!first?.includes('/node_modules/@venus-cluster/proofs-native-linux-x64-gnu/')) {
    problems.push(`the addon is not looked for in the platform package first: ${first}`)
  }
  if (!native.isNativeProofsAvailable()) problems.push('the addon from the platform package does not load')
  else console.log(`runtime: addon ${native.loadProofsAddon().nativeVersion()} loaded from ${first}`)
}

if (problems.length > 0) {
  console.error(problems.join('\n'))
  process.exit(1)
}
