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
prebuild_pid=""
on_exit() {
  # The host-dependency build (below) does not outlive a setup that stopped early (an error, Ctrl-C): its whole
  # process group goes, the compilers cargo started included (killing cargo alone leaves them running for minutes).
  [ -z "$prebuild_pid" ] || kill -- "-$prebuild_pid" 2>/dev/null || true
  [ "${VLAYER_PHASE_OWNER:-}" != "$$" ] || phase_report
}
trap on_exit EXIT
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

# --- The keccak and recursion circuits' C++ kernels (crates.io), which the host build compiles ------------------
# patches/risc0-circuit-{keccak,recursion}-sys/build.rs compile them from Cargo's registry cache (docs/ci.md, "The
# keccak circuit", "The recursion circuit"); this puts them there, checksum-pinned by the lock file beside each
# manifest. Offline first: a no-op once they are there.
for kernels_src in patches/risc0-circuit-keccak-sys/upstream/Cargo.toml \
  patches/risc0-circuit-recursion-sys/upstream/Cargo.toml; do
  cargo fetch -q --locked --offline --manifest-path "$kernels_src" 2>/dev/null \
    || cargo fetch -q --locked --manifest-path "$kernels_src"
done

# --- The host's dependencies, built beside the guest -----------------------------------------------------------
# Nothing of RISC Zero's prover (its C++ kernels above all, most of a cold host build) depends on the guest ELF, and
# the guest's build leaves a core idle for long stretches (one codegen unit, fat LTO). So when the host's Rust
# sources changed since the last host build, its dependencies are compiled now, in the background, into the target
# dir maturin builds in, with maturin's own command line (`cargo rustc ... --crate-type cdylib`: a `cargo build` of
# the lib would also make its rlib, which wants every dependency as object code too, another build of each) and
# pyo3 environment, so that the units and their fingerprints are the ones maturin builds: it then finds them built.
# Only guest_wrapper itself is left out: its build script embeds the ELF, and is pointed at none here, so it stops
# there and `--keep-going` builds everything else.
# The host build waits for this job; a failure of it costs nothing but time (maturin builds what is missing).
if [ ! -x .venv/bin/python ]; then
  python3 -m venv .venv
fi
host_src_hash=$(cat pyproject.toml Cargo.toml Cargo.lock \
  $(find guest guest_wrapper precompiles shielding patches -name Cargo.toml -o -name '*.rs' | sort) \
  | sha256sum | cut -c1-16)
host_src_stamp=.venv/.vlayer-host-src-stamp
if [ ! -f "$host_src_stamp" ] || [ "$(cat "$host_src_stamp")" != "$host_src_hash" ]; then
  echo "setup: compiling the host's dependencies beside the guest (log: $CARGO_TARGET_DIR/host-deps.log)" >&2
  pyo3_signature=$(.venv/bin/python -c 'import sys; v = sys.version_info
print(f"{sys.implementation.name}-{v.major}.{v.minor}-{64 if sys.maxsize > 2**32 else 32}bit")')
  PATH="$root/.venv/bin:$PATH" PYO3_PYTHON="$root/.venv/bin/python" PYO3_ENVIRONMENT_SIGNATURE="$pyo3_signature" \
    VLAYER_GUEST_ELF=/nonexistent/vlayer-setup-prebuild \
    setsid cargo rustc --profile release --features pyo3/extension-module \
    --manifest-path guest_wrapper/Cargo.toml --lib --crate-type cdylib --keep-going \
    >"$CARGO_TARGET_DIR/host-deps.log" 2>&1 &
  prebuild_pid=$!
fi
wait_for_host_deps() {
  if [ -n "$prebuild_pid" ]; then
    wait "$prebuild_pid" || true
    prebuild_pid=""
  fi
}

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

# --- Python (venv + maturin editable install) -----------------------------------------------------------------
py_stamp=.venv/.vlayer-stamp
py_hash=$( (echo "$host_src_hash"; cat "$VLAYER_GUEST_ELF" "$VLAYER_SEGMENTS_TEST_ELF") | sha256sum | cut -c1-16)
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
  wait_for_host_deps
  # Without build isolation pip runs the venv's maturin, which must be on PATH.
  PATH="$root/.venv/bin:$PATH" .venv/bin/python -m pip install -q --no-deps --no-build-isolation -e .
  echo "$py_hash" > "$py_stamp"
fi
# The host build is current (its stamp covers these sources): the next run starts no dependency build.
echo "$host_src_hash" > "$host_src_stamp"
wait_for_host_deps
phase_end
echo "setup: ready ($root)" >&2
