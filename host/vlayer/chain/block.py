"""Block headers from JSON-RPC, checked against their hash, and the pinned block every query is keyed by."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import rlp
from eth.rlp.headers import BlockHeader
from eth.vm.forks.cancun.blocks import CancunBlockHeader
from eth.vm.forks.london.blocks import LondonBlockHeader
from eth.vm.forks.prague.blocks import PragueBlockHeader
from eth.vm.forks.shanghai.blocks import ShanghaiBlockHeader
from eth_hash.auto import keccak

from vlayer.chain.forks import ChainSpec, Fork
from vlayer.errors import (
    BlockNotFoundError,
    HeaderMismatchError,
    InputError,
    RpcResponseError,
    UnsupportedForkError,
)
from vlayer.hexutil import parse_hex_bytes, parse_hex_int
from vlayer.rpc.client import Call, RpcClient

# JSON name -> (py-evm field, parser). Order is the RLP order.
_BYTES = parse_hex_bytes
_INT = parse_hex_int
BASE_FIELDS = [
    ("parentHash", "parent_hash", _BYTES),
    ("sha3Uncles", "uncles_hash", _BYTES),
    ("miner", "coinbase", _BYTES),
    ("stateRoot", "state_root", _BYTES),
    ("transactionsRoot", "transaction_root", _BYTES),
    ("receiptsRoot", "receipt_root", _BYTES),
    ("logsBloom", "bloom", _INT),
    ("difficulty", "difficulty", _INT),
    ("number", "block_number", _INT),
    ("gasLimit", "gas_limit", _INT),
    ("gasUsed", "gas_used", _INT),
    ("timestamp", "timestamp", _INT),
    ("extraData", "extra_data", _BYTES),
    ("mixHash", "mix_hash", _BYTES),
    ("nonce", "nonce", _BYTES),
]
# Fields each fork appended, with the py-evm header class that ends there.
OPTIONAL_FIELDS: list[tuple[str, str, Any, type[Any]]] = [
    ("baseFeePerGas", "base_fee_per_gas", _INT, LondonBlockHeader),
    ("withdrawalsRoot", "withdrawals_root", _BYTES, ShanghaiBlockHeader),
    ("blobGasUsed", "blob_gas_used", _INT, ShanghaiBlockHeader),  # never last on its own
    ("excessBlobGas", "excess_blob_gas", _INT, ShanghaiBlockHeader),
    ("parentBeaconBlockRoot", "parent_beacon_block_root", _BYTES, CancunBlockHeader),
    ("requestsHash", "requests_hash", _BYTES, PragueBlockHeader),
]
# Keys eth_getBlockByNumber returns that are not header fields.
NON_HEADER_KEYS = {
    "hash", "totalDifficulty", "size", "transactions", "uncles", "withdrawals", "sealFields", "author",
    "mixhash", "l1BlockNumber", "sendCount", "sendRoot",
}  # fmt: skip


def header_from_json(obj: dict[str, Any]) -> BlockHeader:
    """Build the py-evm header of the right fork from an RPC block object (without checking its hash).

    A field this build does not know is refused, naming the block: a later fork (Glamsterdam's block-level access
    list, say) adds header fields, and a block of a fork vlayer does not know must not be executed under older rules.
    """
    known = {k for k, _, _ in BASE_FIELDS} | {k for k, _, _, _ in OPTIONAL_FIELDS} | NON_HEADER_KEYS
    unknown = sorted(set(obj) - known)
    if unknown:
        raise UnsupportedForkError(
            f"block {_block_label(obj)}: its header has field(s) {', '.join(unknown)} that no fork this vlayer "
            "knows has (it knows headers up to Osaka): a later fork's block, refused rather than executed under "
            "older rules"
        )
    kwargs: dict[str, Any] = {}
    for key, name, parse in BASE_FIELDS:
        kwargs[name] = parse(obj[key], key)
    cls: type[Any] = BlockHeader
    seen_gap = False
    for key, name, parse, header_cls in OPTIONAL_FIELDS:
        if key in obj and obj[key] is not None:
            if seen_gap:
                raise HeaderMismatchError(f"block header has {key} but lacks an earlier fork's field")
            kwargs[name] = parse(obj[key], key)
            cls = header_cls
        else:
            seen_gap = True
    if cls is ShanghaiBlockHeader and "excess_blob_gas" in kwargs:
        raise HeaderMismatchError("block header has blob fields but no parentBeaconBlockRoot")
    # py-evm's Cancun header class requires all three Cancun fields; the table above enforces it.
    return cls(**kwargs)  # type: ignore[no-any-return]


def _block_label(obj: dict[str, Any]) -> str:
    """`N (0xhash)` of an RPC block object, as far as its (already shape-checked) fields allow."""
    number = obj.get("number")
    label = str(int(number, 16)) if isinstance(number, str) else "?"
    return f"{label} ({obj.get('hash')})"


#: The py-evm header class (the header's field set) of each rule set's blocks.
FORK_HEADERS: dict[Fork, type[Any]] = {
    Fork.CANCUN: CancunBlockHeader,
    Fork.PRAGUE: PragueBlockHeader,
    Fork.OSAKA: PragueBlockHeader,
}
_HEADER_NAMES: dict[type[Any], str] = {
    BlockHeader: "pre-London",
    LondonBlockHeader: "London",
    ShanghaiBlockHeader: "Shanghai",
    CancunBlockHeader: "Cancun",
    PragueBlockHeader: "Prague/Osaka",
}


def check_header_fork(header: BlockHeader, block_hash: bytes, spec: ChainSpec) -> Fork:
    """The fork `spec` puts the block under, refused unless the header has exactly that fork's fields: a header
    shaped like another fork's means the chain's schedule is not the one this build knows."""
    fork = spec.fork_at(header.timestamp)
    expected = FORK_HEADERS[fork]
    if type(header) is not expected:
        raise UnsupportedForkError(
            f"block {header.block_number} (0x{block_hash.hex()}): its header has the fields of a "
            f"{_HEADER_NAMES.get(type(header), type(header).__name__)} block, but {spec.name}'s schedule puts it "
            f"under {fork.label} ({_HEADER_NAMES[expected]} fields): the chain runs a fork this vlayer does not "
            "know; refused"
        )
    return fork


def header_hash(header: BlockHeader) -> bytes:
    return bytes(keccak(rlp.encode(header)))


@dataclass(frozen=True)
class PinnedBlock:
    """The block a call executes on (state after it, environment of it). Pinned once, then keyed by hash."""

    number: int
    hash: bytes
    header: BlockHeader
    header_rlp: bytes

    @property
    def tag(self) -> dict[str, str]:
        """EIP-1898 block parameter: every later query names the block by hash, never by number or tag."""
        return {"blockHash": "0x" + self.hash.hex()}


def checked_header(obj: dict[str, Any] | None, what: str) -> tuple[BlockHeader, bytes]:
    """Parse a header and check keccak(rlp(header)) equals the hash the node claims."""
    if obj is None:
        raise BlockNotFoundError(f"block {what} does not exist on this node")
    header = header_from_json(obj)
    encoded = rlp.encode(header)
    got = bytes(keccak(encoded))
    claimed = parse_hex_bytes(obj["hash"], "block hash")
    if got != claimed:
        raise HeaderMismatchError(
            f"block {what}: keccak(rlp(header)) is 0x{got.hex()} but the node says 0x{claimed.hex()}"
        )
    return header, encoded


def parse_block_ref(block: str | int) -> str:
    """A user's block reference as an RPC parameter: a number, or a tag."""
    if isinstance(block, int):
        if block < 0:
            raise InputError(f"block number must not be negative, got {block}")
        return hex(block)
    text = block.strip().lower()
    if text in ("latest", "safe", "finalized", "earliest"):
        return text
    try:
        value = int(text, 16) if text.startswith("0x") else int(text)
    except ValueError:
        raise InputError(f"block must be a number or latest/safe/finalized, got {block!r}") from None
    return parse_block_ref(value)


