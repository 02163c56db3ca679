"""What `Client.prove` returns: the proof, the prover's outputs decoded with its ABI, and the arguments of the
verified function, each checked against the call that was asked for before anyone sends it on chain."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from eth_abi.abi import decode as abi_decode
from eth_abi.exceptions import DecodingError
from eth_utils.abi import get_abi_output_types
from eth_utils.address import to_checksum_address
from web3.contract.contract import ContractFunction
from web3.types import TxParams, TxReceipt

from vlayer.errors import ProofMismatchError, ProvingError
from vlayer.receipts.proof_encoding import (
    CALL_ASSUMPTIONS_LENGTH,
    CallAssumptions,
    Proof,
    ProofEncodingError,
    ProofMode,
    fake_seal,
    journal_of,
    journal_outputs,
    verifier_calldata,
)
from vlayer.reverts.decode import Abi
from vlayer.sdk.calls import ProverCall
from vlayer.sdk.submit import DEFAULT_RECEIPT_TIMEOUT, submit


@dataclass(frozen=True)
class ProofResult:
    #: The `Proof` an on-chain verifier takes; None for a receipt no chain verifies (composite mode).
    proof: Proof | None
    #: The prover function's return values after its `Proof` placeholder, as web3.py returns them (addresses
    #: checksummed, structs as tuples).
    outputs: tuple[Any, ...]
    #: What the guest committed: `abi.encode(CallAssumptions) || return_data`.
    journal: bytes
    #: The prover function's raw return data, placeholder included.
    return_data: bytes
    #: Where the call ran (prover, selector, chain, block number and hash), from the journal.
    call_assumptions: CallAssumptions
    #: The proof mode that produced it ("fake", "composite"...).
    mode: str
    #: gas, cycles, segments and times as the prover reported them.
    metrics: dict[str, Any] = field(default_factory=dict)
    #: The zkVM receipt (RISC Zero's bincode) in the real modes.
    receipt: bytes | None = None
    #: The prove service's job hash; None in local mode.
    call_hash: str | None = None

    def verifier_args(self) -> tuple[Any, ...]:
        """`(proof, *outputs)` for `verifier.functions.<name>(*args)`: the `Proof` struct as nested tuples in the
        field order of `PROOF_TYPE`, then the outputs, which the verified function takes byte for byte.

        Verifiers accept a proof of block N from block N + 1 on; a proof of the latest block fails web3.py's
        default gas estimate (run on the latest block), so estimate with `block_identifier="pending"` (`submit`
        does)."""
        if self.proof is None:
            raise ProvingError(
                f"a {self.mode} receipt carries no on-chain proof (chains verify Groth16 and, in dev mode, fake "
                "proofs); see docs/proof-modes.md"
            )
        return (proof_arg(self.proof), *self.outputs)

    def submit(
        self,
        function: ContractFunction,
        transaction: TxParams | None = None,
        *,
        abis: Sequence[Abi] = (),
        timeout: float = DEFAULT_RECEIPT_TIMEOUT,
    ) -> TxReceipt:
        """Send the proof to its verifier: `result.submit(verifier.functions.claim, {"from": owner})` calls
        `claim(*verifier_args())` with its gas estimated on the pending block, waits for the receipt and returns it.
        A revert raises `TransactionRevertedError` naming the error and its arguments (`vlayer.sdk.submit`)."""
        return submit(function(*self.verifier_args()), transaction, abis=abis, timeout=timeout)

    def last_valid_block(self, verifier: Any) -> int:
        """The last block whose transactions `verifier` (a web3.py contract deriving vlayer's `Verifier`) still
        accepts this proof in: its settle block plus the window its proof verifier offers on that chain now
        (`settlementWindow()`: BLOCKHASH's 256 blocks, or 8,191 through EIP-2935's history contract). Past it the
        verifier reverts with `BlockTooOld`: prove again."""
        proof_verifier = verifier.w3.eth.contract(
            address=verifier.functions.PROOF_VERIFIER().call(), abi=SETTLEMENT_WINDOW_ABI
        )
        window = int(proof_verifier.functions.settlementWindow().call())
        return self.call_assumptions.block_number + window


#: The proof verifiers' view of how old a settle block they accept (contracts/src/proof_verifier/ProofVerifierBase.sol).
SETTLEMENT_WINDOW_ABI = [
    {
        "type": "function",
        "name": "settlementWindow",
        "stateMutability": "view",
        "inputs": [],
        "outputs": [{"name": "", "type": "uint256"}],
    }
]


def proof_arg(proof: Proof) -> tuple[Any, ...]:
    """The `Proof` as web3.py encodes a Solidity struct: a tuple per struct, addresses checksummed."""
    seal, ca = proof.seal, proof.call_assumptions
    return (
        (seal.verifier_selector, list(seal.words), int(seal.mode)),
        proof.call_guest_id,
        proof.length,
        (to_checksum_address(ca.prover), ca.selector, ca.chain_id, ca.block_number, ca.block_hash),
    )


def build_result(
    call: ProverCall,
    *,
    proof: Proof | None,
    journal: bytes,
    return_data: bytes,
    mode: str,
    metrics: dict[str, Any],
    receipt: bytes | None = None,
    call_hash: str | None = None,
) -> ProofResult:
    """Check that the answer proves the asked-for call, then decode its outputs.

    A service could answer for another call (a bug, a proxy, a hash collision in a cache); the verifier would refuse
    such a proof on chain, after gas was spent and with a less helpful error, so refuse it here.
    """
    assumptions = CallAssumptions.decode(journal)
    _check_assumptions(assumptions, call)
    if journal[CALL_ASSUMPTIONS_LENGTH:] != return_data:
        raise ProofEncodingError("the journal does not end with the prover's return data")
    journal_outputs(journal)  # the prover's first output must be the empty Proof placeholder
    if proof is not None:
        if journal_of(proof, return_data) != journal:
            raise ProofEncodingError("the proof's call assumptions differ from the journal's")
        verifier_calldata(bytes(4), proof, journal)
        # A dev-mode seal is the claim digest, cheap to check here; a Groth16 seal is checked by the chain.
        if proof.seal.mode is ProofMode.FAKE and proof.seal.receipt_seal() != fake_seal(proof.call_guest_id, journal):
            raise ProofEncodingError("the dev-mode seal is not the claim digest of this journal")
    return ProofResult(
        proof=proof,
        outputs=decode_outputs(call.abi, return_data),
        journal=journal,
        return_data=return_data,
        call_assumptions=assumptions,
        mode=mode,
        metrics=metrics,
        receipt=receipt,
        call_hash=call_hash,
    )


def _check_assumptions(ca: CallAssumptions, call: ProverCall) -> None:
    wanted: list[tuple[str, object, object]] = [
        ("prover", ca.prover, call.to),
        ("function selector", ca.selector, call.data[:4]),
        ("chain id", ca.chain_id, call.chain_id),
    ]
    if call.block is not None:
        wanted.append(("block number", ca.block_number, call.block))
    for what, got, want in wanted:
        if got != want:
            shown = [f"0x{v.hex()}" if isinstance(v, bytes) else str(v) for v in (got, want)]
            raise ProofMismatchError(f"the proof is for {what} {shown[0]}, the call asked for {shown[1]}")


def decode_outputs(abi: Mapping[str, Any], return_data: bytes) -> tuple[Any, ...]:
    """The return values after the `Proof` placeholder, decoded with the function's ABI outputs."""
    types = get_abi_output_types(abi)  # type: ignore[arg-type]  # a plain mapping is what it reads
    try:
        values = abi_decode(types, return_data)
    except DecodingError as exc:
        raise ProofEncodingError(
            f"the prover's return data does not decode as {abi.get('name')}'s outputs ({exc}); is the ABI the "
            "prover contract's?"
        ) from None
    params: Sequence[Mapping[str, Any]] = abi["outputs"]
    return tuple(_web3_value(p, v) for p, v in zip(params[1:], values[1:], strict=True))


def _web3_value(param: Mapping[str, Any], value: Any) -> Any:
    """eth_abi's value as web3.py returns it: addresses checksummed (web3.py refuses other address strings)."""
    kind = str(param["type"])
    if kind.endswith("]"):
        inner = {**param, "type": kind[: kind.rindex("[")]}
        return tuple(_web3_value(inner, v) for v in value)
    if kind == "tuple":
        return tuple(_web3_value(c, v) for c, v in zip(param["components"], value, strict=True))
    if kind == "address":
        return to_checksum_address(value)
    return value
