import { VenusError } from '../errors/index.js'

const UNIT_EXP: Readonly<Record<string, number>> = {
  fil: 18,
  millifil: 15,
  microfil: 12,
  nanofil: 9,
  picofil: 6,
  femtofil: 3,
  attofil: 0,
}

/**
 * Parses a FIL amount into attoFIL: `"0.02 FIL"`, `"5 nanoFIL"`, `"1 attoFIL"`, `"1.5"` (FIL when
 * no unit is given, as lotus' `ParseFIL` reads it), also `"5nanofil"` and `"5 nFIL"`-less plain
 * forms. Fractions finer than one attoFIL are refused.
 *
 * @example
 * ```ts
 * parseFil('5 nanoFIL') // 5000000000n
 * parseFil('0.02 FIL') // 20000000000000000n
 * ```
 */
export function parseFil(input: string | number | bigint): bigint {
  if (typeof input === 'bigint') return input
  const text = String(input).trim()
  const m = /^(-?)(\d+)(?:\.(\d+))?\s*([a-z]*)$/i.exec(text)
  const exp = m === null ? undefined : UNIT_EXP[(m[4] || 'fil').toLowerCase()]
  if (m === null || exp === undefined) {
    throw new VenusError(
      'FIL_AMOUNT_INVALID',
      `cannot read ${JSON.stringify(text)} as a FIL amount like "0.02 FIL" or "5 nanoFIL"`,
      {
        details: { input: text },
      },
    )
  }
  const frac = m[3] ?? ''
  if (frac.replace(/0+$/, '').length > exp) {
    throw new VenusError('FIL_AMOUNT_INVALID', `${JSON.stringify(text)} is finer than one attoFIL`, {
      details: { input: text },
    })
  }
  const value =
    BigInt(m[2]!) * 10n ** BigInt(exp) +
    (frac === '' ? 0n : BigInt(frac.padEnd(exp, '0').slice(0, exp) || '0'))
  return m[1] === '-' ? -value : value
}

/**
 * Prints attoFIL in FIL with up to 18 decimals and no trailing zeros, as lotus' `FIL.String()`.
 * With `{ unit: 'auto' }` it picks the largest unit that keeps the number ≥ 1, like lotus'
 * `Short()`.
 *
 * @example
 * ```ts
 * formatFil(20000000000000000n) // '0.02 FIL'
 * formatFil(5000000000n, { unit: 'auto' }) // '5 nanoFIL'
 * ```
 */
export function formatFil(
  atto: bigint,
  options: { unit?: 'FIL' | 'attoFIL' | 'nanoFIL' | 'auto' } = {},
): string {
  const neg = atto < 0n
  const abs = neg ? -atto : atto
  let unit = options.unit ?? 'FIL'
  if (unit === 'auto') {
    const entry = Object.entries(UNIT_EXP).find(([, e]) => abs >= 10n ** BigInt(e)) ?? ['attofil', 0]
    unit = NAMES[entry[0]] as 'FIL'
  }
  const exp = BigInt(UNIT_EXP[unit.toLowerCase()] ?? 18)
  const scale = 10n ** exp
  const whole = abs / scale
  const frac = (abs % scale).toString().padStart(Number(exp), '0').replace(/0+$/, '')
  return `${neg ? '-' : ''}${whole}${frac === '' ? '' : `.${frac}`} ${unit}`
}

const NAMES: Readonly<Record<string, string>> = {
  fil: 'FIL',
  millifil: 'milliFIL',
  microfil: 'microFIL',
  nanofil: 'nanoFIL',
  picofil: 'picoFIL',
  femtofil: 'femtoFIL',
  attofil: 'attoFIL',
}
