import { vi } from 'vitest'

/**
 * Runs `venus-sector-manager <args>` in-process and collects what it prints: the command's own
 * out/err and anything written straight to process.stdout/stderr meanwhile.
 */
export async function vsmCli(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const { buildSectorManagerProgram } = await import('../commands/venus-sector-manager/index.js')
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
    const code = await runCli(buildSectorManagerProgram(), ['node', 'venus-sector-manager', ...args], {
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
