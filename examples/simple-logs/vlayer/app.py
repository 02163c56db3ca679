"""The `simple-logs` example, end to end: a holder receives a token in several transfers over a range of blocks
(from two senders, with transfers to someone else between them); the prover
reads the token's Transfer events to the holder with `Logs.get` and proves their sum; the verifier records the holder
as a supporter; a tampered total is refused. Run by `bash ../../bash/vlayer-build.sh` from this folder."""

from __future__ import annotations

from typing import Any

from eth_abi.abi import encode
from eth_utils.abi import function_signature_to_4byte_selector

THRESHOLD = 50 * 10**18
MIN_SPAN = 4
AMOUNTS = [10, 5, 20, 25]  # EXT the holder receives, one transfer a block


def run(kit: Any) -> None:
    owner, holder, alice, bob = kit.accounts[:4]
    kit.echo("deploying")
    token = kit.deploy("ExampleToken", [alice, bob], [1_000 * 10**18, 1_000 * 10**18])
    prover = kit.deploy("ReceivedProver", token.address)
    repository = kit.deploy("ImageIdRepository", owner)
    kit.transact(repository.functions.addImageIdSupport(kit.call_guest_id), "addImageIdSupport")
    proof_verifier = kit.deploy("FakeProofVerifier", repository.address)
    verifier = kit.deploy("ReceivedVerifier", proof_verifier.address, prover.address, THRESHOLD, MIN_SPAN)

    first = kit.w3.eth.block_number + 1
    kit.echo(f"transfers to {holder} from block {first} on (and some to others between them)")
    for i, amount in enumerate(AMOUNTS):
        sender = alice if i % 2 == 0 else bob
        kit.transact(token.functions.transfer(holder, amount * 10**18), "transfer", sender=sender)
        kit.transact(token.functions.transfer(owner, 1 * 10**18), "transfer", sender=sender)
    last = kit.w3.eth.block_number
    events = token.events.Transfer.get_logs(from_block=first, to_block=last, argument_filters={"to": holder})
    expected = sum(e["args"]["value"] for e in events)
    kit.echo(f"  eth_getLogs: {len(events)} transfers to the holder in blocks {first}..{last}, {expected / 10**18} EXT")

    kit.echo(f"proving the Transfer events to {holder} over blocks {first}..{last} through the prove service")
    result = kit.client.prove(prover.functions.received(holder, first, last), on_state=kit.progress)
    _, _, _, total, transfers = result.outputs
    if (total, transfers) != (expected, len(events)):
        raise SystemExit(f"proven {transfers} transfers of {total} differ from eth_getLogs: {len(events)}, {expected}")
    kit.echo(f"  proven {transfers} transfers, {total / 10**18} EXT, equal to eth_getLogs")
    claim = verifier.functions.claimSupporter(*result.verifier_args())

    kit.expect_tampered_refused(claim, "one transfer more or less than proven")

    kit.echo("submitting the proof to ReceivedVerifier.claimSupporter")
    # A proof of the latest block verifies from the next one on: estimate against the pending block.
    gas = claim.estimate_gas({"from": holder}, block_identifier="pending")
    receipt = kit.w3.eth.wait_for_transaction_receipt(claim.transact({"from": holder, "gas": gas}))
    if receipt["status"] != 1:
        raise SystemExit(f"claimSupporter reverted: {receipt}")
    recorded = verifier.functions.supported(holder).call()
    if recorded != expected:
        raise SystemExit(f"expected {holder} recorded with {expected}, found {recorded}")
    tx = receipt["transactionHash"].to_0x_hex()
    kit.echo(f"  tx {tx} in block {receipt['blockNumber']}: {holder} is a supporter ({recorded / 10**18} EXT)")
    again = kit.revert_of(claim, sender=holder)
    if again != function_signature_to_4byte_selector("AlreadySupporter(address)") + encode(["address"], [holder]):
        raise SystemExit("a second claim with the same proof was not refused")
    kit.echo("  replaying the same proof is refused: AlreadySupporter")
