"""ProofDb: state pinned to one block, fetched lazily over JSON-RPC, verified on arrival, and recorded.

Every account and slot is fetched with `eth_getProof`, so a value is used only after its proof has been checked
against the pinned state root: the preflight never runs on unproven data, and the proofs the guest needs are already
in hand when the call ends. An `eth_createAccessList` hint lets `prefetch` fetch the expected accounts, slots and code
in one JSON-RPC batch; the hint is untrusted (anything it misses is fetched lazily, anything extra is dropped).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import rlp
from eth.constants import BLANK_ROOT_HASH, EMPTY_SHA3
from eth.rlp.accounts import Account
from eth_hash.auto import keccak

from vlayer.chain.block import PinnedBlock, fetch_ancestors
from vlayer.errors import HeaderMismatchError, ProofMismatchError, TravelError, TravelToFutureError
from vlayer.hexutil import hex_bytes, hex_word, parse_hex_bytes, parse_hex_int
from vlayer.proofs.bundle import (
    AccountClaim,
    ProofBundle,
    StorageClaim,
    TeleportState,
    TravelState,
    Walks,
    node_pool,
    trie_get,
)
from vlayer.rpc.client import Call, RpcClient

#: Storage keys per eth_getProof request; providers cap the key list, 1,000 is within every common limit.
PROOF_KEY_CHUNK = 1000
#: BLOCKHASH reaches back this many blocks.
BLOCKHASH_WINDOW = 256
#: How far back `setBlock` may travel: the guest checks every header between the pinned block and the travel
#: target, so the input grows by about 600 bytes (and the proof by its hashing) per block of distance.
MAX_TRAVEL_DISTANCE = 8192
ZERO_HASH = b"\x00" * 32


@dataclass
class FetchStats:
    prefetch_accounts: int = 0
    prefetch_slots: int = 0
    lazy_accounts: int = 0
    lazy_slots: int = 0
    lazy_codes: int = 0
    ancestor_headers: int = 0


@dataclass
class _Account:
    claim: AccountClaim
    slots: dict[int, int] = field(default_factory=dict)


class ProofDb:
    """State of one pinned block, as py-evm's preflight sees it, with a record of what it touched.

    The root ProofDb is the pinned block's. A call that travels (`setBlock`) gets one more ProofDb per ancestor block
    it visits (`travel_db`), keyed by that ancestor's hash; their ancestor headers and BLOCKHASH reads go through the
    root, whose bundle carries them all.
    """

    def __init__(self, client: RpcClient, pinned: PinnedBlock, root: ProofDb | None = None) -> None:
        self.client = client
        self.pinned = pinned
        self.root = root
        self.travel_dbs: dict[int, ProofDb] = {}
        self.state_root: bytes = pinned.header.state_root
        self.stats = FetchStats()
        # Raw, unverified answers (from the prefetch); verified and moved on first use.
        self._raw_accounts: dict[bytes, dict[str, Any]] = {}
        self._raw_slots: dict[tuple[bytes, int], dict[str, Any]] = {}
        self._raw_codes: dict[bytes, bytes] = {}
        # Verified data, and with it the record: insertion order is first-touch order.
        self._accounts: dict[bytes, _Account] = {}
        self._codes: dict[bytes, bytes] = {}
        self._nodes: dict[bytes, bytes] = {}
        self._ancestors: dict[int, bytes] = {}  # number -> RLP header
        self._ancestor_headers: dict[int, Any] = {}  # number -> py-evm header
        self.blockhash_numbers: set[int] = set()
        #: The trie walks its proofs' checks made, shared with the root's (`verify_bundle` replays them).
        self.walks: Walks = root.walks if root is not None else {}
        #: The lowest block a log query reached (its header, and those above it, are in the witness).
        self.logs_lowest: int | None = None

    # --- prefetch ------------------------------------------------------------------------------------------------

    def prefetch(
        self,
        accounts: Iterable[bytes],
        slots: dict[bytes, set[int]],
        code_of: Iterable[bytes] = (),
        also: Sequence[Call] = (),
    ) -> None:
        """Fetch proofs for a hinted set of accounts and slots, and the code of `code_of`, in one batch. Other code
        is fetched when it is read: a hinted account may only have its balance read. `also`: calls sent in the same
        batch, for the caller to ask later within its `RpcClient.primed` block."""
        wanted_code = set(code_of)
        addrs = list(dict.fromkeys([*accounts, *slots]))
        addrs = [a for a in addrs if a not in self._accounts and a not in self._raw_accounts]
        calls: list[Call] = []
        plan: list[tuple[str, bytes, list[int]]] = []
        for addr in addrs:
            keys = sorted(slots.get(addr, ()))
            chunks = [keys[i : i + PROOF_KEY_CHUNK] for i in range(0, len(keys), PROOF_KEY_CHUNK)] or [[]]
            for chunk in chunks:
                calls.append(("eth_getProof", [hex_bytes(addr), [hex_word(k) for k in chunk], self.pinned.tag]))
                plan.append(("proof", addr, chunk))
            if addr in wanted_code:
                calls.append(("eth_getCode", [hex_bytes(addr), self.pinned.tag]))
                plan.append(("code", addr, []))
        if also:
            self.client.prime([*calls, *also])  # one request; the batch below takes the proofs' answers from it
        if not calls:
            return
        results = self.client.batch(calls, cache=True)
        for (kind, addr, chunk), res in zip(plan, results, strict=True):
            if kind == "code":
                self._raw_codes[addr] = parse_hex_bytes(res, "code")
                continue
            self._raw_accounts[addr] = res
            self.stats.prefetch_accounts += 1
            for slot, entry in zip(chunk, res.get("storageProof") or [], strict=False):
                self._raw_slots[(addr, slot)] = entry
                self.stats.prefetch_slots += 1

    # --- state reads (each one is recorded) ----------------------------------------------------------------------

    def account(self, address: bytes) -> AccountClaim:
        rec = self._accounts.get(address)
        if rec is None:
            raw = self._raw_accounts.pop(address, None)
            if raw is None:
                self.stats.lazy_accounts += 1
                raw = self.client.call("eth_getProof", [hex_bytes(address), [], self.pinned.tag], cache=True)
            rec = _Account(self._verify_account(address, raw))
            self._accounts[address] = rec
        return rec.claim

    def storage(self, address: bytes, slot: int) -> int:
        claim = self.account(address)
        rec = self._accounts[address]
        if slot in rec.slots:
            return rec.slots[slot]
        if not claim.exists or claim.storage_root == BLANK_ROOT_HASH:
            value = 0  # proven by the account proof (absent) or the empty storage root
        else:
            entry = self._raw_slots.pop((address, slot), None)
            if entry is None:
                self.stats.lazy_slots += 1
                res = self.client.call(
                    "eth_getProof", [hex_bytes(address), [hex_word(slot)], self.pinned.tag], cache=True
                )
                entries = res.get("storageProof") or []
                if len(entries) != 1:
                    raise ProofMismatchError(f"eth_getProof for one slot of 0x{address.hex()} returned {len(entries)}")
                entry = entries[0]
            value = self._verify_slot(address, claim.storage_root, slot, entry)
        rec.slots[slot] = value
        return value

    def code(self, address: bytes, code_hash: bytes) -> bytes:
        if code_hash == EMPTY_SHA3:
            return b""
        code = self._codes.get(code_hash)
        if code is not None:
            return code
        raw = self._raw_codes.pop(address, None)
        if raw is not None and bytes(keccak(raw)) == code_hash:
            self._codes[code_hash] = raw
            return raw
        self.stats.lazy_codes += 1
        raw = parse_hex_bytes(self.client.call("eth_getCode", [hex_bytes(address), self.pinned.tag], cache=True))
        if bytes(keccak(raw)) != code_hash:
            raise ProofMismatchError(f"code of 0x{address.hex()} does not hash to its proven code hash")
        self._codes[code_hash] = raw
        return raw

    def block_hash(self, number: int) -> bytes:
        """Hash of an ancestor within the BLOCKHASH window, proven by a chain of headers down from the pin."""
        top = self.pinned.number
        if not (top - BLOCKHASH_WINDOW <= number < top):
            return ZERO_HASH
        root = self.root or self
        root.blockhash_numbers.add(number)
        root._fetch_ancestors_down_to(number + 1)
        if number == root.pinned.number - 1:
            return bytes(root.pinned.header.parent_hash)
        return bytes(rlp.decode(root._ancestors[number + 1])[0])

    def headers_for_logs(self, low: int, high: int) -> list[bytes]:
        """RLP headers of blocks `low .. high` (at most the pinned block, which the caller checked), proven by the
        hash chain down from the pinned block, and kept for the witness."""
        self._fetch_ancestors_down_to(low)
        self.logs_lowest = low if self.logs_lowest is None else min(self.logs_lowest, low)
        return [self.pinned.header_rlp if n == self.pinned.number else self._ancestors[n] for n in range(low, high + 1)]

    def travel_db(self, number: int) -> ProofDb:
        """The ProofDb of ancestor block `number`, its header proven by the hash chain down from the pinned block."""
        if self.root is not None:
            return self.root.travel_db(number)
        top = self.pinned.number
        if number >= top:
            raise TravelToFutureError(number, top)
        if top - number > MAX_TRAVEL_DISTANCE:
            raise TravelError(
                f"time travel to block {number}: {top - number} blocks before the pinned block {top}, "
                f"more than the {MAX_TRAVEL_DISTANCE} this prover checks headers for"
            )
        db = self.travel_dbs.get(number)
        if db is None:
            self._fetch_ancestors_down_to(number)
            encoded = self._ancestors[number]
            pinned = PinnedBlock(number, bytes(keccak(encoded)), self._ancestor_headers[number], encoded)
            db = ProofDb(self.client, pinned, root=self)
            self.travel_dbs[number] = db
        return db

    def _fetch_ancestors_down_to(self, lowest: int) -> None:
        """Fetch headers `lowest .. pinned-1`. They are only ever fetched down from the pin, so the ones held are
        a contiguous, already checked run `checked .. pinned-1`; only the new run below it is checked."""
        checked = min(self._ancestors, default=self.pinned.number)
        if lowest >= checked:
            return
        needed = list(range(lowest, checked))
        self.stats.ancestor_headers += len(needed)
        fetched = fetch_ancestors(self.client, self.pinned, needed)
        expected = bytes(
            self.pinned.header.parent_hash if checked == self.pinned.number else rlp.decode(self._ancestors[checked])[0]
        )
        for n in reversed(needed):
            header, encoded = fetched[n]
            if bytes(keccak(encoded)) != expected:
                raise HeaderMismatchError(f"header {n} is not the parent of header {n + 1} (reorg or bad node)")
            expected = bytes(header.parent_hash)
        for n in needed:
            self._ancestors[n], self._ancestor_headers[n] = fetched[n][1], fetched[n][0]

    # --- verification --------------------------------------------------------------------------------------------

    def _verify_account(self, address: bytes, res: dict[str, Any]) -> AccountClaim:
        label = "0x" + address.hex()
        if parse_hex_bytes(res.get("address", "0x"), "address") != address:
            raise ProofMismatchError(f"eth_getProof for {label} echoed address {res.get('address')}")
        pool = node_pool([parse_hex_bytes(n, "proof node") for n in res.get("accountProof") or []])
        got = trie_get(pool, self.state_root, bytes(keccak(address)), f"account {label}", self.walks)
        echoed = (
            parse_hex_int(res["nonce"], "nonce"),
            parse_hex_int(res["balance"], "balance"),
            parse_hex_bytes(res["storageHash"], "storageHash"),
            parse_hex_bytes(res["codeHash"], "codeHash"),
        )
        if got:
            acc = rlp.decode(got, sedes=Account)
            claim = AccountClaim(address, True, acc.nonce, acc.balance, acc.storage_root, acc.code_hash)
            if echoed != (claim.nonce, claim.balance, claim.storage_root, claim.code_hash):
                raise ProofMismatchError(f"account {label}: the node's echoed fields differ from its proof")
        else:
            claim = AccountClaim(address, False)
            # Nodes differ in how they describe an absent account; every form must still mean "empty".
            if (
                echoed[0]
                or echoed[1]
                or echoed[2] not in (BLANK_ROOT_HASH, ZERO_HASH)
                or echoed[3]
                not in (
                    EMPTY_SHA3,
                    ZERO_HASH,
                )
            ):
                raise ProofMismatchError(f"account {label}: proven absent but the node reports state for it")
        self._add_nodes(pool)
        return claim

    def _verify_slot(self, address: bytes, root: bytes, slot: int, entry: dict[str, Any]) -> int:
        label = f"slot {hex(slot)} of 0x{address.hex()}"
        if parse_hex_int(entry.get("key", "0x"), "storage key") != slot:
            raise ProofMismatchError(f"{label}: the node echoed key {entry.get('key')}")
        pool = node_pool([parse_hex_bytes(n, "proof node") for n in entry.get("proof") or []])
        raw = trie_get(pool, root, bytes(keccak(slot.to_bytes(32, "big"))), label, self.walks)
        value = rlp.decode(raw, sedes=rlp.sedes.big_endian_int) if raw else 0
        if value != parse_hex_int(entry.get("value", "0x0"), "storage value"):
            raise ProofMismatchError(f"{label}: the node's echoed value differs from its proof")
        self._add_nodes(pool)
        return int(value)

    def _add_nodes(self, pool: dict[bytes, bytes]) -> None:
        """Keep a checked proof's nodes (`node_pool` keyed them by hash, in the proof's order)."""
        for h, n in pool.items():
            self._nodes.setdefault(h, n)

    # --- output --------------------------------------------------------------------------------------------------

    @property
    def touched_accounts(self) -> list[bytes]:
        return list(self._accounts)

    @property
    def touched_slots(self) -> dict[bytes, list[int]]:
        return {a: sorted(r.slots) for a, r in self._accounts.items() if r.slots}

    @property
    def touched_code_hashes(self) -> list[bytes]:
        return list(self._codes)

    def _claims(self) -> tuple[AccountClaim, ...]:
        return tuple(
            AccountClaim(
                **{**r.claim.__dict__, "storage": tuple(StorageClaim(s, v) for s, v in sorted(r.slots.items()))}
            )
            for r in self._accounts.values()
        )

    def bundle(
        self,
        chain_id: int,
        fork: str,
        teleports: tuple[TeleportState, ...] = (),
        logs: tuple[tuple[int, tuple[bytes, ...]], ...] = (),
    ) -> ProofBundle:
        lows = [min(self.blockhash_numbers) + 1] if self.blockhash_numbers else []
        lows += list(self.travel_dbs)
        if self.logs_lowest is not None and self.logs_lowest < self.pinned.number:
            lows.append(self.logs_lowest)
        ancestors: tuple[bytes, ...] = ()
        if lows:
            ancestors = tuple(self._ancestors[n] for n in range(self.pinned.number - 1, min(lows) - 1, -1))
        codes = dict(self._codes)
        nodes = dict(self._nodes)
        travels = []
        for number in sorted(self.travel_dbs):
            db = self.travel_dbs[number]
            travels.append(TravelState(number, db._claims()))
            for h, code in db._codes.items():
                codes.setdefault(h, code)
            for h, node in db._nodes.items():
                nodes.setdefault(h, node)
        return ProofBundle(
            chain_id=chain_id,
            fork=fork,
            block_number=self.pinned.number,
            block_hash=self.pinned.hash,
            header_rlp=self.pinned.header_rlp,
            ancestors=ancestors,
            accounts=self._claims(),
            codes=tuple(codes.values()),
            nodes=tuple(nodes.values()),
            blockhash_numbers=tuple(sorted(self.blockhash_numbers)),
            travels=tuple(travels),
            teleports=teleports,
            logs=logs,
        )


#: The most accounts and slots an access-list hint may name; a larger hint is dropped whole (the lazy path fetches
#: what the call really reads), so a node cannot make one call cost thousands of proof requests.
MAX_HINT_ACCOUNTS = 256
MAX_HINT_SLOTS = 4096


def access_list_call(call_obj: dict[str, Any], pinned: PinnedBlock) -> Call:
    """The `eth_createAccessList` call `access_list_hint` makes."""
    return ("eth_createAccessList", [call_obj, pinned.tag])


def access_list_hint(client: RpcClient, call_obj: dict[str, Any], pinned: PinnedBlock) -> dict[bytes, set[int]]:
    """Ask the node which state the call will touch. Untrusted: used only to batch fetches, and only while it stays
    within `MAX_HINT_ACCOUNTS` and `MAX_HINT_SLOTS` (otherwise: no hint)."""
    res = client.call(*access_list_call(call_obj, pinned), cache=True)
    items = res["accessList"]  # its shape is checked by vlayer.rpc.answers
    if len(items) > MAX_HINT_ACCOUNTS or sum(len(i.get("storageKeys") or []) for i in items) > MAX_HINT_SLOTS:
        return {}
    out: dict[bytes, set[int]] = {}
    for item in items:
        addr = parse_hex_bytes(item["address"], "address")
        out.setdefault(addr, set()).update(parse_hex_int(k, "storage key") for k in item.get("storageKeys") or [])
    if len(out) > MAX_HINT_ACCOUNTS:
        return {}
    return out
