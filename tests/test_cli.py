"""`vlayer preflight`: a real process against a real anvil; bad input exits non-zero with one line."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import Chain
from tests.support.corpus import HOLDERS, calldata

VLAYER = [sys.executable, "-m", "vlayer.cli"]
ENV = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1] / "host")}


def vlayer(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*VLAYER, *args], capture_output=True, text=True, env=ENV, timeout=120, check=False)


def test_preflight_prints_the_summary(osaka_chain: Chain) -> None:
    data = "0x" + calldata("balanceOf(address)", ["address"], [HOLDERS[1]]).hex()
    p = vlayer("preflight", "--rpc-url", osaka_chain.anvil.url, "--block", str(osaka_chain.block),
               "--to", "0x" + osaka_chain.d.corpus.hex(), "--data", data, "--hardfork", "osaka")  # fmt: skip
    assert p.returncode == 0, p.stderr
    assert "return data  0x" + (2 * 10**18).to_bytes(32, "big").hex() in p.stdout
    # The corpus and the token it calls: the zero-address sender and the coinbase are never read.
    assert "touched      2 accounts, 2 slots, 2 codes, 0 block hashes" in p.stdout
    assert "witness" in p.stdout and "gas used     29318" in p.stdout
    assert "guest        native re-execution matches preflight" in p.stdout


def test_preflight_json(osaka_chain: Chain, tmp_path: Path) -> None:
    rec = tmp_path / "rec.json"
    args = ["preflight", "--block", str(osaka_chain.block), "--to", "0x" + osaka_chain.d.token.hex(),
            "--data", "0x18160ddd", "--hardfork", "osaka", "--json"]  # fmt: skip
    live = vlayer(*args, "--rpc-url", osaka_chain.anvil.url, "--record", str(rec))
    assert live.returncode == 0, live.stderr
    out = json.loads(live.stdout)
    assert out["success"] and out["touched"]["storage_slots"] == 1 and out["fork"] == "osaka"
    replayed = vlayer(*args, "--replay", str(rec))
    assert replayed.returncode == 0, replayed.stderr
    assert json.loads(replayed.stdout)["return_data"] == out["return_data"]


def test_revert_exits_non_zero_with_reason(osaka_chain: Chain) -> None:
    p = vlayer("preflight", "--rpc-url", osaka_chain.anvil.url, "--to", "0x" + osaka_chain.d.corpus.hex(),
               "--data", "0x" + calldata("failWithReason()", [], []).hex(), "--hardfork", "osaka")  # fmt: skip
    assert p.returncode == 1
    assert "status       reverted: corpus: not allowed" in p.stdout


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["--to", "0x01"], 2, "error: --to must be 20 bytes, got 1"),
        (["--to", "0x" + "11" * 20, "--data", "0xabc"], 2, "error: --data has an odd number of hex digits"),
        (["--to", "0x" + "11" * 20, "--block", "soon"], 2, "error: block must be a number or latest"),
        (
            ["--to", "0x" + "11" * 20, "--block", "999999", "--hardfork", "osaka"],
            4,
            "error: block 999999 does not exist on this node",  # named as typed
        ),
        (["--to", "0x" + "11" * 20, "--hardfork", "frontier"], 4, "error: dev hardfork 'frontier' is not supported"),
        (
            ["--to", "0x" + "11" * 20, "--l2-rpc-url", "http://127.0.0.1:9"],
            2,
            "error: --l2-rpc-url takes CHAIN_ID=http(s)://URL, got 'http://127.0.0.1:9'",
        ),
    ],
)
def test_bad_input(osaka_chain: Chain, args: list[str], code: int, message: str) -> None:
    p = vlayer("preflight", "--rpc-url", osaka_chain.anvil.url, *args)
    assert p.returncode == code
    lines = p.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(message), p.stderr


def test_unreachable_rpc_is_one_line() -> None:
    p = vlayer("preflight", "--rpc-url", "http://127.0.0.1:9", "--to", "0x" + "11" * 20, "--timeout", "1")
    assert p.returncode == 3
    assert p.stderr.strip() == "error: RPC node at http://127.0.0.1:9 is unreachable: connection refused"


def test_missing_rpc_url() -> None:
    p = vlayer("preflight", "--to", "0x" + "11" * 20)
    assert p.returncode == 2 and p.stderr.strip() == "error: --rpc-url is required (or --replay FILE)"


def test_preflight_zkvm_prints_cycles(osaka_chain: Chain) -> None:
    data = "0x" + calldata("balanceOf(address)", ["address"], [HOLDERS[1]]).hex()
    p = vlayer("preflight", "--rpc-url", osaka_chain.anvil.url, "--block", str(osaka_chain.block), "--to",
               "0x" + osaka_chain.d.token.hex(), "--data", data, "--hardfork", "osaka", "--zkvm", "--json")  # fmt: skip
    assert p.returncode == 0, p.stderr
    zk = json.loads(p.stdout)["zkvm"]
    assert zk["journal_matches"] is True
    assert zk["segments"] >= 1 and 0 < zk["user_cycles"] < zk["total_cycles"]


def test_version_prints_the_image_id() -> None:
    from vlayer.image_id import committed

    p = vlayer("--version")
    assert p.returncode == 0, p.stderr
    assert f"guest image id   0x{committed().hex()}" in p.stdout  # type: ignore[union-attr]
    modes = "fake, composite, succinct; groth16 with a shrink-wrap backend"
    assert f"risc0-zkvm       3.1.0-rc.1 (proof modes here: {modes})" in p.stdout


def test_init_then_build_a_project(tmp_path: Path) -> None:
    project = tmp_path / "my-prover"
    p = vlayer("init", str(project))
    assert p.returncode == 0, p.stderr
    assert (project / "src" / "SimpleProver.v.sol").is_file()
    assert (project / "lib" / "vlayer" / "src" / "Prover.sol").is_file()
    assert not (project / "out").exists()
    again = vlayer("init", str(project))
    assert again.returncode == 2 and again.stderr.strip().endswith("already exists and is not an empty directory")
    unknown = vlayer("init", str(tmp_path / "x"), "--template", "nope")
    assert unknown.returncode == 2 and "unknown template 'nope'" in unknown.stderr

    built = subprocess.run([*VLAYER, "build", str(project)], capture_output=True, text=True, env=ENV, timeout=900)
    assert built.returncode == 0, built.stderr
    assert "provers: SimpleProver" in built.stdout
    assert (project / "out" / "SimpleProver.v.sol" / "SimpleProver.json").is_file()

    (project / "src" / "Broken.sol").write_text("pragma solidity ^0.8.28; contract Broken { function f( }\n")
    broken = subprocess.run([*VLAYER, "build", str(project)], capture_output=True, text=True, env=ENV, timeout=900)
    assert broken.returncode == 8
    errors = [line for line in broken.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and errors[0].startswith("error: forge build failed:"), broken.stderr


def test_build_needs_a_project(tmp_path: Path) -> None:
    p = vlayer("build", str(tmp_path))
    want = f"error: {tmp_path} has no foundry.toml (create a project with `vlayer init`)"
    assert p.returncode == 2 and p.stderr.strip().splitlines()[-1] == want
