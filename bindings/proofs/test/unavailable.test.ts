import { isVenusError, type VenusError } from '@venus-cluster/core'
import { beforeAll, describe, expect, it } from 'vitest'

// This file runs in its own worker, so pointing the loader at a missing file here does not
// affect the tests that use the real addon.
beforeAll(() => {
  process.env.VENUS_PROOFS_NATIVE_PATH = '/nonexistent/venus/proofs.linux-x64-gnu.node'
  // Runs with VENUS_PROOFS_GPU=1 (the CUDA build's test run) must not find that build either.
  process.env.VENUS_PROOFS_CUDA_PATH = '/nonexistent/venus/proofs.linux-x64-gnu.cuda.node'
})

describe('when the native addon is not built', () => {
  it('imports without loading the addon', async () => {
    const mod = await import('../src/index.js')
    expect(typeof mod.nativeProofs).toBe('function')
    expect(mod.isNativeProofsAvailable()).toBe(false)
  })

  it('rejects backend calls with PROOFS_NATIVE_UNAVAILABLE naming the build command', async () => {
    const { nativeProofs } = await import('../src/index.js')
    const backend = nativeProofs()
    const err = await backend.info().catch((e: unknown) => e)
    expect(isVenusError(err, 'PROOFS_NATIVE_UNAVAILABLE')).toBe(true)
    expect((err as VenusError).message).toContain('npm run build:native')
    expect((err as VenusError).details.searched).toEqual(['/nonexistent/venus/proofs.linux-x64-gnu.node'])
  })

  it('rejects parameter generation with the same typed error', async () => {
    const { generateParameters } = await import('../src/index.js')
    const err = await generateParameters({ sectorSize: '2KiB', dir: '/nonexistent/params' }).catch(
      (e: unknown) => e,
    )
    expect(isVenusError(err, 'PROOFS_NATIVE_UNAVAILABLE')).toBe(true)
  })

  it('rejects sector sizes that can not get local parameters before touching the addon', async () => {
    const { generateParameters } = await import('../src/index.js')
    const err = await generateParameters({ sectorSize: '32GiB' }).catch((e: unknown) => e)
    expect(isVenusError(err, 'SECTOR_SIZE_INVALID')).toBe(true)
  })
})
