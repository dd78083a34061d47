/**
 * The child side of the external processor protocol (`venus-worker processor <stage>`): prints
 * the ready line, then serves one JSON request per stdin line concurrently, answering each on
 * stdout as soon as it is done (so answers may come out of order). Exits on stdin EOF.
 */
import { createInterface } from 'node:readline'
import type { ProofsBackend } from '@venus-cluster/core'
import { fromStageWire, runStageOn, type SealStage, toStageWire } from './processors.js'

/** Options of {@link runProcessorChild}. */
export interface ProcessorChildOptions {
  stage: SealStage
  backend: ProofsBackend
  input?: NodeJS.ReadableStream
  output?: NodeJS.WritableStream
}

/**
 * Serves requests until stdin ends; resolves when every answer has been written.
 *
 * @example
 * ```ts
 * await runProcessorChild({ stage: 'pc2', backend: mockProofs() })
 * ```
 */
export async function runProcessorChild(options: ProcessorChildOptions): Promise<void> {
  const input = options.input ?? process.stdin
  const output = options.output ?? process.stdout
  output.write(`${options.stage} processor ready\n`)
  const running = new Set<Promise<void>>()
  const rl = createInterface({ input })
  for await (const line of rl) {
    if (line.trim() === '') continue
    let msg: { id?: unknown; data?: unknown }
    try {
      msg = JSON.parse(line)
    } catch {
      process.stderr.write(`${options.stage} processor: undecodable line skipped\n`)
      continue
    }
    const id = msg.id
    const p = (async () => {
      let answer: { id: unknown; err_msg: string | null; result: unknown }
      try {
        const result = await runStageOn(options.backend, options.stage, fromStageWire(msg.data) as never)
        answer = { id, err_msg: null, result: toStageWire(result) }
      } catch (err) {
        answer = { id, err_msg: err instanceof Error ? err.message : String(err), result: null }
      }
      output.write(`${JSON.stringify(answer)}\n`)
    })()
    running.add(p)
    void p.finally(() => running.delete(p))
  }
  await Promise.all(running)
}
