"""Send a proof (or any contract call) with web3.py, with its reverts explained.

web3.py estimates a transaction's gas on the latest block. A verifier accepts a proof of block N only from block
N + 1 on (`BlockFromFuture` before), so a fresh proof's `transact()` fails its estimate although the transaction would
succeed once mined. `submit` estimates on the pending block, and a revert raises `TransactionRevertedError` naming the
custom error and its arguments where web3.py raises `ContractCustomError('0xb24c7d99...')`: the proof verifier's
errors are not in the user's ABI, but vlayer knows its own (`vlayer.reverts.decode`).

    receipt = submit(verifier.functions.claim(*result.verifier_args()), {"from": owner})
    receipt = result.submit(verifier.functions.claim, {"from": owner})          # the same
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any, cast

from web3.contract.contract import ContractFunction
from web3.exceptions import ContractLogicError
from web3.types import TxParams, TxReceipt

from vlayer.errors import InputError, TransactionRevertedError
from vlayer.reverts.decode import Abi, DecodedRevert, decode_revert, revert_data

#: How long `submit` waits for its transaction to be mined.
DEFAULT_RECEIPT_TIMEOUT = 120.0


def explain(error: BaseException, *abis: Abi) -> DecodedRevert | None:
    """What a web3.py revert (`ContractLogicError`, `ContractCustomError`, `ContractPanicError`) says, decoded with
    vlayer's errors and `abis`; None when the exception carries no revert data."""
    data = revert_data(error)
    return None if data is None else decode_revert(data, *abis)


@contextmanager
def readable_reverts(*abis: Abi, what: str = "transaction") -> Iterator[None]:
    """Re-raise web3.py's reverts inside as `TransactionRevertedError`, named with vlayer's errors and `abis`:

    with readable_reverts(verifier.abi):
        verifier.functions.claim(*args).transact({"from": owner})
    """
    try:
        yield
    except ContractLogicError as exc:
        revert = explain(exc, *abis) or DecodedRevert(b"")
        detail = str(revert) if revert.data else str(exc.message or "reverted without a reason")
        raise TransactionRevertedError(f"{what} reverted: {detail}", revert) from None


def submit(
    call: ContractFunction,
    transaction: TxParams | None = None,
    *,
    abis: Sequence[Abi] = (),
    timeout: float = DEFAULT_RECEIPT_TIMEOUT,
) -> TxReceipt:
    """Send `call` (a web3.py contract function bound to its arguments) as a transaction and wait for its receipt.

    Its gas is estimated on the pending block unless `transaction` sets `gas`. A revert, at the estimate or on chain,
    raises `TransactionRevertedError` with the error decoded from vlayer's contracts' errors, the called contract's
    ABI and `abis` (e.g. the ABIs of the contracts the call reaches)."""
    if not isinstance(call, ContractFunction) or call.arguments is None:
        raise InputError(
            "submit takes a web3.py contract function bound to its arguments, e.g. "
            f"verifier.functions.claim(*result.verifier_args()); got {type(call).__name__}"
        )
    known = (cast(Abi, call.contract_abi or [call.abi]), *abis)
    what = f"{call.fn_name}(...) to {call.address}"
    tx: dict[str, Any] = dict(transaction or {})
    w3 = call.w3
    with readable_reverts(*known, what=what):
        if "gas" not in tx:
            tx["gas"] = call.estimate_gas(cast(TxParams, tx), block_identifier="pending")
        tx_hash = call.transact(cast(TxParams, tx))
    receipt = w3.eth.wait_for_transaction_receipt(tx_hash, timeout=timeout)
    if receipt["status"] != 1:
        # Mined and reverted although its estimate passed: the state changed in between (another transaction of the
        # block came first). A receipt carries no revert data.
        raise TransactionRevertedError(
            f"{what} reverted on chain in block {receipt['blockNumber']} (transaction {tx_hash.to_0x_hex()}); its "
            "gas estimate on the pending block passed, so an earlier transaction changed what it reads",
            DecodedRevert(b""),
        )
    return receipt
