"""The `vault-position` example, end to end: a saver keeps part of their tokens in a vault; the prover reads the
wallet balance and, through the vault (which itself calls the token), the vault position; the verifier grants a
tier from the verified total. A tampered proof and a replayed one are refused.
Run by `bash ../../bash/vlayer-build.sh` from this folder."""

from __future__ import annotations

from typing import Any

from eth_abi.abi import encode
from eth_utils.abi import function_signature_to_4byte_selector

SILVER, GOLD = 100 * 10**18, 500 * 10**18


def run(kit: Any) -> None:
    owner, saver = kit.accounts[:2]
    kit.echo("deploying")
    token = kit.deploy("ExampleToken", [saver], [600 * 10**18])
    vault = kit.deploy("ShareVault", token.address)
    kit.transact(token.functions.approve(vault.address, 500 * 10**18), "approve", sender=saver)
    kit.transact(vault.functions.deposit(500 * 10**18), "deposit", sender=saver)
    prover = kit.deploy("PositionProver", token.address, vault.address)
    repository = kit.deploy("ImageIdRepository", owner)
    kit.transact(repository.functions.addImageIdSupport(kit.call_guest_id), "addImageIdSupport")
    proof_verifier = kit.deploy("FakeProofVerifier", repository.address)
    verifier = kit.deploy("PositionVerifier", proof_verifier.address, prover.address, SILVER, GOLD)

    kit.echo(f"proving the position of {saver} (wallet + vault) through the prove service")
    result = kit.client.prove(prover.functions.position(saver), on_state=kit.progress)
    _, wallet, in_vault = result.outputs
    proven_at = result.call_assumptions.block_number
    held = f"{wallet // 10**18} in wallet, {in_vault // 10**18} in vault"
    kit.echo(f"  proved at block {proven_at} ({result.mode}): {held}")
    claim = verifier.functions.claimTier(*result.verifier_args())

    kit.expect_tampered_refused(claim, "one wei more or less in the vault than proven")

    kit.echo("submitting the proof to PositionVerifier.claimTier")
    # A proof of the latest block verifies from the next one on: estimate against the pending block.
    gas = claim.estimate_gas({"from": saver}, block_identifier="pending")
    receipt = kit.w3.eth.wait_for_transaction_receipt(claim.transact({"from": saver, "gas": gas}))
    if receipt["status"] != 1:
        raise SystemExit(f"claimTier reverted: {receipt}")
    tier = verifier.functions.tierOf(saver).call()
    if tier != 2:
        raise SystemExit(f"expected the gold tier (2) for {saver}, found {tier}")
    tx = receipt["transactionHash"].to_0x_hex()
    kit.echo(f"  tx {tx}: gold tier granted to {saver} (100 in wallet + 500 in vault)")
    again = kit.revert_of(claim, sender=saver)
    want = function_signature_to_4byte_selector("StaleProof(address,uint256,uint256)") + encode(
        ["address", "uint256", "uint256"], [saver, proven_at, proven_at]
    )
    if again != want:
        raise SystemExit("a second claim with the same proof was not refused")
    kit.echo("  replaying the same proof is refused: StaleProof")
