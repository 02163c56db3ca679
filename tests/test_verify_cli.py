"""`vlayer verify`: a stored receipt checked off-chain, as a real process; bad input gets one line and an exit code."""

from __future__ import annotations

import json
from pathlib import Path

from tests.support.contracts import RECEIPT_VECTOR, receipt_vector
from tests.test_cli import vlayer
from vlayer.receipts.proof_encoding import fake_seal

R = receipt_vector()


def write(tmp_path: Path, **fields: str) -> str:
    path = tmp_path / "receipt.json"
    path.write_text(json.dumps(fields))
    return str(path)


def test_real_groth16_receipt_verifies() -> None:
    p = vlayer("verify", str(RECEIPT_VECTOR))
    assert p.returncode == 0, p.stderr
    assert "verified     groth16 seal, verifier selector 0x73c457ba" in p.stdout
    assert f"image id     0x{R.image_id.hex()}" in p.stdout


def test_default_parameters_are_risc0_3_0(tmp_path: Path) -> None:
    p = vlayer("verify", write(tmp_path, seal="0x" + R.seal.hex(), journal="0x" + R.journal.hex(),
                               image_id="0x" + R.image_id.hex()))  # fmt: skip
    assert p.returncode == 0, p.stderr


def test_tampered_journal_is_rejected(tmp_path: Path) -> None:
    journal = R.journal[:-1] + bytes([R.journal[-1] ^ 1])
    p = vlayer("verify", write(tmp_path, seal="0x" + R.seal.hex(), journal="0x" + journal.hex(),
                               image_id="0x" + R.image_id.hex()))  # fmt: skip
    assert p.returncode == 9
    assert p.stderr.strip() == "error: Groth16 pairing check failed: the seal does not prove this claim"


def test_fake_seal_needs_dev_and_is_loud(tmp_path: Path) -> None:
    image_id, journal = b"\x07" * 32, b"hello"
    path = write(tmp_path, seal="0x" + fake_seal(image_id, journal).hex(), journal="0x" + journal.hex(),
                 image_id="0x" + image_id.hex())  # fmt: skip
    refused = vlayer("verify", path)
    assert refused.returncode == 9
    assert "dev-mode (fake) seal" in refused.stderr and "--dev" in refused.stderr
    accepted = vlayer("verify", path, "--dev")
    assert accepted.returncode == 0, accepted.stderr
    assert "WARNING: dev-mode (fake) seal" in accepted.stderr
    other = write(tmp_path, seal="0x" + fake_seal(image_id, b"other").hex(), journal="0x" + journal.hex(),
                  image_id="0x" + image_id.hex())  # fmt: skip
    assert vlayer("verify", other, "--dev").returncode == 9


def test_bad_files_get_one_line(tmp_path: Path) -> None:
    missing = vlayer("verify", str(tmp_path / "nope.json"))
    assert missing.returncode == 2 and missing.stderr.startswith("error: cannot read receipt file")
    (tmp_path / "bad.json").write_text("{not json")
    bad = vlayer("verify", str(tmp_path / "bad.json"))
    assert bad.returncode == 2 and "is not JSON" in bad.stderr
    short = vlayer("verify", write(tmp_path, seal="0x00", journal="0x", image_id="0x12"))
    assert short.returncode == 2 and short.stderr.strip() == "error: image_id must be 32 bytes, got 1"
    no_seal = vlayer("verify", write(tmp_path, journal="0x", image_id="0x" + "00" * 32))
    assert no_seal.returncode == 2 and "no 'seal'" in no_seal.stderr


def test_fake_mode_refuses_the_same_mainnets_as_the_contracts() -> None:
    import re

    from tests.support.contracts import CONTRACTS
    from vlayer.prove import MAINNET_CHAIN_IDS

    body = (CONTRACTS / "src" / "ChainIds.sol").read_text().split("function isMainnet")[1].split("function ")[0]
    assert {int(n) for n in re.findall(r"chainId == (\d+)", body)} == MAINNET_CHAIN_IDS
