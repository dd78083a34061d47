import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdir, readdir, rm, stat } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import { VenusError } from '@venus-cluster/core'
import { BUILD_HINT, loadProofsAddon } from './addon.js'
import { defaultNativeProofsSettings } from './settings.js'

/**
 * The parameter sets one sector size needs: the PoRep (C2) circuit, the two PoSt circuits, the
 * empty-sector-update (SnapDeals) circuit and the fake SnarkPack SRS.
 */
export type ParameterPart = 'porep' | 'window-post' | 'winning-post' | 'update' | 'srs'

/** Every part, in the order they are generated (cheap ones first). */
export const PARAMETER_PARTS: readonly ParameterPart[] = [
  'winning-post',
  'window-post',
  'srs',
  'update',
  'porep',
]

/**
 * The parts sealing and PoSt need, made by default: everything but the SnapDeals update circuit,
 * which is asked for by name (its 8MiB set needs about 18 GiB of memory to make).
 */
export const SEALING_PARAMETER_PARTS: readonly ParameterPart[] = [
  'winning-post',
  'window-post',
  'srs',
  'porep',
]

/**
 * Reads a comma-separated list of parameter parts (as `--parts` takes it).
 *
 * @throws VenusError `PROOFS_INVALID_INPUT` naming the unknown part.
 * @example
 * ```ts
 * parseParameterParts('update,porep') // ['update', 'porep']
 * ```
 */
export function parseParameterParts(text: string): ParameterPart[] {
  const parts = text
    .split(',')
    .map((p) => p.trim())
    .filter((p) => p !== '')
  for (const p of parts) {
    if (!PARAMETER_PARTS.includes(p as ParameterPart)) {
      throw new VenusError(
        'PROOFS_INVALID_INPUT',
        `unknown parameter part '${p}' (one of ${PARAMETER_PARTS.join(', ')})`,
        { details: { part: p } },
      )
    }
  }
  if (parts.length === 0) {
    throw new VenusError(
      'PROOFS_INVALID_INPUT',
      `no parameter part given (one of ${PARAMETER_PARTS.join(', ')})`,
    )
  }
  return parts as ParameterPart[]
}

/** A progress report of {@link generateParameters}. */
export type ParameterProgressEvent =
  | { type: 'start'; part: ParameterPart; sectorSize: number }
  | {
      type: 'done'
      part: ParameterPart
      sectorSize: number
      /** Files written now (absolute paths). */
      written: string[]
      /** Files that were already there and were kept. */
      kept: string[]
      ms: number
    }

/** Options of {@link generateParameters}. */
export interface GenerateParametersOptions {
  /** 2048 / '2KiB', 8388608 / '8MiB' or 536870912 / '512MiB'. */
  sectorSize: number | string
  /** Target directory (default: the parameter cache, `$FIL_PROOFS_PARAMETER_CACHE` or `~/.cache/venus-cluster/params`). */
  dir?: string | undefined
  /**
   * Which sets to make (default: {@link SEALING_PARAMETER_PARTS}; add `'update'` for SnapDeals —
   * its 8MiB set needs about 18 GiB of memory to make).
   */
  parts?: readonly ParameterPart[] | undefined
  onProgress?: ((event: ParameterProgressEvent) => void) | undefined
  /** Kills the generator; files already moved into `dir` stay, half-made ones are removed. */
  signal?: AbortSignal | undefined
}

/** Result of {@link generateParameters}. */
export interface GenerateParametersResult {
  dir: string
  sectorSize: number
  parts: Extract<ParameterProgressEvent, { type: 'done' }>[]
  ms: number
}

const SIZES: Record<string, number> = { '2KiB': 2048, '8MiB': 8 << 20, '512MiB': 512 << 20 }

/** @internal */
export function localParameterSectorSize(size: number | string): number {
  const n = typeof size === 'number' ? size : (SIZES[size] ?? Number(size))
  if (!Object.values(SIZES).includes(n)) {
    throw new VenusError(
      'SECTOR_SIZE_INVALID',
      'local parameters can be made for 2KiB, 8MiB and 512MiB sectors only',
      {
        details: { sectorSize: size },
      },
    )
  }
  return n
}

/**
 * Creates Groth16 parameters and verifying keys for PoRep, WindowPoSt, WinningPoSt and (when
 * asked for) the empty-sector update (SnapDeals), and a fake aggregation SRS, for one small
 * sector size, keeping every file that already exists. The files get the names the proofs library looks up
 * (`v28-<circuit>-<hash of its public parameters>.{params,vk,meta}`, e.g.
 * `v28-empty-sector-update-merkletree-poseidon_hasher-8-0-0-<hash>` for the update circuit). The work
 * runs in a child process into a temporary folder inside `dir`, and each finished file is moved
 * in by rename, so an interrupted run never leaves a truncated parameter file behind.
 *
 * These parameters are made from fresh randomness: proofs made with them verify only against
 * these verifying keys (never against the published keys that mainnet and calibnet use). When
 * the published files are in `dir` they are kept and used instead.
 *
 * @example
 * ```ts
 * import { generateParameters } from '@venus-cluster/proofs-native'
 * await generateParameters({ sectorSize: '2KiB', onProgress: (e) => console.log(e) })
 * await generateParameters({ sectorSize: '2KiB', parts: ['update'] }) // SnapDeals
 * ```
 */
