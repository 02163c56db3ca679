"""JSON-RPC 2.0 error codes of the prove service, and the mapping from vlayer's typed errors to them.

Standard codes for malformed requests; the server range (-32000..-32099) for what went wrong behind a valid one, so
a client tells "fix your request" from "the chain or the call said no" by code alone.
"""

from __future__ import annotations

from typing import Any

from vlayer.errors import (
    BlockNotFoundError,
    CallGasError,
    CallRevertedError,
    ChainError,
    GuestError,
    InputError,
    PrecompileError,
    PreflightError,
    ProofError,
    ProvingError,
    RpcError,
    TravelError,
    TravelToFutureError,
    VgasLimitError,
    VlayerError,
)

PARSE_ERROR = -32700
INVALID_REQUEST = -32600
METHOD_NOT_FOUND = -32601
INVALID_PARAMS = -32602
INTERNAL_ERROR = -32603
#: The chain's RPC node is unreachable, timed out, or answered with an error.
UPSTREAM_RPC = -32000
#: The prover call reverted or halted: nothing to prove. `data` carries the reason.
CALL_REVERTED = -32001
#: The call's gas limit is below its intrinsic cost or above what the block and fork allow, or the call needs more
#: zkVM cycles than its vgas budget.
GAS_LIMIT = -32002
#: The block does not exist, was reorged away, or cannot be proven; the chain's fork is unsupported.
CHAIN = -32003
#: Proofs from the node do not verify, or the guest disagrees with the preflight, or proving failed.
PROVING = -32004
#: No job with this hash: vlayer v1 answers -32600 ("Hash not found: 0x...").
UNKNOWN_HASH = INVALID_REQUEST


class RpcFault(Exception):
    """An error answer of the JSON-RPC endpoint."""

    def __init__(self, code: int, message: str, data: Any = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.data = data

    def body(self) -> dict[str, Any]:
        error: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.data is not None:
            error["data"] = self.data
        return error


def fault_of(exc: VlayerError) -> RpcFault:
    """The JSON-RPC error for one of vlayer's typed errors; the most specific class wins."""
    if isinstance(exc, CallRevertedError):
        return RpcFault(CALL_REVERTED, str(exc), {"reason": exc.reason, "output": "0x" + exc.output.hex()})
    if isinstance(exc, CallGasError | VgasLimitError):
        return RpcFault(GAS_LIMIT, str(exc))
    if isinstance(exc, InputError):
        return RpcFault(INVALID_PARAMS, str(exc))
    if isinstance(exc, RpcError):
        return RpcFault(UPSTREAM_RPC, str(exc))
    if isinstance(exc, TravelToFutureError):
        # Which block, so a client (the request worker) can tell when a later pinned block would be past it.
        return RpcFault(CHAIN, str(exc), {"travel_block": exc.block, "pinned_block": exc.pinned})
    if isinstance(exc, BlockNotFoundError | ChainError | TravelError):
        return RpcFault(CHAIN, str(exc))
    if isinstance(exc, PrecompileError):
        # Which precompile aborted the run, so a client (the request worker) can tell a failure that no retry
        # changes from one that a later attempt may get past.
        return RpcFault(PROVING, str(exc), {"precompile": exc.precompile})
    if isinstance(exc, ProofError | GuestError | ProvingError | PreflightError):
        return RpcFault(PROVING, str(exc))
    return RpcFault(INTERNAL_ERROR, str(exc))
