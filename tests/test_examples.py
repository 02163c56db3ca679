"""Examples end to end: `bash/vlayer-build.sh` run from an example folder on a fresh anvil ends with the verifier's
state changed by a verified proof and a tampered proof refused (the example app checks both and fails otherwise);
the task board's app ends with every request answered once by its workers, and the sealed-bid auction's with its
shielded bids settled by one proof (both apps check that themselves)."""

from __future__ import annotations

import os
import re
import subprocess

from vlayer.devnet import REPO_ROOT


def build_example(name: str) -> str:
    """`bash/vlayer-build.sh` in `examples/<name>` on its own anvil and prove service; its output, once it passed."""
    env = {k: v for k, v in os.environ.items() if k not in ("RPC_URL", "PROVER_URL")}
    p = subprocess.run(["bash", "../../bash/vlayer-build.sh"], cwd=REPO_ROOT / "examples" / name, env=env,
                       capture_output=True, text=True, timeout=600, check=False)  # fmt: skip
    out = p.stdout + p.stderr
    assert p.returncode == 0, out
    assert f"== done: {name} proved and verified on chain 31337" in out
    return out


def run_example(name: str) -> str:
    """An example whose app proves one call and submits it to a verifier, which must refuse a tampered copy."""
    out = build_example(name)
    assert "tampered proof rejected: VerificationFailed()" in out
    return out


def test_simple_example_end_to_end() -> None:
    out = run_example("simple")
    assert "badge #1 minted to 0x70997970C51812dc3A010C7d01b50e0d17dc79C8" in out
    assert "replaying the same proof is refused: AlreadyClaimed" in out


def test_vault_position_example_end_to_end() -> None:
    """The cross-contract example: prover -> token and prover -> vault -> token, one proof."""
    out = run_example("vault-position")
    assert "gold tier granted to 0x70997970C51812dc3A010C7d01b50e0d17dc79C8" in out
    assert "replaying the same proof is refused: StaleProof" in out


def test_simple_time_travel_example_end_to_end() -> None:
    """Time travel: the prover samples past blocks with setBlock; the proven average matches the node's history."""
    out = run_example("simple-time-travel")
    assert "[100, 80, 60, 40] EXT, average 70.0 EXT" in out
    assert "proven average 70.0 EXT matches the node's balance history" in out
    assert "0x70997970C51812dc3A010C7d01b50e0d17dc79C8 is loyal (average 70.0 EXT)" in out
    assert "replaying the same proof is refused: AlreadyLoyal" in out


def test_simple_logs_example_end_to_end() -> None:
    """Logs as inputs: the prover sums the token's Transfer events to the holder over a block range with Logs.get;
    the proven sum and count equal eth_getLogs', and the verifier records the holder as a supporter."""
    out = run_example("simple-logs")
    holder = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"
    assert "eth_getLogs: 4 transfers to the holder in blocks" in out
    assert "proven 4 transfers, 60.0 EXT, equal to eth_getLogs" in out
    assert f"{holder} is a supporter (60.0 EXT)" in out
    assert "replaying the same proof is refused: AlreadySupporter" in out


def test_simple_email_proof_example_end_to_end() -> None:
    """Email proofs: a DKIM-signed email (testdata/, signed with the test DKIM key, its record signed by the dev DNS
    notary) asks for an NFT at a wallet in its subject; the prover verifies it and captures the wallet and the
    sender's domain with regexes; the verifier mints once per sender. An edited body and an expired DNS record are
    refused."""
    out = run_example("simple-email-proof")
    wallet = "0x90F79bf6EB2c4f870365E785982E1f101E93b906"
    assert f"vlayer-test.example asks for an NFT at {wallet}" in out
    assert f"NFT #1 for vlayer-test.example minted to {wallet}" in out
    assert "replaying the same proof is refused: EmailAlreadyUsed" in out
    assert re.search(r"^  refused: .*body hash did not verify", out, re.M), out
    assert "  refused: EmailProof: expired DNS verification" in out


