//! Node addon over `filecoin-proofs-api` (CPU; the `cuda` feature adds NVIDIA GPUs, see `gpu.rs`).
//!
//! Every heavy call is a napi `AsyncTask`: the work runs on the libuv thread pool, never on the
//! JavaScript thread, and a Rust panic inside it is caught and rejected as an error instead of
//! aborting the Node process. The TypeScript package `@venus-cluster/proofs-native` owns the
//! public API; these functions are its private transport.

#![deny(clippy::all)]

use std::collections::BTreeMap;
use std::fs::{File, OpenOptions};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::PathBuf;
use std::sync::Mutex;

use filecoin_proofs_api::post;
use filecoin_proofs_api::seal;
use filecoin_proofs_api::{
    PartitionSnarkProof, PieceInfo, PrivateReplicaInfo, PublicReplicaInfo,
    RegisteredAggregationProof, RegisteredPoStProof, RegisteredSealProof, SectorId,
    UnpaddedBytesAmount,
};
use napi::bindgen_prelude::AsyncTask;
use napi::{Env, Error, Status, Task};
use napi_derive::napi;

mod gpu;

type Work<T> = Box<dyn FnOnce() -> anyhow::Result<T> + Send + 'static>;

/// One unit of heavy work: `compute` runs `work` off the JS thread under `catch_unwind`,
/// `resolve` converts the plain Rust result into JS values on the JS thread.
pub struct Job<T: Send + 'static, R> {
    work: Option<Work<T>>,
    convert: fn(T) -> napi::Result<R>,
}

// `convert` is a plain fn pointer and `work` is Send, so the job may move to a pool thread.
unsafe impl<T: Send + 'static, R> Send for Job<T, R> {}

fn panic_message(payload: Box<dyn std::any::Any + Send>) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_string()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "unknown panic".to_string()
    }
}

static WORKER_NICE: std::sync::atomic::AtomicI32 = std::sync::atomic::AtomicI32::new(0);

/// Lowers the priority of the calling pool thread. The library's thread pools (rayon, bellperson)
/// are created lazily by the first thread that uses them and inherit its nice value, so the
/// prover's threads yield to the JavaScript thread when the cores are all busy.
fn lower_thread_priority() {
    let nice = WORKER_NICE.load(std::sync::atomic::Ordering::Relaxed);
    if nice > 0 {
        // PRIO_PROCESS with id 0 is the calling thread on Linux (nice is per thread there).
        unsafe {
            libc::setpriority(libc::PRIO_PROCESS, 0, nice);
        }
    }
}

pub(crate) fn run_caught<T>(f: impl FnOnce() -> anyhow::Result<T>) -> napi::Result<T> {
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(Ok(v)) => Ok(v),
        Ok(Err(e)) => Err(Error::new(Status::GenericFailure, format!("{e:#}"))),
        Err(p) => Err(Error::new(
            Status::GenericFailure,
            format!("panic in proofs: {}", panic_message(p)),
        )),
    }
}

impl<T, R> Task for Job<T, R>
where
    T: Send + 'static,
    R: napi::bindgen_prelude::ToNapiValue + napi::bindgen_prelude::TypeName,
{
    type Output = T;
    type JsValue = R;

    fn compute(&mut self) -> napi::Result<T> {
        let work = self
            .work
            .take()
            .ok_or_else(|| Error::new(Status::GenericFailure, "job already ran"))?;
        lower_thread_priority();
        run_caught(work)
    }

    fn resolve(&mut self, _env: Env, output: T) -> napi::Result<R> {
        (self.convert)(output)
    }
}

pub(crate) fn job<T: Send + 'static, R>(
    work: impl FnOnce() -> anyhow::Result<T> + Send + 'static,
    convert: fn(T) -> napi::Result<R>,
) -> AsyncTask<Job<T, R>>
where
    R: napi::bindgen_prelude::ToNapiValue + napi::bindgen_prelude::TypeName,
{
    AsyncTask::new(Job {
        work: Some(Box::new(work)),
        convert,
    })
}

pub(crate) fn same<T>(v: T) -> napi::Result<T> {
    Ok(v)
}

pub(crate) fn to_buffer(v: Vec<u8>) -> napi::Result<napi::bindgen_prelude::Buffer> {
    Ok(v.into())
}

pub(crate) fn invalid(msg: impl Into<String>) -> Error {
    Error::new(Status::InvalidArg, msg.into())
}

// ---------------------------------------------------------------------------------------------
// Settings

static INIT: Mutex<Option<InitOptions>> = Mutex::new(None);

/// Where the library keeps its files. Read once per process by the library (a lazy static), so
/// it is applied before the first proofs call and can not change afterwards.
#[napi(object)]
#[derive(Clone, PartialEq, Debug)]
pub struct InitOptions {
    /// FIL_PROOFS_PARAMETER_CACHE: Groth16 parameters, verifying keys, SRS.
    pub parameter_cache: Option<String>,
    /// FIL_PROOFS_PARENT_CACHE: SDR parent cache files.
    pub parent_cache: Option<String>,
    /// FIL_PROOFS_CACHE_DIR: other library caches.
    pub cache_dir: Option<String>,
    /// FIL_PROOFS_VERIFY_PRODUCTION_PARAMS: only accept the published parameter files.
    pub verify_production_params: Option<bool>,
    /// Nice value (0..=19) for the threads that run proofs work, so they yield to the JS thread.
    pub worker_nice: Option<i32>,
}

