// The loader's choice between the CUDA and the CPU build. Stand-in addons are CommonJS files (the
// loader `require`s whatever path it finds), so this runs without a built addon; the real CUDA
// build is exercised by native.int.test.ts with VENUS_PROOFS_GPU=1 (see docs/proofs.md, GPU).
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { isVenusError, type Logger, type VenusError } from '@venus-cluster/core'
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import {
  addonCandidates,
  CUDA_ADDON_FILE,
  describeGpu,
  gpuRequested,
  loadedAddonInfo,
  loadProofsAddon,
  resetAddonLoadState,
} from '../src/addon.js'

let dir: string
let n = 0
const saved = { native: process.env.VENUS_PROOFS_NATIVE_PATH, cuda: process.env.VENUS_PROOFS_CUDA_PATH }

function fakeAddon(variant: 'cpu' | 'cuda', summary: string): string {
  return `module.exports = {
    addonVariant: () => ${JSON.stringify(variant)},
    nativeVersion: () => '0.1.0',
    gpuInfo: () => ({ cuda: ${variant === 'cuda'}, devices: [], prover: false, treeBuilder: false, summary: ${JSON.stringify(summary)} }),
  }\n`
}

/** Writes a stand-in addon and returns its path (a fresh name each time: `require` caches). */
async function stand(body: string): Promise<string> {
  n += 1
  const path = join(dir, `addon-${n}.cjs`)
  await writeFile(path, body)
  return path
}

function recordingLogger(): Logger & { lines: { obj: object; msg?: string | undefined }[] } {
  const lines: { obj: object; msg?: string | undefined }[] = []
  const push = (obj: object, msg?: string) => lines.push({ obj, msg })
  return { lines, debug: push, info: push, warn: push, error: push }
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'venus-gpu-loader-'))
})

afterEach(() => {
  resetAddonLoadState(true)
  if (saved.native === undefined) delete process.env.VENUS_PROOFS_NATIVE_PATH
  else process.env.VENUS_PROOFS_NATIVE_PATH = saved.native
  if (saved.cuda === undefined) delete process.env.VENUS_PROOFS_CUDA_PATH
  else process.env.VENUS_PROOFS_CUDA_PATH = saved.cuda
})

afterAll(async () => {
  await rm(dir, { recursive: true, force: true })
})

describe('VENUS_PROOFS_GPU', () => {
  it('is off unless set to 1, true, on or yes', () => {
    expect(gpuRequested({})).toBe(false)
    for (const v of ['', '0', 'false', 'OFF', 'no']) expect(gpuRequested({ VENUS_PROOFS_GPU: v })).toBe(false)
    for (const v of ['1', 'true', 'On', 'yes']) expect(gpuRequested({ VENUS_PROOFS_GPU: v })).toBe(true)
  })

  it('rejects other values, naming the variable and the value', () => {
    let err: unknown
    try {
      gpuRequested({ VENUS_PROOFS_GPU: 'cuda' })
    } catch (e) {
      err = e
    }
    expect(isVenusError(err, 'PROOFS_INVALID_INPUT')).toBe(true)
    expect((err as VenusError).message).toBe('VENUS_PROOFS_GPU must be 1 or 0, not "cuda"')
  })
})

describe('where the CUDA build is looked for', () => {
  it('searches the platform package folder, then the local build, for the .cuda.node file', () => {
    const found = addonCandidates({}, (name) => `/app/node_modules/${name}/proofs.linux-x64-gnu.node`, 'cuda')
    expect(found[0]).toBe(`/app/node_modules/@venus-cluster/proofs-native-linux-x64-gnu/${CUDA_ADDON_FILE}`)
    expect(found[1]?.endsWith(join('native', CUDA_ADDON_FILE))).toBe(true)
  })

  it('uses VENUS_PROOFS_CUDA_PATH alone when set, and never VENUS_PROOFS_NATIVE_PATH', () => {
    const env = { VENUS_PROOFS_CUDA_PATH: '/opt/cuda.node', VENUS_PROOFS_NATIVE_PATH: '/opt/cpu.node' }
    expect(addonCandidates(env, undefined, 'cuda')).toEqual(['/opt/cuda.node'])
    expect(addonCandidates(env, undefined, 'cpu')).toEqual(['/opt/cpu.node'])
  })
})

