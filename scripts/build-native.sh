#!/usr/bin/env bash
# Builds the native proofs addon (bindings/proofs, napi-rs over filecoin-proofs-api, CPU only)
# into bindings/proofs/native/proofs.linux-x64-gnu.node and the linux-x64-gnu platform package
# (bindings/proofs/npm/linux-x64-gnu).
#
# Cargo's build folder lives in the machine-local cache ($VENUS_CACHE/cargo-target, default
# ~/.cache/venus-cluster/cargo-target), never in the repository, so a second build on the same
# machine only relinks. A cold build on 2 cores takes a few minutes (see docs/benchmarks.md).
set -euo pipefail
cd "$(dirname "$0")/.."
export VENUS_CACHE="${VENUS_CACHE:-$HOME/.cache/venus-cluster}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$VENUS_CACHE/cargo-target}"
if ! command -v cargo >/dev/null 2>&1; then
  [ -x "$HOME/.cargo/bin/cargo" ] && export PATH="$HOME/.cargo/bin:$PATH"
fi
if ! command -v cargo >/dev/null 2>&1; then
  echo "build-native: cargo not found; install a Rust toolchain >= 1.89 (rustup) and retry" >&2
  exit 1
fi
mkdir -p "$CARGO_TARGET_DIR"
start=$(date +%s)
# Several checkouts (CI clones, worktrees) share the cargo folder and build the same crate into
# the same file. Cargo decides freshness by file times, so after another checkout's build it can
# take this checkout's older sources for built and hand back the other checkout's library. So:
# one build-and-copy at a time, and sources touched when another checkout built last.
exec 9>"$CARGO_TARGET_DIR/.venus-build-native.lock"
flock 9
crate="$(pwd)/bindings/proofs"
stamp="$CARGO_TARGET_DIR/.venus-build-native.last"
if [ "$(cat "$stamp" 2>/dev/null || true)" != "$crate" ]; then
  touch "$crate"/src/*.rs
fi
# `nice`: the build shares small machines with test suites and other builds.
(cd bindings/proofs && nice -n 10 cargo build --release --locked)
echo "$crate" >"$stamp"
out=bindings/proofs/native
mkdir -p "$out"
# Copy then rename, so a process loading the addon never sees a half-written file.
cp -f "$CARGO_TARGET_DIR/release/libvenus_cluster_proofs_native.so" "$out/proofs.linux-x64-gnu.node.tmp"
mv -f "$out/proofs.linux-x64-gnu.node.tmp" "$out/proofs.linux-x64-gnu.node"
# The platform package (@venus-cluster/proofs-native-linux-x64-gnu) gets a copy too, as
# `napi artifacts` would do: the loader looks there first, and `npm pack` packs it from there.
platform=bindings/proofs/npm/linux-x64-gnu
cp -f "$out/proofs.linux-x64-gnu.node" "$platform/proofs.linux-x64-gnu.node.tmp"
mv -f "$platform/proofs.linux-x64-gnu.node.tmp" "$platform/proofs.linux-x64-gnu.node"
exec 9>&-
echo "build-native: $out/proofs.linux-x64-gnu.node ($(du -h "$out/proofs.linux-x64-gnu.node" | cut -f1)) in $(($(date +%s) - start)) s"
