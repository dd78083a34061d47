//! Whether this build proves on a GPU, and with which devices.
//!
//! The CUDA variant (`--features cuda`) compiles bellperson's Groth16 kernels (C2, PoSt, snap
//! proofs) and neptune's Poseidon kernels (PC2 trees) into the addon. Where the driver finds no
//! device (`CUDA_VISIBLE_DEVICES=""`, a container without the GPU) both libraries fall back to
//! the CPU on their own: their device list (rust-gpu-tools) is empty instead of an error.

use napi_derive::napi;

/// One GPU as the CUDA driver reports it.
#[napi(object)]
#[derive(Clone, Debug)]
pub struct GpuDevice {
    pub name: String,
    /// Device memory in bytes.
    pub memory: f64,
    /// Streaming multiprocessors.
    pub compute_units: u32,
    /// `sm_90` for an H100, `sm_86` for an RTX 3090, …
    pub arch: Option<String>,
}

/// What `gpuInfo()` returns.
#[napi(object)]
#[derive(Clone, Debug)]
pub struct GpuInfo {
    /// Built with the `cuda` feature.
    pub cuda: bool,
    /// The devices found (empty in the CPU build, or where none is usable).
    pub devices: Vec<GpuDevice>,
    /// Whether Groth16 proving may use them (`BELLMAN_NO_GPU` unset or `0`).
    pub prover: bool,
    /// Whether PC2 builds its trees on them (`FIL_PROOFS_USE_GPU_TREE_BUILDER`).
    pub tree_builder: bool,
    /// One line for logs: `cuda: 1 GPU (…)` or `none: CPU fallback (…)`.
    pub summary: String,
}

fn env_on(name: &str) -> bool {
    std::env::var(name)
        .map(|v| !v.is_empty() && v != "0" && !v.eq_ignore_ascii_case("false"))
        .unwrap_or(false)
}

// The few driver calls `gpuInfo()` needs, declared with plain `i32` results: the Rust bindings'
// result enum predates error codes that newer drivers return, and an unknown value in a Rust enum
// is undefined behaviour. The library is the same libcuda.so.1 that bellperson and neptune use.
#[cfg(feature = "cuda")]
#[link(name = "cuda")]
extern "C" {
    fn cuInit(flags: u32) -> i32;
    fn cuDeviceGetCount(count: *mut i32) -> i32;
    fn cuDeviceGet(device: *mut i32, ordinal: i32) -> i32;
    fn cuDeviceGetName(name: *mut std::os::raw::c_char, len: i32, device: i32) -> i32;
    fn cuDeviceTotalMem_v2(bytes: *mut usize, device: i32) -> i32;
    fn cuDeviceGetAttribute(value: *mut i32, attribute: i32, device: i32) -> i32;
}

#[cfg(feature = "cuda")]
fn query_devices() -> Vec<GpuDevice> {
    // CUdevice_attribute values (stable ABI).
    const MULTIPROCESSOR_COUNT: i32 = 16;
    const COMPUTE_CAPABILITY_MAJOR: i32 = 75;
    const COMPUTE_CAPABILITY_MINOR: i32 = 76;
    let attribute = |attr: i32, dev: i32| {
        let mut v = 0i32;
        (unsafe { cuDeviceGetAttribute(&mut v, attr, dev) } == 0).then_some(v)
    };
    // No context is created: listing devices takes no GPU memory, unlike a proving library's
    // first use. Any error (no driver, no device, CUDA_VISIBLE_DEVICES="") means no device.
    let mut count = 0i32;
    if unsafe { cuInit(0) } != 0 || unsafe { cuDeviceGetCount(&mut count) } != 0 {
        return Vec::new();
    }
    (0..count)
        .filter_map(|ordinal| {
            let mut dev = 0i32;
            if unsafe { cuDeviceGet(&mut dev, ordinal) } != 0 {
                return None;
            }
            let mut name = [0 as std::os::raw::c_char; 256];
            if unsafe { cuDeviceGetName(name.as_mut_ptr(), name.len() as i32, dev) } != 0 {
                return None;
            }
            let name = unsafe { std::ffi::CStr::from_ptr(name.as_ptr()) }
                .to_string_lossy()
                .into_owned();
            let mut bytes = 0usize;
            let memory = if unsafe { cuDeviceTotalMem_v2(&mut bytes, dev) } == 0 {
                bytes as f64
            } else {
                0.0
            };
            let arch = match (
                attribute(COMPUTE_CAPABILITY_MAJOR, dev),
                attribute(COMPUTE_CAPABILITY_MINOR, dev),
            ) {
                (Some(major), Some(minor)) => Some(format!("sm_{major}{minor}")),
                _ => None,
            };
            Some(GpuDevice {
                name,
                memory,
                compute_units: attribute(MULTIPROCESSOR_COUNT, dev).unwrap_or(0).max(0) as u32,
                arch,
            })
        })
        .collect()
}

