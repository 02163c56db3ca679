"""The preflight's answers to `Logs.get`: the headers of a query's range (hash-chained down from the pinned block),
the receipts of the blocks whose bloom may match (checked against their receipts roots before py-evm sees them),
and the guest's own answer and gas computed from them (the native module). What it fetched is the witness."""

from __future__ import annotations

from types import ModuleType
from typing import Any

import rlp
from eth_hash.auto import keccak

from vlayer.errors import LogsError, ProofMismatchError, RpcMethodUnsupportedError
from vlayer.logs.receipts import encode_receipt
from vlayer.preflight.proofdb import ProofDb

#: The low 20 bytes of keccak256("vlayer.logs") (guest/src/logs.rs; contracts/src/Logs.sol).
LOGS = bytes.fromhex("7ba4cb8452f89270ab7d6e3653e92bbfae794176")
#: Blocks' receipts asked for in one JSON-RPC batch.
RECEIPTS_BATCH = 16


def native_module() -> ModuleType:
    # vlayer.guest imports the preflight (for its result type), which imports this module: resolved at call time.
    from vlayer.guest import native_module as load

    return load()


def constants() -> dict[str, Any]:
    return dict(native_module().logs_constants())


class LogsOracle:
    """Answers the log queries of one call on the pinned chain of `root`, and records the receipts they read."""

    def __init__(self, root: ProofDb, max_receipt_bytes: int | None = None) -> None:
        self.root = root
        #: The caller's bound; the guest's caps it when the first receipts are read (most calls read none, so the
        #: native module is not asked at every preflight).
        self.requested_max_receipt_bytes = max_receipt_bytes
        #: Block number -> its receipts (consensus encoding), each block checked against its receipts root.
        self.blocks: dict[int, list[bytes]] = {}
        self.receipt_bytes = 0
        self.queries = 0

    def max_receipt_bytes(self) -> int:
        limit = int(constants()["max_receipt_bytes"])
        requested = self.requested_max_receipt_bytes
        return limit if requested is None else min(requested, limit)

    @property
    def used(self) -> bool:
        return self.queries > 0

    def answer(self, calldata: bytes) -> tuple[bytes, int]:
        """The query's ABI-encoded `Log[]` and its gas, or `LogsError` with the guest's message."""
        native = native_module()
        self.queries += 1
        pinned = self.root.pinned.number
        try:
            low, high = native.logs_range(calldata, pinned)
            headers = self.root.headers_for_logs(low, high)
            needed = native.logs_needed(calldata, pinned, headers)
        except native.GuestFailure as exc:
            raise LogsError(str(exc)) from None
        self._fetch([n for n in needed if n not in self.blocks], headers, low)
        try:
            data, gas = native.logs_answer(calldata, pinned, headers, [(n, self.blocks[n]) for n in needed])
        except native.GuestFailure as exc:
            raise LogsError(str(exc)) from None
        return bytes(data), int(gas)

    def _fetch(self, numbers: list[int], headers: list[bytes], low: int) -> None:
        native = native_module()
        for start in range(0, len(numbers), RECEIPTS_BATCH):
            chunk = numbers[start : start + RECEIPTS_BATCH]
            hashes = ["0x" + bytes(keccak(headers[n - low])).hex() for n in chunk]
            try:
                answers = self.root.client.batch([("eth_getBlockReceipts", [h]) for h in hashes], cache=True)
            except RpcMethodUnsupportedError as exc:
                raise LogsError(
                    f"logs: the node does not serve eth_getBlockReceipts, which log queries need ({exc})"
                ) from None
            for n, answer in zip(chunk, answers, strict=True):
                if answer is None:
                    raise ProofMismatchError(f"the node has no receipts for block {n} (reorg or pruned node)")
                receipts = [encode_receipt(r) for r in answer]
                header_root = bytes(rlp.decode(headers[n - low])[5])
                if bytes(native.receipts_root(receipts)) != header_root:
                    raise ProofMismatchError(
                        f"the node's receipts for block {n} do not hash to its receipts root 0x{header_root.hex()}"
                    )
                self.receipt_bytes += sum(len(r) for r in receipts)
                if self.receipt_bytes > self.max_receipt_bytes():
                    raise LogsError(
                        f"logs: the call's queries read more than {self.max_receipt_bytes()} bytes of receipts "
                        f"(at block {n}); narrow the range or the filter"
                    )
                self.blocks[n] = receipts

    def witness(self) -> tuple[tuple[int, tuple[bytes, ...]], ...]:
        return tuple((n, tuple(self.blocks[n])) for n in sorted(self.blocks))
