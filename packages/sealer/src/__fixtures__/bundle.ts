/** Bundles a TypeScript fixture into one ESM file, so a child process starts in a fraction of a second. */
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

const CORE_ENTRIES: Record<string, string> = {
  '@venus-cluster/core': 'index.ts',
  '@venus-cluster/core/auth': 'auth/index.ts',
  '@venus-cluster/core/http': 'http/index.ts',
  '@venus-cluster/core/rpc': 'rpc/index.ts',
}

/** Bundles `entry` (a path) into `<dir>/<name>.mjs` with `@venus-cluster/core` from its sources. */
export async function bundleFixture(entry: string, dir: string, name: string): Promise<string> {
  const { build } = await import('esbuild')
  const outfile = join(dir, `${name}.mjs`)
  await build({
    entryPoints: [entry],
    bundle: true,
    platform: 'node',
    format: 'esm',
    outfile,
    logLevel: 'error',
    // Each entry point of core (the root and its subpaths) to its source file.
    alias: Object.fromEntries(
      Object.entries(CORE_ENTRIES).map(([spec, file]) => [
        spec,
        fileURLToPath(new URL(`../../../core/src/${file}`, import.meta.url)),
      ]),
    ),
    banner: {
      js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);",
    },
  })
  return outfile
}
