#!/usr/bin/env bash
# Checks what users get from npm, the way they get it: packs every workspace package, checks the
# tarballs (contents, metadata, publint, @arethetypeswrong/cli), installs them into fresh apps
# outside the workspace, and there
#   - runs the CLI's commands (`npx venus-cluster …` works; without the optional peer
#     @venus-cluster/proofs-native, native proofs fail with an error that names it),
#   - type-checks a consumer that imports every entry point, plus every program in examples/,
#     with skipLibCheck off and strict + noUncheckedIndexedAccess + exactOptionalPropertyTypes,
#   - checks that importing the entry points loads no database driver and no addon,
#   - runs every examples/*/index.ts (compiled by the consumer's tsc) against the installed packages,
#   - runs the examples' vitest suites (examples/*/*.test.ts but *.int.test.ts, whose programs the
#     step before already runs; type-checked with the examples) with vitest installed in the app,
#     pinned to the workspace's version,
#   - installs core and manager alone (no better-sqlite3, no pg) and checks the missing-driver error.
# It prints install time and size of the CLI (docs/benchmarks.md, "Packages").
#
# Called from scripts/test-all.sh; `npm run check:packages` runs it alone. VENUS_KEEP_PACKAGES=1
# keeps the scratch folder. The npm registry is used through npm's cache (--prefer-offline);
# better-sqlite3's compiled addon is kept in $VENUS_CACHE/prebuilds after the first run (its
# install script finds it there through prebuild-install's local-prebuilds setting), so later
# runs do not compile SQLite again.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
export VENUS_CACHE="${VENUS_CACHE:-$HOME/.cache/venus-cluster}"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/venus-packages.XXXXXX")"
cleanup() {
  if [ "${VENUS_KEEP_PACKAGES:-0}" = 1 ]; then echo "kept $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT

step() { printf '\n--> %s\n' "$*"; }
now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }
megabytes() { du -sb "$1" | awk '{ printf "%.1f", $1 / 1e6 }'; }
fail() {
  echo "check-packages: $*" >&2
  exit 1
}
NPM_INSTALL=(npm install --no-audit --no-fund --prefer-offline --loglevel=error)
BIN="$ROOT/node_modules/.bin"

step "build"
npm run build >/dev/null

# The linux-x64-gnu platform package holds the addon built by `npm run build:native` (as
# `napi artifacts` would copy it). Without a build it is not packed, and the packages install
# without it, as on a platform with no published addon.
ADDON_FILE=proofs.linux-x64-gnu.node
PLATFORM_DIR=bindings/proofs/npm/linux-x64-gnu
if [ -f "bindings/proofs/native/$ADDON_FILE" ] && ! cmp -s "bindings/proofs/native/$ADDON_FILE" "$PLATFORM_DIR/$ADDON_FILE"; then
  cp -f "bindings/proofs/native/$ADDON_FILE" "$PLATFORM_DIR/$ADDON_FILE"
fi
HAVE_ADDON=0
[ -f "$PLATFORM_DIR/$ADDON_FILE" ] && HAVE_ADDON=1

