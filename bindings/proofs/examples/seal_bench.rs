//! The addon's seal calls without Node: the plain Rust side of the native binding's overhead
//! measurement (`bench/scale-native.bench.mjs`). Each round seals one CC sector stage by stage
//! with the same `filecoin-proofs-api` calls, arguments and files as the addon's functions, and
//! prints one JSON line per stage with its wall time and the process's CPU time.
//!
//! ```text
//! cargo run --release --example seal_bench -- <dir> <sector-size> <rounds> [c2]
//! ```
//!
//! The library's settings come from the environment as the addon's `init()` sets them
//! (FIL_PROOFS_PARAMETER_CACHE, FIL_PROOFS_PARENT_CACHE, FIL_PROOFS_CACHE_DIR); the caller runs it
//! at the addon's worker nice value. PC1, PC2 and C1 need no parameter files; C2 does.

use std::fs::{File, OpenOptions};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{bail, Context, Result};
use filecoin_proofs_api::seal;
use filecoin_proofs_api::{RegisteredSealProof, SectorId, UnpaddedBytesAmount};

fn proof_for(size: u64) -> Result<RegisteredSealProof> {
    Ok(match size {
        2048 => RegisteredSealProof::StackedDrg2KiBV1_1,
        8_388_608 => RegisteredSealProof::StackedDrg8MiBV1_1,
        _ => bail!("sector size {size}: only 2048 (2KiB) and 8388608 (8MiB)"),
    })
}

/// CPU time of the whole process (every thread), ms.
fn cpu_ms() -> f64 {
    let mut u: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: getrusage writes into the struct it is given.
    unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut u) };
    let ms = |t: libc::timeval| t.tv_sec as f64 * 1000.0 + t.tv_usec as f64 / 1000.0;
    ms(u.ru_utime) + ms(u.ru_stime)
}

/// Prints one stage's wall and process CPU time (ms) as a JSON line; returns the stage's value.
fn timed<T>(round: u32, stage: &str, f: impl FnOnce() -> Result<T>) -> Result<T> {
    let t = Instant::now();
    let c = cpu_ms();
    let v = f().with_context(|| format!("{stage} (round {round})"))?;
    println!(
        "{{\"round\":{round},\"stage\":\"{stage}\",\"ms\":{:.4},\"cpuMs\":{:.4}}}",
        t.elapsed().as_secs_f64() * 1000.0,
        cpu_ms() - c
    );
    Ok(v)
}

fn round(dir: &Path, size: u64, n: u32, c2: bool) -> Result<()> {
    let proof = proof_for(size)?;
    // The benchmark's prover id (f01000) and per-round sector number, ticket and seed.
    let mut prover = [0u8; 32];
    prover[0] = 0xe8;
    prover[1] = 0x07;
    let sector = SectorId::from(u64::from(n) + 1);
    let ticket = [n as u8 + 1; 32];
    let seed = [0x40 + n as u8; 32];
    let staged = dir.join(format!("plain-staged-{n}"));
    let sealed = dir.join(format!("plain-sealed-{n}"));
    let cache = dir.join(format!("plain-cache-{n}"));
    let unpadded = size / 128 * 127;

    // AddPiece of a CC sector: zeros from the (empty) source, as the addon reads a short file.
    let source = dir.join(format!("plain-source-{n}"));
    File::create(&source)?;
    let piece = timed(n, "AddPiece", || {
        let src = File::open(&source)?
            .take(unpadded)
            .chain(std::io::repeat(0))
            .take(unpadded);
        let target = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&staged)?;
        let (info, _) = seal::add_piece(proof, src, target, UnpaddedBytesAmount(unpadded), &[])?;
        Ok(info)
    })?;
    let pieces = vec![piece];
    let p1 = timed(n, "PC1", || {
        std::fs::create_dir_all(&cache)?;
        OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&sealed)?;
        let out =
            seal::seal_pre_commit_phase1(proof, &cache, &staged, &sealed, prover, sector, ticket, &pieces)?;
        // The addon hands PC1's output to JavaScript as JSON bytes and parses them for PC2.
        Ok(serde_json::to_vec(&out)?)
    })?;
    let p2 = timed(n, "PC2", || {
        let p1: seal::SealPreCommitPhase1Output = serde_json::from_slice(&p1)?;
        Ok(seal::seal_pre_commit_phase2(p1, &cache, &sealed)?)
    })?;
    let c1 = timed(n, "C1", || {
        let out = seal::seal_commit_phase1(
            PathBuf::from(&cache),
            PathBuf::from(&sealed),
            prover,
            sector,
            ticket,
            seed,
            p2,
            &pieces,
        )?;
        Ok(serde_json::to_vec(&out)?)
    })?;
    if c2 {
        timed(n, "C2", || {
            let c1: seal::SealCommitPhase1Output = serde_json::from_slice(&c1)?;
            Ok(seal::seal_commit_phase2(c1, prover, sector)?.proof)
        })?;
    }
    for p in [&staged, &sealed, &source] {
        std::fs::remove_file(p).ok();
    }
    std::fs::remove_dir_all(&cache).ok();
    Ok(())
}

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let usage = "usage: seal_bench <dir> <sector-size> <rounds> [c2]";
    let [dir, size, rounds, rest @ ..] = args.as_slice() else {
        bail!("{usage}");
    };
    let size: u64 = size.parse().with_context(|| format!("sector-size '{size}': {usage}"))?;
    let rounds: u32 = rounds.parse().with_context(|| format!("rounds '{rounds}': {usage}"))?;
    let c2 = match rest {
        [] => false,
        [x] if x == "c2" => true,
        _ => bail!("{usage}"),
    };
    std::fs::create_dir_all(dir)?;
    for n in 0..rounds {
        round(Path::new(dir), size, n, c2)?;
    }
    Ok(())
}
