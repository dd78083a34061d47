#!/usr/bin/env bash
# Builds the native proofs addon (bindings/proofs, napi-rs over filecoin-proofs-api).
#
#   npm run build:native            # CPU build: bindings/proofs/native/proofs.linux-x64-gnu.node
#                                   # and the linux-x64-gnu platform package (bindings/proofs/npm/…),
#                                   # plus bindings/proofs/native/seal_bench (examples/seal_bench.rs)
#   npm run build:native -- --gpu   # CUDA build: bindings/proofs/native/proofs.linux-x64-gnu.cuda.node
#
# Cargo's build folders live in the machine-local cache, never in the repository: the CPU build in
# $VENUS_CACHE/cargo-target, the CUDA build in $VENUS_CACHE/cargo-target-gpu (different features
# would otherwise rebuild each other's crates). A second build on the same machine only relinks.
# A cold build on 2 cores takes minutes (see docs/benchmarks.md).
#
# The CUDA build installs nvcc from NVIDIA's PyPI wheels first (scripts/cuda-toolkit.sh) and
# compiles the GPU kernels for the architectures in VENUS_CUDA_ARCHS (default "75 80 86 89 90":
# T4/RTX 20xx, A100, RTX 30xx/A-series, RTX 40xx/L4/L40, H100/H200), plus PTX of the newest one
# so later GPUs can compile it at load time. No GPU is needed to build.
set -euo pipefail
cd "$(dirname "$0")/.."

usage() {
  echo "usage: scripts/build-native.sh [--gpu]   (npm run build:native [-- --gpu])" >&2
}
gpu=0
for arg in "$@"; do
  case "$arg" in
    --gpu) gpu=1 ;;
    -h | --help) usage; exit 0 ;;
    *) echo "build-native: unknown option '$arg'" >&2; usage; exit 2 ;;
  esac
done

export VENUS_CACHE="${VENUS_CACHE:-$HOME/.cache/venus-cluster}"
if ! command -v cargo >/dev/null 2>&1; then
  [ -x "$HOME/.cargo/bin/cargo" ] && export PATH="$HOME/.cargo/bin:$PATH"
fi
if ! command -v cargo >/dev/null 2>&1; then
  echo "build-native: cargo not found; install a Rust toolchain >= 1.89 (rustup) and retry" >&2
  exit 1
fi

# Several checkouts (CI clones, worktrees) share a cargo folder and build the same crate into the
# same file. Cargo decides freshness by file times, so after another checkout's build it can take
# this checkout's older sources for built and hand back the other checkout's library. So: one
# build-and-copy at a time per cargo folder (the lock stays held until the script exits), and
# sources touched when another checkout built last.
cargo_build_locked() {
  mkdir -p "$CARGO_TARGET_DIR"
  exec 9>"$CARGO_TARGET_DIR/.venus-build-native.lock"
  flock 9
  local crate last
  crate="$(pwd)/bindings/proofs"
  last="$CARGO_TARGET_DIR/.venus-build-native.last"
  if [ "$(cat "$last" 2>/dev/null || true)" != "$crate" ]; then
    touch "$crate"/src/*.rs "$crate"/examples/*.rs
  fi
  # `nice`: the build shares small machines with test suites and other builds.
  (cd bindings/proofs && nice -n 10 cargo build --release --locked "$@")
  echo "$crate" >"$last"
}
out=bindings/proofs/native
mkdir -p "$out"
start=$(date +%s)

# Copy then rename, so a process loading the addon never sees a half-written file.
install_addon() {
  cp -f "$1" "$2.tmp"
  mv -f "$2.tmp" "$2"
}

if [ "$gpu" = 1 ]; then
  eval "$(bash scripts/cuda-toolkit.sh --env)"
  export CARGO_TARGET_DIR="${VENUS_CARGO_TARGET_GPU:-$VENUS_CACHE/cargo-target-gpu}"
  mkdir -p "$CARGO_TARGET_DIR"
  archs="${VENUS_CUDA_ARCHS:-75 80 86 89 90}"
  nvcc_args="--optimize=6 --threads=0 --fatbin"
  newest=0
  for a in $archs; do
    case "$a" in
      [0-9][0-9] | [0-9][0-9][0-9]) ;;
      *) echo "build-native: VENUS_CUDA_ARCHS: '$a' is not a compute capability like 90" >&2; exit 2 ;;
    esac
    nvcc_args="$nvcc_args --generate-code=arch=compute_$a,code=sm_$a"
    if [ "$a" -gt "$newest" ]; then newest=$a; fi
  done
  nvcc_args="$nvcc_args --generate-code=arch=compute_$newest,code=compute_$newest"
  # Read by ec-gpu-gen in bellperson's and neptune's build scripts, which do not rerun when it
  # changes: a changed list cleans those two crates so their kernels are compiled again.
  export EC_GPU_CUDA_NVCC_ARGS="$nvcc_args"
  stamp="$CARGO_TARGET_DIR/.venus-nvcc-args"
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" != "$nvcc_args" ]; then
    echo "build-native: CUDA architectures changed, rebuilding the GPU kernels" >&2
    (cd bindings/proofs && cargo clean --release -p bellperson -p neptune)
  fi
  echo "build-native: CUDA build for sm_${archs// /, sm_} (+ PTX compute_$newest) in $CARGO_TARGET_DIR" >&2
  cargo_build_locked --features cuda
  echo "$nvcc_args" >"$stamp"
  file=proofs.linux-x64-gnu.cuda.node
  install_addon "$CARGO_TARGET_DIR/release/libvenus_cluster_proofs_native.so" "$out/$file"
  echo "build-native: $out/$file ($(du -h "$out/$file" | cut -f1)) in $(($(date +%s) - start)) s"
  exit 0
fi

export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$VENUS_CACHE/cargo-target}"
# The addon, and the plain Rust binary of the same seal calls that bench/scale-native.bench.mjs
# compares it with (same crates, same profile: only linking is extra).
cargo_build_locked --lib --example seal_bench
install_addon "$CARGO_TARGET_DIR/release/libvenus_cluster_proofs_native.so" "$out/proofs.linux-x64-gnu.node"
install_addon "$CARGO_TARGET_DIR/release/examples/seal_bench" "$out/seal_bench"
# The platform package (@venus-cluster/proofs-native-linux-x64-gnu) gets a copy too, as
# `napi artifacts` would do: the loader looks there first, and `npm pack` packs it from there.
platform=bindings/proofs/npm/linux-x64-gnu
install_addon "$out/proofs.linux-x64-gnu.node" "$platform/proofs.linux-x64-gnu.node"
exec 9>&-
echo "build-native: $out/proofs.linux-x64-gnu.node ($(du -h "$out/proofs.linux-x64-gnu.node" | cut -f1)) in $(($(date +%s) - start)) s"
