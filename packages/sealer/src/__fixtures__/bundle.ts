/** Bundles a TypeScript fixture into one ESM file, so a child process starts in a fraction of a second. */
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

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
    alias: { '@venus-cluster/core': fileURLToPath(new URL('../../../core/src/index.ts', import.meta.url)) },
    banner: {
      js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);",
    },
  })
  return outfile
}
