import { VenusError } from '@venus-cluster/core'
import { Command } from 'commander'
import { describe, expect, it } from 'vitest'
import { type CliIo, configureProgram, runCli } from './run.js'

function setup(action: () => void | Promise<void>) {
  const io = { out: '', err: '' }
  const sink: CliIo = {
    out: (t) => {
      io.out += t
    },
    err: (t) => {
      io.err += t
    },
  }
  const program = configureProgram(new Command('tool'), sink)
  program.command('go').option('-n, --name <name>').action(action)
  return { program, io, sink }
}

describe('runCli', () => {
  it('returns 0 when the command succeeds', async () => {
    const { program } = setup(() => {})
    expect(await runCli(program, ['node', 'tool', 'go'])).toBe(0)
  })

  it('prints a VenusError as one line without a stack', async () => {
    const { program, io, sink } = setup(() => {
      throw new VenusError('STORE_IO', '/x: cannot create the directory (EACCES)')
    })
    expect(await runCli(program, ['node', 'tool', 'go'], sink)).toBe(1)
    expect(io.err).toBe('error: /x: cannot create the directory (EACCES)\n')
  })

  it('prints err.toJSON() with --json', async () => {
    const { program, io, sink } = setup(() => {
      throw new VenusError('CONFIG_PARSE', 'a.cfg:1:2: not valid TOML', { details: { file: 'a.cfg' } })
    })
    const code = await runCli(program, ['node', 'tool', '--json', 'go'], sink)
    expect(code).toBe(1)
    expect(JSON.parse(io.err)).toEqual({
      name: 'VenusError',
      code: 'CONFIG_PARSE',
      message: 'a.cfg:1:2: not valid TOML',
      details: { file: 'a.cfg' },
    })
  })

  it('wraps unexpected errors as INTERNAL, still one line', async () => {
    const { program, io, sink } = setup(() => {
      throw new TypeError('boom')
    })
    expect(await runCli(program, ['node', 'tool', 'go'], sink)).toBe(1)
    expect(io.err).toBe('error: boom\n')
  })

  it('answers a wrong flag with the error line and the usage, exit code 2', async () => {
    const { program, io } = setup(() => {})
    expect(await runCli(program, ['node', 'tool', 'go', '--nope'])).toBe(2)
    expect(io.err.split('\n')[0]).toBe("error: unknown option '--nope'")
    expect(io.err).toContain('Usage: tool go [options]')
  })

  it('prints help to stdout and returns 0', async () => {
    const { program, io } = setup(() => {})
    expect(await runCli(program, ['node', 'tool', '--help'])).toBe(0)
    expect(io.out).toContain('Usage: tool [options] [command]')
  })
})
