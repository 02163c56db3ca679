"""The shape every node answer vlayer reads must have, checked before anything uses it.

A node's answer is untrusted: a field that is missing, of the wrong type or not hex must fail as the RPC error it is
(`RpcResponseError`, JSON-RPC -32000, exit 3), never as a `KeyError` or `TypeError` deep inside the preflight, where
py-evm reads a `KeyError` as "this account is absent". What the shapes allow is only what parsing needs; whether the
values are *true* is for the proofs (`vlayer.preflight.proofdb`, `vlayer.proofs`) to say.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

from vlayer.errors import RpcResponseError

#: A quantity: 0x and 1 to 64 hex digits (nothing vlayer reads is wider than a 256-bit word).
Quantity = Annotated[str, Field(pattern=r"^0[xX][0-9a-fA-F]{1,64}$")]
#: Bytes of any length, as 0x and an even number of hex digits.
Data = Annotated[str, Field(pattern=r"^0[xX](?:[0-9a-fA-F]{2})*$")]
Word = Annotated[str, Field(pattern=r"^0[xX][0-9a-fA-F]{64}$")]
AddressHex = Annotated[str, Field(pattern=r"^0[xX][0-9a-fA-F]{40}$")]


class _Answer(BaseModel):
    # Nodes add fields of their own; the ones vlayer reads must be there and well formed.
    model_config = ConfigDict(extra="allow", strict=True)


class StorageProofEntry(_Answer):
    key: Quantity
    value: Quantity
    proof: list[Data]


class AccountProof(_Answer):
    """eth_getProof (EIP-1186)."""

    address: AddressHex
    balance: Quantity
    nonce: Quantity
    codeHash: Word  # the JSON-RPC field names, as nodes spell them
    storageHash: Word
    accountProof: list[Data]
    storageProof: list[StorageProofEntry]


class BlockObject(_Answer):
    """eth_getBlockByNumber: the header fields every block has; each later fork's fields are checked by name and
    fork in `vlayer.chain.block`."""

    hash: Word
    parentHash: Word
    sha3Uncles: Word
    miner: AddressHex
    stateRoot: Word
    transactionsRoot: Word
    receiptsRoot: Word
    logsBloom: Data
    difficulty: Quantity
    number: Annotated[str, Field(pattern=r"^0[xX][0-9a-fA-F]{1,16}$")]
    gasLimit: Quantity
    gasUsed: Quantity
    timestamp: Annotated[str, Field(pattern=r"^0[xX][0-9a-fA-F]{1,16}$")]
    extraData: Data
    mixHash: Word
    nonce: Data
    baseFeePerGas: Quantity | None = None
    withdrawalsRoot: Word | None = None
    blobGasUsed: Quantity | None = None
    excessBlobGas: Quantity | None = None
    parentBeaconBlockRoot: Word | None = None
    requestsHash: Word | None = None


class AccessListItem(_Answer):
    address: AddressHex
    storageKeys: list[Word] = []


class AccessListAnswer(_Answer):
    accessList: list[AccessListItem]


class ReceiptLog(_Answer):
    address: AddressHex
    topics: list[Word]
    data: Data


class Receipt(_Answer):
    """One receipt of eth_getBlockReceipts: the consensus fields a receipts root covers (post-Byzantium: status)."""

    #: An EIP-2718 type (0x00-0x7f; absent or 0 for a legacy receipt): it becomes the encoding's first byte.
    type: Annotated[str, Field(pattern=r"^0[xX]0*[0-7]?[0-9a-fA-F]$")] | None = None
    status: Quantity
    cumulativeGasUsed: Quantity
    logsBloom: Annotated[str, Field(pattern=r"^0[xX][0-9a-fA-F]{512}$")]
    logs: list[ReceiptLog]
    depositNonce: Quantity | None = None
    depositReceiptVersion: Quantity | None = None


class NodeInfo(_Answer):
    """anvil_nodeInfo: only the hardfork is read."""

    hardFork: str | None = None


_SHAPES: dict[str, TypeAdapter[Any]] = {
    "eth_chainId": TypeAdapter(Quantity),
    "eth_blockNumber": TypeAdapter(Quantity),
    "eth_getProof": TypeAdapter(AccountProof),
    "eth_getBlockByNumber": TypeAdapter(BlockObject | None),
    "eth_getBlockByHash": TypeAdapter(BlockObject | None),
    "eth_getCode": TypeAdapter(Data),
    "eth_call": TypeAdapter(Data),
    "eth_createAccessList": TypeAdapter(AccessListAnswer),
    "anvil_nodeInfo": TypeAdapter(NodeInfo),
    "eth_getBlockReceipts": TypeAdapter(list[Receipt] | None),
}


def check_answer(method: str, result: Any) -> None:
    """Raise `RpcResponseError` naming the first malformed field when `result` is not what `method` answers."""
    shape = _SHAPES.get(method)
    if shape is None:
        return
    try:
        shape.validate_python(result)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"] if not str(p).startswith(("function-", "nullable")))
        got = _short(first.get("input"))
        raise RpcResponseError(
            method, f"malformed answer: {where or 'result'}: {first['msg'].lower()} (got {got})"
        ) from None


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."
