//! Empty-sector update (SnapDeals): `filecoin_proofs_api::update` behind napi `AsyncTask`s, with
//! the same panic catching and argument checks as the sealing calls.
//!
//! The library expects its output files to exist with the sector's length (it maps them); the
//! wrappers create missing outputs at that length, as lotus and damocles do before calling it.

use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::Path;

use anyhow::{ensure, Context};
use filecoin_proofs::constants::{
    SectorShape2KiB, SectorShape32GiB, SectorShape512MiB, SectorShape64GiB, SectorShape8MiB,
};
use filecoin_proofs::types::MerkleTreeTrait;
use filecoin_proofs_api::update;
use filecoin_proofs_api::{PartitionProofBytes, RegisteredUpdateProof};
use napi::bindgen_prelude::{AsyncTask, Buffer};
use napi_derive::napi;
use storage_proofs_core::parameter_cache::{
    parameter_cache_params_path, parameter_cache_verifying_key_path, CacheableParameters,
};
use storage_proofs_update::constants::{partition_count, TreeRHasher};
use storage_proofs_update::{EmptySectorUpdateCircuit, EmptySectorUpdateCompound, PublicParams};

use crate::{
    bytes32, ensure_init, invalid, job, pieces, run_caught, same, to_buffer, u64_of, Job,
    NativePiece,
};

const UPDATE_PROOFS: [RegisteredUpdateProof; 5] = [
    RegisteredUpdateProof::StackedDrg2KiBV1,
    RegisteredUpdateProof::StackedDrg8MiBV1,
    RegisteredUpdateProof::StackedDrg512MiBV1,
    RegisteredUpdateProof::StackedDrg32GiBV1,
    RegisteredUpdateProof::StackedDrg64GiBV1,
];

pub(crate) fn update_proof(id: u32) -> napi::Result<RegisteredUpdateProof> {
    UPDATE_PROOFS
        .get(id as usize)
        .copied()
        .ok_or_else(|| invalid(format!("unknown registered update proof {id}")))
}

fn sector_size(p: RegisteredUpdateProof) -> u64 {
    u64::from(p.sector_size())
}

fn identifier_of<Tree: 'static + MerkleTreeTrait<Hasher = TreeRHasher>>(size: u64) -> String {
    let pp = PublicParams::from_sector_size(size);
    <EmptySectorUpdateCompound<Tree> as CacheableParameters<EmptySectorUpdateCircuit<Tree>, _>>::cache_identifier(&pp)
}

/// The parameter-cache identifier of the update circuit at `size` (`empty-sector-update-…`).
/// The API crate's `RegisteredUpdateProof::circuit_identifier` answers the PoRep circuit's
/// identifier instead, so the update one is computed here from the circuit's public parameters,
/// exactly as the library does when it looks the parameters up.
pub(crate) fn update_identifier(size: u64) -> anyhow::Result<String> {
    Ok(match size {
        2048 => identifier_of::<SectorShape2KiB>(size),
        8_388_608 => identifier_of::<SectorShape8MiB>(size),
        536_870_912 => identifier_of::<SectorShape512MiB>(size),
        34_359_738_368 => identifier_of::<SectorShape32GiB>(size),
        68_719_476_736 => identifier_of::<SectorShape64GiB>(size),
        _ => anyhow::bail!("no update circuit for sector size {size}"),
    })
}

#[napi(object)]
pub struct UpdateProofInfo {
    pub sector_size: f64,
    /// SNARK partitions of the update proof (not the PoRep partitions the API crate reports).
    pub partitions: u32,
    pub single_partition_proof_len: u32,
    pub api_version: String,
    pub circuit_identifier: String,
    pub params_path: String,
    pub verifying_key_path: String,
}

/// Facts about an update proof type. Reads the library settings (call `init` first).
#[napi]
pub fn update_proof_info(proof: u32) -> napi::Result<UpdateProofInfo> {
    let p = update_proof(proof)?;
    run_caught(|| {
        ensure_init()?;
        let size = sector_size(p);
        let id = update_identifier(size)?;
        Ok(UpdateProofInfo {
            sector_size: size as f64,
            partitions: partition_count(size as usize / 32) as u32,
            single_partition_proof_len: p.single_partition_proof_len() as u32,
            api_version: p.version().to_string(),
            params_path: parameter_cache_params_path(&id).display().to_string(),
            verifying_key_path: parameter_cache_verifying_key_path(&id)
                .display()
                .to_string(),
            circuit_identifier: id,
        })
    })
}

