import type { Command } from 'commander'
import { vi } from 'vitest'

/**
 * Runs a program of this package in-process and collects what it prints: the command's own
 * out/err and anything written straight to process.stdout/stderr meanwhile.
 */
async function runInProcess(
  program: () => Promise<Command>,
  name: string,
  args: string[],
): Promise<{ code: number; out: string; err: string }> {
  const { runCli } = await import('../run.js')
  let out = ''
  let err = ''
  const spyOut = vi.spyOn(process.stdout, 'write').mockImplementation((s) => {
    out += String(s)
    return true
  })
  const spyErr = vi.spyOn(process.stderr, 'write').mockImplementation((s) => {
    err += String(s)
    return true
  })
  try {
    const code = await runCli(await program(), ['node', name, ...args], {
      out: (s) => {
        out += s
      },
      err: (s) => {
        err += s
      },
    })
    return { code, out, err }
  } finally {
    spyOut.mockRestore()
    spyErr.mockRestore()
  }
}

/** Runs `venus-sector-manager <args>` in-process. */
export function vsmCli(args: string[]): Promise<{ code: number; out: string; err: string }> {
  return runInProcess(
    async () => (await import('../commands/venus-sector-manager/index.js')).buildSectorManagerProgram(),
    'venus-sector-manager',
    args,
  )
}

/** Runs `venus-worker <args>` in-process. */
export function vwCli(args: string[]): Promise<{ code: number; out: string; err: string }> {
  return runInProcess(
    async () => (await import('../commands/venus-worker/index.js')).buildWorkerProgram(),
    'venus-worker',
    args,
  )
}
