#!/usr/bin/env bash
# Builds the zkVM guest ELF for riscv32im-risc0-zkvm-elf offline: Debian's Rust 1.96 with its library sources
# (-Zbuild-std), no rzup, no docker, crates from crates.io only (pinned by guest/zkvm/Cargo.lock).
#
# The rustflags are the ones risc0-build 3.0.6 passes for guests (src/lib.rs `encode_rust_flags`):
# lower-atomic, text at 0x00200800, --fatal-warnings, panic=abort, the custom getrandom backend.
#
# Reproducibility: the ELF, and so the image ID, must not depend on where the checkout, the cargo home or the
# target dir live. Two things would leak paths: file names in panic locations (fixed by --remap-path-prefix) and
# cargo's crate disambiguator (-C metadata), which hashes the absolute path of a path dependency that lies outside
# the workspace root and so changes every symbol name and with them the code layout. So the guest is built from a
# staged workspace inside the target dir whose members are symlinks to guest/, precompiles/, shielding/ and
# guest/zkvm/src: every path dependency is then inside the workspace root and hashed by its relative path.
#
#   bash bash/build-guest.sh [TARGET_DIR]     builds, then prints the path of the ELF on stdout
#
# VLAYER_GUEST_FEATURES (optional): cargo features of guest/zkvm for a variant built only for measurements, in a
# target dir of its own (benches/zkvm_profile.py: software-keccak); the guest every build embeds has none.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
root=$PWD
target_dir="${1:-${VLAYER_GUEST_TARGET_DIR:-$HOME/.cache/vlayer/guest-target}}"
mkdir -p "$target_dir"
target_dir=$(cd "$target_dir" && pwd)
cargo_home="${CARGO_HOME:-$HOME/.cargo}"

missing=()
[ -x /usr/bin/cargo ] || missing+=(cargo-web)
[ -x /usr/bin/rustc ] || missing+=(rustc-web)
[ -d /usr/lib/rustlib/src/rust/library ] || missing+=(rust-web-src)
command -v ld.lld-22 >/dev/null 2>&1 || [ -x /usr/lib/llvm-22/bin/ld.lld ] || missing+=(lld-22)
if [ ${#missing[@]} -gt 0 ]; then
  echo "build-guest: Debian packages missing: ${missing[*]} (bash/setup.sh installs them)" >&2
  exit 1
fi
version=$(/usr/bin/rustc --version)
case "$version" in
  "rustc 1.96."*) ;;
  *) echo "build-guest: need Debian's rustc 1.96 (the image ID depends on it), found: $version" >&2; exit 1 ;;
esac

# Stage the workspace; rewrite files only when their content changes so cargo's fingerprints stay fresh.
ws="$target_dir/ws"
mkdir -p "$ws"
put() { if ! cmp -s "$1" "$2" 2>/dev/null; then cp "$1" "$2"; fi; }
link() { [ "$(readlink "$2" 2>/dev/null)" = "$1" ] || ln -sfn "$1" "$2"; }
link "$root/guest/zkvm/src" "$ws/src"
link "$root/guest" "$ws/guest"
# guest/Cargo.toml names ../precompiles, which names ../shielding: staged beside it, inside the workspace root too.
link "$root/precompiles" "$ws/precompiles"
link "$root/shielding" "$ws/shielding"
staged=$(mktemp)
trap 'rm -f "$staged"' EXIT
{
  sed 's|^vlayer-guest = { path = "\.\." }$|vlayer-guest = { path = "guest" }|; s|^\[workspace\]$|[workspace]\nmembers = ["guest", "precompiles", "shielding"]|' \
    guest/zkvm/Cargo.toml
  echo
  # vlayer-guest inherits version, edition and license from its workspace: now the staged one.
  awk '/^\[/ { keep = ($0 == "[workspace.package]") } keep' Cargo.toml
} > "$staged"
grep -q '^vlayer-guest = { path = "guest" }$' "$staged" \
  || { echo "build-guest: guest/zkvm/Cargo.toml no longer names vlayer-guest as expected" >&2; exit 1; }
put "$staged" "$ws/Cargo.toml"
put guest/zkvm/Cargo.lock "$ws/Cargo.lock"

# rustup's proxies must not pick the toolchain: the guest needs Debian's, which ships the library sources.
unset RUSTUP_TOOLCHAIN RUSTFLAGS CARGO_BUILD_RUSTFLAGS CARGO_TARGET_DIR
export RUSTC=/usr/bin/rustc RUSTDOC=/usr/bin/rustdoc RUSTC_BOOTSTRAP=1
flags=(
  -C passes=lower-atomic
  -C link-arg=-Ttext=0x00200800
  -C link-arg=--fatal-warnings
  -C panic=abort
  --cfg 'getrandom_backend="custom"'
  "--remap-path-prefix=$target_dir=/target"
  "--remap-path-prefix=$root=/vlayer"
  "--remap-path-prefix=$cargo_home=/cargo"
  "--remap-path-prefix=/usr/lib/rustlib/src/rust=/rustc-src"
)
encoded="$(printf '%s\x1f' "${flags[@]}")"
export CARGO_ENCODED_RUSTFLAGS="${encoded%$'\x1f'}"

# VLAYER_GUEST_UPDATE_LOCK=1 (after adding a guest dependency): resolve what the lock file lacks, keep every other
# pin, and write the result back to guest/zkvm/Cargo.lock.
locked=--locked
[ "${VLAYER_GUEST_UPDATE_LOCK:-}" = 1 ] && locked=
features=()
[ -n "${VLAYER_GUEST_FEATURES:-}" ] && features=(--features "$VLAYER_GUEST_FEATURES")
(cd "$ws" && /usr/bin/cargo build $locked --release "${features[@]}" \
  --target riscv32im-risc0-zkvm-elf \
  --target-dir "$target_dir" \
  -Zbuild-std=alloc,core,proc_macro,panic_abort,std -Zbuild-std-features=compiler-builtins-mem) >&2
if [ -z "$locked" ] && ! cmp -s "$ws/Cargo.lock" guest/zkvm/Cargo.lock; then
  cp "$ws/Cargo.lock" guest/zkvm/Cargo.lock
  echo "build-guest: guest/zkvm/Cargo.lock updated" >&2
fi
echo "$target_dir/riscv32im-risc0-zkvm-elf/release/vlayer-zkvm-guest"
