#!/usr/bin/env bash
# Installs everything vlayer needs, from the registries only, into this checkout: Debian's Rust 1.96 toolchain for
# the zkVM guest, the guest ELF (bash/build-guest.sh), a Python venv (.venv) with the vlayer package built by
# maturin (embedding that ELF), and the pinned EVM tools (anvil, forge, solc) from npm (node_modules).
# Idempotent: a second run with nothing changed does no work.
#
# `bash bash/setup.sh --cuda [--dry-run]` builds, in addition, vlayer with RISC Zero's CUDA prover into .venv-cuda
# (bash/setup-cuda.sh; docs/proof-modes.md, "GPU (CUDA) build"). Nothing else, CI included, needs that build.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
root=$PWD

if [ "${1:-}" = "--cuda" ]; then
  exec bash bash/setup-cuda.sh "${@:2}"
elif [ $# -gt 0 ]; then
  echo "setup: unknown option '$1' (known: --cuda [--dry-run])" >&2
  exit 2
fi

source bash/env.sh
source bash/phases.sh
[ "${VLAYER_PHASE_OWNER:-}" = "$$" ] && trap phase_report EXIT
mkdir -p "$CARGO_TARGET_DIR"

need() { command -v "$1" >/dev/null 2>&1 || { echo "setup: $1 is required but not installed ($2)" >&2; exit 1; }; }
need python3 "Python 3.11+"
need npm "Node.js 20+ with npm"
if ! command -v cargo >/dev/null 2>&1; then
  echo "setup: installing Rust (cargo) from Debian" >&2
  apt-get update -qq && apt-get install -y -qq cargo rustc >/dev/null
fi

# --- zkVM guest (Debian's Rust with library sources; rustup's toolchains have no rust-src) -----------------------
phase "install: Debian guest toolchain (apt)"
guest_pkgs=(rustc-web cargo-web rust-web-src rust-web-llvm lld-22)
if ! dpkg -s "${guest_pkgs[@]}" >/dev/null 2>&1; then
  echo "setup: installing the guest toolchain from Debian: ${guest_pkgs[*]}" >&2
  apt-get update -qq && apt-get install -y -qq "${guest_pkgs[@]}" >/dev/null
fi
phase "build: zkVM guest ELF"
echo "setup: building the zkVM guest (first build takes minutes)" >&2
bash bash/build-guest.sh "$VLAYER_GUEST_TARGET_DIR" >/dev/null

# --- EVM tools (npm) ------------------------------------------------------------------------------------------
phase "install: anvil, forge, solc (npm)"
npm_stamp=node_modules/.vlayer-stamp
npm_hash=$(cat package.json package-lock.json | sha256sum | cut -c1-16)
if [ ! -f "$npm_stamp" ] || [ "$(cat "$npm_stamp")" != "$npm_hash" ]; then
  echo "setup: installing anvil, forge and solc from npm" >&2
  npm ci --no-audit --no-fund --loglevel=error
  echo "$npm_hash" > "$npm_stamp"
fi

# --- The keccak and recursion circuits' C++ kernels (crates.io), which the host build compiles ------------------
# patches/risc0-circuit-{keccak,recursion}-sys/build.rs compile them from Cargo's registry cache (docs/ci.md, "The
# keccak circuit", "The recursion circuit"); this puts them there, checksum-pinned by the lock file beside each
# manifest. Offline first: a no-op once they are there.
for kernels_src in patches/risc0-circuit-keccak-sys/upstream/Cargo.toml \
  patches/risc0-circuit-recursion-sys/upstream/Cargo.toml; do
  cargo fetch -q --locked --offline --manifest-path "$kernels_src" 2>/dev/null \
    || cargo fetch -q --locked --manifest-path "$kernels_src"
done

# --- Python (venv + maturin editable install) -----------------------------------------------------------------
if [ ! -x .venv/bin/python ]; then
  python3 -m venv .venv
fi
py_stamp=.venv/.vlayer-stamp
py_hash=$(cat pyproject.toml Cargo.toml Cargo.lock "$VLAYER_GUEST_ELF" "$VLAYER_SEGMENTS_TEST_ELF" \
  $(find guest guest_wrapper precompiles shielding patches -name Cargo.toml -o -name '*.rs' | sort) | sha256sum | cut -c1-16)
if [ ! -f "$py_stamp" ] || [ "$(cat "$py_stamp")" != "$py_hash" ]; then
  phase "install: Python dependencies (pip)"
  echo "setup: installing the Python dependencies" >&2
  .venv/bin/python -m pip install -q --upgrade pip
  # The dependencies first, then the package alone, so the host build is timed on its own.
  .venv/bin/python - > .venv/requirements.txt <<'PY'
import tomllib
project = tomllib.load(open("pyproject.toml", "rb"))["project"]
print("\n".join(["maturin>=1.7,<2", *project["dependencies"], *project["optional-dependencies"]["dev"]]))
PY
  .venv/bin/python -m pip install -q -r .venv/requirements.txt
  phase "build: host (guest_wrapper + RISC Zero prover, maturin release)"
  echo "setup: building the vlayer package (first build compiles RISC Zero's C++ prover)" >&2
  # Without build isolation pip runs the venv's maturin, which must be on PATH.
  PATH="$root/.venv/bin:$PATH" .venv/bin/python -m pip install -q --no-deps --no-build-isolation -e .
  echo "$py_hash" > "$py_stamp"
fi
phase_end
echo "setup: ready ($root)" >&2
