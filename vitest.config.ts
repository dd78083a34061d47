import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vitest/config'

const src = (pkg: string) => fileURLToPath(new URL(`./packages/${pkg}/src/index.ts`, import.meta.url))

const subpaths: Record<string, string> = {
  'core/auth': 'core/src/auth/index.ts',
  'core/codecs': 'core/src/codecs/index.ts',
  'core/errors': 'core/src/errors/index.ts',
  'core/http': 'core/src/http/index.ts',
  'core/mock': 'core/src/mock.ts',
  'core/rpc': 'core/src/rpc/index.ts',
  'core/testing': 'core/src/testing.ts',
  'devnet/testing': 'devnet/src/testing/index.ts',
  'manager/postgres': 'manager/src/postgres.ts',
  'manager/sqlite': 'manager/src/sqlite.ts',
}

// Tests run against the TypeScript sources of sibling packages, so a change in `core` is seen by
// `manager` tests without a build. The CLI tests that spawn binaries use the built `dist/`.
export default defineConfig({
  resolve: {
    alias: [
      // Subpath entry points (the `exports` maps of core and manager), each to its source file.
      ...Object.entries(subpaths).map(([name, file]) => ({
        find: new RegExp(`^@venus-cluster/${name}$`),
        replacement: fileURLToPath(new URL(`./packages/${file}`, import.meta.url)),
      })),
      { find: /^@venus-cluster\/core$/, replacement: src('core') },
      { find: /^@venus-cluster\/devnet$/, replacement: src('devnet') },
      { find: /^@venus-cluster\/manager$/, replacement: src('manager') },
      { find: /^@venus-cluster\/sealer$/, replacement: src('sealer') },
      { find: /^@venus-cluster\/poster$/, replacement: src('poster') },
      {
        find: /^@venus-cluster\/proofs-native$/,
        replacement: fileURLToPath(new URL('./bindings/proofs/src/index.ts', import.meta.url)),
      },
    ],
  },
  test: {
    include: ['packages/*/src/**/*.test.ts', 'bindings/*/test/**/*.test.ts', 'examples/**/*.test.ts'],
    // `*.int.test.ts` start servers, child processes or databases; VENUS_UNIT_ONLY=1 (the Node 24
    // pass of CI) leaves them out.
    exclude: [
      '**/node_modules/**',
      '**/dist/**',
      ...(process.env.VENUS_UNIT_ONLY ? ['**/*.int.test.ts'] : []),
    ],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
  },
})
