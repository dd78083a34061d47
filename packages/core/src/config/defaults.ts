/**
 * The fully commented default config files. An un-edited file loads to the defaults: every
 * value line is commented out, only section headers (and the worker's one required key) are live.
 */

// The default `sector-manager.cfg` of the seed README (what `daemon init` writes), verbatim but
// for the commented `TrustedNetworks` key and its explanation under `[SectorManager]`.
const MANAGER_DEFAULT = `# Default config:
[SectorManager]
# PreFetch = true
#
# 不发送 token 的 worker (如原版 Rust venus-worker) 所在的网段
# Auth is on: every caller sends a token (venus-sector-manager auth create-token --perm sign for
# workers). The original Rust venus-worker sends none and gets 401 on every call. List its
# sealing network here (or pass daemon run --trusted-networks): callers there without a token may
# read, write and sign (what a worker calls); admin calls still need a token, callers elsewhere
# still need one, and a token sent is always checked.
# TrustedNetworks = ["10.1.0.0/16"]
#
# [[SectorManager.Miners]]
# ID = 10000
# InitNumber = 0
# MaxNumber = 10000
# Disabled = false
#
[Commitment]
# [Commitment.DefaultPolicy]
# CommitBatchThreshold = 16
# CommitBatchMaxWait = "1h0m0s"
# CommitCheckInterval = "1m0s"
# EnableBatchProCommit = false
# PreCommitBatchThreshold = 16
# PreCommitBatchMaxWait = "1h0m0s"
# PreCommitCheckInterval = "1m0s"
# EnableBatchPreCommit = false
# PreCommitGasOverEstimation = 0.0
# ProCommitGasOverEstimation = 0.0
# BatchPreCommitGasOverEstimation = 0.0
# BatchProCommitGasOverEstimation = 0.0
# MaxPreCommitFeeCap = ""
# MaxProCommitFeeCap = ""
# MaxBatchPreCommitFeeCap = ""
# MaxBatchProCommitFeeCap = ""
# MsgConfidence = 10
# # Snap-up (SnapDeals) of CC sectors; its senders: [Commitment.Miners.<id>.Controls] SnapUp
# # (default the ProveCommit ones).
# EnableSnapUp = true
# EnableBatchSnapUp = true
# SnapUpBatchThreshold = 4
# SnapUpBatchMaxWait = "1h0m0s"
# SnapUpGasOverEstimation = 1.2
# BatchSnapUpGasOverEstimation = 1.2
# MaxSnapUpFeeCap = "5 nanoFIL"
# MaxBatchSnapUpFeeCap = "5 nanoFIL"
# SnapUpMaxFeePerSector = "0.5 FIL"
# SnapUpMinLifetimeEpochs = 518400
# SnapUpFinalityEpochs = 900
# [Commitment.Miners]
# [Commitment.Miners.example]
# CommitCheckInterval = "1m0s"
# PreCommitCheckInterval = "1m0s"
# PreCommitGasOverEstimation = 0.0
# ProCommitGasOverEstimation = 0.0
# BatchPreCommitGasOverEstimation = 0.0
# BatchProCommitGasOverEstimation = 0.0
# MsgConfidence = 10
# [Commitment.Miners.example.Controls]
# PreCommit = "t1abjxfbp274xpdqcpuaykwkfb43omjotacm2p3za"
# ProveCommit = "t1abjxfbp274xpdqcpuaykwkfb43omjotacm2p3za"
# SnapUp = "t1abjxfbp274xpdqcpuaykwkfb43omjotacm2p3za"
#
[Chain]
# Api = ""
# Token = ""
#
[Messager]
# Api = ""
# Token = ""
#
[PersistedStore]
# Includes = ["unavailable"]
#
# [[PersistedStore.Stores]]
# Name = "storage name,like \`100.100.10.1\`"
# Path = "/path/to/storage/"
# Strict = false
# ReadOnly = true
#
[PoSt]
# [PoSt.Default]
# StrictCheck = false
# GasOverEstimation = 0.0
# MaxFeeCap = ""
# MsgCheckInteval = "1m0s"
# MsgConfidence = 5
# [PoSt.Actors]
# [PoSt.Actors.10000]
# Sender = "t1abjxfbp274xpdqcpuaykwkfb43omjotacm2p3za"
# StrictCheck = false
# GasOverEstimation = 0.0
# MaxFeeCap = ""
# MsgCheckInteval = "1m0s"
# MsgConfidence = 5
#
[RegisterProof]
# [RegisterProof.Actors]
# [RegisterProof.Actors.10000]
# Apis = []
# Token = ""
`

const WORKER_DEFAULT = `# Default config:
[instance]
# name = "worker-1"
#
[worker_server]
# host = "0.0.0.0"
# port = 17890
#
# venus-sector-manager 的服务地址 (address of venus-sector-manager; required)
[sealer_rpc]
url = "ws://127.0.0.1:1789/rpc/v0"
# [sealer_rpc.headers]
# Authorization = "Bearer <token>"
#
[sealing]
# allowed_miners = [10000]
# allowed_sizes = ["32GiB"]
# enable_deals = false
# max_deals = 1
# max_retries = 5
# seal_interval = "30s"
# recover_interval = "30s"
# rpc_polling_interval = "30s"
# ignore_proof_check = false
#
# 本地目录配置,需初始化 (sealing stores, prepare with \`venus-worker store seal-init -l DIR\`)
# [[store]]
# location = "/path/to/local/store1"
#
[limit]
# tree_d = 1
# pc1 = 1
# pc2 = 1
# c1 = 1
# c2 = 1
#
# 持久化目录配置,需初始化 (persist store, prepare with \`venus-worker store file-init -l DIR\`)
# [remote]
# path = "/path/to/remote/store"
# instance = "remote-store-1"
#
[processors]
# [processors.pc2]
# external = true
# [processors.c2]
# external = true
# gpu = "0"
# [processors.c2.cgroup]
# cpuset = "24-47"
#
# GPU 配置 (the worker's GPUs: a GPU stage holds its slots of one GPU while it computes)
# [processors.gpu]
# devices = ["0", "1"]
# slots = 1
# [processors.gpu.stage_slots]
# pc2 = 1
# c2 = 1
# snap_prove = 1
# wdpost = 1
`

/**
 * The commented default `sector-manager.cfg`, as `venus-sector-manager daemon init` writes it.
 *
 * @example
 * ```ts
 * writeFileSync(join(home, 'sector-manager.cfg'), defaultManagerConfigText())
 * ```
 */
export function defaultManagerConfigText(): string {
  return MANAGER_DEFAULT
}

/**
 * A commented default `venus-worker.toml` (seed layout). Only `[sealer_rpc] url` is live, since
 * the worker cannot run without a manager address.
 *
 * @example
 * ```ts
 * writeFileSync('venus-worker.toml', defaultWorkerConfigText())
 * ```
 */
export function defaultWorkerConfigText(): string {
  return WORKER_DEFAULT
}
