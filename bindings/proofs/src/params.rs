//! Local Groth16 parameter / verifying-key / fake SRS generation, the recipe of upstream's
//! `paramcache` binary through the public crate APIs. Proofs made with these files verify only
//! against these files, never against the published (ceremony) keys.

use std::path::PathBuf;

use anyhow::{bail, Result};
use filecoin_proofs::constants::{DefaultPieceHasher, SectorShapeBase};
use filecoin_proofs::parameters::{
    public_params, window_post_public_params, winning_post_public_params,
};
use filecoin_proofs_api::{RegisteredPoStProof, RegisteredSealProof};
use rand::rngs::OsRng;
use storage_proofs_core::compound_proof::CompoundProof;
use storage_proofs_core::parameter_cache::{
    parameter_cache_metadata_path, parameter_cache_params_path, parameter_cache_srs_key_path,
    parameter_cache_verifying_key_path, CacheableParameters,
};
use storage_proofs_porep::stacked::{StackedCircuit, StackedCompound, StackedDrg};
use storage_proofs_post::fallback::{FallbackPoSt, FallbackPoStCircuit, FallbackPoStCompound};
use storage_proofs_update::{EmptySectorUpdate, EmptySectorUpdateCircuit, EmptySectorUpdateCompound};

/// Largest number of proofs one SnarkPack aggregate can hold with the fake SRS
/// (`specialize` needs 2·n powers; the file name has no size, so make it big once).
const SRS_MAX_PROOFS: usize = 1024;

// 2KiB, 8MiB and 512MiB share one tree shape (base arity 8), so one instantiation covers them.
type Tree = SectorShapeBase;

fn seal_proof_for(size: u64) -> Result<RegisteredSealProof> {
    Ok(match size {
        2048 => RegisteredSealProof::StackedDrg2KiBV1_1,
        8_388_608 => RegisteredSealProof::StackedDrg8MiBV1_1,
        536_870_912 => RegisteredSealProof::StackedDrg512MiBV1_1,
        _ => bail!("local parameter generation supports 2KiB, 8MiB and 512MiB sectors, not {size}"),
    })
}

fn window_for(size: u64) -> Result<RegisteredPoStProof> {
    Ok(match size {
        2048 => RegisteredPoStProof::StackedDrgWindow2KiBV1_2,
        8_388_608 => RegisteredPoStProof::StackedDrgWindow8MiBV1_2,
        536_870_912 => RegisteredPoStProof::StackedDrgWindow512MiBV1_2,
        _ => bail!("local parameter generation supports 2KiB, 8MiB and 512MiB sectors, not {size}"),
    })
}

fn winning_for(size: u64) -> Result<RegisteredPoStProof> {
    Ok(match size {
        2048 => RegisteredPoStProof::StackedDrgWinning2KiBV1,
        8_388_608 => RegisteredPoStProof::StackedDrgWinning8MiBV1,
        536_870_912 => RegisteredPoStProof::StackedDrgWinning512MiBV1,
        _ => bail!("local parameter generation supports 2KiB, 8MiB and 512MiB sectors, not {size}"),
    })
}

fn groth_files(id: &str) -> Vec<PathBuf> {
    vec![
        parameter_cache_params_path(id),
        parameter_cache_verifying_key_path(id),
        parameter_cache_metadata_path(id),
    ]
}

fn porep_id(size: u64) -> Result<String> {
    let config = seal_proof_for(size)?.as_v1_config();
    let pp = public_params::<Tree>(&config)?;
    Ok(<StackedCompound<Tree, DefaultPieceHasher> as CacheableParameters<StackedCircuit<Tree, DefaultPieceHasher>, _>>::cache_identifier(&pp))
}

fn window_id(size: u64) -> Result<String> {
    let config = window_for(size)?.as_v1_config();
    let pp = window_post_public_params::<Tree>(&config)?;
    Ok(<FallbackPoStCompound<Tree> as CacheableParameters<FallbackPoStCircuit<Tree>, _>>::cache_identifier(&pp))
}

fn winning_id(size: u64) -> Result<String> {
    let config = winning_for(size)?.as_v1_config();
    let pp = winning_post_public_params::<Tree>(&config)?;
    Ok(<FallbackPoStCompound<Tree> as CacheableParameters<FallbackPoStCircuit<Tree>, _>>::cache_identifier(&pp))
}

fn paths(part: &str, size: u64) -> Result<Vec<PathBuf>> {
    Ok(match part {
        "porep" => groth_files(&porep_id(size)?),
        "window-post" => groth_files(&window_id(size)?),
        "winning-post" => groth_files(&winning_id(size)?),
        "update" => {
            seal_proof_for(size)?;
            groth_files(&crate::update::update_identifier(size)?)
        }
        "srs" => vec![parameter_cache_srs_key_path("", SRS_MAX_PROOFS)],
        _ => bail!("unknown parameter part {part:?} (porep | window-post | winning-post | update | srs)"),
    })
}

