"""Slow target: a real RISC Zero receipt of the EVM guest proving an ERC20 `balanceOf` on this CPU, end to end
through the CLI (`vlayer prove --mode composite`, then `vlayer verify`), and what a tampered file gets."""

from __future__ import annotations

import base64
import json
import subprocess
from pathlib import Path

import pytest

from tests.conftest import Chain
from tests.support.corpus import HOLDERS, calldata
from tests.test_cli import ENV, VLAYER, vlayer
from vlayer.guest import call_guest_id
from vlayer.receipts import zkvm

pytestmark = pytest.mark.slow


def test_cli_proves_a_composite_receipt_that_verifies(osaka_chain: Chain, tmp_path: Path) -> None:
    out = tmp_path / "proof.json"
    data = "0x" + calldata("balanceOf(address)", ["address"], [HOLDERS[1]]).hex()
    p = subprocess.run(
        [*VLAYER, "prove", "--rpc-url", osaka_chain.anvil.url, "--block", str(osaka_chain.block),
         "--to", "0x" + osaka_chain.d.token.hex(), "--data", data, "--hardfork", "osaka",
         "--mode", "composite", "--out", str(out)],
        capture_output=True, text=True, env=ENV, timeout=3600, check=False,
    )  # fmt: skip
    assert p.returncode == 0, p.stderr
    doc = json.loads(out.read_text())
    assert doc["mode"] == "composite" and doc["proof"] is None  # chains verify Groth16 only
    assert doc["image_id"] == "0x" + call_guest_id().hex()
    assert doc["cycles"] > 0 and doc["segments"] >= 1
    assert doc["evm_call_result"] == "0x" + (2 * 10**18).to_bytes(32, "big").hex()

    ok = vlayer("verify", str(out))
    assert ok.returncode == 0, ok.stderr
    assert "verified     composite zkVM receipt" in ok.stdout

    # The file's journal is not what the receipt committed.
    journal = bytearray(bytes.fromhex(doc["journal"][2:]))
    journal[-1] ^= 1
    bad = tmp_path / "journal.json"
    bad.write_text(json.dumps({**doc, "journal": "0x" + journal.hex()}))
    p = vlayer("verify", str(bad))
    assert p.returncode == 9 and "committed a different journal" in p.stderr

    # Another image id.
    bad.write_text(json.dumps({**doc, "image_id": "0x" + "11" * 32}))
    p = vlayer("verify", str(bad))
    assert p.returncode == 9 and "receipt does not verify" in p.stderr

    # One seal word of the receipt flipped.
    raw = base64.b64decode(doc["zkvm_receipt"])
    receipt = zkvm.receipt_to_json(raw)
    assert zkvm.receipt_from_json(receipt) == raw and zkvm.receipt_from_text(zkvm.receipt_to_text(raw)) == raw
    assert zkvm.verify(raw, call_guest_id()).kind == "composite"
    seal = receipt["inner"]["Composite"]["segments"][0]["seal"]
    seal[len(seal) // 2] ^= 1
    forged = zkvm.receipt_to_text(zkvm.receipt_from_json(receipt))
    bad.write_text(json.dumps({**doc, "zkvm_receipt": forged}))
    p = vlayer("verify", str(bad))
    assert p.returncode == 9 and "receipt does not verify" in p.stderr


@pytest.mark.timeout(7200)
def test_cli_proves_a_succinct_receipt_and_exports_its_groth16_input(osaka_chain: Chain, tmp_path: Path) -> None:
    """The vlayer guest's ERC20 call as one succinct receipt (segments proved, lifted, joined) through the CLI,
    verified; then `vlayer groth16 export` writes the shrink-wrap's input for it (identity_p254 on this CPU)."""
    out = tmp_path / "proof.json"
    data = "0x" + calldata("balanceOf(address)", ["address"], [HOLDERS[1]]).hex()
    p = subprocess.run(
        [*VLAYER, "prove", "--rpc-url", osaka_chain.anvil.url, "--block", str(osaka_chain.block),
         "--to", "0x" + osaka_chain.d.token.hex(), "--data", data, "--hardfork", "osaka",
         "--mode", "succinct", "--out", str(out)],
        capture_output=True, text=True, env=ENV, timeout=5400, check=False,
    )  # fmt: skip
    assert p.returncode == 0, p.stderr
    doc = json.loads(out.read_text())
    assert doc["mode"] == "succinct" and doc["proof"] is None  # chains verify Groth16 only
    assert doc["evm_call_result"] == "0x" + (2 * 10**18).to_bytes(32, "big").hex()
    receipt = base64.b64decode(doc["zkvm_receipt"])
    assert zkvm.verify(receipt, call_guest_id()).kind == "succinct"
    ok = vlayer("verify", str(out))
    assert ok.returncode == 0 and "verified     succinct zkVM receipt" in ok.stdout, ok.stderr

    wrap = tmp_path / "wrap"
    exported = subprocess.run([*VLAYER, "groth16", "export", str(out), "--out", str(wrap)], capture_output=True,
                              text=True, env=ENV, timeout=1800, check=False)  # fmt: skip
    assert exported.returncode == 0, exported.stderr
    iop = json.loads((wrap / "input.json").read_text())["iop"]
    assert len(iop) == 25_749 and all(v.isdigit() for v in iop)
    claim = json.loads((wrap / "claim.json").read_text())
    assert claim["image_id"] == doc["image_id"] and claim["journal"] == doc["journal"]
    assert claim["evm_call_result"] == doc["evm_call_result"]
