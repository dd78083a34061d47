// Child process of `generateParameters`: the parent sets FIL_PROOFS_PARAMETER_CACHE to a temp
// folder inside the target folder; finished files are moved from there into the target by rename.
import { readFileSync } from 'node:fs'
import { link, rename } from 'node:fs/promises'
import { basename, join } from 'node:path'
import { existingFiles, type ParameterPart } from './params.js'
import { initNativeProofs } from './settings.js'

interface Args {
  dir: string
  tmp: string
  sectorSize: number
  parts: ParameterPart[]
}

function emit(msg: unknown): void {
  process.stdout.write(`${JSON.stringify(msg)}\n`)
}

/**
 * Exits when the parent goes away (killed with SIGKILL, say): the generation runs for many
 * minutes with gigabytes of memory, and an orphan would keep both.
 */
function exitWithParent(): void {
  // `process.ppid` is read once at start-up; the kernel's view is in /proc (Linux only, as the
  // addon is).
  const ppid = () => {
    try {
      const stat = readFileSync('/proc/self/stat', 'utf8')
      return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1])
    } catch {
      return process.ppid
    }
  }
  const parent = ppid()
  setInterval(() => {
    // Not process.exit: it waits for the running native task (libuv joins its pool at exit).
    if (ppid() !== parent) process.kill(process.pid, 'SIGKILL')
  }, 1000).unref()
}

async function main(): Promise<void> {
  exitWithParent()
  const args = JSON.parse(process.argv[process.argv.length - 1] ?? '{}') as Args
  const addon = initNativeProofs({ parameterCache: args.tmp })
  for (const part of args.parts) {
    emit({ type: 'start', part, sectorSize: args.sectorSize })
    const t0 = Date.now()
    const names = addon.parameterFileNames(part, args.sectorSize)
    const present = await existingFiles(args.dir, names)
    const kept = present.map((n) => join(args.dir, n))
    const written: string[] = []
    if (present.length < names.length) {
      // Existing files (e.g. a .params without its .vk) are linked in so the library reuses them.
      for (const n of present) await link(join(args.dir, n), join(args.tmp, n)).catch(() => {})
      await addon.generateParameterSet(part, args.sectorSize)
      for (const n of names) {
        if (present.includes(n)) continue
        await rename(join(args.tmp, n), join(args.dir, n))
        written.push(join(args.dir, basename(n)))
      }
    }
    emit({ type: 'done', part, sectorSize: args.sectorSize, written, kept, ms: Date.now() - t0 })
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    emit({ type: 'error', message: err instanceof Error ? err.message : String(err) })
    process.exit(1)
  },
)
