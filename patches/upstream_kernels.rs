// Shared by the build scripts of the patched RISC Zero kernel crates beside this file, through `include!`: where
// upstream's generated sources are, and which of them to compile. Each of those crates has the name and version of
// the crates.io crate it stands in for, whose sources `bash/setup.sh` fetches into Cargo's registry cache through
// the `upstream/Cargo.toml` beside the crate's manifest.

/// The files of `folder` with extension `ext`, sorted (the build's order does not depend on the file system's).
fn sources(folder: &Path, ext: &str) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(folder)
        .unwrap_or_else(|err| panic!("cannot list {}: {err}", folder.display()))
        .map(|entry| entry.expect("a readable folder entry").path())
        .filter(|path| path.extension().is_some_and(|e| e == ext))
        .collect();
    files.sort();
    assert!(
        !files.is_empty(),
        "no .{ext} kernels in {}",
        folder.display()
    );
    files
}

/// `kernels/<kind>` of the upstream crate in Cargo's registry cache.
fn upstream_kernels(kind: &str) -> PathBuf {
    let name = env!("CARGO_PKG_NAME");
    let upstream = format!("{name}-{}", env!("CARGO_PKG_VERSION"));
    println!("cargo:rerun-if-env-changed=CARGO_HOME");
    let cargo_home = env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| env::var_os("HOME").map(|home| Path::new(&home).join(".cargo")))
        .expect("CARGO_HOME or HOME is set");
    let registry = cargo_home.join("registry").join("src");
    let found = std::fs::read_dir(&registry).ok().and_then(|indexes| {
        indexes
            .filter_map(Result::ok)
            .map(|index| index.path().join(&upstream).join("kernels").join(kind))
            .find(|path| path.is_dir())
    });
    found.unwrap_or_else(|| {
        panic!(
            "the kernels of {upstream} are not in {}: fetch them with `cargo fetch --locked --manifest-path \
             patches/{name}/upstream/Cargo.toml` (bash/setup.sh does)",
            registry.display()
        )
    })
}
