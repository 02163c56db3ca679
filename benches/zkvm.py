"""zkVM cost of our guest next to the published reference figures, in one run.

    .venv/bin/python benches/zkvm.py [--prove erc20-balanceOf,...] [--po2 20]

For an ERC20 `balanceOf` (on a fresh anvil, and on the recorded fixture chain, whose deeper tries make a longer
witness), a two-call prover (two `balanceOf`s through a contract), a no-op prover call and a time-travelling call
(the recorded `travel_history_osaka` vector: setBlock to two past blocks and back) it prints total / user cycles and
segments of the embedded guest in the RISC Zero 3.0 executor, beside RISC Zero Steel's published figures and
vlayer's no-op figure (no figure is published for time travel; compare it with erc20-recorded). With `--prove` it
proves the named calls as composite receipts on this CPU and prints proving time, cycles per second and the
process's peak memory. Figures, not tests: nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "host"))

from tests.support.corpus import HOLDERS, calldata, deploy_corpus

from vlayer import zkvm
from vlayer.chain.forks import ChainSpec
from vlayer.devnet import Anvil
from vlayer.guest import build_info, execute_native
from vlayer.guest_input import input_for
from vlayer.preflight.execute import CallRequest, preflight
from vlayer.rpc import RpcClient

GAS = 16_000_000
VECTORS = Path(__file__).resolve().parents[1] / "tests" / "vectors" / "guest"

#: Published figures: RISC Zero Steel's README/benchmarks (ERC20 balanceOf; two calls) and vlayer's docs (no-op).
REFERENCE: dict[str, tuple[str, int | None, int | None]] = {
    "erc20-balanceOf": ("Steel", 5_767_168, 4_307_081),
    "erc20-recorded": ("Steel", 5_767_168, 4_307_081),
    "two-calls": ("Steel", 11_534_336, 8_885_255),
    "no-op": ("vlayer", 7_340_032, None),
    # No published figure for a time-travelling call; compare it with erc20-recorded (one read, no travel).
    "travel-history": ("-", None, None),
}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--prove", default="", help="comma-separated calls to prove (composite), e.g. erc20-balanceOf")
    parser.add_argument("--po2", type=int, default=zkvm.DEFAULT_SEGMENT_PO2, help="segment size, log2 cycles")
    args = parser.parse_args()
    to_prove = [n for n in args.prove.split(",") if n]

    info = build_info()
    print(f"guest image id 0x{info['image_id']}, risc0-zkvm {info['risc0_zkvm_version']}, segment po2 {args.po2}")
    with Anvil(hardfork="osaka") as anvil:
        d = deploy_corpus(anvil, "osaka")
        block = int(anvil.rpc("eth_blockNumber"), 16)
        calls = {
            "erc20-balanceOf": (d.token, calldata("balanceOf(address)", ["address"], [HOLDERS[1]])),
            "two-calls": (d.corpus, calldata("sumBalances(address[])", ["address[]"], [HOLDERS[:2]])),
            "no-op": (d.helper, calldata("triple(uint256)", ["uint256"], [1])),
        }
        inputs: dict[str, bytes] = {}
        for name, (to, data) in calls.items():
            client = RpcClient.http(anvil.url)
            result = preflight(client, CallRequest(to=to, data=data, gas=GAS), block, chain_spec=ChainSpec.dev("osaka"))
            client.close()
            assert result.success, name
            inputs[name] = input_for(result)
    # The same call on the recorded fixture chain (more history: deeper tries, a longer witness).
    inputs["erc20-recorded"] = (VECTORS / "erc20_balance_osaka.input.bin").read_bytes()
    # Time travel (recorded): setBlock to two past blocks and back, a storage read at each (TravelProbe.history).
    inputs["travel-history"] = (VECTORS / "travel_history_osaka.input.bin").read_bytes()

    head = (
        f"{'call':16} {'total cycles':>13} {'user cycles':>12} {'segs':>4} {'exec s':>7} {'native ms':>9} | "
        f"{'reference':9} {'total':>11} {'user':>10} {'ours/ref':>8}"
    )
    print(head)
    print("-" * len(head))
    for name, data in inputs.items():
        t = time.perf_counter()
        native = execute_native(data)
        native_ms = (time.perf_counter() - t) * 1000
        run = zkvm.execute(data, args.po2)
        assert run.journal == native.journal, name
        who, ref_total, ref_user = REFERENCE[name]
        ref_total_text = f"{ref_total:>11,}" if ref_total else f"{'-':>11}"
        ref_user_text = f"{ref_user:>10,}" if ref_user else f"{'-':>10}"
        ratio = f"{run.total_cycles / ref_total:>8.2f}" if ref_total else f"{'-':>8}"
        print(
            f"{name:16} {run.total_cycles:>13,} {run.user_cycles:>12,} {run.segments:>4} {run.execute_seconds:>7.2f} "
            f"{native_ms:>9.1f} | {who:9} {ref_total_text} {ref_user_text} {ratio}"
        )

    for name in to_prove:
        data = inputs[name]
        t = time.perf_counter()
        proved = zkvm.prove(data, "composite", args.po2)
        wall = time.perf_counter() - t
        t = time.perf_counter()
        zkvm.verify(proved.receipt, zkvm.image_id())
        verify_s = time.perf_counter() - t
        peak_gib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / (1 << 20)
        print(
            f"prove {name}: composite, {proved.run.segments} segments, {proved.run.total_cycles:,} cycles; "
            f"proving {proved.prove_seconds:.1f}s ({proved.run.total_cycles / proved.prove_seconds:,.0f} cycles/s), "
            f"wall {wall:.1f}s, verify {verify_s:.2f}s, receipt {len(proved.receipt):,} bytes, "
            f"peak RSS {peak_gib:.1f} GiB"
        )


if __name__ == "__main__":
    main()
