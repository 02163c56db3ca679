"""Regenerate the guest golden vectors from the recorded RPC fixtures (no node needed):

    .venv/bin/python tests/vectors/make_vectors.py

Each vector is `<name>.input.bin` (wire format v4, docs/wire-format.md) and `<name>.journal.hex` (the journal the
host expects). pytest checks the Python encoder still produces these exact bytes and the native guest this journal;
`cargo test -p vlayer-guest` checks the Rust guest against the same files.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "host"))

from vlayer.chain.forks import ChainSpec  # noqa: E402
from vlayer.guest_input import expected_journal, input_for  # noqa: E402
from vlayer.hexutil import parse_address, parse_hex_bytes  # noqa: E402
from vlayer.preflight.execute import CallRequest, PreflightResult, preflight  # noqa: E402
from vlayer.rpc import ReplayTransport, RpcClient  # noqa: E402
from vlayer.teleport.anchor import L2Node  # noqa: E402

FIXTURES = ROOT / "tests" / "fixtures"
OUT = Path(__file__).resolve().parent / "guest"
VECTORS = ["erc20_balance_osaka", "blockhash_osaka", "travel_history_osaka", "teleport_osaka", "logs_transfers_osaka"]


def replayed(name: str) -> PreflightResult:
    meta = json.loads((FIXTURES / f"{name}.meta.json").read_text())
    call = CallRequest(to=parse_address(meta["to"]), data=parse_hex_bytes(meta["data"]))
    client = RpcClient(ReplayTransport(FIXTURES / f"{name}.json"))
    l2_nodes = {}
    if "l2" in meta:  # a teleport: the L2's session is its own recording
        l2 = meta["l2"]
        l2_client = RpcClient(ReplayTransport(FIXTURES / l2["fixture"]))
        l2_nodes[l2["chain_id"]] = L2Node(l2_client, ChainSpec.dev("osaka", l2["chain_id"]))
    # Recorded before the node check existed: the recordings hold no eth_call to compare with.
    return preflight(
        client, call, meta["block"], chain_spec=ChainSpec.dev("osaka"), l2_nodes=l2_nodes, node_check=False
    )


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    for name in VECTORS:
        result = replayed(name)
        (OUT / f"{name}.input.bin").write_bytes(input_for(result))
        (OUT / f"{name}.journal.hex").write_text(expected_journal(result).hex() + "\n")
        print(name, len(input_for(result)), "bytes")


if __name__ == "__main__":
    main()
