"""The `simple-time-travel` example, end to end: a holder's balance changes over several blocks, the prover time
travels (`setBlock`) to every other one of them and proves the average, and the verifier records the holder as
loyal; a tampered average is refused. Run by `bash ../../bash/vlayer-build.sh` from this folder."""

from __future__ import annotations

from typing import Any

from eth_abi.abi import encode
from eth_utils.abi import function_signature_to_4byte_selector

THRESHOLD = 60 * 10**18
MIN_SPAN = 4
STEP = 2


def run(kit: Any) -> None:
    owner, holder, shop = kit.accounts[:3]
    kit.echo("deploying")
    token = kit.deploy("ExampleToken", [holder], [100 * 10**18])
    prover = kit.deploy("AverageBalanceProver", token.address)
    repository = kit.deploy("ImageIdRepository", owner)
    kit.transact(repository.functions.addImageIdSupport(kit.call_guest_id), "addImageIdSupport")
    proof_verifier = kit.deploy("FakeProofVerifier", repository.address)
    verifier = kit.deploy("AverageBalanceVerifier", proof_verifier.address, prover.address, THRESHOLD, MIN_SPAN)

    first = kit.w3.eth.block_number
    kit.echo(f"spending 10 EXT a block from block {first} on (each transfer is mined in its own block)")
    for _ in range(6):
        kit.transact(token.functions.transfer(shop, 10 * 10**18), "transfer", sender=holder)
    last = kit.w3.eth.block_number
    samples = list(range(first, last + 1, STEP))
    balances = [token.functions.balanceOf(holder).call(block_identifier=b) for b in samples]
    expected = sum(balances) // len(balances)
    kit.echo(f"  balances at blocks {samples}: {[b // 10**18 for b in balances]} EXT, average {expected / 10**18} EXT")

    kit.echo(f"proving the average over blocks {first}..{last} (step {STEP}) through the prove service")
    result = kit.client.prove(prover.functions.averageBalanceOf(holder, first, last, STEP), on_state=kit.progress)
    _, _, _, proven_average = result.outputs
    if proven_average != expected:
        raise SystemExit(f"the proven average {proven_average} differs from the node's history {expected}")
    kit.echo(f"  proven average {proven_average / 10**18} EXT matches the node's balance history")
    claim = verifier.functions.claimLoyalty(*result.verifier_args())

    kit.expect_tampered_refused(claim, "one wei more or less than proven")

    kit.echo("submitting the proof to AverageBalanceVerifier.claimLoyalty")
    # A proof of the latest block verifies from the next one on: estimate against the pending block.
    gas = claim.estimate_gas({"from": holder}, block_identifier="pending")
    receipt = kit.w3.eth.wait_for_transaction_receipt(claim.transact({"from": holder, "gas": gas}))
    if receipt["status"] != 1:
        raise SystemExit(f"claimLoyalty reverted: {receipt}")
    recorded = verifier.functions.loyalAverage(holder).call()
    if recorded != expected:
        raise SystemExit(f"expected {holder} recorded with average {expected}, found {recorded}")
    tx = receipt["transactionHash"].to_0x_hex()
    kit.echo(f"  tx {tx} in block {receipt['blockNumber']}: {holder} is loyal (average {recorded / 10**18} EXT)")
    again = kit.revert_of(claim, sender=holder)
    if again != function_signature_to_4byte_selector("AlreadyLoyal(address)") + encode(["address"], [holder]):
        raise SystemExit("a second claim with the same proof was not refused")
    kit.echo("  replaying the same proof is refused: AlreadyLoyal")