/// Applies the settings (environment variables the library reads on first use). Calling it
/// again with the same options is a no-op; with different options it fails.
#[napi]
pub fn init(options: InitOptions) -> napi::Result<()> {
    let mut guard = INIT.lock().map_err(|_| invalid("init lock poisoned"))?;
    if let Some(prev) = guard.as_ref() {
        if *prev == options {
            return Ok(());
        }
        return Err(invalid(format!(
            "proofs settings are already applied ({prev:?}); they can not change within a process"
        )));
    }
    let set = |k: &str, v: &Option<String>| {
        if let Some(v) = v {
            std::env::set_var(k, v);
        }
    };
    set("FIL_PROOFS_PARAMETER_CACHE", &options.parameter_cache);
    set("FIL_PROOFS_PARENT_CACHE", &options.parent_cache);
    set("FIL_PROOFS_CACHE_DIR", &options.cache_dir);
    if let Some(v) = options.verify_production_params {
        std::env::set_var(
            "FIL_PROOFS_VERIFY_PRODUCTION_PARAMS",
            if v { "1" } else { "0" },
        );
    }
    if let Some(n) = options.worker_nice {
        WORKER_NICE.store(n.clamp(0, 19), std::sync::atomic::Ordering::Relaxed);
    }
    gpu::apply_tree_builder_default();
    *guard = Some(options);
    Ok(())
}

pub(crate) fn ensure_init() -> anyhow::Result<()> {
    let guard = INIT
        .lock()
        .map_err(|_| anyhow::anyhow!("init lock poisoned"))?;
    anyhow::ensure!(guard.is_some(), "proofs settings not applied: call init() first");
    Ok(())
}

#[napi]
pub fn native_version() -> String {
    env!("CARGO_PKG_VERSION").to_string()
}

// ---------------------------------------------------------------------------------------------
// Conversions

const SEAL_PROOFS: [RegisteredSealProof; 20] = {
    use RegisteredSealProof::*;
    [
        StackedDrg2KiBV1,
        StackedDrg8MiBV1,
        StackedDrg512MiBV1,
        StackedDrg32GiBV1,
        StackedDrg64GiBV1,
        StackedDrg2KiBV1_1,
        StackedDrg8MiBV1_1,
        StackedDrg512MiBV1_1,
        StackedDrg32GiBV1_1,
        StackedDrg64GiBV1_1,
        StackedDrg2KiBV1_1_Feat_SyntheticPoRep,
        StackedDrg8MiBV1_1_Feat_SyntheticPoRep,
        StackedDrg512MiBV1_1_Feat_SyntheticPoRep,
        StackedDrg32GiBV1_1_Feat_SyntheticPoRep,
        StackedDrg64GiBV1_1_Feat_SyntheticPoRep,
        StackedDrg2KiBV1_2_Feat_NonInteractivePoRep,
        StackedDrg8MiBV1_2_Feat_NonInteractivePoRep,
        StackedDrg512MiBV1_2_Feat_NonInteractivePoRep,
        StackedDrg32GiBV1_2_Feat_NonInteractivePoRep,
        StackedDrg64GiBV1_2_Feat_NonInteractivePoRep,
    ]
};

// On-chain (go-state-types) numbering. 10..14 are "V1_1" on chain and `V1_2` in the Rust API.
const POST_PROOFS: [RegisteredPoStProof; 15] = {
    use RegisteredPoStProof::*;
    [
        StackedDrgWinning2KiBV1,
        StackedDrgWinning8MiBV1,
        StackedDrgWinning512MiBV1,
        StackedDrgWinning32GiBV1,
        StackedDrgWinning64GiBV1,
        StackedDrgWindow2KiBV1,
        StackedDrgWindow8MiBV1,
        StackedDrgWindow512MiBV1,
        StackedDrgWindow32GiBV1,
        StackedDrgWindow64GiBV1,
        StackedDrgWindow2KiBV1_2,
        StackedDrgWindow8MiBV1_2,
        StackedDrgWindow512MiBV1_2,
        StackedDrgWindow32GiBV1_2,
        StackedDrgWindow64GiBV1_2,
    ]
};

fn seal_proof(id: u32) -> napi::Result<RegisteredSealProof> {
    SEAL_PROOFS
        .get(id as usize)
        .copied()
        .ok_or_else(|| invalid(format!("unknown registered seal proof {id}")))
}

fn post_proof(id: u32) -> napi::Result<RegisteredPoStProof> {
    POST_PROOFS
        .get(id as usize)
        .copied()
        .ok_or_else(|| invalid(format!("unknown registered PoSt proof {id}")))
}

fn post_proof_id(p: RegisteredPoStProof) -> u32 {
    POST_PROOFS.iter().position(|x| *x == p).unwrap_or(0) as u32
}

fn aggregation(id: u32) -> napi::Result<RegisteredAggregationProof> {
    match id {
        0 => Ok(RegisteredAggregationProof::SnarkPackV1),
        1 => Ok(RegisteredAggregationProof::SnarkPackV2),
        _ => Err(invalid(format!("unknown registered aggregation proof {id}"))),
    }
}

pub(crate) fn bytes32(what: &str, b: &[u8]) -> napi::Result<[u8; 32]> {
    b.try_into()
        .map_err(|_| invalid(format!("{what} must be 32 bytes, got {}", b.len())))
}

pub(crate) fn u64_of(what: &str, v: f64) -> napi::Result<u64> {
    if v.is_finite() && v >= 0.0 && v.fract() == 0.0 && v <= 9_007_199_254_740_991.0 {
        Ok(v as u64)
    } else {
        Err(invalid(format!("{what} must be a non-negative safe integer, got {v}")))
    }
}

#[napi(object)]
pub struct NativePiece {
    pub comm_p: napi::bindgen_prelude::Buffer,
    /// Padded size of the piece (power of two, >= 128).
    pub padded_size: f64,
}

