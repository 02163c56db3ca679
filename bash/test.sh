#!/usr/bin/env bash
# The whole test suite: lint and type checks, Rust checks, and pytest against real anvil/solc.
#   bash bash/test.sh          everything CI runs
#   bash bash/test.sh slow     the slow proving target as well
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash bash/setup.sh
source bash/env.sh
export PATH="$PWD/.venv/bin:$PATH"

echo "== ruff"; ruff check host tests benches examples; ruff format --check host tests benches examples
echo "== mypy"; mypy
echo "== cargo fmt / clippy"; cargo fmt --all -- --check; rustfmt --edition 2021 --check guest/zkvm/src/main.rs; cargo clippy --workspace --all-targets -q -- -D warnings
echo "== cargo test"; cargo test -p vlayer-guest -q
echo "== forge test (contracts and examples, offline)"
(cd contracts && ../node_modules/.bin/forge test --offline)
for ex in examples/*/foundry.toml; do (cd "$(dirname "$ex")" && ../../node_modules/.bin/forge test --offline); done
echo "== pytest"
marker="not slow"
[ "${1:-}" = "slow" ] && marker=""
pytest -q -m "$marker" -p no:cacheprovider
