"""The embedded RISC Zero guest: the committed image ID, reproducible builds, zkVM execution of the corpus against
the native guest and preflight, exact refusals. The real receipt is proved by the slow target
(tests/test_prove_composite.py)."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from tests.conftest import Chain
from tests.support.corpus import corpus_calls
from tests.test_corpus import CALL_NAMES, run
from tests.vectors.make_vectors import VECTORS, replayed
from vlayer import _native
from vlayer.errors import GuestError, ProvingError
from vlayer.guest import build_info, execute_native
from vlayer.guest_input import input_for
from vlayer.image_id import ImageIdMismatchError, check, committed, history
from vlayer.receipts import zkvm

ROOT = Path(__file__).resolve().parents[1]
VECTOR_DIR = ROOT / "tests" / "vectors" / "guest"


def test_build_embeds_the_committed_image_id() -> None:
    info = build_info()
    assert info["guest_embedded"] is True
    assert info["risc0_zkvm_version"] == "3.1.0-rc.1"  # the host; the guest builds on 3.0.6
    built = check()  # raises ImageIdMismatchError with the fix in its message
    assert built.image_id == committed() == history()[-1]
    assert zkvm.image_id() == built.image_id


def test_image_id_check_names_the_fix(monkeypatch: pytest.MonkeyPatch) -> None:
    import vlayer.image_id as image_id

    monkeypatch.setattr(image_id, "committed", lambda: b"\x01" * 32)
    with pytest.raises(ImageIdMismatchError, match=r"python -m vlayer.image_id record"):
        image_id.check()


@pytest.mark.slow
def test_guest_build_is_reproducible(tmp_path: Path) -> None:
    """A clean target dir elsewhere gives the same image ID as the build the package embeds. In the slow target
    (3.5 minutes): CI's cold run builds the guest in an empty target dir and checks the committed image id
    (`test_build_embeds_the_committed_image_id`), the same property across machines."""
    env = {k: v for k, v in os.environ.items() if k not in ("CARGO_TARGET_DIR", "RUSTFLAGS")}
    out = subprocess.run(
        ["bash", str(ROOT / "bash" / "build-guest.sh"), str(tmp_path / "clean-target")],
        capture_output=True,
        text=True,
        env=env,
        timeout=1800,
    )
    assert out.returncode == 0, out.stderr[-3000:]
    elf = Path(out.stdout.strip()).read_bytes()
    assert _native.image_id_of(elf) == build_info()["image_id"]


@pytest.mark.parametrize("name", VECTORS)
def test_zkvm_runs_golden_vectors(name: str) -> None:
    data = (VECTOR_DIR / f"{name}.input.bin").read_bytes()
    journal = bytes.fromhex((VECTOR_DIR / f"{name}.journal.hex").read_text().strip())
    run_ = zkvm.execute(data)
    assert run_.journal == journal == execute_native(data).journal
    assert run_.user_cycles < run_.total_cycles
    assert run_.segments == -(-run_.total_cycles // (1 << run_.segment_po2))
    assert input_for(replayed(name)) == data


@pytest.mark.parametrize("name", CALL_NAMES)
def test_zkvm_matches_native_and_preflight(osaka_chain: Chain, name: str) -> None:
    call = next(c for c in corpus_calls(osaka_chain.d) if c.name == name)
    result = run(osaka_chain, call.to, call.data)
    data = input_for(result)
    if result.success:
        native = execute_native(data)
        assert zkvm.execute(data).journal == native.journal
        return
    with pytest.raises(GuestError) as native_err:
        execute_native(data)
    with pytest.raises(GuestError) as zk_err:
        zkvm.execute(data)
    assert str(zk_err.value) == str(native_err.value)


def test_zkvm_refusals_are_the_guests_exact_messages() -> None:
    data = bytearray((VECTOR_DIR / "erc20_balance_osaka.input.bin").read_bytes())
    cases = {
        "bad magic": bytes([data[0] ^ 0xFF]) + bytes(data[1:]),
        "truncated": bytes(data[: len(data) // 2]),
        "flipped last byte": bytes(data[:-1]) + bytes([data[-1] ^ 1]),
    }
    for what, bad in cases.items():
        with pytest.raises(GuestError) as native_err:
            execute_native(bad)
        with pytest.raises(GuestError) as zk_err:
            zkvm.execute(bad)
        assert str(zk_err.value) == str(native_err.value), what


def test_modes_of_this_build_and_groth16_only_through_a_backend() -> None:
    data = (VECTOR_DIR / "erc20_balance_osaka.input.bin").read_bytes()
    assert zkvm.available_modes() == ["composite", "succinct"]
    # The native prover never runs the shrink-wrap itself: groth16 is succinct + a backend (vlayer.receipts).
    with pytest.raises(zkvm.ProofModeUnavailableError, match="prove 'succinct', then shrink-wrap it"):
        zkvm.prove(data, "groth16")
    with pytest.raises(zkvm.ProofModeUnavailableError, match="known modes"):
        zkvm.prove(data, "stark")
    assert issubclass(zkvm.ProofModeUnavailableError, ProvingError)


def test_dev_mode_environment_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RISC0_DEV_MODE", "1")
    data = (VECTOR_DIR / "erc20_balance_osaka.input.bin").read_bytes()
    with pytest.raises(zkvm.ProofModeUnavailableError, match="RISC0_DEV_MODE"):
        zkvm.execute(data)
    with pytest.raises(zkvm.ProofModeUnavailableError, match="RISC0_DEV_MODE"):
        zkvm.verify(b"", b"\x00" * 32)


def test_garbage_receipts_are_typed_errors() -> None:
    with pytest.raises(zkvm.ZkvmReceiptError, match="cannot be decoded"):
        zkvm.verify(b"\x00\x01\x02", zkvm.image_id())
    with pytest.raises(zkvm.ZkvmReceiptError, match="32 bytes"):
        zkvm.verify(b"", b"\x00")
    with pytest.raises(zkvm.ZkvmReceiptError, match="base64"):
        zkvm.receipt_from_text("not base64!")