pub(crate) fn pieces(list: &[NativePiece]) -> napi::Result<Vec<PieceInfo>> {
    list.iter()
        .enumerate()
        .map(|(i, p)| {
            let padded = u64_of(&format!("pieces[{i}].paddedSize"), p.padded_size)?;
            if padded < 128 || !padded.is_power_of_two() {
                return Err(invalid(format!(
                    "pieces[{i}].paddedSize must be a power of two >= 128, got {padded}"
                )));
            }
            Ok(PieceInfo {
                commitment: bytes32(&format!("pieces[{i}].commP"), &p.comm_p)?,
                size: UnpaddedBytesAmount(padded / 128 * 127),
            })
        })
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Registry

#[napi(object)]
pub struct SealProofInfo {
    pub sector_size: f64,
    pub partitions: u32,
    pub single_partition_proof_len: u32,
    pub api_version: String,
    pub circuit_identifier: String,
    pub params_path: String,
    pub verifying_key_path: String,
    pub window_post_proof: u32,
    pub winning_post_proof: u32,
}

/// Facts about a seal proof type. Reads the library settings (call `init` first).
#[napi]
#[allow(deprecated)]
pub fn seal_proof_info(proof: u32) -> napi::Result<SealProofInfo> {
    let p = seal_proof(proof)?;
    run_caught(|| {
        ensure_init()?;
        Ok(SealProofInfo {
            sector_size: u64::from(p.sector_size()) as f64,
            partitions: u32::from(p.partitions()),
            single_partition_proof_len: p.single_partition_proof_len() as u32,
            api_version: p.version().to_string(),
            circuit_identifier: p.circuit_identifier()?,
            params_path: p.cache_params_path()?.display().to_string(),
            verifying_key_path: p.cache_verifying_key_path()?.display().to_string(),
            window_post_proof: post_proof_id(p.into_window_post()),
            winning_post_proof: post_proof_id(p.into_winning_post()),
        })
    })
}

#[napi(object)]
pub struct PoStProofInfo {
    pub sector_size: f64,
    pub sector_count: u32,
    pub single_partition_proof_len: u32,
    pub api_version: String,
    pub circuit_identifier: String,
    pub params_path: String,
    pub verifying_key_path: String,
}

#[napi]
pub fn post_proof_info(proof: u32) -> napi::Result<PoStProofInfo> {
    let p = post_proof(proof)?;
    run_caught(|| {
        ensure_init()?;
        Ok(PoStProofInfo {
            sector_size: u64::from(p.sector_size()) as f64,
            sector_count: p.sector_count() as u32,
            single_partition_proof_len: p.single_partition_proof_len() as u32,
            api_version: p.version().to_string(),
            circuit_identifier: p.circuit_identifier()?,
            params_path: p.cache_params_path()?.display().to_string(),
            verifying_key_path: p.cache_verifying_key_path()?.display().to_string(),
        })
    })
}

// ---------------------------------------------------------------------------------------------
// Pieces

#[napi(object)]
pub struct AddPieceResult {
    pub comm_p: napi::bindgen_prelude::Buffer,
    pub padded_size: f64,
    /// Unpadded bytes written to the staged file, alignment padding included.
    pub written: f64,
}

fn add_piece_result(r: (PieceInfo, UnpaddedBytesAmount)) -> napi::Result<AddPieceResult> {
    let (info, written) = r;
    Ok(AddPieceResult {
        comm_p: info.commitment.to_vec().into(),
        padded_size: (u64::from(info.size) / 127 * 128) as f64,
        written: u64::from(written) as f64,
    })
}

/// Opens the staged file positioned at `padded_offset`, or at its end.
fn open_staged(path: &str, padded_offset: Option<u64>) -> anyhow::Result<File> {
    use std::io::{Seek, SeekFrom};
    let mut f = OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(path)?;
    match padded_offset {
        Some(o) => f.seek(SeekFrom::Start(o))?,
        None => f.seek(SeekFrom::End(0))?,
    };
    Ok(f)
}

/// Exactly `size` bytes of the source file, zero-filled when the file is shorter.
fn open_source(path: &str, size: u64) -> anyhow::Result<impl std::io::Read> {
    use std::io::Read;
    let f = File::open(path)?;
    Ok(f.take(size).chain(std::io::repeat(0)).take(size))
}

/// Appends a piece (Fr32-padded, aligned after `existingPieceSizes`, given unpadded) from
/// `sourcePath` to the staged file `stagedPath`.
#[napi(ts_return_type = "Promise<AddPieceResult>")]
pub fn add_piece(
    proof: u32,
    source_path: String,
    staged_path: String,
    unpadded_size: f64,
    existing_unpadded_sizes: Vec<f64>,
) -> napi::Result<AsyncTask<Job<(PieceInfo, UnpaddedBytesAmount), AddPieceResult>>> {
    let p = seal_proof(proof)?;
    let size = u64_of("unpaddedSize", unpadded_size)?;
    let existing = existing_unpadded_sizes
        .iter()
        .map(|v| u64_of("existingUnpaddedSizes[]", *v).map(UnpaddedBytesAmount))
        .collect::<napi::Result<Vec<_>>>()?;
    Ok(job(
        move || {
            ensure_init()?;
            let source = open_source(&source_path, size)?;
            let target = open_staged(&staged_path, None)?;
            seal::add_piece(
                p,
                source,
                target,
                UnpaddedBytesAmount(size),
                &existing,
            )
        },
        add_piece_result,
    ))
}

/// Like `addPiece` without alignment: writes the padded piece at `paddedOffset` (default: the end).
#[napi(ts_return_type = "Promise<AddPieceResult>")]
pub fn write_and_preprocess(
    proof: u32,
    source_path: String,
    staged_path: String,
    unpadded_size: f64,
    padded_offset: Option<f64>,
) -> napi::Result<AsyncTask<Job<(PieceInfo, UnpaddedBytesAmount), AddPieceResult>>> {
    let p = seal_proof(proof)?;
    let size = u64_of("unpaddedSize", unpadded_size)?;
    let offset = padded_offset
        .map(|o| u64_of("paddedOffset", o))
        .transpose()?;
    Ok(job(
        move || {
            ensure_init()?;
            let source = open_source(&source_path, size)?;
            let target = open_staged(&staged_path, offset)?;
            seal::write_and_preprocess(
                p,
                source,
                target,
                UnpaddedBytesAmount(size),
            )
        },
        add_piece_result,
    ))
}

/// CommP of `unpaddedSize` bytes read from `sourcePath`.
#[napi(ts_return_type = "Promise<Buffer>")]
pub fn generate_piece_commitment(
    proof: u32,
    source_path: String,
    unpadded_size: f64,
) -> napi::Result<AsyncTask<Job<Vec<u8>, napi::bindgen_prelude::Buffer>>> {
    let p = seal_proof(proof)?;
    let size = u64_of("unpaddedSize", unpadded_size)?;
    Ok(job(
        move || {
            ensure_init()?;
            let source = open_source(&source_path, size)?;
            let info = seal::generate_piece_commitment(
                p,
                source,
                UnpaddedBytesAmount(size),
            )?;
            Ok(info.commitment.to_vec())
        },
        to_buffer,
    ))
}

/// CommD of a sector holding `pieces` (empty list: a CC sector).
#[napi]
pub fn compute_comm_d(proof: u32, pieces_in: Vec<NativePiece>) -> napi::Result<napi::bindgen_prelude::Buffer> {
    let p = seal_proof(proof)?;
    let list = pieces(&pieces_in)?;
    let c = run_caught(|| seal::compute_comm_d(p, &list))?;
    Ok(c.to_vec().into())
}

// ---------------------------------------------------------------------------------------------
// Sealing

#[napi(object)]
pub struct SectorArgs {
    pub proof: u32,
    pub prover_id: napi::bindgen_prelude::Buffer,
    pub sector_number: f64,
    pub ticket: napi::bindgen_prelude::Buffer,
}

struct Sector {
    proof: RegisteredSealProof,
    prover_id: [u8; 32],
    sector_id: SectorId,
    ticket: [u8; 32],
}

fn sector(a: &SectorArgs) -> napi::Result<Sector> {
    Ok(Sector {
        proof: seal_proof(a.proof)?,
        prover_id: bytes32("proverId", &a.prover_id)?,
        sector_id: SectorId::from(u64_of("sectorNumber", a.sector_number)?),
        ticket: bytes32("ticket", &a.ticket)?,
    })
}

/// PC1 (SDR labelling). Returns the phase-1 output as JSON bytes.
#[napi(ts_return_type = "Promise<Buffer>")]
pub fn seal_pre_commit_phase1(
    args: SectorArgs,
    cache_dir: String,
    staged_path: String,
    sealed_path: String,
    pieces_in: Vec<NativePiece>,
) -> napi::Result<AsyncTask<Job<Vec<u8>, napi::bindgen_prelude::Buffer>>> {
    let s = sector(&args)?;
    let list = pieces(&pieces_in)?;
    Ok(job(
        move || {
            ensure_init()?;
            std::fs::create_dir_all(&cache_dir)?;
            // The library expects the sealed file to exist (it copies the staged data into it).
            OpenOptions::new()
                .create(true)
                .truncate(false)
                .write(true)
                .open(&sealed_path)?;
            let out = seal::seal_pre_commit_phase1(
                s.proof,
                &cache_dir,
                &staged_path,
                &sealed_path,
                s.prover_id,
                s.sector_id,
                s.ticket,
                &list,
            )?;
            Ok(serde_json::to_vec(&out)?)
        },
        to_buffer,
    ))
}

#[napi(object)]
pub struct PreCommit {
    pub comm_r: napi::bindgen_prelude::Buffer,
    pub comm_d: napi::bindgen_prelude::Buffer,
}

fn pre_commit(v: ([u8; 32], [u8; 32])) -> napi::Result<PreCommit> {
    Ok(PreCommit {
        comm_r: v.0.to_vec().into(),
        comm_d: v.1.to_vec().into(),
    })
}

/// PC2 (trees, replica). Takes PC1's JSON bytes.
#[napi(ts_return_type = "Promise<PreCommit>")]
pub fn seal_pre_commit_phase2(
    phase1_output: napi::bindgen_prelude::Buffer,
    cache_dir: String,
    sealed_path: String,
) -> napi::Result<AsyncTask<Job<([u8; 32], [u8; 32]), PreCommit>>> {
    let p1 = phase1_output.to_vec();
    Ok(job(
        move || {
            ensure_init()?;
            let p1: seal::SealPreCommitPhase1Output = serde_json::from_slice(&p1)?;
            let out = seal::seal_pre_commit_phase2(p1, &cache_dir, &sealed_path)?;
            Ok((out.comm_r, out.comm_d))
        },
        pre_commit,
    ))
}

/// C1 (vanilla proofs for the seed's challenges). Returns JSON bytes.
#[napi(ts_return_type = "Promise<Buffer>")]
#[allow(clippy::too_many_arguments)]
pub fn seal_commit_phase1(
    args: SectorArgs,
    cache_dir: String,
    sealed_path: String,
    seed: napi::bindgen_prelude::Buffer,
    comm_r: napi::bindgen_prelude::Buffer,
    comm_d: napi::bindgen_prelude::Buffer,
    pieces_in: Vec<NativePiece>,
) -> napi::Result<AsyncTask<Job<Vec<u8>, napi::bindgen_prelude::Buffer>>> {
    let s = sector(&args)?;
    let seed = bytes32("seed", &seed)?;
    let comm_r = bytes32("commR", &comm_r)?;
    let comm_d = bytes32("commD", &comm_d)?;
    let list = pieces(&pieces_in)?;
    Ok(job(
        move || {
            ensure_init()?;
            let pc = seal::SealPreCommitPhase2Output {
                registered_proof: s.proof,
                comm_r,
                comm_d,
            };
            let out = seal::seal_commit_phase1(
                PathBuf::from(cache_dir),
                PathBuf::from(sealed_path),
                s.prover_id,
                s.sector_id,
                s.ticket,
                seed,
                pc,
                &list,
            )?;
            Ok(serde_json::to_vec(&out)?)
        },
        to_buffer,
    ))
}

/// C2 (Groth16 SNARK). Takes C1's JSON bytes; returns the proof bytes.
#[napi(ts_return_type = "Promise<Buffer>")]
pub fn seal_commit_phase2(
    phase1_output: napi::bindgen_prelude::Buffer,
    prover_id: napi::bindgen_prelude::Buffer,
    sector_number: f64,
) -> napi::Result<AsyncTask<Job<Vec<u8>, napi::bindgen_prelude::Buffer>>> {
    let c1 = phase1_output.to_vec();
    let prover_id = bytes32("proverId", &prover_id)?;
    let sector_id = SectorId::from(u64_of("sectorNumber", sector_number)?);
    Ok(job(
        move || {
            ensure_init()?;
            let c1: seal::SealCommitPhase1Output = serde_json::from_slice(&c1)?;
            Ok(seal::seal_commit_phase2(c1, prover_id, sector_id)?.proof)
        },
        to_buffer,
    ))
}

#[napi(ts_return_type = "Promise<boolean>")]
pub fn verify_seal(
    args: SectorArgs,
    comm_r: napi::bindgen_prelude::Buffer,
    comm_d: napi::bindgen_prelude::Buffer,
    seed: napi::bindgen_prelude::Buffer,
    proof_bytes: napi::bindgen_prelude::Buffer,
) -> napi::Result<AsyncTask<Job<bool, bool>>> {
    let s = sector(&args)?;
    let comm_r = bytes32("commR", &comm_r)?;
    let comm_d = bytes32("commD", &comm_d)?;
    let seed = bytes32("seed", &seed)?;
    let proof_bytes = proof_bytes.to_vec();
    Ok(job(
        move || {
            ensure_init()?;
            seal::verify_seal(
                s.proof,
                comm_r,
                comm_d,
                s.prover_id,
                s.sector_id,
                s.ticket,
                seed,
                &proof_bytes,
            )
        },
        same,
    ))
}

#[napi(object)]
pub struct AggregateEntry {
    pub sector_number: f64,
    pub ticket: napi::bindgen_prelude::Buffer,
    pub seed: napi::bindgen_prelude::Buffer,
    pub comm_r: napi::bindgen_prelude::Buffer,
    pub comm_d: napi::bindgen_prelude::Buffer,
    /// The C2 proof (only needed to aggregate).
    pub proof: Option<napi::bindgen_prelude::Buffer>,
}

struct Entry {
    sector_id: SectorId,
    ticket: [u8; 32],
    seed: [u8; 32],
    comm_r: [u8; 32],
    comm_d: [u8; 32],
    proof: Option<Vec<u8>>,
}

fn entries(list: &[AggregateEntry]) -> napi::Result<Vec<Entry>> {
    list.iter()
        .enumerate()
        .map(|(i, e)| {
            Ok(Entry {
                sector_id: SectorId::from(u64_of(
                    &format!("entries[{i}].sectorNumber"),
                    e.sector_number,
                )?),
                ticket: bytes32(&format!("entries[{i}].ticket"), &e.ticket)?,
                seed: bytes32(&format!("entries[{i}].seed"), &e.seed)?,
                comm_r: bytes32(&format!("entries[{i}].commR"), &e.comm_r)?,
                comm_d: bytes32(&format!("entries[{i}].commD"), &e.comm_d)?,
                proof: e.proof.as_ref().map(|p| p.to_vec()),
            })
        })
        .collect()
}

/// SnarkPack aggregate of C2 proofs (needs the SRS file in the parameter cache).
#[napi(ts_return_type = "Promise<Buffer>")]
pub fn aggregate_seal_commit_proofs(
    proof: u32,
    aggregation_version: u32,
    list: Vec<AggregateEntry>,
) -> napi::Result<AsyncTask<Job<Vec<u8>, napi::bindgen_prelude::Buffer>>> {
    let p = seal_proof(proof)?;
    let a = aggregation(aggregation_version)?;
    let es = entries(&list)?;
    if es.iter().any(|e| e.proof.is_none()) {
        return Err(invalid("every entry needs its proof to aggregate"));
    }
    Ok(job(
        move || {
            ensure_init()?;
            let comm_rs: Vec<[u8; 32]> = es.iter().map(|e| e.comm_r).collect();
            let seeds: Vec<[u8; 32]> = es.iter().map(|e| e.seed).collect();
            let outs: Vec<seal::SealCommitPhase2Output> = es
                .into_iter()
                .map(|e| seal::SealCommitPhase2Output {
                    proof: e.proof.unwrap_or_default(),
                })
                .collect();
            seal::aggregate_seal_commit_proofs(p, a, &comm_rs, &seeds, &outs)
        },
        to_buffer,
    ))
}

#[napi(ts_return_type = "Promise<boolean>")]
pub fn verify_aggregate_seal_commit_proofs(
    proof: u32,
    aggregation_version: u32,
    prover_id: napi::bindgen_prelude::Buffer,
    aggregate: napi::bindgen_prelude::Buffer,
    list: Vec<AggregateEntry>,
) -> napi::Result<AsyncTask<Job<bool, bool>>> {
    let p = seal_proof(proof)?;
    let a = aggregation(aggregation_version)?;
    let prover_id = bytes32("proverId", &prover_id)?;
    let agg = aggregate.to_vec();
    let es = entries(&list)?;
    Ok(job(
        move || {
            ensure_init()?;
            let comm_rs: Vec<[u8; 32]> = es.iter().map(|e| e.comm_r).collect();
            let seeds: Vec<[u8; 32]> = es.iter().map(|e| e.seed).collect();
            let mut inputs = Vec::new();
            for e in &es {
                inputs.extend(seal::get_seal_inputs(
                    p,
                    e.comm_r,
                    e.comm_d,
                    prover_id,
                    e.sector_id,
                    e.ticket,
                    e.seed,
                )?);
            }
            seal::verify_aggregate_seal_commit_proofs(p, a, agg, &comm_rs, &seeds, inputs)
        },
        same,
    ))
}

/// Recovers `length` raw (unpadded) bytes at `offset` from the sealed replica into `outputPath`
/// (created or truncated). Re-runs SDR for the whole sector, as the library does.
#[napi(ts_return_type = "Promise<number>")]
#[allow(clippy::too_many_arguments)]
pub fn unseal_range(
    args: SectorArgs,
    cache_dir: String,
    sealed_path: String,
    output_path: String,
    comm_d: napi::bindgen_prelude::Buffer,
    unpadded_offset: f64,
    unpadded_length: f64,
) -> napi::Result<AsyncTask<Job<u64, f64>>> {
    let s = sector(&args)?;
    let comm_d = bytes32("commD", &comm_d)?;
    let offset = u64_of("unpaddedOffset", unpadded_offset)?;
    let length = u64_of("unpaddedLength", unpadded_length)?;
    Ok(job(
        move || {
            ensure_init()?;
            let sealed = File::open(&sealed_path)?;
            let out = OpenOptions::new()
                .create(true)
                .write(true)
                .truncate(true)
                .open(&output_path)?;
            let n = seal::unseal_range(
                s.proof,
                PathBuf::from(cache_dir),
                sealed,
                out,
                s.prover_id,
                s.sector_id,
                comm_d,
                s.ticket,
                filecoin_proofs_api::UnpaddedByteIndex(offset),
                UnpaddedBytesAmount(length),
            )?;
            Ok(u64::from(n))
        },
        |n| Ok(n as f64),
    ))
}

/// Removes the layer and tree files PoSt does not need (keeps p_aux, t_aux, tree-r-last).
#[napi(ts_return_type = "Promise<void>")]
pub fn clear_cache(cache_dir: String) -> AsyncTask<Job<(), ()>> {
    job(
        move || seal::clear_cache(std::path::Path::new(&cache_dir)),
        same,
    )
}

// ---------------------------------------------------------------------------------------------
// PoSt

#[napi(object)]
pub struct ReplicaArgs {
    pub sector_number: f64,
    pub comm_r: napi::bindgen_prelude::Buffer,
    /// Needed to prove, not to verify.
    pub cache_dir: Option<String>,
    pub sealed_path: Option<String>,
}

#[napi(object)]
pub struct PoStProofOut {
    pub post_proof: u32,
    pub proof: napi::bindgen_prelude::Buffer,
}

#[napi(object)]
pub struct PoStProofIn {
    pub post_proof: u32,
    pub proof: napi::bindgen_prelude::Buffer,
}

fn private_replicas(
    pt: RegisteredPoStProof,
    list: &[ReplicaArgs],
) -> napi::Result<BTreeMap<SectorId, PrivateReplicaInfo>> {
    let mut map = BTreeMap::new();
    for (i, r) in list.iter().enumerate() {
        let id = SectorId::from(u64_of(&format!("replicas[{i}].sectorNumber"), r.sector_number)?);
        let cache = r
            .cache_dir
            .clone()
            .ok_or_else(|| invalid(format!("replicas[{i}].cacheDir is required to prove")))?;
        let sealed = r
            .sealed_path
            .clone()
            .ok_or_else(|| invalid(format!("replicas[{i}].sealedPath is required to prove")))?;
        let info = PrivateReplicaInfo::new(
            pt,
            bytes32(&format!("replicas[{i}].commR"), &r.comm_r)?,
            PathBuf::from(cache),
            PathBuf::from(sealed),
        );
        if map.insert(id, info).is_some() {
            return Err(invalid(format!("replicas[{i}]: duplicate sector number")));
        }
    }
    Ok(map)
}

fn public_replicas(
    pt: RegisteredPoStProof,
    list: &[ReplicaArgs],
) -> napi::Result<BTreeMap<SectorId, PublicReplicaInfo>> {
    let mut map = BTreeMap::new();
    for (i, r) in list.iter().enumerate() {
        let id = SectorId::from(u64_of(&format!("replicas[{i}].sectorNumber"), r.sector_number)?);
        let info = PublicReplicaInfo::new(pt, bytes32(&format!("replicas[{i}].commR"), &r.comm_r)?);
        if map.insert(id, info).is_some() {
            return Err(invalid(format!("replicas[{i}]: duplicate sector number")));
        }
    }
    Ok(map)
}

fn post_out(v: Vec<(RegisteredPoStProof, Vec<u8>)>) -> napi::Result<Vec<PoStProofOut>> {
    Ok(v.into_iter()
        .map(|(p, b)| PoStProofOut {
            post_proof: post_proof_id(p),
            proof: b.into(),
        })
        .collect())
}

fn randomness32(r: &[u8]) -> napi::Result<[u8; 32]> {
    let mut r = bytes32("randomness", r)?;
    // PoSt randomness must be a canonical field element, as Lotus does before calling proofs.
    r[31] &= 0x3f;
    Ok(r)
}

#[napi(ts_return_type = "Promise<PoStProofOut[]>")]
pub fn generate_window_post(
    post_proof_type: u32,
    randomness: napi::bindgen_prelude::Buffer,
    prover_id: napi::bindgen_prelude::Buffer,
    replicas: Vec<ReplicaArgs>,
) -> napi::Result<AsyncTask<Job<Vec<(RegisteredPoStProof, Vec<u8>)>, Vec<PoStProofOut>>>> {
    let pt = post_proof(post_proof_type)?;
    let r = randomness32(&randomness)?;
    let prover = bytes32("proverId", &prover_id)?;
    let map = private_replicas(pt, &replicas)?;
    Ok(job(
        move || {
            ensure_init()?;
            post::generate_window_post(&r, &map, prover)
        },
        post_out,
    ))
}

#[napi(ts_return_type = "Promise<boolean>")]
pub fn verify_window_post(
    randomness: napi::bindgen_prelude::Buffer,
    prover_id: napi::bindgen_prelude::Buffer,
    proofs: Vec<PoStProofIn>,
    replicas: Vec<ReplicaArgs>,
) -> napi::Result<AsyncTask<Job<bool, bool>>> {
    let r = randomness32(&randomness)?;
    let prover = bytes32("proverId", &prover_id)?;
    let first = proofs
        .first()
        .ok_or_else(|| invalid("proofs must not be empty"))?;
    let pt = post_proof(first.post_proof)?;
    let ps = proofs
        .iter()
        .map(|p| Ok((post_proof(p.post_proof)?, p.proof.to_vec())))
        .collect::<napi::Result<Vec<_>>>()?;
    let map = public_replicas(pt, &replicas)?;
    Ok(job(
        move || {
            ensure_init()?;
            let refs: Vec<(RegisteredPoStProof, &[u8])> =
                ps.iter().map(|(p, b)| (*p, b.as_slice())).collect();
            post::verify_window_post(&r, &refs, &map, prover)
        },
        same,
    ))
}

#[napi(ts_return_type = "Promise<PoStProofOut[]>")]
pub fn generate_winning_post(
    post_proof_type: u32,
    randomness: napi::bindgen_prelude::Buffer,
    prover_id: napi::bindgen_prelude::Buffer,
    replicas: Vec<ReplicaArgs>,
) -> napi::Result<AsyncTask<Job<Vec<(RegisteredPoStProof, Vec<u8>)>, Vec<PoStProofOut>>>> {
    let pt = post_proof(post_proof_type)?;
    let r = randomness32(&randomness)?;
    let prover = bytes32("proverId", &prover_id)?;
    let map = private_replicas(pt, &replicas)?;
    Ok(job(
        move || {
            ensure_init()?;
            post::generate_winning_post(&r, &map, prover)
        },
        post_out,
    ))
}

#[napi(ts_return_type = "Promise<boolean>")]
pub fn verify_winning_post(
    post_proof_type: u32,
    randomness: napi::bindgen_prelude::Buffer,
    prover_id: napi::bindgen_prelude::Buffer,
    proof: napi::bindgen_prelude::Buffer,
    replicas: Vec<ReplicaArgs>,
) -> napi::Result<AsyncTask<Job<bool, bool>>> {
    let pt = post_proof(post_proof_type)?;
    let r = randomness32(&randomness)?;
    let prover = bytes32("proverId", &prover_id)?;
    let proof = proof.to_vec();
    let map = public_replicas(pt, &replicas)?;
    Ok(job(
        move || {
            ensure_init()?;
            post::verify_winning_post(&r, &proof, &map, prover)
        },
        same,
    ))
}

/// Indexes (into the sector set) of the sectors a WinningPoSt must prove.
#[napi]
pub fn generate_winning_post_sector_challenge(
    post_proof_type: u32,
    randomness: napi::bindgen_prelude::Buffer,
    sector_set_len: f64,
    prover_id: napi::bindgen_prelude::Buffer,
) -> napi::Result<Vec<f64>> {
    let pt = post_proof(post_proof_type)?;
    let r = randomness32(&randomness)?;
    let prover = bytes32("proverId", &prover_id)?;
    let len = u64_of("sectorSetLen", sector_set_len)?;
    let v = run_caught(|| post::generate_winning_post_sector_challenge(pt, &r, len, prover))?;
    Ok(v.into_iter().map(|x| x as f64).collect())
}

#[napi(object)]
pub struct SectorChallenges {
    pub sector_number: f64,
    pub challenges: Vec<f64>,
}

#[napi]
pub fn generate_fallback_sector_challenges(
    post_proof_type: u32,
    randomness: napi::bindgen_prelude::Buffer,
    sector_numbers: Vec<f64>,
    prover_id: napi::bindgen_prelude::Buffer,
) -> napi::Result<Vec<SectorChallenges>> {
    let pt = post_proof(post_proof_type)?;
    let r = randomness32(&randomness)?;
    let prover = bytes32("proverId", &prover_id)?;
    let ids = sector_numbers
        .iter()
        .map(|n| u64_of("sectorNumbers[]", *n).map(SectorId::from))
        .collect::<napi::Result<Vec<_>>>()?;
    let m = run_caught(|| post::generate_fallback_sector_challenges(pt, &r, &ids, prover))?;
    Ok(m.into_iter()
        .map(|(id, c)| SectorChallenges {
            sector_number: u64::from(id) as f64,
            challenges: c.into_iter().map(|x| x as f64).collect(),
        })
        .collect())
}

#[napi(ts_return_type = "Promise<Buffer>")]
pub fn generate_single_vanilla_proof(
    post_proof_type: u32,
    replica: ReplicaArgs,
    challenges: Vec<f64>,
) -> napi::Result<AsyncTask<Job<Vec<u8>, napi::bindgen_prelude::Buffer>>> {
    let pt = post_proof(post_proof_type)?;
    let id = SectorId::from(u64_of("sectorNumber", replica.sector_number)?);
    let map = private_replicas(pt, std::slice::from_ref(&replica))?;
    let info = map
        .into_values()
        .next()
        .ok_or_else(|| invalid("replica missing"))?;
    let cs = challenges
        .iter()
        .map(|c| u64_of("challenges[]", *c))
        .collect::<napi::Result<Vec<_>>>()?;
    Ok(job(
        move || {
            ensure_init()?;
            post::generate_single_vanilla_proof(pt, id, &info, &cs)
        },
        to_buffer,
    ))
}

/// One WindowPoSt partition proof from the vanilla proofs of that partition's sectors.
#[napi(ts_return_type = "Promise<Buffer>")]
pub fn generate_single_window_post_with_vanilla(
    post_proof_type: u32,
    randomness: napi::bindgen_prelude::Buffer,
    prover_id: napi::bindgen_prelude::Buffer,
    vanilla_proofs: Vec<napi::bindgen_prelude::Buffer>,
    partition_index: u32,
) -> napi::Result<AsyncTask<Job<Vec<u8>, napi::bindgen_prelude::Buffer>>> {
    let pt = post_proof(post_proof_type)?;
    let r = randomness32(&randomness)?;
    let prover = bytes32("proverId", &prover_id)?;
    let vs: Vec<Vec<u8>> = vanilla_proofs.iter().map(|v| v.to_vec()).collect();
    Ok(job(
        move || {
            ensure_init()?;
            Ok(post::generate_single_window_post_with_vanilla(
                pt,
                &r,
                prover,
                &vs,
                partition_index as usize,
            )?
            .0)
        },
        to_buffer,
    ))
}

#[napi(ts_return_type = "Promise<PoStProofOut[]>")]
pub fn generate_window_post_with_vanilla(
    post_proof_type: u32,
    randomness: napi::bindgen_prelude::Buffer,
    prover_id: napi::bindgen_prelude::Buffer,
    vanilla_proofs: Vec<napi::bindgen_prelude::Buffer>,
) -> napi::Result<AsyncTask<Job<Vec<(RegisteredPoStProof, Vec<u8>)>, Vec<PoStProofOut>>>> {
    let pt = post_proof(post_proof_type)?;
    let r = randomness32(&randomness)?;
    let prover = bytes32("proverId", &prover_id)?;
    let vs: Vec<Vec<u8>> = vanilla_proofs.iter().map(|v| v.to_vec()).collect();
    Ok(job(
        move || {
            ensure_init()?;
            post::generate_window_post_with_vanilla(pt, &r, prover, &vs)
        },
        post_out,
    ))
}

#[napi]
pub fn merge_window_post_partition_proofs(
    post_proof_type: u32,
    partition_proofs: Vec<napi::bindgen_prelude::Buffer>,
) -> napi::Result<napi::bindgen_prelude::Buffer> {
    let pt = post_proof(post_proof_type)?;
    let ps: Vec<PartitionSnarkProof> = partition_proofs
        .iter()
        .map(|p| PartitionSnarkProof(p.to_vec()))
        .collect();
    let v = run_caught(|| post::merge_window_post_partition_proofs(pt, ps))?;
    Ok(v.into())
}

#[napi]
pub fn get_num_partition_for_fallback_post(post_proof_type: u32, num_sectors: u32) -> napi::Result<u32> {
    let pt = post_proof(post_proof_type)?;
    let n = run_caught(|| post::get_num_partition_for_fallback_post(pt, num_sectors as usize))?;
    Ok(n as u32)
}

// ---------------------------------------------------------------------------------------------
// Empty-sector update (SnapDeals)

mod update;

// ---------------------------------------------------------------------------------------------
// Local parameter generation (test / devnet only: these keys verify only locally made proofs)

mod params;

#[napi(object)]
pub struct GeneratedFiles {
    /// Files written now (absolute paths).
    pub written: Vec<String>,
    /// Files that already existed and were kept.
    pub kept: Vec<String>,
}

fn generated(v: (Vec<String>, Vec<String>)) -> napi::Result<GeneratedFiles> {
    Ok(GeneratedFiles {
        written: v.0,
        kept: v.1,
    })
}

/// Names (relative to the parameter cache) of every file `generateParameterSet` makes for `part`
/// ('porep' | 'window-post' | 'winning-post' | 'update' | 'srs') at `sectorSize`.
#[napi]
pub fn parameter_file_names(part: String, sector_size: f64) -> napi::Result<Vec<String>> {
    let size = u64_of("sectorSize", sector_size)?;
    run_caught(|| {
        ensure_init()?;
        params::file_names(&part, size)
    })
}

/// Generates one parameter set into the parameter cache, keeping files already there.
#[napi(ts_return_type = "Promise<GeneratedFiles>")]
pub fn generate_parameter_set(
    part: String,
    sector_size: f64,
) -> napi::Result<AsyncTask<Job<(Vec<String>, Vec<String>), GeneratedFiles>>> {
    let size = u64_of("sectorSize", sector_size)?;
    Ok(job(
        move || {
            ensure_init()?;
            params::generate(&part, size)
        },
        generated,
    ))
}

/// Panics inside the addon on purpose, to prove that panics become rejected promises.
#[napi(ts_return_type = "Promise<void>")]
pub fn debug_panic(message: String) -> AsyncTask<Job<(), ()>> {
    job(move || panic!("{}", message), same)
}