/// The devices, asked once per process (the driver's list does not change while it runs).
#[cfg(feature = "cuda")]
fn devices() -> Vec<GpuDevice> {
    static LIST: std::sync::OnceLock<Vec<GpuDevice>> = std::sync::OnceLock::new();
    LIST.get_or_init(|| std::panic::catch_unwind(query_devices).unwrap_or_default())
        .clone()
}

#[cfg(not(feature = "cuda"))]
fn devices() -> Vec<GpuDevice> {
    Vec::new()
}

/// Turns on PC2's GPU tree and column builders when a GPU is found, unless the operator chose
/// (`FIL_PROOFS_USE_GPU_TREE_BUILDER` / `FIL_PROOFS_USE_GPU_COLUMN_BUILDER` set, to 0 or 1).
/// The library reads them once, at its first call, so this runs from `init()`.
pub(crate) fn apply_tree_builder_default() {
    if !cfg!(feature = "cuda") || devices().is_empty() {
        return;
    }
    for name in [
        "FIL_PROOFS_USE_GPU_TREE_BUILDER",
        "FIL_PROOFS_USE_GPU_COLUMN_BUILDER",
    ] {
        if std::env::var_os(name).is_none() {
            std::env::set_var(name, "1");
        }
    }
}

fn describe(d: &GpuDevice) -> String {
    let gib = d.memory / f64::from(1u32 << 30);
    match &d.arch {
        Some(arch) => format!("{} {gib:.0} GiB {arch}", d.name),
        None => format!("{} {gib:.0} GiB", d.name),
    }
}

/// `"cuda"` for the CUDA build, `"cpu"` otherwise. Cheap: touches no device.
#[napi]
pub fn addon_variant() -> String {
    if cfg!(feature = "cuda") {
        "cuda"
    } else {
        "cpu"
    }
    .to_string()
}

/// Which GPUs this addon proves on. Cheap after the first call (the device list is cached for
/// the life of the process).
#[napi]
pub fn gpu_info() -> GpuInfo {
    let cuda = cfg!(feature = "cuda");
    let devices = devices();
    let prover = cuda && !devices.is_empty() && !env_on("BELLMAN_NO_GPU");
    let tree_builder = cuda && !devices.is_empty() && env_on("FIL_PROOFS_USE_GPU_TREE_BUILDER");
    let summary = if !cuda {
        "none: CPU build".to_string()
    } else if devices.is_empty() {
        "none: CPU fallback (CUDA build, no usable GPU: no driver, no device, or CUDA_VISIBLE_DEVICES hides them)"
            .to_string()
    } else {
        let list: Vec<String> = devices.iter().map(describe).collect();
        let mut uses = Vec::new();
        uses.push(if prover {
            "Groth16 on GPU"
        } else {
            "Groth16 on CPU (BELLMAN_NO_GPU)"
        });
        uses.push(if tree_builder {
            "PC2 trees on GPU"
        } else {
            "PC2 trees on CPU"
        });
        format!(
            "cuda: {} GPU{} ({}); {}",
            devices.len(),
            if devices.len() == 1 { "" } else { "s" },
            list.join(", "),
            uses.join(", ")
        )
    };
    GpuInfo {
        cuda,
        devices,
        prover,
        tree_builder,
        summary,
    }
}
