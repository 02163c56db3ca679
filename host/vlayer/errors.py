"""Typed errors, one root per stage.

Every error the host raises on bad input or a failing dependency is a `VlayerError`, so callers (CLI, HTTP
service) can map it to a one-line message and an exit code / JSON-RPC error code without string matching.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # errors is imported by everything, revert_reasons included: no import at run time
    from vlayer.reverts.decode import DecodedRevert


class VlayerError(Exception):
    """Root of every error vlayer raises on purpose."""

    #: CLI exit code for this class of error.
    exit_code = 1


class InputError(VlayerError):
    """The user's request itself is malformed (bad address, bad hex, bad block tag...)."""

    exit_code = 2


class NoCodeError(InputError):
    """The call's target has no code at the pinned block: it is not a prover contract (an EOA, a typo, a contract
    deployed later or on another chain). A call to it would "succeed" with empty output, which proves nothing."""

    def __init__(self, address: str, block: int) -> None:
        super().__init__(f"no code at {address} at block {block}: not a contract")
        self.address = address
        self.block = block


# --- RPC ---------------------------------------------------------------------------------------------------------


class RpcError(VlayerError):
    """Talking to the JSON-RPC node failed."""

    exit_code = 3


class RpcUnreachableError(RpcError):
    """The node could not be reached (connection refused, DNS, TLS) after all retries."""


class RpcTimeoutError(RpcError):
    """The node did not answer within the timeout after all retries."""


class RpcMethodUnsupportedError(RpcError):
    """The node does not implement a method we need."""

    def __init__(self, method: str, hint: str) -> None:
        super().__init__(f"the RPC node does not support {method}: {hint}")
        self.method = method


class RpcResponseError(RpcError):
    """The node answered with a JSON-RPC error or a malformed response."""

    def __init__(self, method: str, message: str, code: int | None = None, data: object = None) -> None:
        suffix = f" (code {code})" if code is not None else ""
        super().__init__(f"{method} failed: {message}{suffix}")
        self.method = method
        self.code = code
        #: The error's `data` member, e.g. the revert data of a failed eth_call.
        self.data = data


class ReplayMissError(RpcError):
    """A replayed RPC session was asked for a request it never recorded."""


# --- Chain / block pinning -----------------------------------------------------------------------------------------


class ChainError(VlayerError):
    """The chain or block the request names is not usable."""

    exit_code = 4


class BlockNotFoundError(ChainError):
    """The requested block does not exist on the node."""


class UnsupportedForkError(ChainError):
    """The block falls under a fork (or chain) we cannot execute faithfully."""


class HeaderMismatchError(ChainError):
    """A header the node returned does not hash to the hash it claims (or breaks the ancestor chain)."""


# --- Preflight -----------------------------------------------------------------------------------------------------


class PreflightError(VlayerError):
    """Executing the call off-chain failed for a reason other than the call itself reverting."""

    exit_code = 5


class CallRevertedError(PreflightError):
    """The prover call reverted; `reason` is the decoded revert reason when there is one."""

    def __init__(self, reason: str, output: bytes, gas_used: int) -> None:
        super().__init__(f"call reverted: {reason}")
        self.reason = reason
        self.output = output
        self.gas_used = gas_used


class CallGasError(PreflightError):
    """The call's gas limit is below its intrinsic cost or above what the fork allows."""


class VgasLimitError(PreflightError):
    """The call needs more zkVM cycles than its vgas budget allows (1 vgas = 1,000,000 cycles, as in vlayer v1)."""

    def __init__(self, vgas_limit: int, estimated_vgas: int, cycles: int) -> None:
        # vlayer v1's exact wording: its SDK shows this message to the user as is.
        super().__init__(f"Insufficient vgas_limit: provided {vgas_limit}, estimated vgas: {estimated_vgas}")
        self.vgas_limit = vgas_limit
        self.estimated_vgas = estimated_vgas
        self.cycles = cycles


class TravelError(PreflightError):
    """A prover's `setBlock`/`setChain` asked for a block or chain this prover cannot run the call on."""


class TravelToFutureError(TravelError):
    """`setBlock(n)` with `n` not before the pinned block: the block the call wants to read is not in the chain as of
    the pinned block (a snapshot still to come). A later pinned block may be past it; this one never is."""

    def __init__(self, block: int, pinned: int) -> None:
        super().__init__(f"time travel to block {block}: it is not before the pinned block {pinned}")
        self.block = block
        self.pinned = pinned


