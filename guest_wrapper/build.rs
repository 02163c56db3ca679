//! Embeds the zkVM guest ELF that bash/build-guest.sh built (path in VLAYER_GUEST_ELF) into the extension module,
//! so a wheel carries exactly the program whose image ID it reports, and records which prover the build carries
//! (`build_info()["prover"]`, `vlayer --version`).

use std::{env, fs, path::PathBuf, process::Command};

use sha2::{Digest, Sha256};

fn main() {
    println!("cargo:rerun-if-env-changed=VLAYER_GUEST_ELF");
    let Ok(elf_path) = env::var("VLAYER_GUEST_ELF") else {
        panic!(
            "VLAYER_GUEST_ELF is not set: build the guest first \
             (VLAYER_GUEST_ELF=$(bash bash/build-guest.sh)); bash/setup.sh does this"
        );
    };
    println!("cargo:rerun-if-changed={elf_path}");
    let elf =
        fs::read(&elf_path).unwrap_or_else(|err| panic!("VLAYER_GUEST_ELF={elf_path}: {err}"));
    if elf.get(..4) != Some(b"\x7fELF".as_slice()) {
        panic!("VLAYER_GUEST_ELF={elf_path} is not an ELF file");
    }
    let out = PathBuf::from(env::var("OUT_DIR").expect("cargo sets OUT_DIR for build scripts"));
    fs::write(out.join("vlayer-zkvm-guest.elf"), &elf).expect("OUT_DIR is writable");
    // The small guest of the segment-proving tests, built beside the vlayer guest by the same script.
    println!("cargo:rerun-if-env-changed=VLAYER_SEGMENTS_TEST_ELF");
    let test_path = env::var("VLAYER_SEGMENTS_TEST_ELF").unwrap_or_else(|_| {
        let dir = PathBuf::from(&elf_path);
        let dir = dir.parent().expect("an ELF path has a parent folder");
        dir.join("vlayer-segments-test").display().to_string()
    });
    println!("cargo:rerun-if-changed={test_path}");
    let test_elf = fs::read(&test_path).unwrap_or_else(|err| {
        panic!("the segments test guest {test_path}: {err} (bash/build-guest.sh builds it)")
    });
    fs::write(out.join("vlayer-segments-test.elf"), &test_elf).expect("OUT_DIR is writable");
    println!(
        "cargo:rustc-env=VLAYER_GUEST_ELF_SHA256={}",
        hex(&Sha256::digest(&elf))
    );

    if env::var_os("CARGO_FEATURE_CUDA").is_some() {
        cuda();
    } else {
        println!("cargo:rustc-env=VLAYER_PROVER=cpu");
        println!("cargo:rustc-env=VLAYER_CUDA_ARCHS=");
        println!("cargo:rustc-env=VLAYER_CUDA_TOOLKIT=");
    }
}

/// The CUDA build: which GPU architectures RISC Zero's kernels were compiled for, and which toolkit compiled them
/// (the driver must support at least that CUDA version), both baked in for the GPU check (src/gpu.rs).
fn cuda() {
    // risc0-build-kernel hands these flags to every nvcc run (and falls back to -arch=native without them, which
    // needs a GPU at build time and leaves the architectures unknown), so they name exactly what was compiled.
    println!("cargo:rerun-if-env-changed=NVCC_APPEND_FLAGS");
    println!("cargo:rerun-if-env-changed=NVCC");
    let flags = env::var("NVCC_APPEND_FLAGS").unwrap_or_default();
    let archs = sm_archs(&flags);
    if archs.is_empty() {
        panic!(
            "the cuda feature needs NVCC_APPEND_FLAGS with one -gencode=arch=compute_XX,code=sm_XX per GPU \
             architecture (got {flags:?}); bash/setup.sh --cuda sets it from VLAYER_CUDA_ARCHS"
        );
    }
    let nvcc = env::var("NVCC").unwrap_or_else(|_| "nvcc".into());
    let version = Command::new(&nvcc)
        .arg("--version")
        .output()
        .unwrap_or_else(|err| panic!("the cuda feature needs nvcc ({nvcc}): {err}"));
    let version = String::from_utf8_lossy(&version.stdout);
    let Some(toolkit) = toolkit_release(&version) else {
        panic!("cannot read the CUDA release from `{nvcc} --version`: {version}");
    };
    // The driver's cu* functions (called through cust) stay unresolved in the module: no libcuda.so exists outside
    // the NVIDIA driver, and a DT_NEEDED on it would make the module fail to import on any machine without one.
    // They are bound lazily instead, at their first call, which the GPU check precedes by loading the driver
    // RTLD_GLOBAL (src/gpu.rs). That needs every crate calling them to call through the PLT, which rustc does only
    // below full RELRO (with full RELRO it calls through GOT slots bound at load time and links with -z now).
    let rustflags = env::var("CARGO_ENCODED_RUSTFLAGS").unwrap_or_default();
    let flags: Vec<&str> = rustflags.split('\x1f').collect();
    let partial = flags
        .windows(2)
        .any(|w| w[0] == "-C" && matches!(w[1], "relro-level=partial" | "relro-level=off"))
        || flags
            .iter()
            .any(|f| matches!(*f, "-Crelro-level=partial" | "-Crelro-level=off"));
    if !partial {
        panic!(
            "the cuda feature needs RUSTFLAGS=\"-C relro-level=partial\" for the whole build, so that the NVIDIA \
             driver's functions bind lazily and the module imports without a driver; bash/setup.sh --cuda sets it"
        );
    }
    println!("cargo:rustc-env=VLAYER_PROVER=cuda");
    println!("cargo:rustc-env=VLAYER_CUDA_ARCHS={}", archs.join(" "));
    println!("cargo:rustc-env=VLAYER_CUDA_TOOLKIT={toolkit}");
}

/// `sm_XX` of every `code=sm_XX` in nvcc flags, in order, without repeats.
fn sm_archs(flags: &str) -> Vec<String> {
    let mut archs: Vec<String> = Vec::new();
    for flag in flags.split_whitespace() {
        for part in flag.split([',', '=', '[', ']']) {
            if let Some(num) = part.strip_prefix("sm_") {
                let arch = format!("sm_{num}");
                if !num.is_empty() && !archs.contains(&arch) {
                    archs.push(arch);
                }
            }
        }
    }
    archs
}

/// "13.0" from nvcc's "Cuda compilation tools, release 13.0, V13.0.88".
fn toolkit_release(version: &str) -> Option<String> {
    let rest = &version[version.find("release ")? + "release ".len()..];
    Some(rest[..rest.find(',')?].trim().to_string())
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
