import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { isVenusError, type VenusError } from '@venus-cluster/core'
import { describe, expect, it, vi } from 'vitest'
import {
  addonCandidates,
  loadProofsAddon,
  missingAddonMessage,
  PUBLISHED_PLATFORMS,
  platformPackageName,
  platformTriple,
} from '../src/addon.js'

const localBuild = join(fileURLToPath(new URL('..', import.meta.url)), 'native', 'proofs.linux-x64-gnu.node')

describe('where the native addon is looked for', () => {
  it('names platforms the napi-rs way', () => {
    expect(platformTriple('linux', 'x64', true)).toBe('linux-x64-gnu')
    expect(platformTriple('linux', 'arm64', false)).toBe('linux-arm64-musl')
    expect(platformTriple('darwin', 'arm64', false)).toBe('darwin-arm64')
    expect(platformPackageName('linux-x64-gnu')).toBe('@venus-cluster/proofs-native-linux-x64-gnu')
    expect(PUBLISHED_PLATFORMS).toEqual(['linux-x64-gnu'])
  })

  it('tries the installed platform package first, then the local build', () => {
    const resolve = vi.fn((name: string) => `/app/node_modules/${name}/proofs.linux-x64-gnu.node`)
    const found = addonCandidates({}, resolve)
    expect(resolve).toHaveBeenCalledWith(platformPackageName())
    expect(found).toEqual([
      `/app/node_modules/${platformPackageName()}/proofs.linux-x64-gnu.node`,
      localBuild,
    ])
  })

  it('falls back to the local build when the platform package is not installed', () => {
    const found = addonCandidates({}, () => {
      throw Object.assign(new Error('Cannot find module'), { code: 'MODULE_NOT_FOUND' })
    })
    expect(found).toEqual([localBuild])
  })

  it('uses VENUS_PROOFS_NATIVE_PATH alone when it is set', () => {
    const resolve = vi.fn(() => '/elsewhere.node')
    expect(addonCandidates({ VENUS_PROOFS_NATIVE_PATH: '/opt/proofs.node' }, resolve)).toEqual([
      '/opt/proofs.node',
    ])
    expect(resolve).not.toHaveBeenCalled()
  })

  it('names the platform package to install when no addon is found', () => {
    const message = missingAddonMessage({}, 'linux-x64-gnu')
    expect(message).toContain('install @venus-cluster/proofs-native-linux-x64-gnu')
    expect(message).toContain('npm run build:native')
  })

  it('says how to build where no addon is published', () => {
    const message = missingAddonMessage({}, 'darwin-arm64')
    expect(message).toContain('none is published for darwin-arm64')
    expect(message).toContain('npm run build:native')
  })

  it('names VENUS_PROOFS_NATIVE_PATH when it points at nothing', () => {
    process.env.VENUS_PROOFS_NATIVE_PATH = '/nonexistent/venus/proofs.linux-x64-gnu.node'
    let err: unknown
    try {
      // The CPU build's path: a run with VENUS_PROOFS_GPU=1 would try the CUDA build first.
      loadProofsAddon({ gpu: false })
    } catch (e) {
      err = e
    }
    expect(isVenusError(err, 'PROOFS_NATIVE_UNAVAILABLE')).toBe(true)
    expect((err as VenusError).message).toContain(
      'not found at VENUS_PROOFS_NATIVE_PATH (/nonexistent/venus/proofs.linux-x64-gnu.node)',
    )
  })
})
