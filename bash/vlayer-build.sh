#!/usr/bin/env bash
# Run an example end to end, from its folder:   cd examples/simple && bash ../../bash/vlayer-build.sh
#
# Builds the example's contracts (forge, offline), starts a local anvil unless RPC_URL is given, starts the prove
# service (dev mode: FAKE proofs, refused on mainnets) unless PROVER_URL is given, then runs the example's
# vlayer/app.py: deploy, prove through the HTTP service, submit the proof to the verifier on chain.
# Fails loudly at the first broken step. RPC_URL must name a node with unlocked accounts (anvil does).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
example="$PWD"
step() { printf '\n== %s\n' "$*"; }
die() { echo "vlayer-build: $*" >&2; exit 1; }

[ -f "$example/vlayer/app.py" ] && [ -f "$example/foundry.toml" ] \
  || die "run this from an example folder (examples/<name> with foundry.toml and vlayer/app.py), not $example"

step "setup"
bash "$root/bash/setup.sh"
py="$root/.venv/bin/python"
export PYTHONUNBUFFERED=1
free_port() { "$py" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
wait_http() { # url method what
  for _ in $(seq 1 150); do
    if curl -sf -o /dev/null -X "$2" -H 'content-type: application/json' \
         --data '{"jsonrpc":"2.0","id":1,"method":"eth_chainId","params":[]}' "$1"; then return 0; fi
    sleep 0.2
  done
  die "$3 at $1 did not come up"
}
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT

step "build ($(basename "$example"))"
(cd "$example" && "$root/node_modules/.bin/forge" build --offline) || die "forge build failed"

if [ -z "${RPC_URL:-}" ]; then
  step "devnet"
  port=$(free_port)
  "$root/node_modules/.bin/anvil" --host 127.0.0.1 --port "$port" --hardfork "${HARDFORK:-osaka}" --silent &
  pids+=($!)
  RPC_URL="http://127.0.0.1:$port"
  wait_http "$RPC_URL" POST anvil
  echo "anvil (${HARDFORK:-osaka}) at $RPC_URL"
  hardfork_args=(--hardfork "31337=${HARDFORK:-osaka}")
else
  hardfork_args=()
  [ -n "${HARDFORK:-}" ] && hardfork_args=(--hardfork "$("$py" - "$RPC_URL" <<'PY'
import sys, requests
r = requests.post(sys.argv[1], json={"jsonrpc": "2.0", "id": 1, "method": "eth_chainId", "params": []}, timeout=10)
print(int(r.json()["result"], 16))
PY
)=$HARDFORK")
fi
chain_id=$(curl -sf -H 'content-type: application/json' \
  --data '{"jsonrpc":"2.0","id":1,"method":"eth_chainId","params":[]}' "$RPC_URL" \
  | "$py" -c 'import json,sys; print(int(json.load(sys.stdin)["result"], 16))') || die "cannot read the chain id at $RPC_URL"

if [ -z "${PROVER_URL:-}" ]; then
  step "prove service"
  mkdir -p "$example/.vlayer"
  port=$(free_port)
  "$root/.venv/bin/vlayer" serve --dev --port "$port" --rpc-url "$chain_id=$RPC_URL" "${hardfork_args[@]}" \
    --db "sqlite:///$example/.vlayer/jobs.sqlite3" 2>>"$example/.vlayer/service.log" &
  pids+=($!)
  PROVER_URL="http://127.0.0.1:$port/"
  for _ in $(seq 1 150); do curl -sf -o /dev/null "${PROVER_URL}health" && break; sleep 0.2; done
  curl -sf -o /dev/null "${PROVER_URL}health" || die "prove service did not come up (log: $example/.vlayer/service.log)"
  echo "prove service at $PROVER_URL (dev mode: FAKE proofs; log: $example/.vlayer/service.log)"
fi

step "deploy, prove, verify on chain (chain $chain_id)"
"$py" -m vlayer.app_kit "$example" --rpc-url "$RPC_URL" --service "$PROVER_URL" || die "the example app failed"
step "done: $(basename "$example") proved and verified on chain $chain_id"
