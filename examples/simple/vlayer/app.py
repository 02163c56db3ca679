"""The `simple` example, end to end: a holder proves an ERC20 balance at a block and the verifier mints them a
reward badge; a tampered proof is refused. Run by `bash ../../bash/vlayer-build.sh` from this folder."""

from __future__ import annotations

from typing import Any

from eth_abi.abi import encode
from eth_utils.abi import function_signature_to_4byte_selector

THRESHOLD = 1_000 * 10**18
CLAIM = "claimWhale(Proof,address,uint256)"


def run(kit: Any) -> None:
    owner, whale, shrimp = kit.accounts[:3]
    kit.echo("deploying")
    token = kit.deploy("ExampleToken", ["address[]", "uint256[]"], [[whale, shrimp], [2_000 * 10**18, 10**18]])
    prover = kit.deploy("SimpleProver", ["address"], [token])
    repository = kit.deploy("ImageIdRepository", ["address"], [owner])
    kit.send(repository, "addImageIdSupport(bytes32)", ["bytes32"], [kit.call_guest_id])
    proof_verifier = kit.deploy("FakeProofVerifier", ["address"], [repository])
    verifier = kit.deploy("SimpleVerifier", ["address", "address", "uint256"], [proof_verifier, prover, THRESHOLD])

    kit.echo(f"proving the balance of {whale} through the prove service")
    proven = kit.prove(prover, "balance(address)", ["address"], [whale])
    data = kit.verifier_call(CLAIM, proven)

    kit.expect_tampered_refused(verifier, data, "one wei more or less than proven")

    kit.echo("submitting the proof to SimpleVerifier.claimWhale")
    receipt = kit.send_raw(verifier, data, "claimWhale", sender=whale)
    (badges,) = kit.view(verifier, "balanceOf(address)", ["address"], [whale], ["uint256"])
    if badges != 1:
        raise SystemExit(f"expected 1 badge for {whale}, found {badges}")
    block = int(receipt["blockNumber"], 16)
    kit.echo(f"  tx {receipt['transactionHash']} in block {block}: badge #1 minted to {whale}")
    again = kit.call_error(verifier, data)
    if again != function_signature_to_4byte_selector("AlreadyClaimed(address)") + encode(["address"], [whale]):
        raise SystemExit("a second claim with the same proof was not refused")
    kit.echo("  replaying the same proof is refused: AlreadyClaimed")
