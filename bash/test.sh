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

phase "check: the tree stands alone"; bash bash/self-contained.sh
phase "lint: ruff, mypy"
ruff check host tests benches examples; ruff format --check host tests benches examples
mypy
# Release profile, like the wheel maturin built: clippy and the tests reuse its dependencies' build-script outputs
# (RISC Zero's compiled C++ kernels) instead of compiling every kernel again at -O0 in the dev profile.
phase "lint: cargo fmt, clippy (release profile)"
cargo fmt --all -- --check; rustfmt --edition 2021 --check guest/zkvm/src/main.rs
cargo clippy --release --workspace --all-targets -q -- -D warnings
phase "test: cargo test (release profile)"
cargo test --release -q -p vlayer-guest -p risc0-circuit-keccak-sys
phase "test: forge (contracts and examples, offline)"
(cd contracts && ../node_modules/.bin/forge test --offline)
for ex in examples/*/foundry.toml; do (cd "$(dirname "$ex")" && ../../node_modules/.bin/forge test --offline); done
phase "test: pytest"
marker="not slow"
[ "${1:-}" = "slow" ] && marker=""
pytest -q -m "$marker" -p no:cacheprovider --durations=8
