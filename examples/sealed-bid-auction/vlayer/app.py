"""The `sealed-bid-auction` example, end to end: a second-price (Vickrey) auction whose bids are sealed to the
workers' shielding key and settled by one proof that opens every bid inside the zkVM's call, so no amount but the
price is ever on chain. Run by `bash ../../bash/vlayer-build.sh` from this folder.

The app deploys the auction on the local anvil, makes a shielding key with `vlayer worker keygen` and registers it,
has four bidders seal and post their bids (a fifth posts a copy of one of them, and a sixth a bid sealed to a key of
her own, which does not open), closes the auction after its end block, and runs a `vlayer worker --shielding-key`
process until the settlement request is answered. It then checks, and ends with an error otherwise: the winner and
the price are those of the second-price rule applied to the bids as sealed (the one that does not open counts for
nothing and stops nothing); every withdrawal pays exactly what the outcome owes; and no amount but the price (nor
the secret key) appears in any transaction's calldata, any log, or the worker's database and log.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from eth_abi.abi import encode
from eth_account import Account
from eth_utils.address import to_checksum_address
from eth_utils.crypto import keccak
from web3.contract import Contract
from web3.logs import DISCARD
from web3.types import RPCEndpoint, TxParams, TxReceipt, Wei

from vlayer.app_kit import AppError
from vlayer.shielding import generate, load_key_file, seal_args
from vlayer.shielding.registry import shielding_key

ETH = 10**18
RESERVE = ETH // 4
#: The worker's fee, paid by whoever closes the auction.
FEE = 10**15
#: Blocks of bidding after the auction is deployed: room for the six bids, each mined on its own.
BIDDING_BLOCKS = 8
#: The settlement may settle on the block `close` was mined in: anvil never reorgs.
CONFIRMATIONS = 0
WORKER_FUNDS = 10 * ETH
#: Dev-mode proofs take seconds; the rest is room for a loaded machine.
WAIT_S = 240.0
STOP_S = 30.0
#: `RequestBook.RequestStatus` and `SealedBidAuction.Phase` values the app looks for.
FULFILLED, CALLBACK_FAILED = 2, 3
SETTLED = 2


@dataclass(frozen=True)
class SealedBid:
    name: str
    poster: str
    #: The amount sealed in the envelope: only the poster (and the proof) ever sees it. None for a copied envelope,
    #: whose plaintext is another bidder's.
    amount: int | None
    deposit: int
    envelope: bytes
    #: False for an envelope sealed to a key the workers do not hold: it does not open in the proof.
    opens: bool = True


def run(kit: Any) -> None:
    owner, alice, bob, carol, dave, mallory, seller, erin = kit.accounts[:8]
    names = {alice: "alice", bob: "bob", carol: "carol", dave: "dave", mallory: "mallory", seller: "seller",
             erin: "erin"}  # fmt: skip
    state = kit.example / ".vlayer"
    state.mkdir(exist_ok=True)

    kit.echo("making the workers' shielding key")
    vlayer = Path(sys.executable).with_name("vlayer")
    if not vlayer.exists():
        raise AppError(f"no vlayer command next to {sys.executable}: run this through bash/vlayer-build.sh")
    key_file = state / "shielding-key.json"
    key_file.unlink(missing_ok=True)  # keygen never overwrites a key file; this one belongs to the last run
    made = subprocess.run([str(vlayer), "worker", "keygen", str(key_file)], capture_output=True, text=True,
                          check=False)  # fmt: skip
    if made.returncode != 0:
        raise AppError(f"vlayer worker keygen failed: {made.stderr.strip()}")
    public_hex = made.stdout.strip()
    kit.echo(f"  {key_file} (mode 0600), public key {public_hex}")

    kit.echo("deploying")
    repository = kit.deploy("ImageIdRepository", owner)
    kit.transact(repository.functions.addImageIdSupport(kit.call_guest_id), "addImageIdSupport")
    proof_verifier = kit.deploy("FakeProofVerifier", repository.address)
    store = kit.deploy("VersionedStore", owner)
    book = kit.deploy("RequestBook", proof_verifier.address, store.address)
    keys = kit.deploy("ShieldingKeys", owner)
    kit.transact(keys.functions.addKey(bytes.fromhex(public_hex[2:])), "addKey")
    prover = kit.deploy("AuctionProver", book.address, keys.address)
    end_block = int(kit.w3.eth.block_number) + 1 + BIDDING_BLOCKS
    auction = kit.deploy("SealedBidAuction", book.address, prover.address, seller, RESERVE, end_block, CONFIRMATIONS)
    kit.echo(f"  {names[seller]} sells one item, reserve {eth(RESERVE)} ETH, bids until block {end_block}")

    kit.echo("bidding: each bid is sealed to the current shielding key; its deposit covers it")
    current = shielding_key(kit.w3, keys.address)
    if current.public_hex != public_hex:
        raise AppError(f"the registry's current key is {current.public_hex}, not the one registered")
    chain_id = int(kit.w3.eth.chain_id)
    # Amounts with no round digits, so that searching for them cannot find them by chance.
    plans = [
        ("alice", alice, 412_739_561_208_334_117, ETH // 2),
        ("bob", bob, 734_918_263_551_092_846, ETH),
        ("carol", carol, 651_370_482_963_115_274, 4 * ETH // 5),
        ("dave", dave, 1_253_806_417_330_629_981, 3 * ETH // 5),  # more than the deposit: not a valid bid
    ]
    bids: list[SealedBid] = []
    for name, poster, amount, deposit in plans:
        plaintext = encode(["address", "uint256"], [poster, amount])
        envelope = seal_args(current.public, current.version, chain_id, keys.address, plaintext)
        place_bid(kit, auction, poster, envelope, deposit)
        bids.append(SealedBid(name, poster, amount, deposit, envelope))
        kit.echo(f"  {name:8} seals {eth(amount):>20} ETH, deposits {eth(deposit)} ETH")
    # Mallory cannot read Bob's bid, but can copy his envelope from his transaction and post it as her own.
    copied = copy_bid(kit, auction, bob)
    place_bid(kit, auction, mallory, copied, ETH)
    bids.append(SealedBid("mallory", mallory, None, ETH, copied))
    kit.echo(f"  mallory  posts a copy of bob's envelope, deposits {eth(ETH)} ETH")
    # Erin's bid is labelled with the current key version but sealed to a key of her own (by mistake, or to stop the
    # auction): the chain cannot tell, and in the proof it does not open. `Shielded.tryOpen` makes it one invalid
    # bid; were it counted, its amount, the highest, would win.
    erins_amount, erins_deposit = 1_187_254_093_716_482_539, 2 * ETH
    stranger = generate()
    erins = seal_args(stranger.public, current.version, chain_id, keys.address,
                      encode(["address", "uint256"], [erin, erins_amount]))  # fmt: skip
    place_bid(kit, auction, erin, erins, erins_deposit)
    bids.append(SealedBid("erin", erin, erins_amount, erins_deposit, erins, opens=False))
    kit.echo(f"  erin     seals {eth(erins_amount):>20} ETH to a key of her own, deposits {eth(erins_deposit)} ETH")

    rpc(kit, "anvil_mine", [hex(max(0, end_block + 1 - int(kit.w3.eth.block_number)))])
    receipt = send(kit, auction.functions.close(), seller, FEE, "close")
    (closed,) = auction.events.AuctionClosed().process_receipt(receipt, errors=DISCARD)
    request_id = int(closed["args"]["requestId"])
    close_block = int(receipt["blockNumber"])
    kit.echo(f"closed in block {close_block}: settlement request {request_id} for {len(bids)} bids, fee {eth(FEE)} ETH")

    worker_key = "0x" + keccak(text="sealed-bid-auction worker").hex()
    worker_address = str(Account.from_key(worker_key).address)
    payee = to_checksum_address(keccak(text="sealed-bid-auction payee")[:20])
    send(kit, None, owner, WORKER_FUNDS, "funding the worker", to=worker_address)
    db = state / "worker.sqlite3"
    for leftover in (db, db.with_name(db.name + "-wal"), db.with_name(db.name + "-shm")):
        leftover.unlink(missing_ok=True)  # a fresh chain deploys the book at the same address again
    log = state / "worker.log"
    command = [
        str(vlayer), "worker",
        "--rpc-url", kit.rpc_url,
        "--book", book.address,
        "--db", f"sqlite:///{db}",
        "--function", "settle",
        "--dev",
        "--payee", payee,
        "--start-block", str(close_block),
        "--interval", "0.2",
        "--shielding-key", str(key_file),
    ]  # fmt: skip
    kit.echo(f"starting a worker with the shielding key, proving locally (log: {log})")
    started = time.monotonic()
    with log.open("wb") as log_out:
        # The worker's own key goes through the environment, not the command line.
        worker = subprocess.Popen(command, stdout=log_out, stderr=subprocess.STDOUT,
                                  env={**os.environ, "VLAYER_WORKER_KEY": worker_key})  # fmt: skip
        try:
            wait_until_answered(book, request_id, worker, log)
        finally:
            stop(worker)
    kit.echo(f"  request {request_id} fulfilled {time.monotonic() - started:.1f}s after the worker started")

    check_outcome(kit, book, auction, request_id, bids, payee, worker_address, names)
    check_payments(kit, auction, bids, seller)
    winner = str(auction.functions.winner().call())
    price = int(auction.functions.price().call())
    kit.echo("checking that the bids stayed sealed")
    # The prove service's database and log too: a shielded call must never reach a service, and this one did not.
    searched = [db, db.with_name(db.name + "-wal"), log, state / "jobs.sqlite3", state / "service.log"]
    check_sealed(kit, bids, price, load_key_file(key_file).secret, searched)
    kit.echo(f"sealed-bid auction: {len(bids)} bids, winner {winner}, price {price} wei")


def eth(wei: int) -> str:
    """Wei as ETH, exactly."""
    whole, frac = divmod(wei, ETH)
    return f"{whole}.{frac:018d}".rstrip("0").rstrip(".")


def rpc(kit: Any, method: str, params: list[Any]) -> None:
    response = kit.w3.provider.make_request(RPCEndpoint(method), params)
    if "error" in response:
        raise AppError(f"{method}: {response['error']} (the example needs anvil's dev methods)")


def send(kit: Any, call: Any, sender: str, value: int, what: str, to: str | None = None) -> TxReceipt:
    """`call` (or a plain transfer to `to`) from `sender` with `value` wei; it must succeed."""
    tx: TxParams = {"from": to_checksum_address(sender), "value": Wei(value)}
    if call is None:
        tx["to"] = to_checksum_address(to or "")
        tx_hash = kit.w3.eth.send_transaction(tx)
    else:
        tx_hash = call.transact(tx)
    receipt: TxReceipt = kit.w3.eth.wait_for_transaction_receipt(tx_hash, timeout=60)
    if receipt["status"] != 1:
        raise AppError(f"{what}: transaction {tx_hash.to_0x_hex()} reverted")
    return receipt


def place_bid(kit: Any, auction: Contract, poster: str, envelope: bytes, deposit: int) -> None:
    send(kit, auction.functions.bid(envelope), poster, deposit, "bid")


def copy_bid(kit: Any, auction: Contract, victim: str) -> bytes:
    """The envelope of `victim`'s bid, as anyone reads it from the chain: its transaction's calldata."""
    for event in auction.events.BidPlaced().get_logs(from_block=0):
        if event["args"]["bidder"] == victim:
            tx = kit.w3.eth.get_transaction(event["transactionHash"])
            _, params = auction.decode_function_input(tx["input"])
            return bytes(params["envelope"])
    raise AppError(f"no bid of {victim} to copy")


def wait_until_answered(book: Contract, request_id: int, worker: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + WAIT_S
    while True:
        status = int(book.functions.statusOf(request_id).call())
        if status == FULFILLED:
            return
        if status == CALLBACK_FAILED:
            raise AppError(f"the auction's callback failed for request {request_id} (CallbackFailed in the book)")
        if worker.poll() is not None:
            raise AppError(f"the worker exited ({worker.returncode}):\n{log_tail(log)}")
        if time.monotonic() > deadline:
            raise AppError(f"request {request_id} still unanswered after {WAIT_S:.0f}s:\n{log_tail(log)}")
        time.sleep(0.5)


def log_tail(log: Path, lines: int = 15) -> str:
    text = log.read_text(errors="replace") if log.exists() else ""
    return "\n".join(f"    {line}" for line in text.splitlines()[-lines:])


def stop(worker: subprocess.Popen[bytes]) -> None:
    """SIGTERM ends the worker after its current step; it is killed if it hangs."""
    if worker.poll() is None:
        worker.send_signal(signal.SIGTERM)
    try:
        worker.wait(timeout=STOP_S)
    except subprocess.TimeoutExpired:
        worker.kill()
        worker.wait()


def second_price(bids: list[SealedBid]) -> tuple[str | None, int]:
    """The auction's rule in Python, over the bids as their bidders sealed them: the winner and the price."""
    plaintext = {b.envelope: (b.poster, b.amount) for b in bids if b.amount is not None}
    valid: list[tuple[str, int]] = []
    for b in bids:
        if not b.opens:
            continue
        sealed_by, amount = plaintext[b.envelope]
        if sealed_by == b.poster and RESERVE <= amount <= b.deposit:
            valid.append((b.poster, amount))
    if not valid:
        return None, 0
    # Highest first; `sorted` is stable, so of equal amounts the earlier bid stays first.
    ranked = sorted(valid, key=lambda v: -v[1])
    return ranked[0][0], (ranked[1][1] if len(ranked) > 1 else RESERVE)


