"""py-evm adapters that read base state from a ProofDb.

They replace only the bottom layer of py-evm's account and storage databases (the trie lookups), so py-evm's
journals, caches, warm/cold tracking and revert logic stay exactly as py-evm runs them.
"""

from __future__ import annotations

from typing import Any

import rlp
from eth.abc import AtomicDatabaseAPI, ComputationAPI, StateAPI
from eth.constants import BLANK_ROOT_HASH, EMPTY_SHA3
from eth.db.account import AccountDB
from eth.db.atomic import AtomicDB
from eth.db.backends.base import BaseDB
from eth.db.backends.memory import MemoryDB
from eth.db.cache import CacheDB
from eth.db.journal import JournalDB
from eth.db.storage import AccountStorageDB, StorageLookup
from eth.rlp.accounts import Account
from eth.vm.execution_context import ExecutionContext
from eth.vm.forks.cancun.constants import MIN_BLOB_BASE_FEE
from eth.vm.message import Message
from eth_typing import Address, Hash32
from eth_utils.encoding import big_endian_to_int

from vlayer.chain.forks import BlobParams, ChainSpec, Fork
from vlayer.errors import PreflightError
from vlayer.evm import state_class
from vlayer.evm.vlayer_precompiles import set_secrets
from vlayer.preflight.proofdb import BLOCKHASH_WINDOW, ProofDb

#: EIP-7702: the code of a delegated account is this prefix and the delegate's address.
DELEGATION_PREFIX = b"\xef\x01\x00"

#: Marks a storage lookup that still reads the pinned block's storage (no wipe since the call began).
_REMOTE_ROOT = Hash32(b"\xff" * 32)


def _read_only(*_: Any) -> None:
    raise PreflightError("internal: a call tried to persist state; preflight state is read-only")


class _RemoteAccounts(BaseDB):
    """address -> RLP account, from the ProofDb (KeyError for a proven-absent account)."""

    def __init__(self, proofdb: ProofDb) -> None:
        self._proofdb = proofdb

    def __getitem__(self, key: bytes) -> bytes:
        claim = self._proofdb.account(key)
        if not claim.exists:
            raise KeyError(key)
        return bytes(rlp.encode(Account(claim.nonce, claim.balance, claim.storage_root, claim.code_hash)))

    def _exists(self, key: bytes) -> bool:
        return self._proofdb.account(key).exists

    __setitem__ = _read_only
    __delitem__ = _read_only


class _RemoteStorage(StorageLookup):
    """slot (big-endian) -> RLP value for one account, from the ProofDb until the account's storage is wiped."""

    def __init__(self, proofdb: ProofDb, address: Address) -> None:
        super().__init__(MemoryDB(), _REMOTE_ROOT, address)
        self._proofdb = proofdb

    def _remote(self) -> bool:
        return self._starting_root_hash == _REMOTE_ROOT and self._write_trie is None

    def __getitem__(self, key: bytes) -> bytes:
        if not self._remote():
            return super().__getitem__(key)
        value = self._proofdb.storage(self._address, big_endian_to_int(key))
        if value == 0:
            raise KeyError(key)
        return bytes(rlp.encode(value))

    def _exists(self, key: bytes) -> bool:
        if not self._remote():
            return super()._exists(key)
        return self._proofdb.storage(self._address, big_endian_to_int(key)) != 0

    __setitem__ = _read_only
    __delitem__ = _read_only


class ProofAccountDB(AccountDB):
    """py-evm's AccountDB with its trie layer swapped for ProofDb reads."""

    proofdb: ProofDb  # set on the per-run subclass

    def __init__(self, db: AtomicDatabaseAPI, state_root: Hash32 = BLANK_ROOT_HASH) -> None:
        super().__init__(db, state_root)
        self._code_db = db
        self._trie_cache = CacheDB(_RemoteAccounts(self.proofdb))
        self._journaltrie = JournalDB(self._trie_cache)

    def _get_address_store(self, address: Address) -> Any:
        store = self._account_stores.get(address)
        if store is None:
            store = AccountStorageDB(self._raw_store_db, BLANK_ROOT_HASH, address)
            lookup = _RemoteStorage(self.proofdb, address)
            # Rebuild the pipe AccountStorageDB.__init__ builds, over our lookup.
            store._storage_lookup = lookup
            store._storage_cache = CacheDB(lookup)
            store._locked_changes = JournalDB(store._storage_cache)
            store._journal_storage = JournalDB(store._locked_changes)
            self._account_stores[address] = store
        return store

    def get_code(self, address: Address) -> bytes:
        code_hash = self.get_code_hash(address)
        if code_hash == EMPTY_SHA3:
            return b""
        try:
            return bytes(self._journaldb[code_hash])  # code created during this call
        except KeyError:
            return self.proofdb.code(address, code_hash)


