"""The call's target must be a contract at the pinned block, checked through the proof db (so against the block's
proven state root, not the node's word) before anything is accepted or proved."""

from __future__ import annotations

from eth.constants import EMPTY_SHA3
from eth_utils.address import to_checksum_address

from vlayer.chain.forks import ChainSpec
from vlayer.errors import NoCodeError
from vlayer.evm import state_class
from vlayer.preflight.proofdb import ProofDb


def require_code(db: ProofDb, address: bytes, spec: ChainSpec) -> None:
    """Raises `NoCodeError` unless `address` has code in `db`'s block or is a precompile of the block's rules (which
    runs without code). The account is read (and proven) once: the call reads it anyway, so the check adds nothing
    to the witness."""
    timestamp = db.pinned.header.timestamp
    computation = state_class(spec.fork_at(timestamp), spec.op_fork_at(timestamp)).computation_class
    if address in {bytes(a) for a in computation.get_precompiles()}:
        return
    claim = db.account(address)
    if not claim.exists or claim.code_hash == EMPTY_SHA3:
        raise NoCodeError(to_checksum_address(address), db.pinned.number)
