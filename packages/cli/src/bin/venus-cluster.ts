#!/usr/bin/env node
import { buildClusterProgram } from '../commands/venus-cluster/index.js'
import { runCli } from '../run.js'

process.exitCode = await runCli(buildClusterProgram(), process.argv)