#[napi(object)]
pub struct UpdateComms {
    pub comm_r_old: Buffer,
    pub comm_r_new: Buffer,
    pub comm_d_new: Buffer,
}

struct Comms {
    r_old: [u8; 32],
    r_new: [u8; 32],
    d_new: [u8; 32],
}

fn comms(c: &UpdateComms) -> napi::Result<Comms> {
    Ok(Comms {
        r_old: bytes32("commROld", &c.comm_r_old)?,
        r_new: bytes32("commRNew", &c.comm_r_new)?,
        d_new: bytes32("commDNew", &c.comm_d_new)?,
    })
}

#[napi(object)]
pub struct UpdateFilesArgs {
    pub sector_key_path: String,
    pub sector_key_cache_dir: String,
    pub replica_path: String,
    pub replica_cache_dir: String,
}

/// Creates `path` with `len` bytes when missing (sparse); leaves an existing file alone, so the
/// library's own size check reports a mismatch.
fn ensure_sized(path: &str, len: u64) -> anyhow::Result<()> {
    if !Path::new(path).exists() {
        let f = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(path)
            .with_context(|| format!("creating {path}"))?;
        f.set_len(len)?;
    }
    Ok(())
}

/// Creates `path` or truncates it to nothing.
fn create_truncated(path: &str) -> anyhow::Result<File> {
    OpenOptions::new()
        .create(true)
        .truncate(true)
        .write(true)
        .open(path)
        .with_context(|| format!("creating {path}"))
}

#[napi(object)]
pub struct Encoded {
    pub comm_r_new: Buffer,
    pub comm_r_last_new: Buffer,
    pub comm_d_new: Buffer,
}

fn encoded(v: ([u8; 32], [u8; 32], [u8; 32])) -> napi::Result<Encoded> {
    Ok(Encoded {
        comm_r_new: v.0.to_vec().into(),
        comm_r_last_new: v.1.to_vec().into(),
        comm_d_new: v.2.to_vec().into(),
    })
}

/// Encodes the staged data into a new replica of the CC sector (`empty_sector_update_encode_into`).
#[napi(ts_return_type = "Promise<Encoded>")]
#[allow(clippy::too_many_arguments)]
pub fn encode_into(
    proof: u32,
    new_replica_path: String,
    new_cache_dir: String,
    sector_key_path: String,
    sector_key_cache_dir: String,
    staged_path: String,
    pieces_in: Vec<NativePiece>,
) -> napi::Result<AsyncTask<Job<([u8; 32], [u8; 32], [u8; 32]), Encoded>>> {
    let p = update_proof(proof)?;
    let list = pieces(&pieces_in)?;
    Ok(job(
        move || {
            ensure_init()?;
            let size = sector_size(p);
            std::fs::create_dir_all(&new_cache_dir)?;
            ensure_sized(&new_replica_path, size)?;
            // The pieces' CommD says the rest of the sector is zeros; the library maps the whole
            // sector of staged data.
            let staged_len = std::fs::metadata(&staged_path)
                .with_context(|| format!("staged file {staged_path}"))?
                .len();
            if staged_len < size {
                OpenOptions::new()
                    .write(true)
                    .open(&staged_path)
                    .with_context(|| format!("extending staged file {staged_path}"))?
                    .set_len(size)?;
            }
            let out = update::empty_sector_update_encode_into(
                p,
                &new_replica_path,
                &new_cache_dir,
                &sector_key_path,
                &sector_key_cache_dir,
                &staged_path,
                &list,
            )?;
            Ok((out.comm_r_new, out.comm_r_last_new, out.comm_d_new))
        },
        encoded,
    ))
}

fn buffers(v: Vec<PartitionProofBytes>) -> napi::Result<Vec<Buffer>> {
    Ok(v.into_iter().map(|b| b.0.into()).collect())
}

