"""The `simple-email-proof` example, end to end: Alice's email asks, in its subject, for a domain NFT minted to a
wallet; the prover verifies its DKIM signature (against her domain's DKIM record, signed by the dev DNS notary) and
captures the wallet and her domain with regexes; the verifier mints the NFT to that wallet, once per sender. A
tampered proof, an edited email and an expired DNS record are refused. Run by `bash ../../bash/vlayer-build.sh` from
this folder.

testdata/ holds the email (signed with the test DKIM key of `vlayer-test.example`, copied from
precompiles/testdata/email/good_relaxed.eml) and that domain's DKIM TXT record; `prepare_email` signs the record as
the dev DNS notary, whose key dev chains trust."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from eth_abi.abi import encode
from eth_utils.abi import function_signature_to_4byte_selector

from vlayer.email import prepare_email
from vlayer.errors import ProveError, ProverRevertedError

TESTDATA = Path(__file__).resolve().parent.parent / "testdata"
SENDER = "alice@vlayer-test.example"
DOMAIN = "vlayer-test.example"
WALLET = "0x90F79bf6EB2c4f870365E785982E1f101E93b906"  # in the email's subject (anvil's fourth account)


def run(kit: Any) -> None:
    owner = kit.accounts[0]
    kit.echo("deploying")
    prover = kit.deploy("EmailDomainProver")
    repository = kit.deploy("ImageIdRepository", owner)
    kit.transact(repository.functions.addImageIdSupport(kit.call_guest_id), "addImageIdSupport")
    proof_verifier = kit.deploy("FakeProofVerifier", repository.address)
    verifier = kit.deploy("EmailDomainVerifier", proof_verifier.address, prover.address)

    dkim_record = (TESTDATA / "dkim_record.txt").read_text().strip()
    email = prepare_email((TESTDATA / "mint_request.eml").read_bytes(), dkim_record)
    kit.echo(f"email from {SENDER}, its DKIM record {email.dns_name} signed by the dev DNS notary")

    kit.echo("proving the email through the prove service")
    result = kit.client.prove(prover.functions.main(email.as_abi()), on_state=kit.progress)
    email_hash, wallet, domain = result.outputs
    if email_hash != hashlib.sha256(SENDER.encode()).digest() or domain != DOMAIN or wallet != WALLET:
        raise SystemExit(f"proven 0x{email_hash.hex()}, {wallet}, {domain!r}: not {SENDER}'s request for {WALLET}")
    kit.echo(f"  proved ({result.mode}): {domain} asks for an NFT at {wallet}")
    mint = verifier.functions.verify(*result.verifier_args())

    kit.expect_tampered_refused(mint, "the domain's last byte")

    kit.echo("submitting the proof to EmailDomainVerifier.verify")
    # A proof of the latest block verifies from the next one on: estimate against the pending block.
    gas = mint.estimate_gas({"from": owner}, block_identifier="pending")
    receipt = kit.w3.eth.wait_for_transaction_receipt(mint.transact({"from": owner, "gas": gas}))
    if receipt["status"] != 1:
        raise SystemExit(f"EmailDomainVerifier.verify reverted: {receipt}")
    holder = verifier.functions.ownerOf(1).call()
    if holder != wallet or verifier.functions.domainOf(1).call() != DOMAIN:
        raise SystemExit(f"NFT #1 belongs to {holder}, not {wallet}, or is not for {DOMAIN}")
    tx = receipt["transactionHash"].to_0x_hex()
    kit.echo(f"  tx {tx} in block {receipt['blockNumber']}: NFT #1 for {DOMAIN} minted to {wallet}")
    again = kit.revert_of(mint)
    if again != function_signature_to_4byte_selector("EmailAlreadyUsed(bytes32)") + encode(["bytes32"], [email_hash]):
        raise SystemExit("a second mint for the same sender was not refused")
    kit.echo("  replaying the same proof is refused: EmailAlreadyUsed")

    kit.echo("proving an edited copy of the email (its body changed after signing)")
    edited = prepare_email((TESTDATA / "mint_request_body_changed.eml").read_bytes(), dkim_record)
    try:
        kit.client.prove(prover.functions.main(edited.as_abi()), on_state=kit.progress)
    except ProveError as exc:
        if "body hash did not verify" not in str(exc):
            raise SystemExit(f"the edited email was refused for another reason: {exc}") from None
        kit.echo(f"  refused: {exc}")
    else:
        raise SystemExit("an edited email was proven")

    kit.echo("proving the email with a DNS record whose notarisation has expired")
    now = kit.w3.eth.get_block("latest")["timestamp"]
    stale = prepare_email((TESTDATA / "mint_request.eml").read_bytes(), dkim_record, valid_until=now - 1)
    try:
        kit.client.prove(prover.functions.main(stale.as_abi()), on_state=kit.progress)
    except ProverRevertedError as exc:
        if exc.reason != "EmailProof: expired DNS verification":
            raise SystemExit(f"the expired record was refused for another reason: {exc.reason}") from None
        kit.echo(f"  refused: {exc.reason}")
    else:
        raise SystemExit("an email with an expired DNS record was proven")
