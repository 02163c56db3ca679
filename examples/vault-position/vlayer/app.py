"""The `vault-position` example, end to end: a saver keeps part of their tokens in a vault; the prover reads the
wallet balance and, through the vault (which itself calls the token), the vault position; the verifier grants a
tier from the verified total. A tampered proof and a replayed one are refused.
Run by `bash ../../bash/vlayer-build.sh` from this folder."""

from __future__ import annotations

from typing import Any

from eth_abi.abi import encode
from eth_utils.abi import function_signature_to_4byte_selector

SILVER, GOLD = 100 * 10**18, 500 * 10**18
CLAIM = "claimTier(Proof,address,uint256,uint256)"


def run(kit: Any) -> None:
    owner, saver = kit.accounts[:2]
    kit.echo("deploying")
    token = kit.deploy("ExampleToken", ["address[]", "uint256[]"], [[saver], [600 * 10**18]])
    vault = kit.deploy("ShareVault", ["address"], [token])
    kit.send(token, "approve(address,uint256)", ["address", "uint256"], [vault, 500 * 10**18], sender=saver)
    kit.send(vault, "deposit(uint256)", ["uint256"], [500 * 10**18], sender=saver)
    prover = kit.deploy("PositionProver", ["address", "address"], [token, vault])
    repository = kit.deploy("ImageIdRepository", ["address"], [owner])
    kit.send(repository, "addImageIdSupport(bytes32)", ["bytes32"], [kit.call_guest_id])
    proof_verifier = kit.deploy("FakeProofVerifier", ["address"], [repository])
    verifier = kit.deploy("PositionVerifier", ["address", "address", "uint256", "uint256"],
                          [proof_verifier, prover, SILVER, GOLD])  # fmt: skip

    kit.echo(f"proving the position of {saver} (wallet + vault) through the prove service")
    proven = kit.prove(prover, "position(address)", ["address"], [saver])
    data = kit.verifier_call(CLAIM, proven)

    kit.expect_tampered_refused(verifier, data, "one wei more or less in the vault than proven")

    kit.echo("submitting the proof to PositionVerifier.claimTier")
    receipt = kit.send_raw(verifier, data, "claimTier", sender=saver)
    (tier,) = kit.view(verifier, "tierOf(address)", ["address"], [saver], ["uint8"])
    if tier != 2:
        raise SystemExit(f"expected the gold tier (2) for {saver}, found {tier}")
    kit.echo(f"  tx {receipt['transactionHash']}: gold tier granted to {saver} (100 in wallet + 500 in vault)")
    again = kit.call_error(verifier, data)
    proven_at = int(proven.proof.call_assumptions.block_number)
    want = function_signature_to_4byte_selector("StaleProof(address,uint256,uint256)") + encode(
        ["address", "uint256", "uint256"], [saver, proven_at, proven_at]
    )
    if again != want:
        raise SystemExit("a second claim with the same proof was not refused")
    kit.echo("  replaying the same proof is refused: StaleProof")
