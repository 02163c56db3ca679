#!/usr/bin/env bash
# Run an example end to end, from its folder:   cd examples/simple && bash ../../bash/vlayer-build.sh
#
# Builds the example's contracts (forge, offline), starts a local anvil unless RPC_URL is given, starts the prove
# service (dev mode: FAKE proofs, refused on mainnets) unless PROVER_URL is given, then runs the example's
# vlayer/app.py: deploy, prove through the HTTP service, submit the proof to the verifier on chain.
# Fails loudly at the first broken step. RPC_URL must name a node with unlocked accounts (anvil does).
#
# An example that teleports (`setChain`) to an L2 says so with a file vlayer/l2-chain-id holding the L2's chain id
# (31338: the dev L2 anchored by the dev L1, 31337). The script then also starts the L2, a second anvil with that
# chain id and the same hardfork, unless L2_RPC_URL is given; hands it to the prove service (`--rpc-url` and, for the
# anvil it started or with HARDFORK, `--hardfork` for the L2's chain id); and gives the app `--l2-rpc-url`. A service
# given as PROVER_URL must have been started with the L2 already.
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
chain_id_of() { # url
  curl -sf -H 'content-type: application/json' \
    --data '{"jsonrpc":"2.0","id":1,"method":"eth_chainId","params":[]}' "$1" \
    | "$py" -c 'import json,sys; print(int(json.load(sys.stdin)["result"], 16))'
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
chain_id=$(chain_id_of "$RPC_URL") || die "cannot read the chain id at $RPC_URL"

service_l2_args=()
app_l2_args=()
if [ -f "$example/vlayer/l2-chain-id" ]; then
  l2_chain_id=$(tr -d '[:space:]' < "$example/vlayer/l2-chain-id")
  [[ "$l2_chain_id" =~ ^[0-9]+$ ]] || die "vlayer/l2-chain-id must hold the L2's chain id, not '$l2_chain_id'"
  [ "$l2_chain_id" != "$chain_id" ] || die "vlayer/l2-chain-id names chain $l2_chain_id, the L1's own"
  if [ -z "${L2_RPC_URL:-}" ]; then
    step "devnet L2 (chain $l2_chain_id)"
    port=$(free_port)
    "$root/node_modules/.bin/anvil" --host 127.0.0.1 --port "$port" --hardfork "${HARDFORK:-osaka}" \
      --chain-id "$l2_chain_id" --silent &
    pids+=($!)
    L2_RPC_URL="http://127.0.0.1:$port"
    wait_http "$L2_RPC_URL" POST "anvil (L2)"
    echo "anvil (${HARDFORK:-osaka}, chain $l2_chain_id) at $L2_RPC_URL"
    service_l2_args=(--hardfork "$l2_chain_id=${HARDFORK:-osaka}")
  elif [ -n "${HARDFORK:-}" ]; then
    service_l2_args=(--hardfork "$l2_chain_id=$HARDFORK")
  fi
  l2_served=$(chain_id_of "$L2_RPC_URL") || die "cannot read the chain id at $L2_RPC_URL"
  [ "$l2_served" = "$l2_chain_id" ] \
    || die "the L2 node at $L2_RPC_URL serves chain $l2_served, not $l2_chain_id (vlayer/l2-chain-id)"
  service_l2_args+=(--rpc-url "$l2_chain_id=$L2_RPC_URL")
  app_l2_args=(--l2-rpc-url "$L2_RPC_URL")
fi

if [ -z "${PROVER_URL:-}" ]; then
  step "prove service"
  mkdir -p "$example/.vlayer"
  port=$(free_port)
  "$root/.venv/bin/vlayer" serve --dev --port "$port" --rpc-url "$chain_id=$RPC_URL" "${hardfork_args[@]}" \
    "${service_l2_args[@]}" \
    --db "sqlite:///$example/.vlayer/jobs.sqlite3" 2>>"$example/.vlayer/service.log" &
  pids+=($!)
  PROVER_URL="http://127.0.0.1:$port/"
  for _ in $(seq 1 150); do curl -sf -o /dev/null "${PROVER_URL}health" && break; sleep 0.2; done
  curl -sf -o /dev/null "${PROVER_URL}health" || die "prove service did not come up (log: $example/.vlayer/service.log)"
  echo "prove service at $PROVER_URL (dev mode: FAKE proofs; log: $example/.vlayer/service.log)"
fi

step "deploy, prove, verify on chain (chain $chain_id)"
"$py" -m vlayer.app_kit "$example" --rpc-url "$RPC_URL" --service "$PROVER_URL" "${app_l2_args[@]}" \
  || die "the example app failed"
step "done: $(basename "$example") proved and verified on chain $chain_id"
