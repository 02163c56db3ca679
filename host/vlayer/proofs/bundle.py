"""The verified proof bundle: everything the guest needs to re-execute a call, and its independent check.

Proof nodes are pooled and deduplicated by hash; accounts and slots are claims that must be provable from the pool
under the pinned header's state root. `verify_bundle` re-checks a bundle from scratch, exactly the checks the guest
will make, so a bundle that passes here cannot fail in a proving run for want of data.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import rlp
from eth.constants import BLANK_ROOT_HASH, EMPTY_SHA3
from eth.rlp.accounts import Account
from eth_hash.auto import keccak
from trie.exceptions import MissingTrieNode
from trie.hexary import HexaryTrie

from vlayer.errors import HeaderMismatchError, ProofMismatchError, ProofVerificationError


@dataclass(frozen=True)
class StorageClaim:
    slot: int
    value: int


@dataclass(frozen=True)
class AccountClaim:
    """An account as the call saw it. `exists=False` means proven absent from the state trie."""

    address: bytes
    exists: bool
    nonce: int = 0
    balance: int = 0
    storage_root: bytes = BLANK_ROOT_HASH
    code_hash: bytes = EMPTY_SHA3
    storage: tuple[StorageClaim, ...] = ()


@dataclass(frozen=True)
class TravelState:
    """State a time-travelling call read at an ancestor of the pinned block (`setBlock`), proven under that
    ancestor's state root. Its header is `ancestors[pinned - 1 - block_number]`."""

    block_number: int
    accounts: tuple[AccountClaim, ...]


@dataclass(frozen=True)
class TeleportState:
    """An L2 the call teleported to (`setChain`): its own bundle, whose block is the L2 block the L1 anchors at the
    pinned block, and the output root's message-passer field. The anchor itself is checked when the preflight
    anchors the L2 (vlayer.teleport.anchor), by running the L1 registry's call, which `verify_bundle` cannot."""

    chain_id: int
    dev_hardfork: str | None
    message_passer_root: bytes
    bundle: ProofBundle


@dataclass(frozen=True)
class ProofBundle:
    chain_id: int
    fork: str
    block_number: int
    block_hash: bytes
    header_rlp: bytes
    #: RLP headers of ancestors needed by BLOCKHASH or time travel, newest first (block_number-1, -2, ...),
    #: contiguous.
    ancestors: tuple[bytes, ...]
    accounts: tuple[AccountClaim, ...]
    #: Bytecode of every touched account with code, deduplicated by hash.
    codes: tuple[bytes, ...]
    #: Every trie node of every account and storage proof, deduplicated by keccak.
    nodes: tuple[bytes, ...]
    #: Block numbers whose hash the call read with BLOCKHASH.
    blockhash_numbers: tuple[int, ...] = field(default=())
    #: Ancestor blocks the call travelled to, ascending; their nodes and codes share the pools above.
    travels: tuple[TravelState, ...] = field(default=())
    #: L2s the call teleported to, in first-visit order; their nodes and codes are pooled with these in the input.
    teleports: tuple[TeleportState, ...] = field(default=())
    #: The receipts the call's log queries read: (block, every receipt of it in consensus encoding), ascending.
    logs: tuple[tuple[int, tuple[bytes, ...]], ...] = field(default=())

    @property
    def witness_bytes(self) -> int:
        own = len(self.header_rlp) + sum(map(len, self.ancestors))
        own += sum(map(len, self.codes)) + sum(map(len, self.nodes))
        own += sum(len(r) for _, receipts in self.logs for r in receipts)
        return own + sum(t.bundle.witness_bytes for t in self.teleports)

    @property
    def storage_slot_count(self) -> int:
        return (
            sum(len(a.storage) for a in self.accounts)
            + sum(len(a.storage) for t in self.travels for a in t.accounts)
            + sum(t.bundle.storage_slot_count for t in self.teleports)
        )


def encode_account(claim: AccountClaim) -> bytes:
    return bytes(rlp.encode(Account(claim.nonce, claim.balance, claim.storage_root, claim.code_hash)))


#: Walks already made: (root, key) -> (value, hashes of the pooled nodes the walk read). Nodes are pooled by their
#: hash, so a pool holding those same hashes holds the same nodes and the walk would find the same value.
Walks = dict[tuple[bytes, bytes], tuple[bytes, tuple[bytes, ...]]]


class _ReadLog:
    """A node pool that notes which nodes a walk read."""

    def __init__(self, pool: dict[bytes, bytes]) -> None:
        self.pool = pool
        self.read: list[bytes] = []

    def __getitem__(self, key: bytes) -> bytes:
        node = self.pool[key]
        self.read.append(key)
        return node

    def __contains__(self, key: object) -> bool:
        return key in self.pool


