/**
 * The worker's own binary in external-processor mode, for tests: started with the arguments the
 * worker gives its children (`… processor <stage>`), it serves the stage on the mock backend.
 */
import { mockProofs } from '@venus-cluster/core'
import { runProcessorChild } from '../processor-child.js'
import type { SealStage } from '../processors.js'

const stage = process.argv.at(-1) as SealStage
await runProcessorChild({ stage, backend: mockProofs() })
