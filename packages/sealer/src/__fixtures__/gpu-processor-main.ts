/**
 * The worker's own binary in external-processor mode for the GPU tests: serves the stage on the
 * mock backend, taking `VC_STAGE_DELAY_MS` longer per request, and appends one JSON line per
 * request to `VC_GPU_LOG`: the stage, the child's `CUDA_VISIBLE_DEVICES`, and when it ran. With
 * `VC_CRASH_ONCE` naming a file that does not exist yet, the first request creates it and the
 * child exits at once (a crash under a request; the restarted child finds the file and serves).
 */
import { appendFileSync, existsSync, writeFileSync } from 'node:fs'
import { setTimeout as sleep } from 'node:timers/promises'
import { mockProofs, type ProofsBackend } from '@venus-cluster/core'
import { runProcessorChild } from '../processor-child.js'
import type { SealStage } from '../processors.js'

const stage = process.argv.at(-1) as SealStage
const logFile = process.env.VC_GPU_LOG
const delay = Number(process.env.VC_STAGE_DELAY_MS ?? 0)
const crashOnce = process.env.VC_CRASH_ONCE
const inner = mockProofs()
const backend = new Proxy(inner, {
  get(target, key) {
    const value = Reflect.get(target, key)
    if (typeof value !== 'function') return value
    return async (...args: unknown[]) => {
      if (crashOnce !== undefined && !existsSync(crashOnce)) {
        writeFileSync(crashOnce, String(process.pid))
        process.exit(3)
      }
      const start = Date.now()
      await sleep(delay)
      try {
        return await value.apply(target, args)
      } finally {
        const cuda = process.env.CUDA_VISIBLE_DEVICES ?? null
        const line = { stage, call: String(key), cuda, pid: process.pid, start, end: Date.now() }
        if (logFile !== undefined) appendFileSync(logFile, `${JSON.stringify(line)}\n`)
      }
    }
  },
}) as ProofsBackend
await runProcessorChild({ stage, backend })
