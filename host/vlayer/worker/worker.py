"""The request worker: watches a `RequestBook`, proves each open request's prover call, and answers it with
`fulfil` (docs/requests.md).

One round (`run_once`) scans `RequestPosted` logs from the stored cursor up to `head - confirmations` in bounded
windows (after checking the remembered block hashes for a reorg), then moves every active request on:

    seen -> proving -> proved -> sent -> fulfilled
                                      -> dropped (someone else answered, cancelled, expired)
                                      -> failed (with the decoded reason)

Each state is written before the step that follows it, so a killed worker resumes where it stopped: a request left
`proving` is proved again (proving costs no gas), one left `sent` waits for (or rebroadcasts) the very transaction it
signed, so a request is never paid for twice by this worker.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from typing import Any, cast

from eth_account import Account
from eth_utils.address import to_checksum_address
from hexbytes import HexBytes
from web3 import Web3
from web3.exceptions import (
    BadFunctionCallOutput,
    ContractLogicError,
    TimeExhausted,
    TransactionNotFound,
    Web3Exception,
)
from web3.logs import DISCARD

from vlayer.errors import InputError, ProveError, ProverRevertedError, VlayerError
from vlayer.prove import ProofModeName
from vlayer.receipts.proof_encoding import journal_outputs, proof_from_json, proof_to_json
from vlayer.rpc.web3_provider import BoundedHTTPProvider
from vlayer.sdk import Client, Local
from vlayer.sdk.result import proof_arg
from vlayer.worker.book import (
    BOOK_ABI,
    OPEN,
    REPROVE,
    REQUEST_STATUS,
    Revert,
    decode_revert,
    prover_function_abi,
    prover_selector,
    revert_data,
)
from vlayer.worker.failures import Kind, backoff_seconds, classify
from vlayer.worker.store import Posted, RequestRow, RequestState, WorkerStore

log = logging.getLogger("vlayer.worker")

#: Chains on which fake (dev-mode) proofs may be used: anvil's and hardhat's/geth --dev's ids.
DEV_CHAIN_IDS = frozenset({31337, 1337})
#: BLOCKHASH's window: what a book that cannot say its own window (`settlementWindow()`) checks settle blocks with.
BLOCKHASH_WINDOW = 256


class WorkerError(VlayerError):
    """The worker cannot run as configured (a proof mode no chain verifies, fake proofs outside dev mode, a chain
    it cannot reach)."""

    exit_code = 12


@dataclass(frozen=True)
class WorkerConfig:
    #: The chain's HTTP JSON-RPC endpoint.
    rpc_url: str
    #: The `RequestBook` address.
    book: str
    #: SQLAlchemy URL of the store (the prove service's database works: the worker has its own tables).
    db_url: str
    #: The key that signs `fulfil` transactions (0x-hex).
    private_key: str
    #: Names of the request provers' functions this worker answers, `name(uint256,bytes,address)`; a request
    #: whose selector is none of them fails ("no proving function").
    functions: tuple[str, ...]
    #: A prove service URL, or `Local(...)` to prove in this process.
    prover: str | Local
    #: Bearer token for a prove service.
    token: str | None = None
    #: Fake proofs prove nothing: only with this flag, and only on a dev chain.
    dev: bool = False
    #: Where the fee goes (an input of the proven call); default: the signing account.
    payee: str | None = None
    #: Logs are read up to `head - confirmations`; proofs settle at least that far back too.
    confirmations: int = 0
    #: First block to scan when the store has no cursor yet.
    start_block: int = 0
    #: Most blocks one `eth_getLogs` asks for.
    log_window: int = 1000
    #: Block hashes remembered for reorg detection.
    reorg_depth: int = 64
    #: Proofs made again for one request (stale read, settle block too old or forked away) before it fails.
    max_reproofs: int = 3
    #: Seconds a round waits for a sent transaction's receipt before moving on (0: it looks once and moves on, so
    #: one round sends every answer it has; the next round finds their receipts).
    receipt_timeout: float = 0.0
    #: `(index, count)`: this worker proves at once only the requests whose `id % count == index`; the others
    #: only once `grace` blocks have passed since they could first be settled, unanswered (their own worker may
    #: be down). Cuts duplicate proving among workers that know of each other; None: every request at once.
    shard: tuple[int, int] | None = None
    #: Blocks another shard's request is left to its worker (with `shard`).
    grace: int = 10
    #: Seconds before the first new proof after a proving failure that may pass (the node or service down, a
    #: reorg); doubled for each one after it, up to 5 minutes. Failures that cannot pass end the request at once.
    retry_backoff: float = 2.0


def check_proof_source(prover: str | Local, dev: bool, chain_id: int) -> None:
    """Refuses, before anything runs, proof modes whose proofs no chain would accept."""
    if not isinstance(prover, Local):
        return  # a service's mode is known from its answers; `Worker._prove` checks each one
    mode = prover.proof_mode
    if mode in (ProofModeName.COMPOSITE, ProofModeName.SUCCINCT):
        raise WorkerError(f"{mode.value} receipts are verified by no chain: the worker needs groth16 (or fake, --dev)")
    if mode is ProofModeName.FAKE:
        _check_fake(dev, chain_id)


def _check_fake(dev: bool, chain_id: int) -> None:
    if not dev:
        raise WorkerError("fake proofs prove nothing: the worker sends them only with --dev")
    if chain_id not in DEV_CHAIN_IDS:
        raise WorkerError(f"fake proofs are for dev chains (ids {sorted(DEV_CHAIN_IDS)}), not chain {chain_id}")


def _hex(data: Any) -> str:
    return "0x" + bytes(data).hex()


class Worker:
    def __init__(self, config: WorkerConfig, *, name: str = "worker") -> None:
        if not config.functions:
            raise InputError("the worker needs at least one prover function name to answer")
        if config.confirmations < 0 or config.log_window < 1 or config.reorg_depth < 1 or config.max_reproofs < 0:
            raise InputError("confirmations and max_reproofs must be >= 0, log_window and reorg_depth >= 1")
        if config.shard is not None and not 0 <= config.shard[0] < config.shard[1]:
            raise InputError(f"shard {config.shard[0]}/{config.shard[1]}: need 0 <= index < count")
        if config.grace < 0:
            raise InputError("grace must be >= 0 blocks")
        if config.retry_backoff < 0:
            raise InputError("retry_backoff must be >= 0 seconds")
        self.config = config
        self.name = name
        self.w3 = Web3(BoundedHTTPProvider(config.rpc_url))
        try:
            self.chain_id = int(self.w3.eth.chain_id)
        except (Web3Exception, OSError) as exc:
            raise WorkerError(f"cannot read the chain id from {config.rpc_url}: {type(exc).__name__}") from exc
        check_proof_source(config.prover, config.dev, self.chain_id)
        self.account = Account.from_key(config.private_key)
        self.payee = to_checksum_address(config.payee or self.account.address)
        self.book = self.w3.eth.contract(address=to_checksum_address(config.book), abi=BOOK_ABI)
        self.store = WorkerStore(config.db_url, self.chain_id, config.book)
        self.client = Client(config.prover, token=config.token)
        self.functions = {prover_selector(n): n for n in config.functions}

    def close(self) -> None:
        self.client.close()
        self.store.close()

    def __enter__(self) -> Worker:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- the loop ---------------------------------------------------------------------------------------------

    def run(self, stop: threading.Event, interval: float = 1.0) -> None:
        """Rounds until `stop` is set; an error of one round is logged and the next round tries again."""
        while not stop.is_set():
            try:
                self.run_once()
            except (VlayerError, Web3Exception, OSError) as exc:
                log.warning("%s: round failed: %s: %s", self.name, type(exc).__name__, exc)
            stop.wait(interval)

    def run_once(self) -> None:
        self.poll()
        for row in self.store.active():
            try:
                self.settle_request(row.id)
            except (VlayerError, Web3Exception, OSError) as exc:
                # Transient (RPC, service): the request keeps its state and is tried again next round.
                log.warning("%s: request %d: %s: %s", self.name, row.id, type(exc).__name__, exc)

    def settle_request(self, request_id: int) -> RequestState:
        """Moves one request on until it is finished or has to wait (not yet confirmed, receipt pending)."""
        while True:
            row = self._row(request_id)
            before = row.state
            after = self.step(request_id)
            if after == before or after not in (RequestState.SEEN, RequestState.PROVED, RequestState.SENT):
                return after

    def step(self, request_id: int) -> RequestState:
        """One step of one request; returns its state afterwards."""
        row = self._row(request_id)
        if row.state in (RequestState.SEEN, RequestState.PROVING):
            self._prove(row)
        elif row.state is RequestState.PROVED:
            self._submit(row)
        elif row.state is RequestState.SENT:
            self._confirm(row)
        return self._row(request_id).state

    def _row(self, request_id: int) -> RequestRow:
        row = self.store.get(request_id)
        if row is None:
            raise InputError(f"request {request_id} is not in the worker's store")
        return row

    # --- scanning -----------------------------------------------------------------------------------------------

    def poll(self) -> int:
        """Reads new `RequestPosted` logs up to `head - confirmations`; returns how many new requests it recorded."""
        self._check_reorg()
        safe = int(self.w3.eth.block_number) - self.config.confirmations
        cursor = self.store.cursor()
        start = self.config.start_block if cursor is None else cursor
        added = 0
        while start <= safe:
            end = min(safe, start + self.config.log_window - 1)
            logs = self.book.events.RequestPosted().get_logs(from_block=start, to_block=end)
            hashes: dict[int, str] = {}
            for entry in logs:
                args = entry["args"]
                number, block_hash = int(entry["blockNumber"]), _hex(entry["blockHash"])
                hashes[number] = block_hash
                posted = Posted(
                    id=int(args["id"]),
                    prover=str(args["prover"]),
                    selector=bytes(args["selector"]),
                    args=bytes(args["args"]),
                    min_settle_block=int(args["minSettleBlock"]),
                    deadline=int(args["deadline"]),
                    fee=int(args["fee"]),
                    block_number=number,
                    block_hash=block_hash,
                )
                if self.store.add(posted):
                    added += 1
                    log.info("%s: request %d posted in block %d", self.name, posted.id, number)
            hashes[end] = _hex(self.w3.eth.get_block(end)["hash"])
            self.store.advance(end + 1, hashes, self.config.reorg_depth)
            start = end + 1
        return added

    def _block_hash(self, number: int) -> str:
        try:
            return _hex(self.w3.eth.get_block(number)["hash"])
        except Web3Exception:
            return ""  # the chain is now shorter than this block

    def _check_reorg(self) -> None:
        """Compares the remembered block hashes (newest first) with the chain's; on a mismatch rewinds the cursor to
        the newest block that still matches, and marks ORPHANED the active requests posted above it whose block
        the chain no longer has (a request whose block survived keeps its state, proof and transaction)."""
        remembered = self.store.recent_blocks()
        if not remembered:
            return
        fork_point: int | None = None
        for number, block_hash in remembered:
            if self._block_hash(number) == block_hash:
                fork_point = number
                break
        if fork_point == remembered[0][0]:
            return
        if fork_point is None:
            fork_point = remembered[-1][0] - 1
        self.store.rewind(fork_point)
        orphaned = 0
        for row in self.store.active():
            if row.block_number > fork_point and self._block_hash(row.block_number) != row.block_hash:
                self.store.update(row.id, RequestState.ORPHANED, reason=f"block {row.block_hash} left the chain")
                orphaned += 1
        log.warning("%s: reorg above block %d; %d requests orphaned", self.name, fork_point, orphaned)

    # --- proving ------------------------------------------------------------------------------------------------

    def _status(self, request_id: int) -> int:
        return int(self.book.functions.statusOf(request_id).call(block_identifier="latest"))

    def _drop_unless_open(self, row: RequestRow) -> bool:
        status = self._status(row.id)
        if status != OPEN:
            self._finish(row, RequestState.DROPPED, f"not open: {REQUEST_STATUS[status]}")
            return True
        return False

    def _finish(self, row: RequestRow, state: RequestState, reason: str | None) -> None:
        self.store.update(row.id, state, reason=reason, proof=None, raw_tx=None)
        log.info("%s: request %d %s%s", self.name, row.id, state.value, f": {reason}" if reason else "")

    def _prove(self, row: RequestRow) -> None:
        if self._drop_unless_open(row):
            return
        head = int(self.w3.eth.block_number)
        if head >= row.deadline:
            self._finish(row, RequestState.DROPPED, f"expired: deadline block {row.deadline}, head {head}")
            return
        settle = max(row.min_settle_block, head - self.config.confirmations)
        if settle > head:
            return  # not confirmed enough yet: the proof must settle on a block the fulfilment comes after
        marker = row.proof or {}
        stale = marker.get("stale_settle")
        if stale is not None and settle <= int(stale):
            return  # a proof over that block was refused (stale read, reorg): wait for a newer one
        wait_for = marker.get("wait_for")
        if wait_for is not None and settle <= int(wait_for):
            return  # the call travels to that block: no proof over a settle block up to it can exist
        if time.time() < float(marker.get("retry_at", 0)):
            return  # backing off after a failure that may pass
        if not self._owns(row, head):
            return
        name = self.functions.get(row.selector)
        if name is None:
            self._finish(row, RequestState.FAILED, f"no proving function known for selector 0x{row.selector.hex()}")
            return
        if not self.w3.eth.get_code(to_checksum_address(row.prover), block_identifier=settle):
            # A call to a codeless address "succeeds" with no output: nothing a proof could answer.
            self._finish(row, RequestState.FAILED, f"prover {to_checksum_address(row.prover)} has no code")
            return
        self.store.update(row.id, RequestState.PROVING)
        prover = self.w3.eth.contract(address=to_checksum_address(row.prover), abi=[prover_function_abi(name)])
        function = prover.functions[name](row.id, row.args, self.payee)
        try:
            result = self.client.prove(function, block=settle)
        except ProverRevertedError as exc:
            revert = decode_revert(exc.output)
            self._finish(row, RequestState.FAILED, f"prover reverted: {revert if revert.name else exc.reason}")
            return
        except ProveError as exc:
            self._proof_failed(row, exc)
            return
        if result.proof is None:
            self._finish(row, RequestState.FAILED, f"a {result.mode} receipt carries no on-chain proof")
            return
        if result.mode == ProofModeName.FAKE.value:
            try:
                _check_fake(self.config.dev, self.chain_id)
            except WorkerError as exc:
                self._finish(row, RequestState.FAILED, str(exc))
                return
        proof = {
            "settle": settle,
            "proof": proof_to_json(result.proof),
            "outputs": _hex(journal_outputs(result.journal)),
        }
        self.store.update(row.id, RequestState.PROVED, proof=proof)
        log.info("%s: request %d proved at block %d (%s)", self.name, row.id, settle, result.mode)

    def _proof_failed(self, row: RequestRow, exc: ProveError) -> None:
        """A request that cannot succeed is given up now, once, with its reason; one whose call travels to a block
        still to come waits for a settle block after it; anything else is proved again after a backoff, a bounded
        number of times (`vlayer.worker.failures`)."""
        verdict = classify(exc, row.deadline)
        if verdict.kind is Kind.PERMANENT:
            self._finish(row, RequestState.FAILED, f"given up: {verdict.reason}")
        elif verdict.kind is Kind.WAIT:
            self.store.update(row.id, RequestState.SEEN, proof={"wait_for": verdict.block}, reason=verdict.reason)
            log.info("%s: request %d waits for a settle block after %d: %s", self.name, row.id, verdict.block,
                     verdict.reason)  # fmt: skip
        else:
            delay = backoff_seconds(self.config.retry_backoff, row.reproofs)
            self._reprove(row, f"proving failed: {verdict.reason}", retry_after=delay)

    def _owns(self, row: RequestRow, head: int) -> bool:
        if self.config.shard is None:
            return True
        index, count = self.config.shard
        return row.id % count == index or head >= row.min_settle_block + self.config.grace

    # --- submitting ---------------------------------------------------------------------------------------------

    def _settlement_window(self) -> int:
        """How old a settle block the book accepts on its chain now: 256 blocks, or 8,191 with EIP-2935's history
        contract (RequestBook.settlementWindow); BLOCKHASH's 256 for a book that predates the view."""
        try:
            return int(self.book.functions.settlementWindow().call(block_identifier="latest"))
        except (ContractLogicError, BadFunctionCallOutput):
            return BLOCKHASH_WINDOW

    def _fulfil_tx(self, row: RequestRow) -> dict[str, Any]:
        assert row.proof is not None
        proof = proof_from_json(row.proof["proof"])
        outputs = bytes.fromhex(str(row.proof["outputs"])[2:])
        data = self.book.functions.fulfil(row.id, proof_arg(proof), outputs)._encode_transaction_data()
        return {"from": self.account.address, "to": self.book.address, "data": data, "chainId": self.chain_id}

    def _simulate(self, tx: dict[str, Any]) -> Revert | None:
        """`fulfil` as an eth_call on the pending block: None if it would succeed, else its decoded revert."""
        try:
            self.w3.eth.call(cast(Any, tx), block_identifier="pending")
        except ContractLogicError as exc:
            return decode_revert(revert_data(exc))
        return None

    def _reprove(self, row: RequestRow, why: str, *, stale: bool = False, retry_after: float | None = None) -> None:
        """Proves the request again over a newer block. A stale read (another answer's write landed) is progress,
        not failure: those new proofs are bounded by the request's deadline; other refusals by `max_reproofs`."""
        if not stale and row.reproofs >= self.config.max_reproofs:
            self._finish(row, RequestState.FAILED, f"{why}, still after {row.reproofs} new proofs")
            return
        # The next proof settles on a later block than the refused one: proving again over the same block (the
        # write that made it stale may still be pending) would only spend the bounded retries.
        marker: dict[str, Any] = {}
        if row.proof and "settle" in row.proof:
            marker["stale_settle"] = int(row.proof["settle"])
        if retry_after is not None:
            marker["retry_at"] = time.time() + retry_after
        counts = {"stale_reads": row.stale_reads + 1} if stale else {"reproofs": row.reproofs + 1}
        self.store.update(row.id, RequestState.SEEN, proof=marker or None, reason=why, **counts)
        after = f" in {retry_after:g}s" if retry_after else ""
        log.info("%s: request %d will be proved again%s: %s", self.name, row.id, after, why)

    def _classify(self, row: RequestRow, revert: Revert) -> None:
        if revert.name == "NotOpen":
            self._finish(row, RequestState.DROPPED, f"already answered: {revert}")
        elif revert.name in REPROVE:
            self._reprove(row, str(revert), stale=revert.name == "StaleRead")
        elif revert.name == "Expired":
            self._finish(row, RequestState.DROPPED, str(revert))
        else:
            self._finish(row, RequestState.FAILED, f"fulfil would revert: {revert}")

    def _submit(self, row: RequestRow) -> None:
        assert row.proof is not None
        if self._drop_unless_open(row):
            return
        settle = int(row.proof["settle"])
        head = int(self.w3.eth.block_number)
        window = self._settlement_window()
        if head + 1 - settle > window:
            self._reprove(row, f"settle block {settle} left the {window}-block window")
            return
        tx = self._fulfil_tx(row)
        revert = self._simulate(tx)
        if revert is not None:
            self._classify(row, revert)
            return
        try:
            gas = int(self.w3.eth.estimate_gas(cast(Any, tx), block_identifier="pending"))
        except ContractLogicError as exc:
            self._classify(row, decode_revert(revert_data(exc)))
            return
        nonce = int(self.w3.eth.get_transaction_count(self.account.address, "pending"))
        tx.update(gas=gas + gas // 5, nonce=nonce, **self._fees())
        signed = self.account.sign_transaction(tx)
        tx_hash = _hex(signed.hash)
        # Written before broadcasting: a worker killed now resumes by waiting for (or rebroadcasting) this same
        # transaction, never by signing a second one.
        self.store.update(row.id, RequestState.SENT, tx_hash=tx_hash, raw_tx=_hex(signed.raw_transaction),
                          nonce=nonce)  # fmt: skip
        self._broadcast(_hex(signed.raw_transaction))
        log.info("%s: request %d: fulfil sent in %s (nonce %d)", self.name, row.id, tx_hash, nonce)

    def _fees(self) -> dict[str, int]:
        """EIP-1559 fees: up to twice the base fee plus the node's suggested tip, paying only base fee + tip. (A
        legacy bid of twice `eth_gasPrice` compounds: nodes derive that price from recent tips, ours included.)"""
        base = self.w3.eth.get_block("latest").get("baseFeePerGas")
        if base is None:
            return {"gasPrice": int(self.w3.eth.gas_price)}  # a chain before London
        tip = int(self.w3.eth.max_priority_fee)
        return {"maxFeePerGas": 2 * int(base) + tip, "maxPriorityFeePerGas": tip}

    def _broadcast(self, raw: str) -> None:
        try:
            self.w3.eth.send_raw_transaction(HexBytes(raw))
        except (ValueError, Web3Exception) as exc:
            # "already known" / "nonce too low" after a restart: `_confirm` sorts out what happened.
            log.info("%s: broadcast: %s", self.name, exc)

    def _receipt(self, tx_hash: str) -> Any:
        try:
            return self.w3.eth.get_transaction_receipt(HexBytes(tx_hash))
        except TransactionNotFound:
            return None

    def _callback_outcome(self, receipt: Any) -> str | None:
        """None when the callback ran; else why not (the answer stands, the requester may `retryCallback`)."""
        for event in self.book.events.CallbackFailed().process_receipt(receipt, errors=DISCARD):
            reason = bytes(event["args"]["reason"])
            return f"callback failed: {decode_revert(reason) if reason else 'reverted without data (out of gas?)'}"
        return None

    def _confirm(self, row: RequestRow) -> None:
        assert row.tx_hash is not None and row.raw_tx is not None and row.nonce is not None
        receipt = self._receipt(row.tx_hash)
        if receipt is None:
            self._broadcast(row.raw_tx)
            try:
                receipt = self.w3.eth.wait_for_transaction_receipt(
                    HexBytes(row.tx_hash), timeout=self.config.receipt_timeout, poll_latency=0.1
                )
            except TimeExhausted:
                mined_nonce = int(self.w3.eth.get_transaction_count(self.account.address, "latest"))
                if mined_nonce <= row.nonce:
                    return  # still pending: the next round looks again
                # The nonce is used: by ours if it was mined just now, else by another transaction of this key,
                # and then ours can never be mined.
                receipt = self._receipt(row.tx_hash)
                if receipt is None:
                    if not self._drop_unless_open(row):
                        self.store.update(row.id, RequestState.PROVED, tx_hash=None, raw_tx=None, nonce=None)
                    return
        if int(receipt["status"]) == 1:
            if int(receipt["blockNumber"]) > int(self.w3.eth.block_number) - self.config.confirmations:
                return  # not buried yet: a reorg until then finds no receipt, and the same transaction is resent
            self._finish(row, RequestState.FULFILLED, self._callback_outcome(receipt))
            return
        # Reverted on chain: usually another worker's fulfil came first in the block.
        if self._drop_unless_open(row):
            return
        self.store.update(row.id, RequestState.PROVED, tx_hash=None, raw_tx=None, nonce=None)
        fresh = self._row(row.id)
        revert = self._simulate(self._fulfil_tx(fresh))
        if revert is not None:
            self._classify(fresh, revert)
        else:
            self._reprove(fresh, f"fulfil {row.tx_hash} reverted on chain, the simulation passes")
