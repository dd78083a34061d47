// Runs one benchmark module inside a fresh process (started by bench/run.mjs) and sends its
// section back over IPC. A benchmark module default-exports { title, description?, run }.
import { pathToFileURL } from 'node:url'
import { createContext } from './context.mjs'

const file = process.argv[2]
try {
  const mod = await import(pathToFileURL(file).href)
  const bench = mod.default
  if (!bench || typeof bench.run !== 'function' || typeof bench.title !== 'string') {
    throw new Error(`${file} must default-export { title: string, run(ctx) }`)
  }
  const ctx = createContext()
  const out = (await bench.run(ctx)) ?? {}
  const section = {
    title: bench.title,
    description: bench.description ?? '',
    rows: out.rows ?? ctx.rows,
    notes: [...(ctx.notes ?? []), ...(out.notes ?? [])],
  }
  process.send?.({ ok: true, section }, () => process.exit(0))
} catch (err) {
  console.error(err)
  process.send?.({ ok: false, error: err instanceof Error ? err.message : String(err) }, () =>
    process.exit(1),
  )
}
