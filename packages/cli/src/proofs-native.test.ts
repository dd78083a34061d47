import { isVenusError, type VenusError } from '@venus-cluster/core'
import { describe, expect, it } from 'vitest'
import { importProofsNative } from './proofs-native.js'

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