fn partition_bytes(list: &[Buffer]) -> Vec<PartitionProofBytes> {
    list.iter()
        .map(|b| PartitionProofBytes(b.to_vec()))
        .collect()
}

/// Vanilla proofs of every update partition (`generate_partition_proofs`).
#[napi(ts_return_type = "Promise<Buffer[]>")]
pub fn generate_update_partition_proofs(
    proof: u32,
    c: UpdateComms,
    files: UpdateFilesArgs,
) -> napi::Result<AsyncTask<Job<Vec<PartitionProofBytes>, Vec<Buffer>>>> {
    let p = update_proof(proof)?;
    let c = comms(&c)?;
    Ok(job(
        move || {
            ensure_init()?;
            update::generate_partition_proofs(
                p,
                c.r_old,
                c.r_new,
                c.d_new,
                &files.sector_key_path,
                &files.sector_key_cache_dir,
                &files.replica_path,
                &files.replica_cache_dir,
            )
        },
        buffers,
    ))
}

#[napi(ts_return_type = "Promise<boolean>")]
pub fn verify_update_partition_proofs(
    proof: u32,
    vanilla_proofs: Vec<Buffer>,
    c: UpdateComms,
) -> napi::Result<AsyncTask<Job<bool, bool>>> {
    let p = update_proof(proof)?;
    let c = comms(&c)?;
    let vs = partition_bytes(&vanilla_proofs);
    Ok(job(
        move || {
            ensure_init()?;
            update::verify_partition_proofs(p, &vs, c.r_old, c.r_new, c.d_new)
        },
        same,
    ))
}

/// The update SNARK from vanilla proofs (`generate_empty_sector_update_proof_with_vanilla`).
#[napi(ts_return_type = "Promise<Buffer>")]
pub fn generate_update_proof_with_vanilla(
    proof: u32,
    vanilla_proofs: Vec<Buffer>,
    c: UpdateComms,
) -> napi::Result<AsyncTask<Job<Vec<u8>, Buffer>>> {
    let p = update_proof(proof)?;
    let c = comms(&c)?;
    let vs = partition_bytes(&vanilla_proofs);
    Ok(job(
        move || {
            ensure_init()?;
            Ok(update::generate_empty_sector_update_proof_with_vanilla(
                p, vs, c.r_old, c.r_new, c.d_new,
            )?
            .0)
        },
        to_buffer,
    ))
}

/// Vanilla proofs and SNARK in one call (`generate_empty_sector_update_proof`).
#[napi(ts_return_type = "Promise<Buffer>")]
pub fn generate_update_proof(
    proof: u32,
    c: UpdateComms,
    files: UpdateFilesArgs,
) -> napi::Result<AsyncTask<Job<Vec<u8>, Buffer>>> {
    let p = update_proof(proof)?;
    let c = comms(&c)?;
    Ok(job(
        move || {
            ensure_init()?;
            Ok(update::generate_empty_sector_update_proof(
                p,
                c.r_old,
                c.r_new,
                c.d_new,
                &files.sector_key_path,
                &files.sector_key_cache_dir,
                &files.replica_path,
                &files.replica_cache_dir,
            )?
            .0)
        },
        to_buffer,
    ))
}

#[napi(ts_return_type = "Promise<boolean>")]
pub fn verify_update_proof(
    proof: u32,
    proof_bytes: Buffer,
    c: UpdateComms,
) -> napi::Result<AsyncTask<Job<bool, bool>>> {
    let p = update_proof(proof)?;
    let c = comms(&c)?;
    let bytes = proof_bytes.to_vec();
    Ok(job(
        move || {
            ensure_init()?;
            update::verify_empty_sector_update_proof(p, &bytes, c.r_old, c.r_new, c.d_new)
        },
        same,
    ))
}

/// The whole sector's data, in the staged layout, from the replica and the sector key.
#[napi(ts_return_type = "Promise<void>")]
pub fn decode_from(
    proof: u32,
    output_path: String,
    replica_path: String,
    sector_key_path: String,
    sector_key_cache_dir: String,
    comm_d_new: Buffer,
) -> napi::Result<AsyncTask<Job<(), ()>>> {
    let p = update_proof(proof)?;
    let comm_d = bytes32("commDNew", &comm_d_new)?;
    Ok(job(
        move || {
            ensure_init()?;
            // Every node is written; the file only needs the sector's length for the map.
            let out = create_truncated(&output_path)?;
            out.set_len(sector_size(p))?;
            drop(out);
            update::empty_sector_update_decode_from(
                p,
                &output_path,
                &replica_path,
                &sector_key_path,
                &sector_key_cache_dir,
                comm_d,
            )
        },
        same,
    ))
}