def check_outcome(
    kit: Any,
    book: Contract,
    auction: Contract,
    request_id: int,
    bids: list[SealedBid],
    payee: str,
    worker: str,
    names: dict[str, str],
) -> None:
    kit.echo("checking the outcome on chain")
    fulfilled = book.events.RequestFulfilled().get_logs(from_block=0, argument_filters={"id": request_id})
    if len(fulfilled) != 1:
        raise AppError(f"request {request_id} was fulfilled {len(fulfilled)} times")
    args = fulfilled[0]["args"]
    if args["worker"] != worker or args["payee"] != payee or not args["callbackOk"]:
        raise AppError(f"request {request_id}: fulfilled by {args['worker']} for {args['payee']}: {dict(args)}")
    if int(kit.w3.eth.get_balance(payee)) != FEE:
        raise AppError(f"the worker's payee holds {kit.w3.eth.get_balance(payee)} wei, not the fee {FEE}")
    if int(auction.functions.phase().call()) != SETTLED:
        raise AppError("the auction is not settled")
    owner_of = {b.envelope: b.poster for b in bids if b.amount is not None}
    expected_winner, expected_price = second_price(bids)
    winner = str(auction.functions.winner().call())
    price = int(auction.functions.price().call())
    if (winner, price) != (expected_winner, expected_price):
        raise AppError(f"settled to {winner} at {price} wei; the rule gives {expected_winner} at {expected_price}")
    for b in bids:
        if b.amount is None:
            verdict = f"ignored: a copy, its plaintext names {names[owner_of[b.envelope]]}"
        elif not b.opens:
            verdict = "ignored: does not open under the workers' key"
        elif b.amount > b.deposit:
            verdict = "ignored: more than its deposit"
        elif b.poster == winner:
            verdict = "wins"
        elif b.amount == price:
            verdict = "loses; the price is this bid's amount"
        else:
            verdict = "loses"
        kit.echo(f"  {b.name:8} {verdict}")
    kit.echo(f"  {names[winner]} wins at the second-highest valid bid, {eth(price)} ETH (the rule applied in Python)")


