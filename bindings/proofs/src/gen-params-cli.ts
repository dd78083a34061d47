#!/usr/bin/env node
// `venus-gen-params --sector-size 2KiB [--dir DIR] [--parts update,porep]`: the CI / script entry
// of generateParameters.
// The user-facing command is `venus-cluster util params` (packages/cli).
import { parseArgs } from 'node:util'
import { generateParameters, type ParameterPart, parseParameterParts } from './params.js'

const { values } = parseArgs({
  options: {
    'sector-size': { type: 'string', default: '2KiB' },
    dir: { type: 'string' },
    parts: { type: 'string' },
  },
})
let parts: ParameterPart[] | undefined
try {
  parts = values.parts === undefined ? undefined : parseParameterParts(values.parts)
} catch (err) {
  console.error(`--parts: ${err instanceof Error ? err.message : String(err)}`)
  process.exit(1)
}
const t0 = Date.now()
// SIGINT/SIGTERM (a CI timeout, ^C) stop the generator child and remove its temporary folder.
const controller = new AbortController()
for (const sig of ['SIGINT', 'SIGTERM'] as const) process.once(sig, () => controller.abort())
generateParameters({
  sectorSize: values['sector-size'] ?? '2KiB',
  dir: values.dir,
  parts,
  signal: controller.signal,
  onProgress: (e) => {
    if (e.type === 'start')
      console.log(`[params] ${e.part} ${e.sectorSize}: generating (or keeping existing)`)
    else
      console.log(
        `[params] ${e.part}: ${e.written.length} written, ${e.kept.length} kept, ${(e.ms / 1000).toFixed(1)} s`,
      )
  },
}).then(
  (r) => console.log(`[params] done in ${((Date.now() - t0) / 1000).toFixed(1)} s into ${r.dir}`),
  (err: unknown) => {
    console.error(err instanceof Error ? err.message : err)
    process.exit(1)
  },
)
