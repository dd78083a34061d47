/**
 * `venus-cluster util params`: makes local Groth16 parameters for a small sector size with the
 * native proofs addon, so real proofs can run on a machine without the published files.
 */
import { homedir } from 'node:os'
import { join } from 'node:path'
import { formatSectorSize, parseSectorSize, VenusError } from '@venus-cluster/core'
import type { Command } from 'commander'
import { importProofsNative, PROOFS_NATIVE_PACKAGE } from '../../proofs-native.js'

/** Sector sizes the local parameter generator supports (rust-fil-proofs' small test sizes). */
export const LOCAL_PARAMETER_SIZES: readonly number[] = [2048, 8 << 20, 512 << 20]

/**
 * Checks `--sector-size` for `util params` before anything native is loaded.
 *
 * @example
 * ```ts
 * utilParamsSectorSize('2KiB') // 2048
 * ```
 */
export function utilParamsSectorSize(text: string): number {
  let size: number
  try {
    size = parseSectorSize(text)
  } catch (err) {
    throw new VenusError('CLI_USAGE', `--sector-size: '${text}' is not a sector size like 2KiB`, {
      cause: err,
    })
  }
  if (!LOCAL_PARAMETER_SIZES.includes(size))
    throw new VenusError(
      'CLI_USAGE',
      `--sector-size: local parameters can be made for 2KiB, 8MiB and 512MiB only, not ${text}`,
    )
  return size
}

/**
 * The parameter sets `util params --parts` accepts (those of proofs-native's `generateParameters`):
 * the PoRep circuit, the two PoSt circuits, the SnapDeals update circuit, the fake SnarkPack SRS.
 */
export const PARAMETER_PART_NAMES: readonly string[] = [
  'porep',
  'window-post',
  'winning-post',
  'update',
  'srs',
]

/**
 * Checks `--parts` (a comma-separated list) for `util params` before anything native is loaded.
 *
 * @example
 * ```ts
 * utilParamsParts('update') // ['update']
 * ```
 */
export function utilParamsParts(text: string): string[] {
  const parts = text
    .split(',')
    .map((p) => p.trim())
    .filter((p) => p !== '')
  const unknown = parts.find((p) => !PARAMETER_PART_NAMES.includes(p))
  if (unknown !== undefined || parts.length === 0) {
    throw new VenusError(
      'CLI_USAGE',
      `--parts: '${unknown ?? text}' is not a parameter set (${PARAMETER_PART_NAMES.join(', ')})`,
    )
  }
  return parts
}

interface ParamsEvent {
  type: 'start' | 'done'
  part: string
  written?: string[]
  kept?: string[]
  ms?: number
}

interface NativeParamsModule {
  loadProofsAddon?: () => unknown
  describeGpu?: (addon: never) => string
  generateParameters: (o: {
    sectorSize: number
    dir?: string | undefined
    parts?: string[] | undefined
    onProgress?: (e: ParamsEvent) => void
    signal?: AbortSignal
  }) => Promise<{ dir: string; ms: number }>
}

async function loadGenerator(): Promise<{
  generate: NativeParamsModule['generateParameters']
  gpu: () => string | undefined
}> {
  const mod = await importProofsNative<Partial<NativeParamsModule>>()
  const { generateParameters, loadProofsAddon, describeGpu } = mod
  if (typeof generateParameters !== 'function') {
    throw new VenusError(
      'PROOFS_NATIVE_UNAVAILABLE',
      `${PROOFS_NATIVE_PACKAGE} has no generateParameters export`,
    )
  }
  const gpu = () =>
    typeof loadProofsAddon === 'function' && typeof describeGpu === 'function'
      ? describeGpu(loadProofsAddon() as never)
      : undefined
  return { generate: generateParameters, gpu }
}

/** Adds `util params` to the `venus-cluster` program. */
export function registerUtilCommands(program: Command): Command {
  const util = program.command('util').description('utilities: proof parameters')
  // The update (SnapDeals) circuit is made when named (`--parts update`): its 8MiB set needs
  // about 18 GiB of memory, which the default must not spring on anyone.
  util
    .command('params')
    .description(
      'make local proof parameters for a small sector size (kept when already there); they verify ' +
        'only locally: published files in the parameter cache are used when present',
    )
    .option('--sector-size <size>', 'sector size: 2KiB, 8MiB or 512MiB', '2KiB')
    .option(
      '--dir <dir>',
      'target directory (default: $FIL_PROOFS_PARAMETER_CACHE or ~/.cache/venus-cluster/params)',
    )
    .option(
      '--parts <list>',
      `comma-separated parameter sets to make: ${PARAMETER_PART_NAMES.join(', ')} (default: all but ` +
        'update, the SnapDeals circuit; its 8MiB set needs about 18 GiB of memory)',
    )
    .action(async (opts: { sectorSize: string; dir?: string; parts?: string }) => {
      const sectorSize = utilParamsSectorSize(opts.sectorSize)
      const parts = opts.parts === undefined ? undefined : utilParamsParts(opts.parts)
      const { generate, gpu } = await loadGenerator()
      const log = (line: string) => process.stderr.write(`${line}\n`)
      const dir =
        opts.dir ??
        process.env.FIL_PROOFS_PARAMETER_CACHE ??
        join(homedir(), '.cache', 'venus-cluster', 'params')
      log(
        `making ${formatSectorSize(sectorSize)} parameters in ${dir}. Note: locally made parameters ` +
          'verify only proofs made on this machine with them, never on mainnet/calibnet; published ' +
          'files already in the cache are kept and used.',
      )
      // The proofs library makes parameters on the CPU in every build; the line says which build
      // this machine's proofs would use, and whether with a GPU.
      const gpuLine = gpu()
      if (gpuLine !== undefined) log(`[params] proofs addon GPU: ${gpuLine} (parameters are made on the CPU)`)
      const controller = new AbortController()
      const onSignal = () => controller.abort()
      process.once('SIGINT', onSignal)
      try {
        const r = await generate({
          sectorSize,
          dir,
          parts,
          signal: controller.signal,
          onProgress: (e) => {
            if (e.type === 'start') log(`[params] ${e.part}: generating (existing files are kept)`)
            else
              log(
                `[params] ${e.part}: ${e.written?.length ?? 0} written, ${e.kept?.length ?? 0} kept, ` +
                  `${((e.ms ?? 0) / 1000).toFixed(1)} s`,
              )
          },
        })
        process.stdout.write(`parameters ready in ${r.dir} (${(r.ms / 1000).toFixed(1)} s)\n`)
      } finally {
        process.off('SIGINT', onSignal)
      }
    })
  return util
}
