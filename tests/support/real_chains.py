"""The recorded real-chain calls (tests/fixtures/real_chains.json) replayed with no node, and the guest variant
that hashes in software (the guest before RISC Zero's keccak accelerator): shared by tests/test_real_chains.py and
benches/zkvm_profile.py."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

from vlayer.devnet import REPO_ROOT
from vlayer.hexutil import parse_hex_bytes
from vlayer.preflight.execute import CallRequest, PreflightResult, preflight
from vlayer.rpc import ReplayTransport, RpcClient

FIXTURES = REPO_ROOT / "tests" / "fixtures"
CALLS: list[dict[str, Any]] = json.loads((FIXTURES / "real_chains.json").read_text())["calls"]
#: Where bash/build-guest.sh builds the guest variants (their own target dirs, beside the embedded guest's).
VARIANTS = Path.home() / ".cache" / "vlayer" / "guest-variants"


def call_named(name: str) -> dict[str, Any]:
    return next(c for c in CALLS if c["name"] == name)


def replayed(call: dict[str, Any]) -> PreflightResult:
    client = RpcClient(ReplayTransport(FIXTURES / f"{call['name']}.json"))
    request = CallRequest(to=parse_hex_bytes(call["to"]), data=parse_hex_bytes(call["data"]))
    # The recordings hold what the call reads, not an access-list hint: the lazy path asks for exactly that. They
    # were recorded before the node check existed, so they hold no eth_call of the node's to compare with.
    return preflight(client, request, call["block"], prefetch=False, node_check=False)


def software_elf() -> bytes:
    """The guest built with cargo feature `software-keccak` (guest/zkvm): every keccak-f by the unrolled software
    permutation, as before the accelerator. Built once into its own target dir, reproducibly, like the embedded
    guest."""
    target = VARIANTS / "software-keccak"
    env = {**os.environ, "VLAYER_GUEST_FEATURES": "software-keccak"}
    script = str(REPO_ROOT / "bash" / "build-guest.sh")
    out = subprocess.run(["bash", script, str(target)], env=env, check=True, capture_output=True, text=True)
    return Path(out.stdout.strip().splitlines()[-1]).read_bytes()