describe('loading with the GPU asked for', () => {
  it('loads the CUDA build when it loads', async () => {
    process.env.VENUS_PROOFS_CUDA_PATH = await stand(fakeAddon('cuda', 'cuda: 1 GPU (test)'))
    process.env.VENUS_PROOFS_NATIVE_PATH = await stand(fakeAddon('cpu', 'none: CPU build'))
    const logger = recordingLogger()
    const addon = loadProofsAddon({ gpu: true, logger })
    expect(addon.addonVariant?.()).toBe('cuda')
    expect(loadedAddonInfo()).toEqual({ variant: 'cuda', path: process.env.VENUS_PROOFS_CUDA_PATH })
    expect(describeGpu(addon)).toBe('cuda: 1 GPU (test)')
    expect(logger.lines).toEqual([])
  })

  it('falls back to the CPU build with a warning when the CUDA build does not load (no driver)', async () => {
    process.env.VENUS_PROOFS_CUDA_PATH = await stand(
      "throw new Error('libcuda.so.1: cannot open shared object file: No such file or directory')\n",
    )
    process.env.VENUS_PROOFS_NATIVE_PATH = await stand(fakeAddon('cpu', 'none: CPU build'))
    const logger = recordingLogger()
    const addon = loadProofsAddon({ gpu: true, logger })
    expect(addon.addonVariant?.()).toBe('cpu')
    expect(logger.lines).toHaveLength(1)
    expect(logger.lines[0]?.msg).toContain('does not load (libcuda.so.1: cannot open shared object file')
    expect(logger.lines[0]?.msg).toContain('proving on the CPU build')
    expect(loadedAddonInfo()?.variant).toBe('cpu')
    expect(loadedAddonInfo()?.gpuFallback).toContain('libcuda.so.1')
    expect(describeGpu(addon)).toMatch(
      /^none: CPU build \(GPU asked for, but the CUDA build at .* does not load/,
    )
  })

  it('falls back when the CUDA build is not there, saying how to build it', async () => {
    process.env.VENUS_PROOFS_CUDA_PATH = join(dir, 'missing.cuda.node')
    process.env.VENUS_PROOFS_NATIVE_PATH = await stand(fakeAddon('cpu', 'none: CPU build'))
    const logger = recordingLogger()
    loadProofsAddon({ gpu: true, logger })
    expect(logger.lines[0]?.msg).toContain('the CUDA build is not there')
    expect(logger.lines[0]?.msg).toContain('npm run build:native -- --gpu')
  })

  it('warns on stderr through process.emitWarning when no logger is given', async () => {
    process.env.VENUS_PROOFS_CUDA_PATH = join(dir, 'missing.cuda.node')
    process.env.VENUS_PROOFS_NATIVE_PATH = await stand(fakeAddon('cpu', 'none: CPU build'))
    const warn = vi.spyOn(process, 'emitWarning').mockImplementation(() => {})
    try {
      loadProofsAddon({ gpu: true })
      expect(warn).toHaveBeenCalledTimes(1)
      expect(warn.mock.calls[0]?.[1]).toEqual({ code: 'VENUS_PROOFS_GPU_FALLBACK' })
    } finally {
      warn.mockRestore()
    }
  })

  it('refuses the GPU once the CPU build is loaded, since one process holds one build', async () => {
    process.env.VENUS_PROOFS_CUDA_PATH = await stand(fakeAddon('cuda', 'cuda: 1 GPU (test)'))
    process.env.VENUS_PROOFS_NATIVE_PATH = await stand(fakeAddon('cpu', 'none: CPU build'))
    loadProofsAddon({ gpu: false })
    let err: unknown
    try {
      loadProofsAddon({ gpu: true })
    } catch (e) {
      err = e
    }
    expect(isVenusError(err, 'PROOFS_INVALID_INPUT')).toBe(true)
    expect((err as VenusError).message).toContain('CPU build of the proofs addon is already loaded')
  })

  it('reports the CPU build for an addon that predates gpuInfo', async () => {
    process.env.VENUS_PROOFS_NATIVE_PATH = await stand("module.exports = { nativeVersion: () => '0.1.0' }\n")
    const addon = loadProofsAddon({ gpu: false })
    expect(loadedAddonInfo()?.variant).toBe('cpu')
    expect(describeGpu(addon)).toBe('none: CPU build')
  })
})
