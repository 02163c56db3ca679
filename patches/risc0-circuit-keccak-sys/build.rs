//! Compiles the keccak circuit's CPU kernels: RISC Zero's generated C++ from crates.io's risc0-circuit-keccak-sys
//! 4.0.4-rc.1 (fetched into Cargo's registry cache by `bash/setup.sh`, through `upstream/Cargo.toml`), built the
//! way that crate builds them but at -O1 and in a namespace of their own. docs/ci.md ("The keccak circuit") has
//! the figures behind both choices.
use std::{
    env,
    path::{Path, PathBuf},
};

/// The crate whose kernels these are: the version this crate stands in for.
const UPSTREAM: &str = "risc0-circuit-keccak-sys-4.0.4-rc.1";

fn main() {
    // For the builds of this crate that link no CPU kernel, each of which would otherwise compile them all again
    // (bash/test.sh): clippy's (it builds a workspace member's build script itself) and the CUDA refusals' test.
    println!("cargo:rerun-if-env-changed=VLAYER_KECCAK_CPU_KERNELS");
    if env::var("VLAYER_KECCAK_CPU_KERNELS").as_deref() == Ok("skip") {
        return;
    }
    let kernels = upstream_kernels();
    println!("cargo:rerun-if-changed={}", kernels.display());
    let sys_root = env::var("DEP_RISC0_SYS_CXX_ROOT").expect(
        "risc0-sys (a dependency) tells its C++ headers' folder through DEP_RISC0_SYS_CXX_ROOT",
    );
    let mut files: Vec<PathBuf> = std::fs::read_dir(&kernels)
        .unwrap_or_else(|err| panic!("cannot list {}: {err}", kernels.display()))
        .map(|entry| entry.expect("a readable folder entry").path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "cpp"))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no kernels in {}", kernels.display());
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

/// `kernels/cxx` of the upstream crate in Cargo's registry cache.
fn upstream_kernels() -> PathBuf {
    println!("cargo:rerun-if-env-changed=CARGO_HOME");
    let cargo_home = env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| env::var_os("HOME").map(|home| Path::new(&home).join(".cargo")))
        .expect("CARGO_HOME or HOME is set");
    let registry = cargo_home.join("registry").join("src");
    let found = std::fs::read_dir(&registry).ok().and_then(|indexes| {
        indexes
            .filter_map(Result::ok)
            .map(|index| index.path().join(UPSTREAM).join("kernels").join("cxx"))
            .find(|path| path.is_dir())
    });
    found.unwrap_or_else(|| {
        panic!(
            "the keccak circuit's kernels ({UPSTREAM}) are not in {}: fetch them with `cargo fetch --locked \
             --manifest-path patches/risc0-circuit-keccak-sys/upstream/Cargo.toml` (bash/setup.sh does)",
            registry.display()
        )
    })
}
