"""The calldata of a verifier's function for a proof file: what `cast send VERIFIER <calldata>` sends.

A verified function takes vlayer's `Proof` first, then the prover function's outputs (vlayer v1's convention), so a
user names it by the types after the proof: `claim(address,uint256)`. `claim(Proof,address,uint256)` and the
expanded tuple are read too. The outputs must decode as those types, so a wrong signature is refused here rather
than by the verifier on chain.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from eth_abi.abi import decode as abi_decode
from eth_abi.abi import encode as abi_encode
from eth_abi.abi import is_encodable_type
from eth_abi.exceptions import DecodingError, EncodingError, ParseError
from eth_abi.grammar import TupleType, normalize, parse
from eth_utils.crypto import keccak

from vlayer.errors import InputError
from vlayer.hexutil import parse_hex_bytes
from vlayer.receipts.proof_encoding import (
    CALL_ASSUMPTIONS_LENGTH,
    PROOF_TYPE,
    journal_outputs,
    proof_from_json,
    verifier_calldata,
)

_SIGNATURE = re.compile(r"\s*([A-Za-z_$][A-Za-z0-9_$]*)\s*\((.*)\)\s*", re.S)
_PROOF_ALIAS = re.compile(r"^Proof(,|$)")


@dataclass(frozen=True)
class VerifiedFunction:
    name: str
    #: The ABI types after the proof.
    outputs: tuple[str, ...]

    @property
    def signature(self) -> str:
        return f"{self.name}({','.join((PROOF_TYPE, *self.outputs))})"

    @property
    def selector(self) -> bytes:
        return keccak(text=self.signature)[:4]


def parse_verified(signature: str) -> VerifiedFunction:
    """`name(types...)`: the verifier function's name and the types it takes after the proof."""
    match = _SIGNATURE.fullmatch(signature)
    if match is None:
        raise InputError(f"{signature!r} is not a function signature like 'claim(address,uint256)'")
    # ABI type strings have no spaces; people write `claim(address, uint256)`.
    name, inner = match.group(1), _PROOF_ALIAS.sub("", re.sub(r"\s+", "", match.group(2)))
    if not inner.strip():
        return VerifiedFunction(name, ())
    try:
        parsed = parse(normalize(f"({inner})"))  # type: ignore[no-untyped-call]  # unannotated in eth_abi
        parsed.validate()
    except (ParseError, ValueError) as exc:
        raise InputError(f"{signature!r}: not ABI types: {str(exc).splitlines()[0]}") from None
    if not isinstance(parsed, TupleType):
        raise InputError(f"{signature!r}: not a list of ABI types")
    types = [c.to_type_str() for c in parsed.components]
    unknown = [t for t in types if not is_encodable_type(t)]
    if unknown:
        raise InputError(f"{signature!r}: not ABI types: {', '.join(unknown)}")
    if types[:1] == [PROOF_TYPE]:
        types = types[1:]
    return VerifiedFunction(name, tuple(types))


def calldata_for(doc: Any, signature: str) -> bytes:
    """The calldata of `signature` (a verified function, named by the types after the proof) for a proof document as
    `vlayer prove` writes it."""
    function = parse_verified(signature)
    if not isinstance(doc, dict) or "journal" not in doc or "proof" not in doc:
        raise InputError("not a proof file of `vlayer prove` (it needs `proof` and `journal`)")
    if doc["proof"] is None:
        raise InputError(
            f"this proof (mode {doc.get('mode')}) has no on-chain proof: verifiers take dev-mode (--dev) and "
            "groth16 (--mode groth16) proofs"
        )
    proof = proof_from_json(doc["proof"])
    journal = parse_hex_bytes(str(doc["journal"]), "the proof file's journal")
    outputs = journal_outputs(journal)
    # Offsets of dynamic outputs count from the start of the prover's return data, which begins with the placeholder.
    returned = journal[CALL_ASSUMPTIONS_LENGTH:]
    types = [PROOF_TYPE, *function.outputs]
    try:
        values = abi_decode(types, returned)
        canonical = abi_encode(types, values) == returned
    except (DecodingError, EncodingError, OverflowError, ValueError):
        canonical = False
    if not canonical:
        raise InputError(
            f"the prover's outputs ({len(outputs)} bytes after the proof) are not ({','.join(function.outputs)}): "
            f"give the verified function's types after the proof, as `vlayer build` lists them"
        )
    return verifier_calldata(function.selector, proof, journal)
