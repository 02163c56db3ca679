"""`vlayer groth16 export | import | wrap`: the Groth16 split flow (vlayer.receipts.groth16) for people who run the
shrink-wrap elsewhere, or through a backend of their choosing."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from vlayer.errors import InputError
from vlayer.hexutil import hex_bytes
from vlayer.receipts import groth16, shrink_wrap
from vlayer.receipts.proof_encoding import ProofEncodingError, ProofMode, proof_from_receipt, proof_to_json
from vlayer.receipts.verify import check_zkvm_receipt, load_zkvm_receipt
from vlayer.receipts.zkvm import receipt_to_text


def _proof_file(path: Path) -> tuple[Any, dict[str, Any]]:
    zk = load_zkvm_receipt(path)
    if zk is None:
        raise InputError(f"{path} holds no zkVM receipt (`zkvm_receipt`): prove in composite or succinct mode")
    check_zkvm_receipt(zk)
    doc: dict[str, Any] = json.loads(path.read_text())
    return zk, doc


def _groth16_doc(
    result: groth16.Groth16Result, image_id: bytes, journal: bytes, extra: dict[str, Any]
) -> dict[str, Any]:
    """The proof file `vlayer prove --mode groth16` writes; the on-chain `proof` where the journal is a vlayer
    prover's (other guests' receipts get the seal only)."""
    try:
        proof: Any = proof_to_json(proof_from_receipt(result.onchain_seal, ProofMode.GROTH16, image_id, journal))
    except ProofEncodingError:
        proof = None
    return {
        "mode": "groth16",
        "proof": proof,
        **({"evm_call_result": extra["evm_call_result"]} if "evm_call_result" in extra else {}),
        "journal": hex_bytes(journal),
        "image_id": hex_bytes(image_id),
        "seal": hex_bytes(result.onchain_seal),
        "zkvm_receipt": receipt_to_text(result.receipt),
    }


def echo_or_write(doc: dict[str, Any], out: str | None) -> None:
    """A proof document to `out`, or to standard output."""
    text = json.dumps(doc, indent=2)
    if out:
        Path(out).write_text(text + "\n")
        click.echo(f"proof written to {out}", err=True)
    else:
        click.echo(text)


@click.group("groth16")
def groth16_group() -> None:
    """Groth16 receipts in steps: export the shrink-wrap's input, run it anywhere, import its proof."""


@groth16_group.command("export")
@click.argument("proof_file", type=click.Path(dir_okay=False, exists=True))
@click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False), help="Folder to write into.")
def export_cmd(proof_file: str, out_dir: str) -> None:
    """Write the shrink-wrap's input.json (and claim.json) for a proof file's composite or succinct receipt."""
    zk, doc = _proof_file(Path(proof_file))
    folder = Path(out_dir)
    groth16.export(zk.receipt, zk.image_id, folder)
    if "evm_call_result" in doc:
        claim = json.loads((folder / groth16.CLAIM_JSON).read_text())
        claim["evm_call_result"] = doc["evm_call_result"]
        (folder / groth16.CLAIM_JSON).write_text(json.dumps(claim, indent=1) + "\n")
    click.echo(f"wrote {folder / groth16.INPUT_JSON} and {folder / groth16.CLAIM_JSON}", err=True)
    click.echo(
        f"next: run the shrink-wrap on {folder} (it must leave {groth16.PROOF_JSON}), e.g. "
        f"docker run --rm -v {folder.resolve()}:/mnt {shrink_wrap.RISC0_GROTH16_IMAGE}; "
        f"then: vlayer groth16 import {folder}",
        err=True,
    )


@groth16_group.command("import")
@click.argument("directory", type=click.Path(file_okay=False, exists=True))
@click.option("--out", "out", default=None, type=click.Path(dir_okay=False), help="Write the proof JSON here.")
def import_cmd(directory: str, out: str | None) -> None:
    """Turn DIR/proof.json into a verified Groth16 receipt of DIR/claim.json, and the proof file with its seal."""
    folder = Path(directory)
    result = groth16.import_dir(folder)
    image_id, journal = groth16.read_claim(folder)
    extra = json.loads((folder / groth16.CLAIM_JSON).read_text())
    click.echo(
        f"verified     groth16 receipt (RISC Zero's verifier and vlayer's pairing check), selector "
        f"0x{result.onchain_seal[:4].hex()}",
        err=True,
    )
    echo_or_write(_groth16_doc(result, image_id, journal, extra), out)


@groth16_group.command("wrap")
@click.argument("proof_file", type=click.Path(dir_okay=False, exists=True))
@click.option("--groth16-prover", default=None, metavar="CMD",
              help="The shrink-wrap command (default: the first of cuda, docker, podman that runs here).")  # fmt: skip
@click.option("--out", "out", default=None, type=click.Path(dir_okay=False), help="Write the proof JSON here.")
def wrap_cmd(proof_file: str, groth16_prover: str | None, out: str | None) -> None:
    """All three steps here: a proof file's receipt shrink-wrapped by a backend into a Groth16 proof file."""
    backend = shrink_wrap.select_backend(groth16_prover)
    zk, doc = _proof_file(Path(proof_file))
    result = groth16.shrink_wrap(zk.receipt, zk.image_id, backend)
    click.echo(f"shrink-wrapped by {backend.name} in {result.shrink_wrap_seconds:.1f}s", err=True)
    echo_or_write(_groth16_doc(result, zk.image_id, zk.journal, doc), out)