pub fn file_names(part: &str, size: u64) -> Result<Vec<String>> {
    Ok(paths(part, size)?
        .into_iter()
        .filter_map(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
        .collect())
}

fn gen_porep(size: u64) -> Result<()> {
    let config = seal_proof_for(size)?.as_v1_config();
    let pp = public_params::<Tree>(&config)?;
    type C<'a> = StackedCompound<Tree, DefaultPieceHasher>;
    let circuit = <C<'_> as CompoundProof<StackedDrg<'_, Tree, DefaultPieceHasher>, _>>::blank_circuit(&pp);
    <C<'_> as CacheableParameters<_, _>>::get_param_metadata(circuit, &pp)?;
    <C<'_> as CompoundProof<StackedDrg<'_, Tree, DefaultPieceHasher>, _>>::groth_params(Some(&mut OsRng), &pp)?;
    <C<'_> as CompoundProof<StackedDrg<'_, Tree, DefaultPieceHasher>, _>>::verifying_key(Some(&mut OsRng), &pp)?;
    Ok(())
}

/// The empty-sector-update (SnapDeals) circuit, as upstream's `paramcache --only-sector-update`.
fn gen_update(size: u64) -> Result<()> {
    seal_proof_for(size)?;
    let pp = storage_proofs_update::PublicParams::from_sector_size(size);
    type C = EmptySectorUpdateCompound<Tree>;
    let circuit = <C as CompoundProof<EmptySectorUpdate<Tree>, EmptySectorUpdateCircuit<Tree>>>::blank_circuit(&pp);
    <C as CacheableParameters<EmptySectorUpdateCircuit<Tree>, _>>::get_param_metadata(circuit, &pp)?;
    <C as CompoundProof<EmptySectorUpdate<Tree>, EmptySectorUpdateCircuit<Tree>>>::groth_params(Some(&mut OsRng), &pp)?;
    <C as CompoundProof<EmptySectorUpdate<Tree>, EmptySectorUpdateCircuit<Tree>>>::verifying_key(Some(&mut OsRng), &pp)?;
    Ok(())
}

fn gen_srs(size: u64) -> Result<()> {
    let config = seal_proof_for(size)?.as_v1_config();
    let pp = public_params::<Tree>(&config)?;
    type C<'a> = StackedCompound<Tree, DefaultPieceHasher>;
    <C<'_> as CompoundProof<StackedDrg<'_, Tree, DefaultPieceHasher>, _>>::srs_key(
        Some(&mut OsRng),
        &pp,
        SRS_MAX_PROOFS,
    )?;
    Ok(())
}

fn gen_post(pp: &storage_proofs_post::fallback::PublicParams) -> Result<()> {
    type C = FallbackPoStCompound<Tree>;
    let circuit = <C as CompoundProof<FallbackPoSt<'_, Tree>, FallbackPoStCircuit<Tree>>>::blank_circuit(pp);
    <C as CacheableParameters<FallbackPoStCircuit<Tree>, _>>::get_param_metadata(circuit, pp)?;
    <C as CompoundProof<FallbackPoSt<'_, Tree>, FallbackPoStCircuit<Tree>>>::groth_params(Some(&mut OsRng), pp)?;
    <C as CompoundProof<FallbackPoSt<'_, Tree>, FallbackPoStCircuit<Tree>>>::verifying_key(Some(&mut OsRng), pp)?;
    Ok(())
}

/// Returns (written, kept) absolute paths.
pub fn generate(part: &str, size: u64) -> Result<(Vec<String>, Vec<String>)> {
    let files = paths(part, size)?;
    let existed: Vec<bool> = files.iter().map(|p| p.exists()).collect();
    if existed.iter().all(|e| *e) {
        return Ok((vec![], files.iter().map(|p| p.display().to_string()).collect()));
    }
    if let Some(dir) = files.first().and_then(|p| p.parent()) {
        std::fs::create_dir_all(dir)?;
    }
    match part {
        "porep" => gen_porep(size)?,
        "window-post" => {
            let config = window_for(size)?.as_v1_config();
            gen_post(&window_post_public_params::<Tree>(&config)?)?
        }
        "winning-post" => {
            let config = winning_for(size)?.as_v1_config();
            gen_post(&winning_post_public_params::<Tree>(&config)?)?
        }
        "update" => gen_update(size)?,
        "srs" => gen_srs(size)?,
        _ => bail!("unknown parameter part {part:?}"),
    }
    let mut written = vec![];
    let mut kept = vec![];
    for (p, e) in files.iter().zip(existed) {
        if e {
            kept.push(p.display().to_string());
        } else if p.exists() {
            written.push(p.display().to_string());
        }
    }
    Ok((written, kept))
}
