#!/usr/bin/env bash
# The whole test suite: lint and type checks, Rust checks, and pytest against real anvil/solc.
#   bash bash/test.sh          everything CI runs
#   bash bash/test.sh slow     the slow proving target as well
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source bash/env.sh
source bash/phases.sh
trap phase_report EXIT
bash bash/setup.sh
export PATH="$PWD/.venv/bin:$PATH"

# What only the tests need, not vlayer itself: Debian's chromium and chromedriver for the dashboard's browser test
# (tests/test_dashboard.py, through selenium), Debian's PostgreSQL server for the shared job store's tests
# (tests/test_postgres.py starts its own server in a temporary folder), and vlayer v1's published SDK, which
# tests/test_vlayer_sdk.py drives against the service.
phase "install: chromium, chromedriver, postgresql (apt; browser and job-store tests)"
test_pkgs=(chromium chromium-driver postgresql)
if ! dpkg -s "${test_pkgs[@]}" >/dev/null 2>&1; then
  echo "test: installing the test browser and database server from Debian: ${test_pkgs[*]}" >&2
  apt-get update -qq && apt-get install -y -qq "${test_pkgs[@]}" >/dev/null
fi
phase "install: vlayer SDK 1.3.0 + viem for the compatibility test (npm)"
sdk_stamp=tests/js/node_modules/.vlayer-stamp
sdk_hash=$(cat tests/js/package.json tests/js/package-lock.json | sha256sum | cut -c1-16)
if [ ! -f "$sdk_stamp" ] || [ "$(cat "$sdk_stamp")" != "$sdk_hash" ]; then
  (cd tests/js && npm ci --no-audit --no-fund --loglevel=error)
  echo "$sdk_hash" > "$sdk_stamp"
fi

phase "check: the tree stands alone"; bash bash/self-contained.sh
# The README's first command, as written (its setup step is already done: a no-op here).
phase "check: the README's main job (bash bash/demo.sh)"; bash bash/demo.sh
# The benchmarks that take seconds, as the README runs them (the others take minutes: tests/test_docs_commands.py).
phase "check: the quick benchmarks"
.venv/bin/python benches/preflight.py
.venv/bin/python benches/guest_native.py
phase "lint: ruff, mypy"
ruff check host tests benches examples; ruff format --check host tests benches examples
mypy
# Release profile, like the wheel maturin built: clippy and the tests reuse its dependencies' build-script outputs
# (RISC Zero's compiled C++ kernels) instead of compiling every kernel again at -O0 in the dev profile.
phase "lint: cargo fmt, clippy (release profile)"
cargo fmt --all -- --check; rustfmt --edition 2021 --check guest/zkvm/src/main.rs
# The keccak and recursion patches are workspace members, so clippy builds their build scripts itself and would run
# them again, compiling their kernels a second time; checking links nothing, so that build of them goes without.
VLAYER_KECCAK_CPU_KERNELS=skip VLAYER_RECURSION_CPU_KERNELS=skip \
  cargo clippy --release --workspace --all-targets -q -- -D warnings
phase "test: cargo test (release profile)"
# One invocation for every crate, unit and integration tests only (these crates have no doctests): then Cargo
# builds every dependency exactly as the host build did, and reuses it. Over these four crates the dependencies'
# features are the wheel's (guest_wrapper depends on the other three); and with only test binaries to link, each
# under the release profile's thin LTO, the dependencies are wanted as LTO bitcode only, as for maturin's cdylib.
# Without guest_wrapper, 30 dependencies had other features; with doctests, every dependency was wanted as object
# code too: either way Cargo compiled them all a second time (docs/ci.md).
cargo test --release -q --lib --tests -p vlayer-guest -p vlayer-precompiles -p vlayer-shielding -p guest_wrapper
phase "test: forge (contracts and examples, offline)"
(cd contracts && ../node_modules/.bin/forge test --offline)
for ex in examples/*/foundry.toml; do (cd "$(dirname "$ex")" && ../../node_modules/.bin/forge test --offline); done
phase "test: pytest"
marker="not slow"
[ "${1:-}" = "slow" ] && marker=""
pytest -q -m "$marker" -p no:cacheprovider --durations=8