class _ProofStateMixin:
    """Call-time overrides of py-evm's state."""

    proofdb: ProofDb
    blob_params: BlobParams
    execution_context: Any
    block_number: int

    def set_system_contracts(self) -> None:
        # py-evm reads the EIP-4788/2935 system contracts when a state is built; a call must not touch them
        # unless its code does, or they would enter the witness unasked.
        return None

    def get_ancestor_hash(self, block_number: int) -> Hash32:
        depth = self.block_number - block_number - 1
        if block_number < 0 or depth < 0 or depth >= BLOCKHASH_WINDOW:
            return Hash32(b"")
        return Hash32(self.proofdb.block_hash(block_number))

    @property
    def blob_base_fee(self) -> int:
        from eth._utils.calculations import fake_exponential

        return int(
            fake_exponential(
                MIN_BLOB_BASE_FEE, self.execution_context.excess_blob_gas or 0, self.blob_params.update_fraction
            )
        )


def build_state(
    proofdb: ProofDb,
    fork: Fork,
    blob_params: BlobParams,
    chain_id: int,
    op_fork: str | None = None,
    travelled: bool = False,
    secrets: tuple[bytes, ...] = (),
) -> StateAPI:
    """The state a call on the pinned block runs in; `op_fork` names an OP-stack block's fork (its precompiles, and
    no blobs: BLOBBASEFEE is 1, as op-geth's CalcBlobFee and op-reth answer on OP-stack chains); `travelled`: the
    block was reached by time travel or teleport (vlayer's time-dependent precompiles refuse there); `secrets`: the
    prover's shielding secret keys, for `ShieldedOpen`."""
    header = proofdb.pinned.header
    base_cls = state_class(fork, op_fork, travelled)
    db_cls = type("ProofAccountDBForRun", (ProofAccountDB,), {"proofdb": proofdb})
    state_cls = type(
        f"Proof{base_cls.__name__}",
        (_ProofStateMixin, base_cls),
        {"account_db_class": db_cls, "proofdb": proofdb, "blob_params": blob_params},
    )
    context = ExecutionContext(
        coinbase=header.coinbase,
        timestamp=header.timestamp,
        block_number=header.block_number,
        difficulty=header.difficulty,
        mix_hash=header.mix_hash,
        gas_limit=header.gas_limit,
        prev_hashes=(),
        chain_id=chain_id,
        base_fee_per_gas=header.base_fee_per_gas,
        excess_blob_gas=0 if op_fork is not None else header.excess_blob_gas,
    )
    state: StateAPI = state_cls(AtomicDB(), context, header.state_root)
    set_secrets(state, secrets)
    return state


def block_state(
    proofdb: ProofDb, spec: ChainSpec, chain_id: int, travelled: bool = False, secrets: tuple[bytes, ...] = ()
) -> tuple[StateAPI, Fork]:
    """The state of `proofdb`'s block under the rules `spec` gives it at that block's timestamp, and the fork."""
    timestamp = proofdb.pinned.header.timestamp
    fork = spec.fork_at(timestamp)
    state = build_state(
        proofdb, fork, spec.blob_params_at(timestamp), chain_id, spec.op_fork_at(timestamp), travelled, secrets
    )
    return state, fork


def apply_top_frame(
    state: StateAPI, fork: Fork, sender: Address, to: Address, data: bytes, gas: int, is_static: bool = False
) -> ComputationAPI:
    """Run a top-level call frame with `gas` for execution, warming what a transaction warms (sender, target and
    an EIP-7702 delegate). Shared by the prover call and every call it makes at a block it travelled to."""
    state.mark_address_warm(sender)
    state.mark_address_warm(to)
    code = state.get_code(to)
    is_delegation = False
    if fork >= Fork.PRAGUE and len(code) == 23 and code.startswith(DELEGATION_PREFIX):
        target = Address(code[3:])
        state.mark_address_warm(target)
        code, is_delegation = state.get_code(target), True
    message = Message(
        gas=gas,
        to=to,
        sender=sender,
        value=0,
        data=data,
        code=code,
        is_delegation=is_delegation,
        is_static=is_static,
    )
    # Cancun's context class (all our forks use it) takes the blob hashes; the abstract API does not declare them.
    context_cls: Any = state.get_transaction_context_class()
    tx_context = context_cls(gas_price=0, origin=sender, blob_versioned_hashes=[])
    return state.computation_class.apply_message(state, message, tx_context)