class TeleportError(TravelError):
    """A prover's `setChain` to an L2 whose state cannot be bound to the L1: an unknown pair, no node for the L2, a
    block the L1 does not anchor yet, or an L2 node whose block is not the one the L1 anchors."""


class LogsError(PreflightError):
    """A prover's `Logs.get` query this prover cannot answer: malformed, a range past the settle block or over the
    bounds, on a teleported chain, or needing more receipts than one call may read (docs/logs.md)."""


class PrecompileError(PreflightError):
    """A vlayer precompile (JSON, regex, URL pattern, email) refused its input. As in vlayer v1 this aborts the whole
    execution (no `try`/`catch` sees it); the message is the guest's, word for word (docs/precompiles.md)."""

    def __init__(self, message: str, precompile: str) -> None:
        super().__init__(message)
        self.message = message
        #: The precompile's name (``EmailProof``, ``ShieldedOpen``, ...).
        self.precompile = precompile


# --- Proofs --------------------------------------------------------------------------------------------------------


class ProofError(VlayerError):
    """A Merkle proof or code the node returned does not check out."""

    exit_code = 6


class ProofVerificationError(ProofError):
    """A Merkle-Patricia proof does not verify against the root it must hang from."""


class ProofMismatchError(ProofError):
    """A proof verifies, but proves something other than what preflight used or asked for."""


# --- Guest ---------------------------------------------------------------------------------------------------------


class GuestError(VlayerError):
    """The guest (native or zkVM) failed to execute the input."""

    exit_code = 7


class HostGuestMismatchError(GuestError):
    """Guest output differs from the host's preflight output; no proof may be returned."""


# --- Proving -------------------------------------------------------------------------------------------------------


class ProvingError(VlayerError):
    """A proof cannot be produced in the requested mode (mode unavailable here, dev mode on a mainnet...)."""

    exit_code = 10


class GpuUnavailableError(ProvingError):
    """vlayer's CUDA build cannot prove on this machine: no NVIDIA driver, a driver too old for the CUDA release its
    kernels were compiled with, no GPU, or a GPU whose architecture was not compiled in. The message names which;
    nothing is proved on the CPU in its place (docs/proof-modes.md, "GPU (CUDA) build")."""

    exit_code = 13


class ClusterError(ProvingError):
    """The proving cluster cannot be used: Ray missing, its head unreachable, no prover node for this build."""

    exit_code = 14


class ProvingInterruptedError(ProvingError):
    """Ctrl-C (SIGINT) stopped `vlayer prove`; the exit code is the shell's for an interrupted command."""

    exit_code = 130

    def __init__(self) -> None:
        super().__init__("interrupted")


class ReorgError(ChainError):
    """The block a request was pinned to is no longer the canonical block at its height."""


# --- SDK (vlayer.sdk) ----------------------------------------------------------------------------------------------


class ProveError(VlayerError):
    """`vlayer.sdk` got no proof: the prove service answered a JSON-RPC error or its job failed.

    `code` and `data` are that error's members (codes in `vlayer.service.rpc_errors`). Local mode reports the same
    failures with the codes the service would send, so one `except` clause serves both modes.
    """

    exit_code = 11

    def __init__(self, message: str, code: int, data: object = None) -> None:
        super().__init__(message)
        self.code = code
        self.data = data


class ProverRevertedError(ProveError):
    """The prover function reverted, so there is nothing to prove; `reason` is the decoded revert reason and
    `output` the raw revert data."""

    def __init__(self, reason: str, output: bytes, code: int, data: object = None) -> None:
        super().__init__(f"prover call reverted: {reason}", code, data)
        self.reason = reason
        self.output = output


class TransactionRevertedError(VlayerError):
    """A transaction `vlayer.sdk.submit` sends (a proof to its verifier) reverts, at its gas estimate or on chain.

    `reason` reads `BlockFromFuture(settleBlockNumber=7, currentBlockNumber=7)` for a custom error whose ABI is known
    (`vlayer.reverts.decode`); `name` is the error's name ("" when unknown), `revert` the decoded revert (its
    `arguments` by name) and `data` the raw revert data (b"" when the node gave none)."""

    def __init__(self, message: str, revert: DecodedRevert) -> None:
        super().__init__(message)
        self.revert = revert
        self.reason = str(revert)
        self.name = revert.name
        self.data = revert.data


class UnknownChainError(ProveError):
    """The chain id names a chain the prover cannot prove on: not one of the service's chains, or not the chain the
    local RPC node serves."""
