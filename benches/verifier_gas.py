"""Gas of a successful Groth16 verification on a real anvil, next to RISC Zero's published figure; and what a proof's
settle-block check costs when its block is within BLOCKHASH's 256 blocks and when it is older (EIP-2935's history
contract, up to 8,191 blocks).

    .venv/bin/python benches/verifier_gas.py

Verifies RISC Zero's real 3.0 receipt (contracts/test/vectors/) with our `RiscZeroGroth16Verifier`, directly and through
`RiscZeroVerifierRouter`, in transactions: gas used as the receipt reports it, and the execution share (minus the
transaction's intrinsic cost). RISC Zero quotes about 280k-300k gas for its own verifier. The precompile floor is
what BN254 verification with five public inputs costs at EIP-1108 prices before any other work. The settle rows
estimate one dev-proof claim (examples' BalanceVerifier through FakeProofVerifier) at ages 1, 256, 257 and 8,191:
the reference is the age-1 row, and the history contract's read is EIP-2935's cold CALL plus its SLOAD. A figure,
not a test.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "host"))

from eth_abi import encode
from tests.support.contracts import HARDFORK, deploy, deploy_app, receipt_vector, selector, send

from vlayer.devnet import Anvil
from vlayer.preflight.execute import intrinsic_gas
from vlayer.receipts.claim import sha256
from vlayer.receipts.proof_encoding import PROOF_TYPE, verifier_calldata

#: Pairing of 4 pairs (45,000 + 4 x 34,000), 5 ecMul (6,000), 5 ecAdd (150).
PRECOMPILE_FLOOR = 45_000 + 4 * 34_000 + 5 * 6_000 + 5 * 150


def main() -> None:
    r = receipt_vector()
    with Anvil(hardfork=HARDFORK) as anvil:
        sender = anvil.rpc("eth_accounts")[0]
        verifier = deploy(
            anvil, "RiscZeroGroth16Verifier", ["bytes32", "bytes32"], [r.control_root, r.bn254_control_id], sender
        )
        router = deploy(anvil, "RiscZeroVerifierRouter", ["address"], [bytes.fromhex(sender[2:])], sender)
        send(
            anvil,
            sender,
            router,
            selector("addVerifier(bytes4,address)") + encode(["bytes4", "address"], [r.seal[:4], verifier]),
        )
        data = selector("verify(bytes,bytes32,bytes32)") + encode(
            ["bytes", "bytes32", "bytes32"], [r.seal, r.image_id, sha256(r.journal)]
        )
        intrinsic, floor = intrinsic_gas(data)
        print(f"anvil {HARDFORK}, RISC Zero 3.0 receipt, calldata {len(data)} bytes (intrinsic gas {intrinsic:,})")
        head = f"{'verification':32} {'tx gas':>9} {'execution gas':>14}"
        print(head)
        print("-" * len(head))
        for name, target in (("RiscZeroGroth16Verifier.verify", verifier), ("via RiscZeroVerifierRouter", router)):
            used = int(send(anvil, sender, target, data)["gasUsed"], 16)
            # Above the EIP-7623 calldata floor the transaction pays intrinsic + execution.
            execution = f"{used - intrinsic:,}" if used > floor else "n/a (floor)"
            print(f"{name:32} {used:>9,} {execution:>14}")
        print(f"{'RISC Zero verifier (published)':32} {'~280,000-300,000':>24}")
        print(f"{'BN254 precompile floor':32} {PRECOMPILE_FLOOR:>24,}")
    settle_paths()


def settle_paths() -> None:
    with Anvil(hardfork=HARDFORK) as anvil:
        app = deploy_app(anvil)
        app.mine(3)
        n = app.head()
        proof, journal = app.dev_proof(selector("balance(address)") + encode(["address"], [app.holder]), n)
        data = verifier_calldata(selector(f"claim({PROOF_TYPE},address,uint256)"), proof, journal)
        tx = {"from": app.owner, "to": "0x" + app.verifier.hex(), "data": "0x" + data.hex()}
        print()
        head = f"{'settle block check (claim tx)':32} {'age':>6} {'gas':>9} {'vs age 1':>9}"
        print(head)
        print("-" * len(head))
        base = 0
        for age in (1, 256, 257, 8191):
            # In steps: anvil's time per block grows with the chain (EIP-2935's ring buffer fills a storage trie).
            while app.head() < n + age:
                anvil.rpc("anvil_mine", hex(min(500, n + age - app.head())))
            gas = int(anvil.rpc("eth_estimateGas", tx, hex(n + age)), 16)
            base = base or gas
            path = "BLOCKHASH" if age <= 256 else "EIP-2935 history contract"
            print(f"{path:32} {age:>6} {gas:>9,} {gas - base:>+9,}")


if __name__ == "__main__":
    main()
