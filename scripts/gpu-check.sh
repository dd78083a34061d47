#!/usr/bin/env bash
# Runs the CUDA build of the proofs addon on a machine with an NVIDIA GPU, next to the same
# build with the GPU switched off, and prints the times side by side:
#   1. a 2KiB WindowPoSt (Groth16 on the GPU, bellperson) with locally made parameters;
#   2. if the time budget allows, an 8MiB PC2 (tree building on the GPU, neptune).
# Both sides must give the same CommR and proofs that verify.
#
# The GPU machine is expected to have no package registry and only minutes of time, so nothing is
# built or installed there. Two halves:
#
#   here (build machine, with cargo and the params):
#     npm run build:native -- --gpu
#     bash scripts/gpu-check.sh --prepare        # fills .gpu-check/ (ignored by git), checks its size
#   there (the repository checkout plus the carried folder .gpu-check/):
#     bash scripts/gpu-check.sh                  # < 5 min, every step under a timeout
#
# .gpu-check/ holds the CUDA addon (stripped, xz: ~7 MiB), the 2KiB WindowPoSt parameter files
# (.params/.vk/.meta, 11 MiB) and, unless --no-node, this machine's node (xz: ~23 MiB) for GPU
# machines without Node: about 41 MiB, plus ~3 MiB of tracked files, of the 64 MiB that travel.
# Nothing else is needed there: no node_modules, no dist, no network. See docs/proofs.md (GPU).
#
# Environment: VENUS_GPU_CHECK_BUDGET_S (default 270) caps the whole run; NODE picks node.
set -euo pipefail
cd "$(dirname "$0")/.."
carry=.gpu-check
VENUS_CACHE="${VENUS_CACHE:-$HOME/.cache/venus-cluster}"

log() { echo "gpu-check: $*" >&2; }

prepare() {
  local with_node=1
  for a in "$@"; do
    case "$a" in
      --no-node) with_node=0 ;;
      *) log "unknown option '$a' (--prepare [--no-node])"; exit 2 ;;
    esac
  done
  local addon=bindings/proofs/native/proofs.linux-x64-gnu.cuda.node
  [ -f "$addon" ] || { log "$addon missing: run \`npm run build:native -- --gpu\` first"; exit 1; }
  command -v node >/dev/null 2>&1 || { log "node not found"; exit 1; }
  rm -rf "$carry"
  mkdir -p "$carry/params"
  local tmp
  tmp=$(mktemp -d)
  # Symbols the loader does not need go (the napi exports are dynamic symbols and stay); xz
  # shrinks the 40 MiB of code and GPU kernels to about 7 MiB.
  strip --strip-unneeded -o "$tmp/proofs.cuda.node" "$addon"
  # The file names come from the addon itself; loading the CUDA build here (no NVIDIA driver)
  # needs the no-device driver stand-in made by scripts/cuda-toolkit.sh.
  local stub
  stub=$(bash scripts/cuda-toolkit.sh --env | sed -n "s/^export VENUS_CUDA_DRIVER_STUB='\(.*\)'$/\1/p")
  local names
  names=$(LD_LIBRARY_PATH="$stub${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}" \
    node scripts/gpu-check.mjs param-files --addon "$tmp/proofs.cuda.node" |
    node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).windowPost2KiB.join("\n")))')
  local src="${FIL_PROOFS_PARAMETER_CACHE:-$VENUS_CACHE/params}"
  for n in $names; do
    [ -f "$src/$n" ] || { log "$src/$n missing: make the 2KiB parameters with \`venus-cluster util params --sector-size 2KiB\`"; exit 1; }
    cp "$src/$n" "$carry/params/$n"
  done
  log "compressing the addon into $carry/proofs.cuda.node.xz"
  xz -T0 -6 -c "$tmp/proofs.cuda.node" >"$carry/proofs.cuda.node.xz"
  rm -rf "$tmp"
  if [ "$with_node" = 1 ]; then
    log "compressing $(command -v node) ($(node --version)) into $carry/node.xz"
    xz -T0 -6 -c "$(command -v node)" >"$carry/node.xz"
  fi
  # What travels to the GPU machine: the tracked files plus this folder, 64 MiB at most.
  local tracked carried total limit=$((64 * 1024 * 1024))
  tracked=$(git ls-files -z | xargs -0 stat -c %s 2>/dev/null | awk '{s+=$1} END {print s+0}')
  carried=$(du -sb "$carry" | cut -f1)
  total=$((tracked + carried))
  (cd "$carry" && find . -type f -exec ls -l {} + | awk '{printf "  %10d  %s\n", $5, $9}') >&2
  log "carry $carry: $((carried / 1048576)) MiB; with the tracked files $((total / 1048576)) MiB of 64 MiB"
  if [ "$total" -gt "$limit" ]; then
    log "over the 64 MiB that can travel: try --no-node"
    exit 1
  fi
}

