"""The `task-board` example, end to end: an off-chain rollup in miniature. A `TaskBoard` keeps balances in the
`RequestBook`'s `VersionedStore`; every change to them is a task posted to the book with a fee. Two `vlayer worker`
processes prove the tasks (`TaskProver.execute`) through the prove service and race to fulfil them; the book applies
each task exactly once, and only over balances nobody has written since its proof, so a worker whose proof went
stale proves it again. Run by `bash ../../bash/vlayer-build.sh` from this folder.

The app checks on chain that every task was answered once, that the fees add up, and that the final balances are
those of applying the tasks one after another in the order they were answered; any mismatch ends it with an error.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from eth_account import Account
from eth_utils.address import to_checksum_address
from eth_utils.crypto import keccak
from web3.contract import Contract
from web3.logs import DISCARD
from web3.types import RPCEndpoint, TxParams, TxReceipt, Wei

FEE = 10**15
INTEREST_BPS = 1_000
#: Blocks between a task's block and the first block its answer may settle on (`RequestBook.post`): anvil never
#: reorgs, so an answer may settle on the task's own block.
CONFIRMATIONS = 0
WORKER_FUNDS = 10 * 10**18
#: How long the workers get to answer every task: dev-mode proofs take a fraction of a second, and all six tasks
#: are usually answered within seconds; the rest is room for a loaded machine.
WAIT_S = 240.0
STOP_S = 30.0
READY_S = 60.0
TRANSFER, INTEREST = 0, 1
#: `RequestBook.RequestStatus` and `TaskBoard.TaskState` values the app looks for.
FULFILLED, CALLBACK_FAILED = 2, 3
APPLIED, REJECTED = 2, 3


@dataclass(frozen=True)
class Task:
    kind: int
    account: str
    to: str = ""
    amount: int = 0


@dataclass
class Worker:
    name: str
    key: str
    address: str
    payee: str
    db: Path
    log: Path
    start_block: int = 0
    process: subprocess.Popen[bytes] | None = None
    log_file: IO[bytes] | None = None


def run(kit: Any) -> None:
    owner, alice, bob, carol = kit.accounts[:4]
    names = {owner: "owner", alice: "alice", bob: "bob", carol: "carol"}
    kit.echo("deploying")
    repository = kit.deploy("ImageIdRepository", owner)
    kit.transact(repository.functions.addImageIdSupport(kit.call_guest_id), "addImageIdSupport")
    proof_verifier = kit.deploy("FakeProofVerifier", repository.address)
    store = kit.deploy("VersionedStore", owner)
    book = kit.deploy("RequestBook", proof_verifier.address, store.address)
    prover = kit.deploy("TaskProver", book.address, INTEREST_BPS)
    board = kit.deploy("TaskBoard", book.address, prover.address, CONFIRMATIONS, owner)
    kit.transact(store.functions.setWriter(board.address, True), "setWriter(board)")
    opening = {alice: 1_000, bob: 500, carol: 0}
    for account, amount in opening.items():
        if amount:
            kit.transact(board.functions.mint(account, amount), f"mint {amount} to {names[account]}")
    kit.echo("  opening balances: " + ", ".join(f"{names[a]} {b}" for a, b in opening.items()))

    state = kit.example / ".vlayer"
    state.mkdir(exist_ok=True)
    workers = [new_worker("A", state), new_worker("B", state)]
    for w in workers:
        receipt = kit.w3.eth.wait_for_transaction_receipt(
            kit.w3.eth.send_transaction({"from": owner, "to": w.address, "value": WORKER_FUNDS})
        )
        if receipt["status"] != 1:
            raise SystemExit(f"funding worker {w.name} failed")

    # Two batches, each posted in one block. Worker B joins at the second one (`--start-block`), so while A works
    # through the first batch B answers the second; the i-th tasks of both batches share a balance, so answers
    # proven at the same time meet in the store, and the one that lands second is proven again. Which transfer is
    # refused in the end depends on the order in which the tasks are answered.
    first_batch = [
        (alice, Task(TRANSFER, alice, bob, 300)),
        (owner, Task(INTEREST, bob)),
        (bob, Task(TRANSFER, bob, carol, 700)),
    ]
    second_batch = [
        (alice, Task(TRANSFER, alice, carol, 400)),
        (bob, Task(TRANSFER, bob, alice, 200)),
        (carol, Task(TRANSFER, carol, alice, 5_000)),  # more than anyone holds: refused in any order
    ]
    # Only the app mines while it posts (see post_batches), so the two blocks are known before the workers start.
    head = int(kit.w3.eth.block_number)
    for i, w in enumerate(workers):
        w.start_block = head + 1 + i

    vlayer = Path(sys.executable).with_name("vlayer")
    if not vlayer.exists():
        raise SystemExit(f"no vlayer command next to {sys.executable}: run this through bash/vlayer-build.sh")
    kit.echo(f"starting two workers on the prove service at {kit.service_url}")
    started = time.monotonic()
    tasks: dict[int, Task] = {}
    try:
        for w in workers:
            start_worker(kit, w, vlayer, book.address)
            kit.echo(
                f"  worker {w.name}: pid {w.process.pid if w.process else '?'}, {w.address}, paid to {w.payee}, "
                f"watching from block {w.start_block} (log: {w.log})"
            )
        for w in workers:
            wait_until_up(w)
        kit.echo(f"posting two batches of tasks in blocks {head + 1} and {head + 2}, {FEE / 10**18} ETH fee each")
        posted = post_batches(kit, board, [first_batch, second_batch])
        for (poster, task), (task_id, block) in zip(first_batch + second_batch, posted, strict=True):
            tasks[task_id] = task
            kit.echo(f"  task {task_id}: {describe(task, names)} (posted by {names[poster]} in block {block})")
        planned = [workers[0].start_block] * len(first_batch) + [workers[1].start_block] * len(second_batch)
        if [block for _, block in posted] != planned:
            raise SystemExit(f"the batches were mined in blocks {sorted({b for _, b in posted})}, not as planned")
        wait_until_answered(kit, book, sorted(tasks), workers)
    finally:
        stop_workers(workers)
    kit.echo(f"  every task fulfilled {time.monotonic() - started:.1f}s after the workers started; workers stopped")

    check(kit, book, board, tasks, opening, names, workers)


def rpc(kit: Any, method: str, params: list[Any]) -> None:
    response = kit.w3.provider.make_request(RPCEndpoint(method), params)
    if "error" in response:
        raise SystemExit(f"{method}: {response['error']} (the example needs anvil's dev methods)")


def post_batches(kit: Any, board: Contract, batches: list[list[tuple[str, Task]]]) -> list[tuple[int, int]]:
    """Posts each task from its poster with the fee, one block per batch; each task's request id and block.

    Automine is off meanwhile, so the app's blocks are the only ones: a worker's answer sent in between waits in
    the mempool for the next block."""
    hashes = []
    rpc(kit, "evm_setAutomine", [False])
    try:
        for batch in batches:
            for poster, task in batch:
                if task.kind == TRANSFER:
                    call = board.functions.postTransfer(task.to, task.amount)
                else:
                    call = board.functions.postInterest(task.account)
                tx: TxParams = {"from": to_checksum_address(poster), "value": Wei(FEE)}
                hashes.append(call.transact(tx))
            rpc(kit, "evm_mine", [])
    finally:
        rpc(kit, "evm_setAutomine", [True])
    posted = []
    for tx_hash in hashes:
        receipt: TxReceipt = kit.w3.eth.wait_for_transaction_receipt(tx_hash, timeout=60)
        if receipt["status"] != 1:
            raise SystemExit(f"posting a task reverted: {receipt}")
        (event,) = board.events.TaskPosted().process_receipt(receipt, errors=DISCARD)
        posted.append((int(event["args"]["id"]), int(receipt["blockNumber"])))
    return posted


def describe(task: Task, names: dict[str, str]) -> str:
    if task.kind == TRANSFER:
        return f"{names[task.account]} -> {names[task.to]} {task.amount}"
    return f"interest on {names[task.account]} ({INTEREST_BPS / 100:g}%)"


def new_worker(name: str, state: Path) -> Worker:
    # Fixed keys and payees: the payees start empty on a fresh chain, so their balances are exactly their fees.
    key = "0x" + keccak(text=f"task-board worker {name}").hex()
    payee = to_checksum_address(keccak(text=f"task-board payee {name}")[:20])
    db = state / f"worker-{name.lower()}.sqlite3"
    # A fresh chain deploys the book at the same address again: an old cursor would skip its requests.
    for leftover in (db, db.with_name(db.name + "-wal"), db.with_name(db.name + "-shm")):
        leftover.unlink(missing_ok=True)
    address = str(Account.from_key(key).address)
    return Worker(name, key, address, payee, db, state / f"worker-{name.lower()}.log")


def start_worker(kit: Any, w: Worker, vlayer: Path, book: str) -> None:
    command = [
        str(vlayer), "worker",
        "--rpc-url", kit.rpc_url,
        "--book", book,
        "--db", f"sqlite:///{w.db}",
        "--function", "execute",
        "--service", kit.service_url,
        "--dev",
        "--payee", w.payee,
        "--start-block", str(w.start_block),
        "--interval", "0.2",
    ]  # fmt: skip
    # The key goes through the environment, not the command line other users of the machine can read.
    env = {**os.environ, "VLAYER_WORKER_KEY": w.key}
    w.log_file = w.log.open("wb")
    w.process = subprocess.Popen(command, stdout=w.log_file, stderr=subprocess.STDOUT, env=env)


def wait_until_up(w: Worker) -> None:
    """Until the worker has opened its database, which it does just before its first round; a worker that cannot
    get that far in READY_S is broken."""
    deadline = time.monotonic() + READY_S
    while not w.db.exists():
        if w.process is not None and w.process.poll() is not None:
            raise SystemExit(f"worker {w.name} exited ({w.process.returncode}):\n{log_tail(w)}")
        if time.monotonic() > deadline:
            raise SystemExit(f"worker {w.name} did not open {w.db} within {READY_S:.0f}s:\n{log_tail(w)}")
        time.sleep(0.1)


def log_tail(w: Worker, lines: int = 15) -> str:
    text = w.log.read_text(errors="replace") if w.log.exists() else ""
    return "\n".join(f"    {line}" for line in text.splitlines()[-lines:])


def wait_until_answered(kit: Any, book: Contract, ids: list[int], workers: list[Worker]) -> None:
    deadline = time.monotonic() + WAIT_S
    while True:
        statuses = {i: int(book.functions.statusOf(i).call()) for i in ids}
        failed = [i for i, s in statuses.items() if s == CALLBACK_FAILED]
        if failed:
            raise SystemExit(f"the board's callback failed for tasks {failed} (CallbackFailed in the book)")
        if all(s == FULFILLED for s in statuses.values()):
            return
        for w in workers:
            if w.process is not None and w.process.poll() is not None:
                raise SystemExit(f"worker {w.name} exited ({w.process.returncode}):\n{log_tail(w)}")
        if time.monotonic() > deadline:
            still = [i for i, s in statuses.items() if s != FULFILLED]
            tails = "\n".join(f"  worker {w.name}:\n{log_tail(w)}" for w in workers)
            raise SystemExit(f"tasks {still} still unanswered after {WAIT_S:.0f}s\n{tails}")
        time.sleep(0.5)


def stop_workers(workers: list[Worker]) -> None:
    """SIGTERM ends a worker after its current step; each is stopped by its own pid, and killed if it hangs."""
    for w in workers:
        if w.process is not None and w.process.poll() is None:
            w.process.send_signal(signal.SIGTERM)
    for w in workers:
        if w.process is not None:
            try:
                w.process.wait(timeout=STOP_S)
            except subprocess.TimeoutExpired:
                w.process.kill()
                w.process.wait()
        if w.log_file is not None:
            w.log_file.close()


def apply(task: Task, balances: dict[str, int]) -> bool:
    """The board's rules (`TaskProver`), applied here in Python; whether the task moved anything."""
    if task.kind == INTEREST:
        balances[task.account] += balances[task.account] * INTEREST_BPS // 10_000
        return True
    if balances[task.account] < task.amount:
        return False
    balances[task.account] -= task.amount
    balances[task.to] += task.amount
    return True


