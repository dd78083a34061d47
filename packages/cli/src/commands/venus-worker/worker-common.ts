/** Shared pieces of the worker commands: the pino logger and the proofs backend choice. */
import { type Logger, mockProofs, type ProofsBackend, VenusError } from '@venus-cluster/core'
import type { PoolBackendSpec } from '@venus-cluster/sealer'
import { pino } from 'pino'
import { importProofsNative } from '../../proofs-native.js'

const LEVELS = new Set(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'])

/**
 * The log level from `RUST_LOG`, `VENUS_WORKER_LOG` or `LOG_LEVEL` (first set wins). Rust-style
 * filters (`info,venus_worker=debug`) contribute their bare level; default `info`.
 *
 * @example
 * ```ts
 * workerLogLevel({ RUST_LOG: 'debug,hyper=warn' }) // 'debug'
 * ```
 */
export function workerLogLevel(env: NodeJS.ProcessEnv = process.env): string {
  const raw = env.RUST_LOG ?? env.VENUS_WORKER_LOG ?? env.LOG_LEVEL
  if (raw === undefined || raw === '') return 'info'
  for (const part of raw.split(',')) {
    const p = part.trim().toLowerCase()
    if (LEVELS.has(p)) return p
    if (p === 'warning') return 'warn'
    if (p === 'off') return 'silent'
  }
  return 'info'
}

/** A pino logger on stderr with RFC 3339 UTC times. */
export function workerLogger(): pino.Logger {
  return pino(
    { level: workerLogLevel(), timestamp: pino.stdTimeFunctions.isoTime, base: { app: 'venus-worker' } },
    pino.destination(2),
  )
}

/** `--proofs` values. */
export type ProofsChoice = 'mock' | 'native'

/** Parses `--proofs` (default from `VENUS_WORKER_PROOFS`, else `mock`). */
export function proofsChoice(value: string | undefined): ProofsChoice {
  const v = value ?? process.env.VENUS_WORKER_PROOFS ?? 'mock'
  if (v !== 'mock' && v !== 'native') {
    throw new VenusError('CLI_USAGE', `--proofs must be "mock" or "native", not ${JSON.stringify(v)}`)
  }
  return v
}

/**
 * The in-process backend of a choice. `logger` gets the native backend's warnings (the GPU asked
 * for with `VENUS_PROOFS_GPU=1` but the CPU build in use, and why).
 */
export async function proofsBackend(choice: ProofsChoice, logger?: Logger): Promise<ProofsBackend> {
  if (choice === 'mock') return mockProofs()
  const mod = await importProofsNative<{ nativeProofs: (o?: { logger?: Logger }) => ProofsBackend }>(
    'or use --proofs mock',
  )
  return mod.nativeProofs(logger ? { logger } : {})
}

/** The pool-thread backend spec of a choice. */
export function poolBackend(choice: ProofsChoice): PoolBackendSpec {
  return choice === 'mock'
    ? { kind: 'mock' }
    : { kind: 'module', module: '@venus-cluster/proofs-native', exportName: 'nativeProofs' }
}
