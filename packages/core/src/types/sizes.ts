import { VenusError } from '../errors/index.js'
import { SECTOR_SIZES } from './proof-types.js'

const UNITS: readonly [string, number][] = [
  ['B', 1],
  ['KiB', 2 ** 10],
  ['MiB', 2 ** 20],
  ['GiB', 2 ** 30],
  ['TiB', 2 ** 40],
  ['PiB', 2 ** 50],
]

/**
 * Parses a byte size written as `2KiB`, `32GiB`, `8 MiB` or a plain number of bytes. With
 * `{ sector: true }` (the default) only the five Filecoin sector sizes are accepted.
 *
 * @example
 * ```ts
 * parseSectorSize('32GiB') // 34359738368
 * parseSectorSize('2KiB') // 2048
 * ```
 */
export function parseSectorSize(input: string | number, options: { sector?: boolean } = {}): number {
  const bytes = typeof input === 'number' ? input : parseByteSize(input)
  if ((options.sector ?? true) && !SECTOR_SIZES.includes(bytes)) {
    throw new VenusError(
      'SECTOR_SIZE_INVALID',
      `${JSON.stringify(input)} is not a sector size; expected one of 2KiB, 8MiB, 512MiB, 32GiB, 64GiB`,
      { details: { input } },
    )
  }
  return bytes
}

function parseByteSize(input: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([KMGTP]i?B|B)?\s*$/i.exec(input)
  if (m === null) {
    throw new VenusError('SECTOR_SIZE_INVALID', `cannot read ${JSON.stringify(input)} as a size like 32GiB`, {
      details: { input },
    })
  }
  const unitText = (m[2] ?? 'B').toLowerCase().replace(/^([kmgtp])b$/, '$1ib')
  const unit = UNITS.find(([u]) => u.toLowerCase() === unitText)
  const bytes = Number(m[1]) * (unit?.[1] ?? 1)
  if (!Number.isSafeInteger(bytes) || bytes <= 0) {
    throw new VenusError('SECTOR_SIZE_INVALID', `${JSON.stringify(input)} is not a whole number of bytes`, {
      details: { input },
    })
  }
  return bytes
}

/**
 * Prints a byte size the way lotus and venus print sector sizes: the largest binary unit that
 * divides it exactly.
 *
 * @example
 * ```ts
 * formatSectorSize(34359738368) // '32GiB'
 * formatSectorSize(2048) // '2KiB'
 * ```
 */
export function formatSectorSize(bytes: number): string {
  if (!Number.isSafeInteger(bytes) || bytes < 0) {
    throw new VenusError('SECTOR_SIZE_INVALID', `${bytes} is not a byte size`, { details: { bytes } })
  }
  for (let i = UNITS.length - 1; i > 0; i--) {
    const [name, factor] = UNITS[i]!
    if (bytes >= factor && bytes % factor === 0) return `${bytes / factor}${name}`
  }
  return `${bytes}B`
}

/** Whether `size` is a valid padded piece size: a power of two of at least 128 bytes. */
export function isPaddedPieceSize(size: number): boolean {
  return isPow2(size)
}

function isPow2(n: number): boolean {
  if (!Number.isSafeInteger(n) || n < 128) return false
  while (n > 1) {
    if (n % 2 !== 0) return false
    n /= 2
  }
  return true
}

/** Whether `size` is a valid unpadded piece size: 127/128 of a padded piece size. */
export function isUnpaddedPieceSize(size: number): boolean {
  return Number.isSafeInteger(size) && size % 127 === 0 && isPow2((size / 127) * 128)
}

/**
 * The padded size of an unpadded piece size (`x + x/127`).
 *
 * @example
 * ```ts
 * paddedPieceSize(2032) // 2048
 * ```
 */
export function paddedPieceSize(unpadded: number): number {
  if (!isUnpaddedPieceSize(unpadded)) {
    throw new VenusError('PIECE_SIZE_INVALID', `${unpadded} is not an unpadded piece size (127·2^k, k ≥ 0)`, {
      details: { unpadded },
    })
  }
  return unpadded + unpadded / 127
}

/**
 * The unpadded size of a padded piece size (`x - x/128`).
 *
 * @example
 * ```ts
 * unpaddedPieceSize(2048) // 2032
 * ```
 */
export function unpaddedPieceSize(padded: number): number {
  if (!isPow2(padded)) {
    throw new VenusError(
      'PIECE_SIZE_INVALID',
      `${padded} is not a padded piece size (a power of two ≥ 128)`,
      {
        details: { padded },
      },
    )
  }
  return padded - padded / 128
}
