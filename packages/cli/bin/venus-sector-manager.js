#!/usr/bin/env node
// Launcher committed beside the sources so that npm links it at install time, before the
// TypeScript is built; it runs the compiled command and says how to build it when it is missing.
import { existsSync } from 'node:fs'

const target = new URL('../dist/bin/venus-sector-manager.js', import.meta.url)
if (!existsSync(target)) {
  console.error(
    'venus-sector-manager is not built yet: run `npm run build` in the venus-cluster checkout first',
  )
  process.exit(1)
}
await import(target.href)
