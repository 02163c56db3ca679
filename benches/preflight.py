"""Preflight cost next to the reference: anvil's own eth_call of the same call at the same block.

    .venv/bin/python benches/preflight.py [--repeat N]

Per corpus call it prints: preflight wall time (best of N, fresh client each time so nothing is cached), HTTP
requests, witness bytes, anvil eth_call time (best of N) and the ratio preflight / eth_call. A figure, not a test:
nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import contextlib
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "host"))

from tests.support.corpus import calldata, corpus_calls, deploy_corpus

from vlayer.chain.forks import ChainSpec
from vlayer.devnet import Anvil, ToolError
from vlayer.preflight.execute import CallRequest, preflight
from vlayer.rpc import RpcClient

GAS = 16_000_000
#: Issue 28's goals: the median ratio, and the loop-heavy call's (the per-opcode cost), in the same run.
MEDIAN_GOAL = 5
LOOP_GOAL = 50


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--hardfork", default="osaka")
    args = parser.parse_args()

    with Anvil(hardfork=args.hardfork) as anvil:
        d = deploy_corpus(anvil, "osaka")
        block = int(anvil.rpc("eth_blockNumber"), 16)
        spec = ChainSpec.dev(args.hardfork)
        calls = [(c.name, c.to, c.data) for c in corpus_calls(d)]
        for n in (10, 100, 300):
            calls.append((f"wide-storage-{n}", d.corpus, calldata("wideSum(uint256)", ["uint256"], [n])))

        head = f"{'call':28} {'preflight ms':>12} {'http reqs':>9} {'witness B':>10} {'eth_call ms':>11} {'ratio':>7}"
        print(f"anvil {args.hardfork}, block {block}, best of {args.repeat}")
        print(head)
        print("-" * len(head))
        ratios = []
        by_name: dict[str, float] = {}
        for name, to, data in calls:
            pre_times, reqs, witness = [], 0, 0
            for _ in range(args.repeat):
                client = RpcClient.http(anvil.url)
                t = time.perf_counter()
                r = preflight(client, CallRequest(to=to, data=data, gas=GAS), block, chain_spec=spec)
                pre_times.append(time.perf_counter() - t)
                reqs, witness = r.http_requests, r.bundle.witness_bytes
                client.close()
            obj = {"to": "0x" + to.hex(), "data": "0x" + data.hex(), "gas": hex(GAS)}
            call_times = []
            for _ in range(args.repeat):
                t = time.perf_counter()
                with contextlib.suppress(ToolError):  # a reverting call is timed the same
                    anvil.rpc("eth_call", obj, hex(block))
                call_times.append(time.perf_counter() - t)
            pre, ref = min(pre_times), min(call_times)
            ratios.append(pre / ref)
            by_name[name] = pre / ref
            print(f"{name:28} {pre * 1e3:12.1f} {reqs:9d} {witness:10d} {ref * 1e3:11.2f} {pre / ref:7.1f}")
        print("-" * len(head))
        median = statistics.median(ratios)
        print(
            f"median ratio preflight / anvil eth_call: {median:.1f}x over {len(ratios)} calls "
            f"(goal {MEDIAN_GOAL}x: {'met' if median <= MEDIAN_GOAL else 'not met'})"
        )
        loop = by_name.get("loop-heavy")
        if loop is not None:
            print(f"loop-heavy: {loop:.1f}x (goal {LOOP_GOAL}x: {'met' if loop <= LOOP_GOAL else 'not met'})")


if __name__ == "__main__":
    main()