def test_simple_json_example_end_to_end() -> None:
    """JSON: a quote read from a document passed as calldata (JSON getters, a regex, a URL pattern), proven with the
    document's hash and recorded once by the verifier; a failed feed and a missing field are refused."""
    out = run_example("simple-json")
    assert "ETH/USD at 3021.25 (t=1767348000, 3 trades), as the JSON says" in out
    assert re.search(r"quote recorded for document 0x[0-9a-f]{64}$", out, re.M), out
    assert "replaying the same proof is refused: AlreadyRecorded" in out
    assert "  refused: FeedNotOk()" in out
    assert "Expected type 'String' at data.pair, but found Null" in out


def test_simple_teleport_example_end_to_end() -> None:
    """Teleport: the token lives on a second anvil (the dev L2, 31338) whose block the L1 anchors in its dev
    anchor-state registry; the prover on the L1 reads the balance there with setChain, and the verifier on the L1
    mints the badge. The L2 moves on after the anchor, and the proof still shows the anchored block's balance."""
    out = run_example("simple-teleport")
    holder = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"
    assert re.search(r"^anvil \(osaka, chain 31338\) at http://127\.0\.0\.1:\d+$", out, re.M), out
    anchored = re.search(rf"^  {holder} holds 750 EXT on chain 31338 at block (\d+)$", out, re.M)
    assert anchored is not None, out
    registry = "0x5FbDB2315678afecb367f032d93F642f64180aa3"
    assert re.search(rf"^  output root 0x[0-9a-f]{{64}} anchored in L1 block \d+ at {registry}$", out, re.M), out
    assert f"the L2 moved on: {holder} now holds 150 EXT" in out
    assert f"750 EXT on chain 31338 at block {anchored[1]}, equal to the L2 node's balanceOf" in out
    assert f"whale badge #1 minted to {holder}" in out
    assert "replaying the same proof is refused: AlreadyClaimed" in out


def test_task_board_example_end_to_end() -> None:
    """Request-response: six tasks posted to a RequestBook, two `vlayer worker` processes racing to answer them
    through the prove service; the app checks each task was fulfilled once, the fees, and that the balances are
    those of applying the answers in the order they landed."""
    out = build_example("task-board")
    final = re.search(r"^task board: 6 tasks, each answered once \(worker A: (\d+), worker B: (\d+)\)$", out, re.M)
    assert final is not None, out
    assert int(final[1]) + int(final[2]) == 6, final[0]
    assert "final balances (equal to applying the answers in order)" in out
    # Carol's transfer of 5000 is more than anyone holds, whatever the order.
    assert re.search(r"task 6: carol -> alice 5000 +refused", out), out


def test_sealed_bid_auction_example_end_to_end() -> None:
    """Shielded requests: four sealed bids, a copied envelope and a bid sealed to another key, settled by one proof
    that opens them all (the one that does not open counts for nothing), made by a `vlayer worker --shielding-key`
    process; the app checks the second-price outcome, every withdrawal, and that no amount but the price (nor the
    secret key) is in the chain's calldata and logs or the worker's database and log."""
    out = build_example("sealed-bid-auction")
    bob = "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC"
    assert re.search(rf"^sealed-bid auction: 6 bids, winner {bob}, price 651370482963115274 wei$", out, re.M), out
    assert re.search(r"^  mallory +ignored: a copy, its plaintext names bob$", out, re.M), out
    assert re.search(r"^  dave +ignored: more than its deposit$", out, re.M), out
    assert re.search(r"^  erin +ignored: does not open under the workers' key$", out, re.M), out
    assert "alice's amount, bob's amount, dave's amount, erin's amount, the secret key" in out


def test_vlayer_build_outside_an_example_fails_loudly() -> None:
    p = subprocess.run(["bash", str(REPO_ROOT / "bash" / "vlayer-build.sh")], cwd=REPO_ROOT, capture_output=True,
                       text=True, timeout=60, check=False)  # fmt: skip
    assert p.returncode == 1
    assert "run this from an example folder" in p.stderr