def block_label(block: str | int) -> str:
    """A block reference as its user wrote it, for messages: `1234` stays decimal, `0x4d2` hex, tags as they are
    (the RPC parameter, `parse_block_ref`'s, is always hex)."""
    return str(block) if isinstance(block, int) else block.strip()


def block_call(block: str | int) -> Call:
    """The JSON-RPC call `pin_block` makes for `block` (an `InputError` for a malformed reference)."""
    return ("eth_getBlockByNumber", [parse_block_ref(block), False])


def pin_block(client: RpcClient, block: str | int = "latest", spec: ChainSpec | None = None) -> PinnedBlock:
    """Resolve a block reference once to (number, hash, checked header). A block asked for by number must be that
    block: a node answering another one (N-5 for N) is refused, not proved. With the chain's `spec`, the header must
    also have the fields of the fork the spec puts it under (`check_header_fork`)."""
    ref = parse_block_ref(block)
    obj = client.call(*block_call(block))
    header, encoded = checked_header(obj, block_label(block))
    if ref.startswith("0x") and header.block_number != int(ref, 16):
        raise RpcResponseError(
            "eth_getBlockByNumber", f"asked for block {int(ref, 16)}, the node answered block {header.block_number}"
        )
    pinned = PinnedBlock(header.block_number, header_hash(header), header, encoded)
    if spec is not None:
        check_header_fork(header, pinned.hash, spec)
    return pinned


def fetch_ancestors(client: RpcClient, pinned: PinnedBlock, numbers: list[int]) -> dict[int, tuple[Any, bytes]]:
    """Fetch headers by number in one batch. Not cached: a number is not pinned, only the hash chain down from the
    pinned block (checked by the caller) makes these headers trustworthy."""
    objs = client.batch([("eth_getBlockByNumber", [hex(n), False]) for n in numbers])
    out: dict[int, tuple[Any, bytes]] = {}
    for n, obj in zip(numbers, objs, strict=True):
        # The caller's hash-chain check down from the pinned block also pins each header's number.
        out[n] = checked_header(obj, hex(n))
    return out