def trie_get(pool: dict[bytes, bytes], root: bytes, key: bytes, what: str, walks: Walks | None = None) -> bytes:
    """Look a key up in a trie made only of pooled nodes; a missing node is a failed proof. With `walks`, a walk
    made before (the preflight's, on arrival) is not made again where `pool` holds every node it read."""
    if root == BLANK_ROOT_HASH:
        return b""
    if walks is not None:
        known = walks.get((root, key))
        if known is not None and all(h in pool for h in known[1]):
            return known[0]
    log = _ReadLog(pool)
    try:
        value = bytes(HexaryTrie(log, root_hash=root).get(key))
    except MissingTrieNode as exc:
        raise ProofVerificationError(
            f"{what}: proof lacks trie node 0x{bytes(exc.missing_node_hash).hex()} under root 0x{root.hex()}"
        ) from None
    except Exception as exc:  # malformed RLP or node shapes from an untrusted node
        raise ProofVerificationError(f"{what}: malformed proof ({type(exc).__name__}: {exc})") from None
    if walks is not None:
        walks[(root, key)] = (value, tuple(log.read))
    return value


def node_pool(nodes: tuple[bytes, ...] | list[bytes]) -> dict[bytes, bytes]:
    return {bytes(keccak(n)): n for n in nodes}


def verify_bundle(bundle: ProofBundle, walks: Walks | None = None) -> None:
    """Check header hash, ancestor chain, every account and storage claim, and that every code is some proven
    account's. An account's code is in the bundle only if the call ran or read it (BALANCE and EXTCODEHASH need
    only the account); the guest asks for code by hash when it runs or reads it. `walks`: trie walks the preflight
    made (`trie_get`), replayed where the bundle's pool holds every node they read."""
    if bytes(keccak(bundle.header_rlp)) != bundle.block_hash:
        raise HeaderMismatchError("bundle header does not hash to the pinned block hash")
    header = rlp.decode(bundle.header_rlp)
    # RLP list position 3 is stateRoot, 0 is parentHash, 8 is number in every header version.
    state_root, parent_hash = bytes(header[3]), bytes(header[0])
    if int.from_bytes(header[8], "big") != bundle.block_number:
        raise HeaderMismatchError("bundle header number differs from the pinned block number")
    expected = parent_hash
    for i, raw in enumerate(bundle.ancestors):
        if bytes(keccak(raw)) != expected:
            raise HeaderMismatchError(f"ancestor {bundle.block_number - 1 - i} does not hash to its child's parent")
        expected = bytes(rlp.decode(raw)[0])

    pool = node_pool(bundle.nodes)
    _verify_accounts(pool, state_root, bundle.accounts, "", walks)
    last = bundle.block_number
    for travel in reversed(bundle.travels):
        n = travel.block_number
        if n >= last:
            raise HeaderMismatchError("bundle travel blocks are not strictly ascending below the pinned block")
        last = n
        index = bundle.block_number - 1 - n
        if index >= len(bundle.ancestors):
            raise HeaderMismatchError(f"bundle travels to block {n} but lacks its header")
        travel_root = bytes(rlp.decode(bundle.ancestors[index])[3])
        _verify_accounts(pool, travel_root, travel.accounts, f" at block {n}", walks)
    for l2 in bundle.teleports:
        verify_bundle(l2.bundle, walks)
    _verify_logs(bundle)
    claimed = {acc.code_hash for acc in bundle.accounts}
    claimed.update(acc.code_hash for travel in bundle.travels for acc in travel.accounts)
    for code in bundle.codes:
        if bytes(keccak(code)) not in claimed:
            raise ProofMismatchError(f"bundle code with hash 0x{bytes(keccak(code)).hex()} is no proven account's")


def receipts_root(receipts: tuple[bytes, ...] | list[bytes]) -> bytes:
    """The ordered trie root of a block's receipts, computed here with py-trie (the guest computes it with alloy's
    trie): key rlp(index), value the receipt's consensus encoding."""
    trie = HexaryTrie({})
    for i, receipt in enumerate(receipts):
        trie[bytes(rlp.encode(i))] = receipt
    return bytes(trie.root_hash)


def _verify_logs(bundle: ProofBundle) -> None:
    last = -1
    for number, receipts in bundle.logs:
        if number <= last or number > bundle.block_number:
            raise HeaderMismatchError("bundle log blocks are not strictly ascending up to the pinned block")
        last = number
        index = bundle.block_number - 1 - number
        if number == bundle.block_number:
            header = bundle.header_rlp
        elif index < len(bundle.ancestors):
            header = bundle.ancestors[index]
        else:
            raise HeaderMismatchError(f"bundle has receipts of block {number} but lacks its header")
        if receipts_root(receipts) != bytes(rlp.decode(header)[5]):
            raise ProofMismatchError(f"bundle receipts of block {number} do not hash to its receipts root")


def _verify_accounts(
    pool: dict[bytes, bytes],
    state_root: bytes,
    accounts: tuple[AccountClaim, ...],
    where: str,
    walks: Walks | None = None,
) -> None:
    for acc in accounts:
        label = "0x" + acc.address.hex() + where
        got = trie_get(pool, state_root, bytes(keccak(acc.address)), f"account {label}", walks)
        want = encode_account(acc) if acc.exists else b""
        if got != want:
            raise ProofMismatchError(f"account {label}: proven state differs from what the call used")
        for st in acc.storage:
            key = bytes(keccak(st.slot.to_bytes(32, "big")))
            raw = trie_get(pool, acc.storage_root, key, f"slot {hex(st.slot)} of {label}", walks)
            value = rlp.decode(raw, sedes=rlp.sedes.big_endian_int) if raw else 0
            if value != st.value:
                raise ProofMismatchError(
                    f"slot {hex(st.slot)} of {label}: proven value {value} differs from used value {st.value}"
                )