def reproved(w: Worker) -> list[int]:
    """The tasks this worker proved again because another answer had written a balance its proof read."""
    text = w.log.read_text(errors="replace") if w.log.exists() else ""
    return [int(m) for m in re.findall(r"request (\d+) proved again: StaleRead", text)]


def check(
    kit: Any,
    book: Contract,
    board: Contract,
    tasks: dict[int, Task],
    opening: dict[str, int],
    names: dict[str, str],
    workers: list[Worker],
) -> None:
    kit.echo("checking on chain")
    events = book.events.RequestFulfilled().get_logs(from_block=0)
    per_id = Counter(int(e["args"]["id"]) for e in events)
    wrong = {i: per_id[i] for i in tasks if per_id[i] != 1}
    if wrong or set(per_id) != set(tasks):
        raise SystemExit(f"each task must be fulfilled exactly once; RequestFulfilled per task: {dict(per_id)}")
    by_sender = {w.address: w for w in workers}
    order = sorted(events, key=lambda e: (int(e["blockNumber"]), int(e["logIndex"])))
    answered: Counter[str] = Counter()
    balances = dict(opening)
    for event in order:
        args = event["args"]
        task_id = int(args["id"])
        w = by_sender.get(str(args["worker"]))
        if w is None:
            raise SystemExit(f"task {task_id} was fulfilled by {args['worker']}, neither worker")
        if args["payee"] != w.payee:
            raise SystemExit(f"task {task_id} paid {args['payee']}, not worker {w.name}'s payee {w.payee}")
        if not args["callbackOk"]:
            raise SystemExit(f"task {task_id}: the board's callback failed")
        answered[w.name] += 1
        applied = apply(tasks[task_id], balances)
        state = int(board.functions.stateOf(task_id).call())
        if state != (APPLIED if applied else REJECTED):
            raise SystemExit(f"task {task_id}: the board says state {state}, applying in order says {applied}")
        kit.echo(
            f"  task {task_id}: {describe(tasks[task_id], names):28} {'applied' if applied else 'refused':8} "
            f"by worker {w.name} (settled on block {args['settleBlock']}, fulfilled in block {event['blockNumber']})"
        )
    kit.echo(f"  answer order: {', '.join(str(e['args']['id']) for e in order)} (posting order: {sorted(tasks)})")

    for account, expected in balances.items():
        found = int(board.functions.balanceOf(account).call())
        if found != expected:
            raise SystemExit(f"{names[account]}: balance {found} on chain, {expected} applying the answers in order")
    kit.echo("  final balances (equal to applying the answers in order): "
             + ", ".join(f"{names[a]} {b}" for a, b in balances.items()))  # fmt: skip

    paid = 0
    for w in workers:
        fees = int(kit.w3.eth.get_balance(w.payee))
        if fees != answered[w.name] * FEE or int(book.functions.credit(w.payee).call()) != 0:
            raise SystemExit(f"worker {w.name}'s payee holds {fees} wei for {answered[w.name]} answers of {FEE}")
        paid += fees
        stale = Counter(reproved(w))
        shown = ", ".join(f"task {i}" + (f" ({n} times)" if n > 1 else "") for i, n in sorted(stale.items()))
        kit.echo(
            f"  worker {w.name}: answered {answered[w.name]}, paid {fees / 10**18} ETH; "
            f"proved again after a stale read: {shown or 'none'}"
        )
    if paid != len(tasks) * FEE or int(kit.w3.eth.get_balance(book.address)) != 0:
        raise SystemExit(f"fees paid {paid} wei, expected {len(tasks) * FEE}; the book keeps the rest")
    counts = ", ".join(f"worker {w.name}: {answered[w.name]}" for w in workers)
    kit.echo(f"task board: {len(tasks)} tasks, each answered once ({counts})")
