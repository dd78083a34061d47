/**
 * The one logger interface of venus-cluster. It is pino's call shape (`log.info(obj, msg)`), so a
 * pino logger fits as is, and so does anything with these four methods.
 */

/**
 * What every service logs through: structured fields first, then a short message.
 *
 * @example
 * ```ts
 * import pino from 'pino'
 * const logger: Logger = pino() // pino fits as is
 * logger.info({ sector: 12 }, 'sector sealed')
 * ```
 */
export interface Logger {
  debug(obj: object, msg?: string): void
  info(obj: object, msg?: string): void
  warn(obj: object, msg?: string): void
  error(obj: object, msg?: string): void
  /** A logger that adds `bindings` to every line (pino's `child`); optional. */
  child?(bindings: object): Logger
}

/**
 * A logger that drops everything: the default of every service.
 *
 * @example
 * ```ts
 * const manager = new SectorManager({ ...deps, logger: silentLogger })
 * ```
 */
export const silentLogger: Logger = Object.freeze({
  debug() {},
  info() {},
  warn() {},
  error() {},
  child: () => silentLogger,
})

/**
 * A logger adding `bindings` to every line: the logger's own `child` where it has one.
 *
 * @example
 * ```ts
 * const log = childLogger(logger, { component: 'commit-batcher' })
 * ```
 */
export function childLogger(logger: Logger, bindings: object): Logger {
  if (typeof logger.child === 'function') return logger.child(bindings)
  const merge = (obj: object) => ({ ...bindings, ...obj })
  return {
    debug: (obj, msg) => logger.debug(merge(obj), msg),
    info: (obj, msg) => logger.info(merge(obj), msg),
    warn: (obj, msg) => logger.warn(merge(obj), msg),
    error: (obj, msg) => logger.error(merge(obj), msg),
    child: (more) => childLogger(logger, { ...bindings, ...more }),
  }
}
