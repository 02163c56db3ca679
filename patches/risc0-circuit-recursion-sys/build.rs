//! Compiles the recursion circuit's kernels from crates.io's risc0-circuit-recursion-sys 4.0.4-rc.1 (fetched into
//! Cargo's registry cache by `bash/setup.sh`, through `upstream/Cargo.toml`): its generated C++ for the CPU prover,
//! built the way that crate builds it but in a namespace of their own and with the polynomial file at -O1
//! (docs/ci.md, "The recursion circuit", has the figures behind both choices); and, in the CUDA build, its CUDA
//! kernels exactly as upstream builds them.
use std::{
    env,
    path::{Path, PathBuf},
};

/// The constraint polynomial: one generated function of 1 MB, about 8 minutes at -O3 and 40 s at -O1 on this
/// project's CI machine, the longest step of a cold host build by far.
const POLYNOMIAL: &str = "poly_fp.cpp";

fn main() {
    if env::var_os("CARGO_FEATURE_CUDA").is_some() {
        build_cuda_kernels(&upstream_kernels("cuda"));
    }
    // For the one build of this crate that links no kernel and would otherwise compile them all again
    // (bash/test.sh): clippy's, which builds a workspace member's build script itself.
    println!("cargo:rerun-if-env-changed=VLAYER_RECURSION_CPU_KERNELS");
    if env::var("VLAYER_RECURSION_CPU_KERNELS").as_deref() == Ok("skip") {
        return;
    }
    build_cpu_kernels(&upstream_kernels("cxx"));
}

fn build_cpu_kernels(kernels: &Path) {
    println!("cargo:rerun-if-changed={}", kernels.display());
    let (polynomial, rest): (Vec<PathBuf>, Vec<PathBuf>) = sources(kernels, "cpp")
        .into_iter()
        .partition(|path| path.file_name().is_some_and(|name| name == POLYNOMIAL));
    assert_eq!(
        polynomial.len(),
        1,
        "no {POLYNOMIAL} in {}",
        kernels.display()
    );
    // The witness, accumulation and verification steps at upstream's -O3 (the profile's), first on the link line:
    // where an inline field function is emitted out of line in both libraries, the linker keeps the first copy it
    // loads, so the -O3 steps never call an -O1 copy from the polynomial.
    cpu_build()
        .files(&rest)
        .compile("vlayer_risc0_recursion_cpu");
    cpu_build()
        .files(&polynomial)
        .opt_level(1)
        .compile("vlayer_risc0_recursion_poly");
}

/// The C++ settings upstream compiles with (risc0-build-kernel's), under the namespace `vlayer_recursion_risc0`.
fn cpu_build() -> cc::Build {
    let sys_root = env::var("DEP_RISC0_SYS_CXX_ROOT").expect(
        "risc0-sys (a dependency) tells its C++ headers' folder through DEP_RISC0_SYS_CXX_ROOT",
    );
    let mut build = cc::Build::new();
    build
        .cpp(true)
        .debug(false)
        .include(sys_root)
        .flag("-std=c++17")
        .flag_if_supported("-fno-var-tracking")
        .flag_if_supported("-fno-var-tracking-assignments")
        .flag_if_supported("-g0")
        // Every RISC Zero kernel library defines the same inline `risc0::Fp`/`risc0::FpExt` functions as weak
        // symbols, and the linker keeps one copy of each for the whole program: an -O1 copy from the polynomial
        // could replace the rv32im prover's -O3 one in its hot loop. Under another namespace these are different
        // functions. The entry points are `extern "C"`, so their names do not change.
        .define("risc0", "vlayer_recursion_risc0");
    build
}

/// The CUDA kernels, built as upstream's build script builds them through risc0-build-kernel (same files, flags,
/// includes and library name).
fn build_cuda_kernels(kernels: &Path) {
    for name in [
        "NVCC_APPEND_FLAGS",
        "NVCC_PREPEND_FLAGS",
        "RISC0_CUDART_LINKAGE",
        "NVCC_CCBIN",
    ] {
        println!("cargo:rerun-if-env-changed={name}");
    }
    println!("cargo:rerun-if-changed={}", kernels.display());
    let var = |name: &str| {
        env::var(name).unwrap_or_else(|_| {
            panic!("the cuda feature's dependencies (risc0-sys, sppark) set {name}")
        })
    };
    let mut build = cc::Build::new();
    build
        .files(sources(kernels, "cu"))
        .include(var("DEP_RISC0_SYS_CUDA_ROOT"))
        .include(var("DEP_RISC0_SYS_CXX_ROOT"))
        .include(var("DEP_SPPARK_ROOT"))
        .flag("-DFEATURE_BABY_BEAR");
    if env::var_os("NVCC_PREPEND_FLAGS").is_none() && env::var_os("NVCC_APPEND_FLAGS").is_none() {
        build.flag("-arch=native");
    }
    let cudart = env::var("RISC0_CUDART_LINKAGE").unwrap_or_else(|_| "static".to_string());
    build
        .cuda(true)
        .cudart(&cudart)
        .debug(false)
        .ccbin(env::var_os("NVCC_CCBIN").is_none())
        .flag("-diag-suppress=177")
        .flag("-diag-suppress=2922")
        .flag("-Xcudafe")
        .flag("--display_error_number")
        .flag("-Xcompiler")
        .flag("-Wno-missing-braces,-Wno-unused-function")
        .compile("risc0_recursion_cuda");
}

include!("../upstream_kernels.rs");
