"""Real receipts (issue 31): succinct receipts proved on this CPU, the verifier parameters RISC Zero's deployed
verifiers expect, and the Groth16 split flow around a shrink-wrap backend (vlayer.receipts)."""

from __future__ import annotations

import hashlib
import json
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from eth_abi import encode

from tests.support.contracts import call, deploy, receipt_vector, selector
from vlayer.cluster import segments, testguest
from vlayer.cluster.coordinator import LocalBackend, prove_job
from vlayer.devnet import Anvil
from vlayer.errors import GpuUnavailableError
from vlayer.guest import native_module
from vlayer.prove import ProofModeName
from vlayer.receipts import groth16, shrink_wrap, zkvm
from vlayer.receipts.pairing import risc0_3_0_verifier
from vlayer.receipts.zkvm import ZkvmReceiptError
from vlayer.service.core import proof_modes_available
from vlayer.service.settings import ChainConfig, Settings

pytestmark = pytest.mark.timeout(1200)

V = receipt_vector()
GUEST = "segments-test"
#: Two segments of the segments-test guest at 2^16: one lift each and one join, the smallest real compression.
PO2 = 16
ROUNDS = 1


# --- the parameters RISC Zero's deployed 3.0 verifiers were built from ------------------------------------------


#: From risc0-ethereum v3.0.x (contracts/src/groth16/ControlID.sol) and risc0 v3.0.6 (control_id.rs): the control
#: root both receipt kinds verify under, and the Groth16 verifier selector deployed on every chain RISC Zero supports.
CONTROL_ROOT = "a54dc85ac99f851c92d7c96d7318af41dbe7c0194edfcc37eb4d422a998c1f56"
GROTH16_SELECTOR = "73c457ba"


def test_verifier_parameters_are_risc_zero_3_0s() -> None:
    p = native_module().verifier_parameters()
    assert p["succinct_control_root"] == p["groth16_control_root"] == CONTROL_ROOT == V.control_root.hex()
    # RISC Zero's Rust digests are little-endian words; the Solidity constant is the same value byte-reversed.
    assert bytes.fromhex(p["groth16_bn254_control_id"])[::-1] == V.bn254_control_id
    assert p["groth16_digest"][:8] == GROTH16_SELECTOR == V.seal[:4].hex()
    # The whole Groth16 parameters digest, recomputed here from the published key and ids (vlayer.receipts.pairing).
    assert bytes.fromhex(p["groth16_digest"])[:4] == risc0_3_0_verifier().selector


# --- succinct receipts ----------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def succinct() -> tuple[bytes, bytes]:
    """A succinct receipt of the segments-test guest: its segments proved, then lifted and joined. (receipt, id)"""
    backend = LocalBackend()
    try:
        composite = prove_job(testguest.guest_input(ROUNDS), job_id="succinct", backend=backend, segment_po2=PO2,
                              guest=GUEST)  # fmt: skip
    finally:
        backend.close()
    image_id = segments.image_id(GUEST)
    return groth16.compress(composite.receipt, image_id), image_id


def test_succinct_receipt_is_proved_here_and_verifies(succinct: tuple[bytes, bytes]) -> None:
    receipt, image_id = succinct
    verified = zkvm.verify(receipt, image_id)
    assert verified.kind == "succinct" and verified.journal == testguest.journal(ROUNDS)
    assert verified.onchain_seal is None
    with pytest.raises(ZkvmReceiptError, match="receipt does not verify"):
        zkvm.verify(receipt, bytes(32))
    # Compressing a succinct receipt again gives it back; a receipt of another image is refused.
    assert zkvm.verify(groth16.compress(receipt, image_id), image_id).kind == "succinct"
    with pytest.raises(ZkvmReceiptError):
        groth16.compress(receipt, bytes(32))


@pytest.mark.slow
def test_shrink_wrap_exports_the_input_and_refuses_a_garbage_proof(
    succinct: tuple[bytes, bytes], tmp_path: Path
) -> None:
    """All three steps with a command backend that writes garbage: the input.json RISC Zero's circuit reads is
    there (identity_p254 runs: about 4 minutes on this CPU, hence the slow target), the garbage is refused, and the
    succinct receipt is untouched."""
    receipt, image_id = succinct
    script = _script(tmp_path, 'printf \'{"pi_a": ["1", "2", "1"]}\' > "$1/proof.json"')
    folder = tmp_path / "wrap"
    with pytest.raises(shrink_wrap.ShrinkWrapError) as err:
        groth16.shrink_wrap(receipt, image_id, shrink_wrap.CommandBackend(script), workdir=folder)
    assert str(err.value) == (
        "the command backend's proof.json is refused: receipt does not verify: proof.json: pi_c must be a list of "
        "at least 2 coordinates"
    )
    doc = json.loads((folder / "input.json").read_text())
    # The stark_verify circuit's input: the identity_p254 seal as 25,749 field elements (risc0-groth16's seal_format).
    assert len(doc["iop"]) == 25_749 and all(isinstance(v, str) and v.isdigit() for v in doc["iop"])
    assert groth16.read_claim(folder) == (image_id, testguest.journal(ROUNDS))
    assert zkvm.verify(receipt, image_id).kind == "succinct"