def check_payments(kit: Any, auction: Contract, bids: list[SealedBid], seller: str) -> None:
    """Everyone withdraws; each gets exactly what the outcome owes, and the auction ends empty."""
    winner = str(auction.functions.winner().call())
    price = int(auction.functions.price().call())
    owed = {b.poster: b.deposit - (price if b.poster == winner else 0) for b in bids}
    owed[seller] = owed.get(seller, 0) + price
    for account, amount in owed.items():
        before = int(kit.w3.eth.get_balance(account))
        receipt = send(kit, auction.functions.withdraw(), account, 0, "withdraw")
        spent = int(receipt["gasUsed"]) * int(receipt["effectiveGasPrice"])
        got = int(kit.w3.eth.get_balance(account)) - before + spent
        if got != amount:
            raise AppError(f"{account} withdrew {got} wei, the outcome owes it {amount}")
    if int(kit.w3.eth.get_balance(auction.address)) != 0:
        raise AppError(f"the auction still holds {kit.w3.eth.get_balance(auction.address)} wei after every withdrawal")
    kit.echo(f"  withdrawals: the winner got its deposit less {eth(price)} ETH, the seller {eth(price)} ETH, "
             "every other bidder its deposit")  # fmt: skip


def chain_bytes(kit: Any) -> bytes:
    """Everything the chain published: every transaction's calldata and every log's topics and data."""
    out = bytearray()
    for number in range(int(kit.w3.eth.block_number) + 1):
        block = kit.w3.eth.get_block(number, full_transactions=True)
        for tx in block["transactions"]:
            out += bytes(tx["input"])
            for entry in kit.w3.eth.get_transaction_receipt(tx["hash"])["logs"]:
                out += b"".join(bytes(t) for t in entry["topics"]) + bytes(entry["data"])
    return bytes(out)


