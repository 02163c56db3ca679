//! Compiles the keccak circuit's kernels from crates.io's risc0-circuit-keccak-sys 4.0.4-rc.1 (fetched into Cargo's
//! registry cache by `bash/setup.sh`, through `upstream/Cargo.toml`): its generated C++ for the CPU prover, built the
//! way that crate builds it but at -O1 and in a namespace of their own (docs/ci.md, "The keccak circuit", has the
//! figures behind both choices); and, in the CUDA build, its CUDA kernels exactly as upstream builds them.
use std::{
    env,
    path::{Path, PathBuf},
};

fn main() {
    if env::var_os("CARGO_FEATURE_CUDA").is_some() {
        build_cuda_kernels(&upstream_kernels("cuda"));
    }
    // For the one build of this crate that links no kernel and would otherwise compile them all again
    // (bash/test.sh): clippy's, which builds a workspace member's build script itself.
    println!("cargo:rerun-if-env-changed=VLAYER_KECCAK_CPU_KERNELS");
    if env::var("VLAYER_KECCAK_CPU_KERNELS").as_deref() == Ok("skip") {
        return;
    }
    build_cpu_kernels(&upstream_kernels("cxx"));
}

fn build_cpu_kernels(kernels: &Path) {
    println!("cargo:rerun-if-changed={}", kernels.display());
    let sys_root = env::var("DEP_RISC0_SYS_CXX_ROOT").expect(
        "risc0-sys (a dependency) tells its C++ headers' folder through DEP_RISC0_SYS_CXX_ROOT",
    );
    let files = sources(kernels, "cpp");
    cc::Build::new()
        .cpp(true)
        .debug(false)
        .files(&files)
        .include(&sys_root)
        .flag("-std=c++17")
        .flag_if_supported("-fno-var-tracking")
        .flag_if_supported("-fno-var-tracking-assignments")
        .flag_if_supported("-g0")
        // -O3, as RISC Zero builds them, takes about 54 minutes on 2 cores (the five 7 MB polynomial files); -O1
        // takes about 4. The prover only runs this code on keccak batches, a small share of a proof's work.
        .opt_level(1)
        // Every RISC Zero kernel library defines the same inline `risc0::Fp`/`risc0::FpExt` functions as weak
        // symbols, and the linker keeps one copy of each for the whole program: an -O1 copy from here could
        // replace the rv32im prover's -O3 one in its hot loop. Under another namespace these are different
        // functions, so nothing here can stand in for anything there. The entry points are `extern "C"`, so
        // their names do not change.
        .define("risc0", "vlayer_keccak_risc0")
        .compile("vlayer_risc0_keccak_cpu");
}

/// The CUDA kernels, built as upstream's build script builds them (same files, flags, includes and library name):
/// nvcc's host code shares RISC Zero's inline field functions with the other CUDA kernels at the same optimisation,
/// as in upstream's own CUDA build. The toolkit, `NVCC_APPEND_FLAGS` (one `-gencode` per GPU architecture) and the
/// static CUDA runtime come from `bash/setup.sh --cuda`.
fn build_cuda_kernels(kernels: &Path) {
    println!("cargo:rerun-if-env-changed=NVCC_APPEND_FLAGS");
    println!("cargo:rerun-if-env-changed=NVCC_PREPEND_FLAGS");
    println!("cargo:rerun-if-changed={}", kernels.display());
    let sys_root = env::var("DEP_RISC0_SYS_CUDA_ROOT")
        .expect("risc0-sys with its cuda feature tells its CUDA headers' folder through DEP_RISC0_SYS_CUDA_ROOT");
    let sppark_root = env::var("DEP_SPPARK_ROOT")
        .expect("sppark tells its headers' folder through DEP_SPPARK_ROOT");
    let mut build = cc::Build::new();
    build
        .cuda(true)
        .cudart("static")
        .debug(false)
        .flag("-diag-suppress=177")
        .flag("-diag-suppress=550")
        .flag("-diag-suppress=2922")
        .flag("-std=c++17")
        .flag("-Xcompiler")
        .flag("-Wno-unused-function,-Wno-unused-parameter")
        .include(sys_root)
        .include(sppark_root);
    if env::var_os("NVCC_PREPEND_FLAGS").is_none() && env::var_os("NVCC_APPEND_FLAGS").is_none() {
        build.flag("-arch=native");
    }
    build
        .files(sources(kernels, "cu"))
        .compile("risc0_keccak_cuda");
}

include!("../upstream_kernels.rs");