# --- Groth16: proof.json in, verified receipt out ------------------------------------------------------------


def proof_json_of(seal: bytes) -> bytes:
    """RISC Zero's on-chain seal (selector, a, b, c) written back as the shrink-wrap's proof.json (snarkjs layout:
    G2 coordinates real part first, where the seal has the imaginary part first)."""
    w = [str(int.from_bytes(seal[4 + 32 * i : 36 + 32 * i], "big")) for i in range(8)]
    doc = {"pi_a": [w[0], w[1], "1"], "pi_b": [[w[3], w[2]], [w[5], w[4]], ["1", "0"]], "pi_c": [w[6], w[7], "1"],
           "protocol": "groth16", "curve": "bn128"}  # fmt: skip
    return json.dumps(doc).encode()


def test_risc_zero_test_receipt_imports_and_verifies_everywhere() -> None:
    result = groth16.import_proof(proof_json_of(V.seal), V.image_id, V.journal)
    assert result.onchain_seal == V.seal
    verified = zkvm.verify(result.receipt, V.image_id)  # RISC Zero's verifier
    assert verified.kind == "groth16" and verified.journal == V.journal
    risc0_3_0_verifier().verify(result.onchain_seal, V.image_id, V.journal)  # vlayer's pairing check
    # And the verifier contract chains run (RiscZeroGroth16Verifier, which Groth16ProofVerifier calls) on anvil.
    with Anvil() as anvil:
        owner = anvil.rpc("eth_accounts")[0]
        verifier = deploy(anvil, "RiscZeroGroth16Verifier", ["bytes32", "bytes32"],
                          [V.control_root, V.bn254_control_id], owner)  # fmt: skip
        data = selector("verify(bytes,bytes32,bytes32)") + encode(
            ["bytes", "bytes32", "bytes32"], [result.onchain_seal, V.image_id, hashlib.sha256(V.journal).digest()]
        )
        assert call(anvil, verifier, data) == b""


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: {**d, "pi_a": [str(int(d["pi_a"][0]) + 1), d["pi_a"][1], "1"]}, "does not prove this claim"),
        (lambda d: {**d, "pi_c": [d["pi_c"][1], d["pi_c"][0], "1"]}, "does not prove this claim"),
        (lambda d: {**d, "pi_b": [d["pi_b"][0]]}, "pi_b must be a list of at least 2 coordinates"),
        (lambda d: {**d, "pi_a": ["9" * 100, "1", "1"]}, r"pi_a\[0\] is not a field element"),
        (lambda d: {**d, "pi_a": [1, 2, 1]}, r"pi_a\[0\] must be a string"),
    ],
)
def test_a_tampered_proof_json_is_refused(change: object, message: str) -> None:
    doc = json.loads(proof_json_of(V.seal))
    tampered = json.dumps(change(doc)).encode()  # type: ignore[operator]
    with pytest.raises(ZkvmReceiptError, match=message):
        groth16.import_proof(tampered, V.image_id, V.journal)


def test_a_proof_json_for_another_claim_is_refused() -> None:
    with pytest.raises(ZkvmReceiptError) as err:
        groth16.import_proof(proof_json_of(V.seal), V.image_id, V.journal + b"!")
    assert "the Groth16 proof does not prove this claim (image ID, journal)" in str(err.value)
    with pytest.raises(ZkvmReceiptError, match="does not prove this claim"):
        groth16.import_proof(proof_json_of(V.seal), bytes(32), V.journal)


