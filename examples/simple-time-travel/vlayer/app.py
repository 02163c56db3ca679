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
CLAIM = "claimLoyalty(Proof,address,uint256,uint256,uint256)"
AVERAGE = "averageBalanceOf(address,uint256,uint256,uint256)"


def run(kit: Any) -> None:
    owner, holder, shop = kit.accounts[:3]
    kit.echo("deploying")
    token = kit.deploy("ExampleToken", ["address[]", "uint256[]"], [[holder], [100 * 10**18]])
    prover = kit.deploy("AverageBalanceProver", ["address"], [token])
    repository = kit.deploy("ImageIdRepository", ["address"], [owner])
    kit.send(repository, "addImageIdSupport(bytes32)", ["bytes32"], [kit.call_guest_id])
    proof_verifier = kit.deploy("FakeProofVerifier", ["address"], [repository])
    verifier = kit.deploy(
        "AverageBalanceVerifier",
        ["address", "address", "uint256", "uint256"],
        [proof_verifier, prover, THRESHOLD, MIN_SPAN],
    )

    first = kit.head()
    kit.echo(f"spending 10 EXT a block from block {first} on (each transfer is mined in its own block)")
    for _ in range(6):
        kit.send(token, "transfer(address,uint256)", ["address", "uint256"], [shop, 10 * 10**18], sender=holder)
    last = kit.head()
    samples = list(range(first, last + 1, STEP))
    balances = [kit.view(token, "balanceOf(address)", ["address"], [holder], ["uint256"], block=b)[0] for b in samples]
    expected = sum(balances) // len(balances)
    kit.echo(f"  balances at blocks {samples}: {[b // 10**18 for b in balances]} EXT, average {expected / 10**18} EXT")

    kit.echo(f"proving the average over blocks {first}..{last} (step {STEP}) through the prove service")
    proven = kit.prove(prover, AVERAGE, ["address", "uint256", "uint256", "uint256"], [holder, first, last, STEP])
    data = kit.verifier_call(CLAIM, proven)
    (_, _, _, proven_average) = _outputs(proven.return_data)
    if proven_average != expected:
        raise SystemExit(f"the proven average {proven_average} differs from the node's history {expected}")
    kit.echo(f"  proven average {proven_average / 10**18} EXT matches the node's balance history")

    kit.expect_tampered_refused(verifier, data, "one wei more or less than proven")

    kit.echo("submitting the proof to AverageBalanceVerifier.claimLoyalty")
    receipt = kit.send_raw(verifier, data, "claimLoyalty", sender=holder)
    (recorded,) = kit.view(verifier, "loyalAverage(address)", ["address"], [holder], ["uint256"])
    if recorded != expected:
        raise SystemExit(f"expected {holder} recorded with average {expected}, found {recorded}")
    block = int(receipt["blockNumber"], 16)
    kit.echo(f"  tx {receipt['transactionHash']} in block {block}: {holder} is loyal (average {recorded / 10**18} EXT)")
    again = kit.call_error(verifier, data)
    if again != function_signature_to_4byte_selector("AlreadyLoyal(address)") + encode(["address"], [holder]):
        raise SystemExit("a second claim with the same proof was not refused")
    kit.echo("  replaying the same proof is refused: AlreadyLoyal")


def _outputs(return_data: bytes) -> tuple[str, int, int, int]:
    """(holder, fromBlock, toBlock, average): the last four words of the prover's return data."""
    words = [return_data[i : i + 32] for i in range(len(return_data) - 128, len(return_data), 32)]
    holder = "0x" + words[0][12:].hex()
    return holder, *(int.from_bytes(w, "big") for w in words[1:])  # type: ignore[return-value]