/// Padded bytes decoded per library call by `decode_range` (a multiple of 128: whole Fr32 quads).
const DECODE_CHUNK: u64 = 4 << 20;

/// Raw (unpadded) bytes of a range of the data (`empty_sector_update_decode_from_range`, then
/// Fr32 unpadding), written to `outputPath` from its offset 0. Returns the bytes written.
#[napi(ts_return_type = "Promise<number>")]
#[allow(clippy::too_many_arguments)]
pub fn decode_range(
    proof: u32,
    comm_d_new: Buffer,
    comm_r_old: Buffer,
    replica_path: String,
    sector_key_path: String,
    output_path: String,
    unpadded_offset: f64,
    unpadded_length: f64,
) -> napi::Result<AsyncTask<Job<u64, f64>>> {
    let p = update_proof(proof)?;
    let comm_d = bytes32("commDNew", &comm_d_new)?;
    let comm_r = bytes32("commROld", &comm_r_old)?;
    let offset = u64_of("unpaddedOffset", unpadded_offset)?;
    let length = u64_of("unpaddedLength", unpadded_length)?;
    if offset % 127 != 0 || length % 127 != 0 {
        return Err(invalid(
            "unpaddedOffset and unpaddedLength must be multiples of 127",
        ));
    }
    Ok(job(
        move || {
            ensure_init()?;
            let size = sector_size(p);
            let start = offset / 127 * 128;
            let end = start + length / 127 * 128;
            ensure!(
                end <= size,
                "decode range ends past the sector ({end} > {size} padded bytes)"
            );
            let mut replica =
                File::open(&replica_path).with_context(|| format!("opening {replica_path}"))?;
            let mut key = File::open(&sector_key_path)
                .with_context(|| format!("opening {sector_key_path}"))?;
            let mut out = create_truncated(&output_path)?;
            let mut pos = start;
            let mut padded = Vec::with_capacity(DECODE_CHUNK as usize);
            while pos < end {
                let n = DECODE_CHUNK.min(end - pos);
                replica.seek(SeekFrom::Start(pos))?;
                key.seek(SeekFrom::Start(pos))?;
                padded.clear();
                update::empty_sector_update_decode_from_range(
                    p,
                    comm_d,
                    comm_r,
                    (&mut replica).take(n),
                    (&mut key).take(n),
                    &mut padded,
                    (pos / 32) as usize,
                    (n / 32) as usize,
                )?;
                ensure!(padded.len() as u64 == n, "short read decoding at {pos}");
                let raw = n / 128 * 127;
                filecoin_proofs_api::fr32::write_unpadded(&padded, &mut out, 0, raw as usize)?;
                pos += n;
            }
            out.flush()?;
            Ok(length)
        },
        |n| Ok(n as f64),
    ))
}

/// Regenerates the sector key from the replica and the data (`empty_sector_update_remove_encoded_data`).
#[napi(ts_return_type = "Promise<void>")]
#[allow(clippy::too_many_arguments)]
pub fn remove_encoded_data(
    proof: u32,
    sector_key_path: String,
    sector_key_cache_dir: String,
    replica_path: String,
    replica_cache_dir: String,
    data_path: String,
    comm_d_new: Buffer,
) -> napi::Result<AsyncTask<Job<(), ()>>> {
    let p = update_proof(proof)?;
    let comm_d = bytes32("commDNew", &comm_d_new)?;
    Ok(job(
        move || {
            ensure_init()?;
            std::fs::create_dir_all(&sector_key_cache_dir)?;
            ensure_sized(&sector_key_path, sector_size(p))?;
            update::empty_sector_update_remove_encoded_data(
                p,
                &sector_key_path,
                &sector_key_cache_dir,
                &replica_path,
                &replica_cache_dir,
                &data_path,
                comm_d,
            )
        },
        same,
    ))
}