def test_groth16_import_cli(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from vlayer.cli import main

    (tmp_path / "proof.json").write_bytes(proof_json_of(V.seal))
    (tmp_path / "claim.json").write_text(json.dumps({"image_id": "0x" + V.image_id.hex(),
                                                     "journal": "0x" + V.journal.hex()}))  # fmt: skip
    out = CliRunner().invoke(main, ["groth16", "import", str(tmp_path), "--out", str(tmp_path / "p.json")])
    assert out.exit_code == 0, out.output
    doc = json.loads((tmp_path / "p.json").read_text())
    assert doc["mode"] == "groth16" and doc["seal"] == "0x" + V.seal.hex()
    assert doc["proof"] is None  # not a vlayer prover's journal: the seal alone
    verify = CliRunner().invoke(main, ["verify", str(tmp_path / "p.json")])
    assert verify.exit_code == 0 and "verified     groth16 zkVM receipt" in verify.output


# --- shrink-wrap backends -----------------------------------------------------------------------------------


def _script(tmp_path: Path, body: str) -> str:
    path = tmp_path / "prover.sh"
    path.write_text(f"#!/bin/sh\n{body}\n")
    path.chmod(0o755)
    return str(path)


@pytest.fixture()
def workdir(tmp_path: Path) -> Iterator[Path]:
    folder = tmp_path / "work"
    folder.mkdir()
    (folder / "input.json").write_text('{"iop": []}')
    (folder / "claim.json").write_text(json.dumps({"image_id": "0x" + V.image_id.hex(),
                                                   "journal": "0x" + V.journal.hex()}))  # fmt: skip
    yield folder


def test_command_backend_failures_are_typed(workdir: Path, tmp_path: Path) -> None:
    failing = shrink_wrap.CommandBackend(_script(tmp_path, "echo 'out of memory' >&2; exit 3"))
    with pytest.raises(shrink_wrap.ShrinkWrapError, match="exited with status 3: out of memory"):
        failing.run(workdir)
    hanging = shrink_wrap.CommandBackend(_script(tmp_path, "sleep 600"), timeout=1)
    with pytest.raises(shrink_wrap.ShrinkWrapError, match="did not finish within 1s; stopped"):
        hanging.run(workdir)
    with pytest.raises(shrink_wrap.ShrinkWrapError, match="cannot start"):
        shrink_wrap.CommandBackend(str(tmp_path / "missing")).run(workdir)
    # Garbage where proof.json should be never becomes a receipt.
    shrink_wrap.CommandBackend(_script(tmp_path, 'head -c 300 /dev/urandom > "$1/proof.json"')).run(workdir)
    with pytest.raises(ZkvmReceiptError):
        groth16.import_dir(workdir)


def test_a_command_that_copies_a_real_proof_gives_a_verified_receipt(workdir: Path, tmp_path: Path) -> None:
    """The external-command contract end to end (folder in, proof.json out), with RISC Zero's test proof standing in
    for a shrink-wrap that ran elsewhere."""
    source = tmp_path / "elsewhere.json"
    source.write_bytes(proof_json_of(V.seal))
    shrink_wrap.CommandBackend(_script(tmp_path, f'cp {source} "$1/proof.json"')).run(workdir)
    assert groth16.import_dir(workdir).onchain_seal == V.seal


def test_groth16_without_a_backend_is_refused_up_front(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # no docker, no podman
    with pytest.raises(shrink_wrap.ShrinkWrapUnavailableError) as err:
        shrink_wrap.select_backend()
    assert str(err.value).startswith(
        "groth16 needs a shrink-wrap backend and none is available here (cuda: this build has no CUDA prover (bash "
        "bash/setup.sh --cuda builds one); docker: not installed; podman: not installed): pass --groth16-prover CMD"
    )
    assert "groth16" not in proof_modes_available()
    assert "succinct" in proof_modes_available()
    with pytest.raises(Exception, match="groth16 needs a shrink-wrap backend"):
        Settings(chains={31337: ChainConfig("http://127.0.0.1:1", "osaka")}, proof_mode=ProofModeName.GROTH16)
    with pytest.raises(shrink_wrap.ShrinkWrapUnavailableError, match="command 'nope' is not found"):
        shrink_wrap.select_backend("nope --flag")
    script = _script(tmp_path, "exit 0")
    assert isinstance(shrink_wrap.select_backend(script), shrink_wrap.CommandBackend)
    assert "groth16" in proof_modes_available(script)


def test_cli_prove_groth16_without_a_backend_exits_before_proving(tmp_path: Path) -> None:
    import subprocess

    from tests.support.service import ENV

    env = {**ENV, "PATH": str(Path(sys.executable).parent)}
    run = subprocess.run([sys.executable, "-m", "vlayer.cli", "prove", "--rpc-url", "http://127.0.0.1:1", "--to",
                          "0x" + "11" * 20, "--mode", "groth16"], env=env, capture_output=True, text=True,
                         timeout=120)  # fmt: skip
    assert run.returncode == 10, run.stderr
    assert run.stderr.strip().splitlines()[-1].startswith("error: groth16 needs a shrink-wrap backend")


RZUP_FILES = ["stark_verify_graph.bin", "stark_verify_final.zkey", "preprocessed_coeffs.bin", "fuzzed_msm_results.bin"]


def test_the_gpu_backend_is_looked_for_where_rzup_puts_risc_zeros_groth16_files(
    workdir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The CUDA build's own shrink-wrap: chosen before docker and podman when this build is the CUDA one, the
    risc0-groth16 files are in rzup's folder and the GPU check passes; otherwise each shortfall is named. (No GPU and
    no such files here: the build and the GPU check are stood in for, the file check is the native one.)"""
    monkeypatch.setenv("PATH", str(tmp_path))  # no docker, no podman
    monkeypatch.setenv("RISC0_HOME", str(tmp_path / "risc0"))
    folder = tmp_path / "risc0" / "extensions" / "v0.1.0-risc0-groth16"
    assert shrink_wrap.risc0_groth16_files() == folder
    monkeypatch.delenv("RISC0_HOME")
    assert shrink_wrap.risc0_groth16_files() == Path.home() / ".risc0" / "extensions" / "v0.1.0-risc0-groth16"
    monkeypatch.setenv("RISC0_HOME", str(tmp_path / "risc0"))

    # The CPU build never offers it, and its child process refuses to run there.
    with pytest.raises(shrink_wrap.ShrinkWrapUnavailableError, match=r"\(cuda: this build has no CUDA prover"):
        shrink_wrap.select_backend()
    with pytest.raises(shrink_wrap.ShrinkWrapError) as failed:
        shrink_wrap.GpuBackend(folder).run(workdir)
    assert str(failed.value) == (
        "the cuda backend exited with status 1: this is not vlayer's CUDA build (bash bash/setup.sh --cuda builds one)"
    )

    monkeypatch.setattr(shrink_wrap, "prover", lambda: "cuda")
    with pytest.raises(shrink_wrap.ShrinkWrapUnavailableError) as err:
        shrink_wrap.select_backend()
    assert f"(cuda: {folder} lacks {', '.join(RZUP_FILES)} (`rzup install risc0-groth16` puts them there); " in str(
        err.value
    )
    folder.mkdir(parents=True)
    for name in RZUP_FILES[:3]:
        (folder / name).write_bytes(b"")
    with pytest.raises(shrink_wrap.ShrinkWrapUnavailableError, match=f"cuda: {folder} lacks fuzzed_msm_results.bin "):
        shrink_wrap.select_backend()
    (folder / RZUP_FILES[3]).write_bytes(b"")

    def no_driver() -> None:
        raise GpuUnavailableError("GPU prover unavailable: no NVIDIA driver on this machine")

    monkeypatch.setattr(shrink_wrap, "gpu_info", no_driver)
    with pytest.raises(
        shrink_wrap.ShrinkWrapUnavailableError,
        match=r"\(cuda: GPU prover unavailable: no NVIDIA driver on this machine; docker: not installed",
    ):
        shrink_wrap.select_backend()
    monkeypatch.setattr(shrink_wrap, "gpu_info", lambda: {"name": "H100", "arch": "sm_90"})
    assert shrink_wrap.select_backend(timeout=60) == shrink_wrap.GpuBackend(folder, 60)
    # A command named by the user still comes first.
    assert isinstance(shrink_wrap.select_backend(_script(tmp_path, "exit 0")), shrink_wrap.CommandBackend)


def test_a_container_runtime_counts_only_when_its_engine_answers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A docker client with no daemon behind it answers `--version` but runs nothing: it is no backend, and the
    refusal says why. (Stand-ins for docker and podman: detection only, nothing here can make a receipt verify.)"""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    docker = bin_dir / "docker"
    docker.write_text(
        "#!/bin/sh\n"
        '[ "$1" = info ] || exit 0\n'
        f"echo asked >> {tmp_path / 'asked'}\n"
        "echo 'Client: Docker Engine'\n"
        "echo 'Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?' >&2\n"
        "exit 1\n"
    )
    docker.chmod(0o755)
    monkeypatch.setenv("PATH", str(bin_dir))
    with pytest.raises(shrink_wrap.ShrinkWrapUnavailableError) as err:
        shrink_wrap.select_backend()
    assert (
        "; docker: 'docker info' exited with status 1: Cannot connect to the Docker daemon at "
        "unix:///var/run/docker.sock. Is the docker daemon running?; podman: not installed)"
    ) in str(err.value)
    assert "groth16" not in proof_modes_available()
    # The engine's answer stands for a while: the service asks on every v_versions.
    assert (tmp_path / "asked").read_text() == "asked\n"
    podman = bin_dir / "podman"
    podman.write_text("#!/bin/sh\nexit 0\n")
    podman.chmod(0o755)
    assert shrink_wrap.select_backend(timeout=5) == shrink_wrap.ContainerBackend("podman", 5)
