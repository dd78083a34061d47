#!/usr/bin/env node
import { buildSectorManagerProgram } from '../commands/venus-sector-manager/index.js'
import { runCli } from '../run.js'

process.exitCode = await runCli(buildSectorManagerProgram(), process.argv)