export async function generateParameters(
  options: GenerateParametersOptions,
): Promise<GenerateParametersResult> {
  const sectorSize = localParameterSectorSize(options.sectorSize)
  const dir = options.dir ?? defaultNativeProofsSettings().parameterCache
  const parts = options.parts ?? SEALING_PARAMETER_PARTS
  for (const p of parts) {
    if (!PARAMETER_PARTS.includes(p)) {
      throw new VenusError('PROOFS_INVALID_INPUT', `unknown parameter part ${p}`, { details: { parts } })
    }
  }
  // Fail here, with the build hint, rather than in the child.
  loadProofsAddon()
  await mkdir(dir, { recursive: true })
  await removeStaleTemporaries(dir)
  const started = Date.now()
  const tmp = join(dir, `.tmp-gen-${process.pid}-${Date.now()}`)
  await mkdir(tmp, { recursive: true })
  const done: GenerateParametersResult['parts'] = []
  try {
    await runChild({ dir, tmp, sectorSize, parts }, options, (event) => {
      if (event.type === 'done') done.push(event)
      options.onProgress?.(event)
    })
  } finally {
    await rm(tmp, { recursive: true, force: true })
  }
  return { dir, sectorSize, parts: done, ms: Date.now() - started }
}

/** @internal Removes the temporary folders of generators whose process is gone (killed). */
export async function removeStaleTemporaries(dir: string): Promise<void> {
  for (const name of await readdir(dir).catch(() => [] as string[])) {
    const m = /^\.tmp-gen-(\d+)-\d+$/.exec(name)
    if (m === null || Number(m[1]) === process.pid) continue
    try {
      process.kill(Number(m[1]), 0)
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ESRCH')
        await rm(join(dir, name), { recursive: true, force: true })
    }
  }
}

interface ChildArgs {
  dir: string
  tmp: string
  sectorSize: number
  parts: readonly ParameterPart[]
}

function childCommand(): string[] {
  const here = dirname(fileURLToPath(import.meta.url))
  const js = join(here, 'gen-params-child.js')
  if (existsSync(js)) return [js]
  // Running from TypeScript sources (tests): let tsx compile the child.
  return ['--import', 'tsx', join(here, 'gen-params-child.ts')]
}

function runChild(
  args: ChildArgs,
  options: GenerateParametersOptions,
  onEvent: (e: ParameterProgressEvent) => void,
): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...childCommand(), JSON.stringify(args)], {
      env: { ...process.env, FIL_PROOFS_PARAMETER_CACHE: args.tmp },
      stdio: ['ignore', 'pipe', 'pipe'],
      signal: options.signal,
    })
    let stderr = ''
    child.stderr.on('data', (d: Buffer) => {
      stderr = (stderr + d.toString()).slice(-4000)
    })
    createInterface({ input: child.stdout }).on('line', (line) => {
      try {
        const msg = JSON.parse(line) as ParameterProgressEvent | { type: 'error'; message: string }
        if (msg.type === 'error') stderr += msg.message
        else onEvent(msg)
      } catch {
        // not a protocol line
      }
    })
    child.on('error', (err) => {
      if (options.signal?.aborted) {
        reject(new VenusError('ABORTED', 'parameter generation aborted', { cause: options.signal.reason }))
      } else {
        reject(
          new VenusError('PROOFS_FAILED', `parameter generator failed to start: ${err.message}`, {
            cause: err,
          }),
        )
      }
    })
    child.on('close', (code, sig) => {
      if (code === 0) return resolve()
      if (options.signal?.aborted) {
        return reject(
          new VenusError('ABORTED', 'parameter generation aborted', { cause: options.signal.reason }),
        )
      }
      reject(
        new VenusError(
          'PROOFS_FAILED',
          `parameter generation failed (exit ${code ?? sig}): ${stderr.trim()}`,
          {
            details: { exitCode: code, signal: sig, hint: BUILD_HINT },
          },
        ),
      )
    })
  })
}

/** @internal Used by the child: which of `names` exist in `dir`. */
export async function existingFiles(dir: string, names: readonly string[]): Promise<string[]> {
  const present = new Set(await readdir(dir).catch(() => [] as string[]))
  const out: string[] = []
  for (const n of names) {
    if (present.has(n) && (await stat(join(dir, n))).size > 0) out.push(n)
  }
  return out
}