if [ "${1:-}" = "--prepare" ]; then
  shift
  prepare "$@"
  exit 0
fi
if [ $# -gt 0 ]; then
  log "unknown option '$1' (no option runs the check; --prepare [--no-node] fills $carry)"
  exit 2
fi

# ---- on the GPU machine ---------------------------------------------------------------------
t_start=$(date +%s)
budget="${VENUS_GPU_CHECK_BUDGET_S:-270}"
remaining() { echo $((budget - ($(date +%s) - t_start))); }

[ -f "$carry/proofs.cuda.node.xz" ] || { log "$carry/proofs.cuda.node.xz missing: run --prepare on the build machine and carry $carry"; exit 1; }
work=$(mktemp -d "${TMPDIR:-/tmp}/venus-gpu-check.XXXXXX")
trap 'kill "${smi_pid:-}" 2>/dev/null || true; rm -rf "$work"' EXIT

# unxz FILE OUT: with xz where installed, else with Python's lzma.
unxz_to() {
  if command -v xz >/dev/null 2>&1; then
    xz -dc "$1" >"$2"
  else
    python3 -c 'import lzma,shutil,sys; shutil.copyfileobj(lzma.open(sys.argv[1]), open(sys.argv[2], "wb"))' "$1" "$2"
  fi
}
unxz_to "$carry/proofs.cuda.node.xz" "$work/proofs.cuda.node"

node_bin="${NODE:-}"
if [ -z "$node_bin" ] && command -v node >/dev/null 2>&1 &&
  [ "$(node -p 'process.versions.node.split(".")[0]')" -ge 18 ]; then
  node_bin=$(command -v node)
fi
if [ -z "$node_bin" ]; then
  [ -f "$carry/node.xz" ] || { log "no node >= 18 here and none carried ($carry/node.xz): prepare without --no-node"; exit 1; }
  unxz_to "$carry/node.xz" "$work/node"
  chmod +x "$work/node"
  node_bin="$work/node"
fi
export FIL_PROOFS_PARAMETER_CACHE="$PWD/$carry/params"
addon="$work/proofs.cuda.node"
log "node $("$node_bin" --version); budget ${budget}s"
command -v nvidia-smi >/dev/null 2>&1 && nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader >&2 || log "nvidia-smi not found"

# Runs one step under a timeout (never past the budget); its JSON line goes to $work/<name>.json.
# While it runs, nvidia-smi samples the GPU, so the table can show whether the GPU was used.
step() {
  local name=$1 limit=$2
  shift 2
  local left
  left=$(remaining)
  [ "$left" -lt "$limit" ] && limit=$left
  if [ "$limit" -le 5 ]; then
    log "$name: skipped, the ${budget}s budget is spent"
    return 1
  fi
  if command -v nvidia-smi >/dev/null 2>&1; then
    nvidia-smi --query-gpu=utilization.gpu,memory.used --format=csv,noheader,nounits -lms 200 >"$work/$name.smi" 2>/dev/null &
    smi_pid=$!
  fi
  local rc=0
  timeout --kill-after=5 "$limit" "$node_bin" scripts/gpu-check.mjs "$@" --addon "$addon" >"$work/$name.json" || rc=$?
  if [ -n "${smi_pid:-}" ]; then
    kill "$smi_pid" 2>/dev/null || true
    wait "$smi_pid" 2>/dev/null || true
    smi_pid=
  fi
  if [ "$rc" = 124 ] || [ "$rc" = 137 ]; then
    log "$name: timed out after ${limit}s"
    return 1
  elif [ "$rc" != 0 ]; then
    log "$name: failed (exit $rc)"
    return 1
  fi
  log "$name: $(cat "$work/$name.json")"
}

# field FILE KEY: a value of the step's JSON line ("-" when missing).
field() {
  [ -s "$1" ] || { echo -; return; }
  "$node_bin" -e 'const o=JSON.parse(require("fs").readFileSync(process.argv[1],"utf8"));const v=o[process.argv[2]];console.log(v===undefined?"-":typeof v==="object"?JSON.stringify(v):v)' "$1" "$2"
}
# gpu_peak NAME: peak GPU memory (MiB) and utilization (%) sampled during a step.
gpu_peak() {
  [ -s "$work/$1.smi" ] || { echo "-"; return; }
  awk -F', *' '{ if ($1+0 > u) u = $1+0; if ($2+0 > m) m = $2+0 } END { printf "%d MiB, %d%%", m, u }' "$work/$1.smi"
}

step info 60 info || true
if [ -s "$work/info.json" ]; then
  echo "addon: $(field "$work/info.json" variant), GPU: $("$node_bin" -e 'console.log(JSON.parse(require("fs").readFileSync(process.argv[1],"utf8")).gpu.summary)' "$work/info.json")"
fi

# 1. 2KiB: seal once (with the GPU on), then WindowPoSt with the GPU on and off.
ok2k=0
step seal2k 60 seal --size 2KiB --work "$work/s2k" --mode gpu && ok2k=1
if [ "$ok2k" = 1 ]; then
  step post-gpu 90 post --work "$work/s2k" --mode gpu --runs 3 || true
  step post-cpu 90 post --work "$work/s2k" --mode cpu --runs 3 || true
fi

# 2. 8MiB PC2, if the budget allows: PC1 once, then PC2 on two copies, GPU and CPU.
if [ "$(remaining)" -gt 120 ]; then
  if step pc1-8m 90 seal --size 8MiB --work "$work/s8m" --pc1-only; then
    cp -a "$work/s8m" "$work/s8m-cpu"
    step pc2-gpu 60 pc2 --work "$work/s8m" --mode gpu || true
    step pc2-cpu 90 pc2 --work "$work/s8m-cpu" --mode cpu || true
  fi
else
  log "8MiB PC2 skipped: $(remaining)s left of ${budget}s"
fi

echo
printf '%-34s %14s %14s  %s\n' "step (CUDA build)" "GPU" "CPU" "check"
s() { local v; v=$(field "$1" "$2"); [ "$v" = - ] && echo - || echo "${v} ms"; }
printf '%-34s %14s %14s  %s\n' "2KiB WindowPoSt, first call" "$(s "$work/post-gpu.json" firstMs)" "$(s "$work/post-cpu.json" firstMs)" "verified: $(field "$work/post-gpu.json" verified)/$(field "$work/post-cpu.json" verified)"
printf '%-34s %14s %14s\n' "2KiB WindowPoSt, warm (median)" "$(s "$work/post-gpu.json" warmMs)" "$(s "$work/post-cpu.json" warmMs)"
g=$(field "$work/pc2-gpu.json" commR)
c=$(field "$work/pc2-cpu.json" commR)
same="-"
[ "$g" != - ] && [ "$c" != - ] && { [ "$g" = "$c" ] && same="same CommR" || same="CommR DIFFERS"; }
printf '%-34s %14s %14s  %s\n' "8MiB PC2" "$(s "$work/pc2-gpu.json" ms)" "$(s "$work/pc2-cpu.json" ms)" "$same"
printf '%-34s %14s\n' "8MiB PC1 (CPU, once)" "$(s "$work/pc1-8m.json" pc1Ms)"
printf '%-34s %14s %14s\n' "GPU peak during PoSt (mem, util)" "$(gpu_peak post-gpu)" "$(gpu_peak post-cpu)"
printf '%-34s %14s %14s\n' "GPU peak during PC2 (mem, util)" "$(gpu_peak pc2-gpu)" "$(gpu_peak pc2-cpu)"
echo "total $(($(date +%s) - t_start)) s"
[ "$same" = "CommR DIFFERS" ] && { log "GPU and CPU PC2 disagree"; exit 1; }
[ -s "$work/post-gpu.json" ] || { log "the GPU WindowPoSt did not complete"; exit 1; }
exit 0
