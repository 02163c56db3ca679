"""The `simple-teleport` example, end to end on two chains: a holder's ERC20 lives on the L2 (31338); the L1 (31337)
anchors an L2 block's output root in its anchor-state registry, as an OP-stack L1 does; the prover, proving on the
L1, teleports (`setChain`) to that L2 block and reads the balance there, and the verifier on the L1 mints the holder
a whale badge. A tampered balance and a replayed proof are refused. Run by `bash ../../bash/vlayer-build.sh` from
this folder, which starts the L2 as well (vlayer/l2-chain-id)."""

from __future__ import annotations

from typing import Any

from eth_abi.abi import encode
from eth_utils.abi import function_signature_to_4byte_selector

from vlayer.teleport.dev_registry import install, publish

EXT = 10**18
THRESHOLD = 500 * EXT


def run(kit: Any) -> None:
    owner, holder, shop = kit.accounts[:3]
    l2 = kit.require_l2()
    kit.echo(f"deploying the token on the L2 (chain {kit.l2_chain_id})")
    token = kit.deploy("ExampleToken", [holder], [1_000 * EXT], on_l2=True)
    kit.transact(token.functions.transfer(shop, 250 * EXT), "transfer on the L2", sender=holder)
    l2_block = l2.eth.block_number
    expected = token.functions.balanceOf(holder).call(block_identifier=l2_block)
    kit.echo(f"  {holder} holds {expected // EXT} EXT on chain {kit.l2_chain_id} at block {l2_block}")

    kit.echo(f"anchoring L2 block {l2_block} on the L1 (chain {kit.chain_id})")
    # The owner plays the OP proposer whose output root the L1 accepted.
    registry = install(kit.w3, owner, artifact=kit.artifact("DevAnchorStateRegistry"))
    root, anchored_in = publish(registry, l2, l2_block, owner)
    kit.echo(f"  output root 0x{root.hex()} anchored in L1 block {anchored_in} at {registry.address}")
    # The L2 moves on: the proof must show the anchored block's balance, not the L2's latest.
    kit.transact(token.functions.transfer(shop, 600 * EXT), "transfer on the L2 after the anchor", sender=holder)
    latest = token.functions.balanceOf(holder).call()
    kit.echo(f"  the L2 moved on: {holder} now holds {latest // EXT} EXT at block {l2.eth.block_number}")

    kit.echo("deploying the prover and verifier on the L1")
    prover = kit.deploy("SimpleTeleportProver")
    repository = kit.deploy("ImageIdRepository", owner)
    kit.transact(repository.functions.addImageIdSupport(kit.call_guest_id), "addImageIdSupport")
    proof_verifier = kit.deploy("FakeProofVerifier", repository.address)
    verifier = kit.deploy(
        "SimpleTeleportVerifier",
        proof_verifier.address,
        prover.address,
        THRESHOLD,
        [kit.l2_chain_id],
        [token.address],
    )

    kit.echo(f"proving {holder}'s balance on chain {kit.l2_chain_id} at block {l2_block} through the prove service")
    asked = [(token.address, kit.l2_chain_id, l2_block, 0)]
    result = kit.client.prove(prover.functions.crossChainBalanceOf(holder, asked), on_state=kit.progress)
    proven_owner, tokens = result.outputs
    if proven_owner != holder or [t[:3] for t in tokens] != [a[:3] for a in asked]:
        raise SystemExit(f"the proof is for {proven_owner} and {tokens}, not what was asked: {holder} and {asked}")
    ((_, _, _, proven),) = tokens
    if proven != expected:
        raise SystemExit(
            f"the proven balance {proven} differs from the L2 node's balanceOf at block {l2_block}: {expected}"
        )
    settle = result.call_assumptions
    kit.echo(
        f"  proven on chain {settle.chain_id} at block {settle.block_number} ({result.mode}): "
        f"{proven // EXT} EXT on chain {kit.l2_chain_id} at block {l2_block}, equal to the L2 node's balanceOf"
    )
    claim = verifier.functions.claimWhale(*result.verifier_args())

    kit.expect_tampered_refused(claim, "one wei more or less than proven")

    kit.echo("submitting the proof to SimpleTeleportVerifier.claimWhale on the L1")
    # A proof of the latest block verifies from the next one on: estimate against the pending block.
    gas = claim.estimate_gas({"from": holder}, block_identifier="pending")
    receipt = kit.w3.eth.wait_for_transaction_receipt(claim.transact({"from": holder, "gas": gas}))
    if receipt["status"] != 1:
        raise SystemExit(f"claimWhale reverted: {receipt}")
    badges = verifier.functions.balanceOf(holder).call()
    if badges != 1:
        raise SystemExit(f"expected 1 badge for {holder}, found {badges}")
    tx = receipt["transactionHash"].to_0x_hex()
    kit.echo(f"  tx {tx} in block {receipt['blockNumber']}: whale badge #1 minted to {holder}")
    again = kit.revert_of(claim, sender=holder)
    if again != function_signature_to_4byte_selector("AlreadyClaimed(address)") + encode(["address"], [holder]):
        raise SystemExit("a second claim with the same proof was not refused")
    kit.echo("  replaying the same proof is refused: AlreadyClaimed")
