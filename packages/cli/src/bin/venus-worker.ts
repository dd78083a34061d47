#!/usr/bin/env node
import { buildWorkerProgram } from '../commands/venus-worker/index.js'
import { runCli } from '../run.js'

process.exitCode = await runCli(buildWorkerProgram(), process.argv)