step "pack"
mkdir -p "$WORK/tarballs"
# Workspace folders, from the root package.json's `workspaces` globs (`dir/*`).
mapfile -t DIRS < <(node -e '
  const { readdirSync, existsSync } = require("node:fs")
  for (const glob of require("./package.json").workspaces) {
    const base = glob.replace(/\/\*$/, "")
    for (const d of readdirSync(base)) if (existsSync(`${base}/${d}/package.json`)) console.log(`${base}/${d}`)
  }')
declare -A TGZ
for dir in "${DIRS[@]}"; do
  if [ "$dir" = "$PLATFORM_DIR" ] && [ "$HAVE_ADDON" = 0 ]; then
    echo "$dir: not packed (no addon: npm run build:native)"
    continue
  fi
  name=$(node -p "require('./$dir/package.json').name")
  file=$(cd "$dir" && npm pack --silent --pack-destination "$WORK/tarballs" | tail -1)
  TGZ[$name]="$WORK/tarballs/$file"
done

step "tarball contents and metadata"
node scripts/package-check/inspect-tarballs.mjs "$ROOT" "${TGZ[@]}"

step "publint and @arethetypeswrong/cli"
for name in "${!TGZ[@]}"; do
  "$BIN/publint" run "${TGZ[$name]}" --strict --pack false >"$WORK/publint.log" 2>&1 ||
    { cat "$WORK/publint.log"; fail "publint: $name"; }
  # ESM-only packages: the esm-only profile leaves out CommonJS `require` resolution, which
  # these packages do not offer (Node >= 20.19 can still require() them).
  if [ "$name" != "@venus-cluster/proofs-native-linux-x64-gnu" ]; then
    "$BIN/attw" "${TGZ[$name]}" --profile esm-only --format ascii --no-color >"$WORK/attw.log" 2>&1 ||
      { cat "$WORK/attw.log"; fail "attw: $name"; }
  fi
  echo "$name: publint and attw clean"
done

step "install the CLI from its tarballs into a fresh app"
APP="$WORK/app"
mkdir -p "$APP" "$VENUS_CACHE/prebuilds"
cat >"$APP/package.json" <<'EOF'
{ "name": "venus-cluster-consumer", "private": true, "type": "module", "allowScripts": { "better-sqlite3": true } }
EOF
export npm_config_better_sqlite3_local_prebuilds="$VENUS_CACHE/prebuilds"
CLI_SET=(venus-cluster @venus-cluster/core @venus-cluster/devnet @venus-cluster/manager @venus-cluster/poster @venus-cluster/sealer)
CLI_TGZ=()
for name in "${CLI_SET[@]}"; do CLI_TGZ+=("${TGZ[$name]}"); done
t0=$(now)
(cd "$APP" && "${NPM_INSTALL[@]}" "${CLI_TGZ[@]}")
CLI_SECONDS=$(since "$t0")
CLI_MB=$(megabytes "$APP/node_modules")
CLI_PACKAGES=$(cd "$APP" && npm ls --all --parseable 2>/dev/null | tail -n +2 | sort -u | wc -l)
echo "installed in ${CLI_SECONDS} s: ${CLI_MB} MB in node_modules, ${CLI_PACKAGES} packages"
# Keep better-sqlite3's compiled addon for the next run (prebuild-install's file name).
SQLITE_VERSION=$(node -p "require('$APP/node_modules/better-sqlite3/package.json').version")
PREBUILD="$VENUS_CACHE/prebuilds/better-sqlite3-v$SQLITE_VERSION-node-v$(node -p process.versions.modules)-linux-x64.tar.gz"
if [ ! -f "$PREBUILD" ]; then
  tar -czf "$PREBUILD.tmp" -C "$APP/node_modules/better-sqlite3" build/Release/better_sqlite3.node
  mv -f "$PREBUILD.tmp" "$PREBUILD"
fi

step "the CLI's commands from the installed package"
"$APP/node_modules/.bin/venus-cluster" --help >/dev/null
"$APP/node_modules/.bin/venus-sector-manager" --home "$WORK/vsm" daemon init >/dev/null
[ -f "$WORK/vsm/sector-manager.cfg" ] || fail "venus-sector-manager daemon init wrote no sector-manager.cfg"
"$APP/node_modules/.bin/venus-worker" --help >/dev/null
if out=$("$APP/node_modules/.bin/venus-cluster" util params --sector-size 2KiB 2>&1); then
  fail "venus-cluster util params succeeded without @venus-cluster/proofs-native"
fi
grep -q "npm install @venus-cluster/proofs-native" <<<"$out" ||
  fail "without @venus-cluster/proofs-native, util params said: $out"
echo "without proofs-native: $(grep -m1 "proofs-native" <<<"$out")"
(cd "$WORK" && timeout 180 "$APP/node_modules/.bin/venus-cluster" demo --proofs mock --sectors 1 --no-post --json >"$WORK/demo.log")
node -e 'const l = require("fs").readFileSync(process.argv[1], "utf8").trim().split("\n").pop(); if (!JSON.parse(l).ok) process.exit(1)' "$WORK/demo.log" ||
  fail "venus-cluster demo did not seal its sector: $(tail -5 "$WORK/demo.log")"
echo "venus-cluster demo --proofs mock sealed one sector (SQLite store, devnet, worker)"

step "add proofs-native, TypeScript, @types/node and vitest"
EXTRA=("${TGZ[@venus-cluster/proofs-native]}")
[ "$HAVE_ADDON" = 1 ] && EXTRA+=("${TGZ[@venus-cluster/proofs-native-linux-x64-gnu]}")
TS_VERSION=$(node -p "require('./package.json').devDependencies.typescript")
TYPES_NODE=$(node -p "require('./package.json').devDependencies['@types/node']")
VITEST_VERSION=$(node -p "require('./package.json').devDependencies.vitest")
(cd "$APP" && "${NPM_INSTALL[@]}" "${EXTRA[@]}" "typescript@$TS_VERSION" "@types/node@$TYPES_NODE" "vitest@$VITEST_VERSION")

step "type-check every entry point and the examples (skipLibCheck: false, strict flags)"
mkdir -p "$APP/examples"
for example in examples/*/; do
  name=$(basename "$example")
  mkdir -p "$APP/examples/$name"
  find "$example" -maxdepth 1 -name '*.ts' ! -name '*.int.test.ts' -exec cp {} "$APP/examples/$name/" \;
done
node scripts/package-check/write-consumer.mjs "$APP"
(cd "$APP" && node_modules/.bin/tsc -p tsconfig.json) || fail "the consumer does not type-check"
echo "tsc: no errors"

step "import every entry point"
(cd "$APP" && WANT_ADDON=$HAVE_ADDON node "$ROOT/scripts/package-check/check-runtime.mjs")

step "run examples/*/index.ts from the installed packages"
for program in "$APP"/build/examples/*/index.js; do
  name=$(basename "$(dirname "$program")")
  t0=$(now)
  (cd "$APP" && timeout 300 node "$program" >"$WORK/example-$name.log" 2>&1) ||
    { tail -20 "$WORK/example-$name.log"; fail "examples/$name failed"; }
  echo "examples/$name: ok in $(since "$t0") s: $(tail -1 "$WORK/example-$name.log")"
done

step "run the examples' vitest suites from the installed packages"
mapfile -t SUITES < <(cd "$APP" && find examples -name '*.test.ts' | sort)
[ "${#SUITES[@]}" -gt 0 ] || fail "no vitest suite found under examples/"
t0=$(now)
(cd "$APP" && NO_COLOR=1 timeout 300 node_modules/.bin/vitest run --root . --dir examples >"$WORK/example-suites.log" 2>&1) ||
  { tail -40 "$WORK/example-suites.log"; fail "the examples' vitest suites failed"; }
echo "vitest $VITEST_VERSION: ${SUITES[*]}:$(grep -E '^ +Tests ' "$WORK/example-suites.log" | tr -s ' ') in $(since "$t0") s"

step "manager without database drivers"
BARE="$WORK/no-drivers"
mkdir -p "$BARE"
echo '{ "name": "venus-manager-no-drivers", "private": true, "type": "module" }' >"$BARE/package.json"
t0=$(now)
(cd "$BARE" && "${NPM_INSTALL[@]}" "${TGZ[@venus-cluster/core]}" "${TGZ[@venus-cluster/manager]}")
BARE_SECONDS=$(since "$t0")
BARE_MB=$(megabytes "$BARE/node_modules")
for driver in better-sqlite3 pg; do
  [ ! -e "$BARE/node_modules/$driver" ] || fail "installing @venus-cluster/manager installed $driver"
done
cp scripts/package-check/check-no-drivers.mjs "$BARE/"
(cd "$BARE" && node check-no-drivers.mjs)

step "summary"
echo "| install from tarballs (fresh app, warm npm cache) | seconds | node_modules MB |"
echo "|---|---|---|"
echo "| venus-cluster (CLI) + core, devnet, manager, poster, sealer | $CLI_SECONDS | $CLI_MB |"
echo "| @venus-cluster/core + @venus-cluster/manager (no drivers) | $BARE_SECONDS | $BARE_MB |"
echo "check-packages: all checks passed"
