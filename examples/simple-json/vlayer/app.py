"""The `simple-json` example, end to end: a price quote is read out of a JSON document passed as calldata (JSON
getters at JMESPath paths, a regex on the pair, a URL pattern on the source) and proven with the document's hash; the
verifier records the quote for that document once. A tampered proof, a document the prover refuses and one it
cannot read are refused. Run by `bash ../../bash/vlayer-build.sh` from this folder."""

from __future__ import annotations

import json
from decimal import ROUND_DOWN, Decimal
from pathlib import Path
from typing import Any

from eth_abi.abi import encode
from eth_utils.abi import function_signature_to_4byte_selector
from eth_utils.crypto import keccak

from vlayer.errors import ProveError, ProverRevertedError

TESTDATA = Path(__file__).resolve().parent.parent / "testdata"


def run(kit: Any) -> None:
    owner = kit.accounts[0]
    kit.echo("deploying")
    prover = kit.deploy("QuoteProver")
    repository = kit.deploy("ImageIdRepository", owner)
    kit.transact(repository.functions.addImageIdSupport(kit.call_guest_id), "addImageIdSupport")
    proof_verifier = kit.deploy("FakeProofVerifier", repository.address)
    verifier = kit.deploy("QuoteVerifier", proof_verifier.address, prover.address)

    document = (TESTDATA / "quote.json").read_text()
    # What the prover must find, read here with Python's json (the price truncated to hundredths, as proven).
    data = json.loads(document, parse_float=Decimal)["data"]
    expected = (
        keccak(text=document),
        data["pair"],
        int((data["price"] * 100).to_integral_value(ROUND_DOWN)),
        data["timestamp"],
        len(data["trades"]),
    )
    kit.echo(f"proving the quote in testdata/quote.json ({len(document)} bytes) through the prove service")
    result = kit.client.prove(prover.functions.main(document), on_state=kit.progress)
    if tuple(result.outputs) != expected:
        raise SystemExit(f"proven {result.outputs} differ from the document's {expected}")
    document_hash, pair, price, timestamp, trades = result.outputs
    kit.echo(f"  proved ({result.mode}): {pair} at {price / 100} (t={timestamp}, {trades} trades), as the JSON says")
    record = verifier.functions.record(*result.verifier_args())

    kit.expect_tampered_refused(record, "the pair's last byte")

    kit.echo("submitting the proof to QuoteVerifier.record")
    # A proof of the latest block verifies from the next one on: estimate against the pending block.
    gas = record.estimate_gas({"from": owner}, block_identifier="pending")
    receipt = kit.w3.eth.wait_for_transaction_receipt(record.transact({"from": owner, "gas": gas}))
    if receipt["status"] != 1:
        raise SystemExit(f"QuoteVerifier.record reverted: {receipt}")
    stored = verifier.functions.quoteOf(document_hash).call()
    if tuple(stored[:4]) != (pair, price, timestamp, trades):
        raise SystemExit(f"recorded {stored}, not the proven quote")
    tx = receipt["transactionHash"].to_0x_hex()
    kit.echo(f"  tx {tx} in block {receipt['blockNumber']}: quote recorded for document 0x{document_hash.hex()}")
    again = kit.revert_of(record)
    if again != function_signature_to_4byte_selector("AlreadyRecorded(bytes32)") + encode(["bytes32"], [document_hash]):
        raise SystemExit("recording the same document twice was not refused")
    kit.echo("  replaying the same proof is refused: AlreadyRecorded")

    kit.echo("proving a document whose feed reports an error")
    failed = json.dumps({**json.loads(document), "ok": False})
    try:
        kit.client.prove(prover.functions.main(failed), on_state=kit.progress)
    except ProverRevertedError as exc:
        if exc.reason != "FeedNotOk()":
            raise SystemExit(f"the failed feed was refused for another reason: {exc.reason}") from None
        kit.echo(f"  refused: {exc.reason}")
    else:
        raise SystemExit("a document with ok=false was proven")

    kit.echo("proving a document without a pair")
    no_pair = json.loads(document)
    del no_pair["data"]["pair"]
    try:
        kit.client.prove(prover.functions.main(json.dumps(no_pair)), on_state=kit.progress)
    except ProveError as exc:
        if "Expected type 'String' at data.pair, but found Null" not in str(exc):
            raise SystemExit(f"the document without a pair was refused for another reason: {exc}") from None
        kit.echo(f"  refused: {exc}")
    else:
        raise SystemExit("a document without a pair was proven")
