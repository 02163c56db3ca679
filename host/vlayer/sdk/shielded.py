"""Posting a shielded request with web3.py: seal the clear args to the current key of a `ShieldingKeys` contract,
then `RequestBook.post` the envelope as the request's args (docs/requests.md, "Shielded requests").

    posted = post_shielded(book, keys, prover.address, selector, encode(["bytes32", "uint256"], [key, 5]),
                           callback=counter.address, callback_gas=200_000, min_confirmations=1,
                           deadline=w3.eth.block_number + 200, fee=10**15, tx={"from": me})
    posted.id, posted.key_version

The clear args leave this process only sealed: they are in no transaction, log or exception.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, cast

from eth_utils.address import is_address, to_checksum_address
from web3.contract import Contract
from web3.logs import DISCARD
from web3.types import TxParams, TxReceipt

from vlayer.errors import InputError
from vlayer.sdk.submit import submit
from vlayer.shielding.envelope import seal_args
from vlayer.shielding.registry import ShieldingKey, current_key, keys_contract


@dataclass(frozen=True)
class ShieldedPost:
    #: The book's request id.
    id: int
    #: The key version the args were sealed to.
    key_version: int
    #: The request's args as posted: `abi.encode(uint32 keyVersion, bytes sealed)`.
    envelope: bytes
    receipt: TxReceipt


def _selector(value: bytes | str) -> bytes:
    if isinstance(value, str) and value.startswith("0x"):
        try:
            value = bytes.fromhex(value[2:])
        except ValueError:
            raise InputError(f"the selector is not hex: {value!r}") from None
    if not isinstance(value, bytes) or len(value) != 4:
        raise InputError(f"a selector is 4 bytes (b'...' or '0x12345678'), got {value!r}")
    return value


def _keys(book: Contract, keys: Contract | str) -> Contract:
    if isinstance(keys, str):
        return keys_contract(book.w3, keys)
    return keys


def post_shielded(
    book: Contract,
    keys: Contract | str,
    prover: str,
    selector: bytes | str,
    plaintext_args: bytes,
    *,
    callback: str,
    callback_gas: int,
    min_confirmations: int,
    deadline: int,
    fee: int = 0,
    tx: TxParams | None = None,
) -> ShieldedPost:
    """Seals `plaintext_args` to the current key of `keys` (a `ShieldingKeys` contract or its address) and posts
    them to `book` (a web3.py `RequestBook`) for `prover`'s function `selector`, paying `fee`. A key rotated after
    the key is read leaves the request sealed to the previous key, which workers still answer until it is retired."""
    if not is_address(prover) or not is_address(callback):
        raise InputError(f"prover and callback are addresses, got {prover!r} and {callback!r}")
    registry = _keys(book, keys)
    key: ShieldingKey = current_key(registry)
    envelope = seal_args(key.public, key.version, int(book.w3.eth.chain_id), registry.address, plaintext_args)
    call = book.functions.post(
        to_checksum_address(prover),
        _selector(selector),
        envelope,
        to_checksum_address(callback),
        callback_gas,
        min_confirmations,
        deadline,
    )
    params: dict[str, Any] = {**(tx or {}), "value": fee}
    receipt = submit(call, cast(TxParams, params))
    events = book.events.RequestPosted().process_receipt(receipt, errors=DISCARD)
    posted = [e for e in events if e["address"] == book.address]
    if len(posted) != 1:
        raise InputError(f"the post transaction logged {len(posted)} RequestPosted events from {book.address}")
    return ShieldedPost(int(posted[0]["args"]["id"]), key.version, envelope, receipt)
