"""The `simple` example, end to end: a holder proves an ERC20 balance at a block and the verifier mints them a
reward badge; a tampered proof is refused. Run by `bash ../../bash/vlayer-build.sh` from this folder.

`kit` (vlayer.app_kit) holds `w3` (web3.py), `client` (vlayer.sdk.Client on the prove service) and deploys the forge
artifacts; proving and claiming below are plain vlayer.sdk and web3.py."""

from __future__ import annotations

from typing import Any

from eth_abi.abi import encode
from eth_utils.abi import function_signature_to_4byte_selector

THRESHOLD = 1_000 * 10**18


def run(kit: Any) -> None:
    owner, whale, shrimp = kit.accounts[:3]
    kit.echo("deploying")
    token = kit.deploy("ExampleToken", [whale, shrimp], [2_000 * 10**18, 10**18])
    prover = kit.deploy("SimpleProver", token.address)
    repository = kit.deploy("ImageIdRepository", owner)
    kit.transact(repository.functions.addImageIdSupport(kit.call_guest_id), "addImageIdSupport")
    proof_verifier = kit.deploy("FakeProofVerifier", repository.address)
    verifier = kit.deploy("SimpleVerifier", proof_verifier.address, prover.address, THRESHOLD)

    kit.echo(f"proving the balance of {whale} through the prove service")
    result = kit.client.prove(prover.functions.balance(whale), on_state=kit.progress)
    _, balance = result.outputs
    kit.echo(f"  proved at block {result.call_assumptions.block_number} ({result.mode}): {balance / 10**18} EXT")
    claim = verifier.functions.claimWhale(*result.verifier_args())

    kit.expect_tampered_refused(claim, "one wei more or less than proven")

    kit.echo("submitting the proof to SimpleVerifier.claimWhale")
    # Verifiers accept a proof of block N from block N + 1 on, and this one may be of the latest block: estimate
    # the gas against the pending block (web3.py's default estimate runs on the latest one).
    gas = claim.estimate_gas({"from": whale}, block_identifier="pending")
    receipt = kit.w3.eth.wait_for_transaction_receipt(claim.transact({"from": whale, "gas": gas}))
    if receipt["status"] != 1:
        raise SystemExit(f"claimWhale reverted: {receipt}")
    badges = verifier.functions.balanceOf(whale).call()
    if badges != 1:
        raise SystemExit(f"expected 1 badge for {whale}, found {badges}")
    tx = receipt["transactionHash"].to_0x_hex()
    kit.echo(f"  tx {tx} in block {receipt['blockNumber']}: badge #1 minted to {whale}")
    again = kit.revert_of(claim, sender=whale)
    if again != function_signature_to_4byte_selector("AlreadyClaimed(address)") + encode(["address"], [whale]):
        raise SystemExit("a second claim with the same proof was not refused")
    kit.echo("  replaying the same proof is refused: AlreadyClaimed")
