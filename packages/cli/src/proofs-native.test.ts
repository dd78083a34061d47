import { isVenusError, mockProofs, type ProofsBackend, type VenusError } from '@venus-cluster/core'
import { describe, expect, it } from 'vitest'
import { importProofsNative, proofsBackendLine } from './proofs-native.js'

describe('importProofsNative', () => {
  it('loads @venus-cluster/proofs-native when it is installed', async () => {
    const mod = await importProofsNative<{ nativeProofs: unknown }>()
    expect(typeof mod.nativeProofs).toBe('function')
  })

  it('names the package to install, and the alternative, when it is not installed', async () => {
    const missing = Object.assign(
      new Error(
        "Cannot find package '@venus-cluster/proofs-native' imported from /app/node_modules/venus-cluster",
      ),
      { code: 'ERR_MODULE_NOT_FOUND' },
    )
    const err = await importProofsNative('or use --proofs mock', () => Promise.reject(missing)).catch(
      (e: unknown) => e,
    )
    expect(isVenusError(err, 'PROOFS_NATIVE_UNAVAILABLE')).toBe(true)
    expect((err as VenusError).message).toBe(
      'the native proofs backend needs the package @venus-cluster/proofs-native, which is not installed: ' +
        'npm install @venus-cluster/proofs-native; or use --proofs mock',
    )
    expect((err as VenusError).cause).toBe(missing)
  })
})

describe('proofsBackendLine', () => {
  it('names a backend without a GPU report plainly, marking stand-in proofs', async () => {
    const line = await proofsBackendLine(mockProofs())
    expect(line).toMatch(/^proofs: mock .* \(not real proofs\)$/)
    expect(line).not.toContain('GPU')
  })

  it('says whether the native backend proves on a GPU', async () => {
    const backend = {
      ...mockProofs(),
      info: async () => ({
        name: 'native',
        version: 'filecoin-proofs-api 19.1.0 (addon 0.1.0)',
        realProofs: true,
        gpu: 'cuda: 1 GPU (NVIDIA H100 80GB HBM3 79 GiB sm_90); Groth16 on GPU, PC2 trees on GPU',
      }),
    } as ProofsBackend
    expect(await proofsBackendLine(backend)).toBe(
      'proofs: native filecoin-proofs-api 19.1.0 (addon 0.1.0); GPU: cuda: 1 GPU (NVIDIA H100 80GB HBM3 79 GiB sm_90); Groth16 on GPU, PC2 trees on GPU',
    )
  })
})