def forms(value: int) -> list[bytes]:
    """An amount as a 32-byte word, its shortest big-endian bytes, and those written out as text."""
    word = value.to_bytes(32, "big")
    short = value.to_bytes((value.bit_length() + 7) // 8, "big")
    return [word, short, word.hex().encode(), short.hex().encode(), short.hex().upper().encode(),
            str(value).encode(), eth(value).encode()]  # fmt: skip


def check_sealed(kit: Any, bids: list[SealedBid], price: int, secret: bytes, files: list[Path]) -> None:
    """No amount but the price, and not the secret key, in any place the bids or the settlement passed through.

    The price is the runner-up's amount: a second-price auction shows it by its rule. Every other amount, the
    winner's included, is known only to its bidder and, during the proof, to the worker's execution."""
    places = {"the chain's calldata and logs": chain_bytes(kit)}
    for path in files:
        if path.exists():
            places[path.name] = path.read_bytes()
    if "worker.sqlite3" not in places or "worker.log" not in places:
        raise AppError(f"the worker left no database or log to search: {sorted(places)}")
    # Controls: the search finds what is there (the price in AuctionSettled, an envelope in its bid's calldata).
    chain = places["the chain's calldata and logs"]
    if price.to_bytes(32, "big") not in chain or bids[0].envelope not in chain:
        raise AppError("the price or an envelope is not found on chain: the search is broken")
    hidden = {f"{b.name}'s amount": forms(b.amount) for b in bids if b.amount is not None and b.amount != price}
    hidden["the shielding secret key"] = [secret, secret.hex().encode(), secret.hex().upper().encode()]
    for what, found_as in hidden.items():
        for where, haystack in places.items():
            if any(form in haystack for form in found_as):
                raise AppError(f"{what} appears in {where}")
    shown = ", ".join(name for name in hidden if name.endswith("amount"))
    kit.echo(f"  nowhere in {', '.join(places)}: {shown}, the secret key")
