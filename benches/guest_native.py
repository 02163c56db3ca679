"""Native guest (Rust: proof checks + revm) next to the py-evm preflight, on the same calls.

    .venv/bin/python benches/guest_native.py [--repeat N]

The py-evm column is the execution share the preflight reports (best of N): the state was prefetched in one batch
before it, but it still includes checking each proof as py-evm first touches it, and for `blockhash` the fetch of
ancestor headers. The guest column includes decoding the input and verifying every proof. A figure, not a test.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "host"))

from tests.support.corpus import calldata, corpus_calls, deploy_corpus

from vlayer.chain.forks import ChainSpec
from vlayer.devnet import Anvil
from vlayer.guest import check_guest, execute_native
from vlayer.guest_input import input_for
from vlayer.preflight.execute import CallRequest, preflight
from vlayer.rpc import RpcClient


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    with Anvil(hardfork="osaka") as anvil:
        d = deploy_corpus(anvil, "osaka")
        block = int(anvil.rpc("eth_blockNumber"), 16)
        calls = [(c.name, c.to, c.data) for c in corpus_calls(d)]
        calls.append(("wide-storage-300", d.corpus, calldata("wideSum(uint256)", ["uint256"], [300])))
        head = f"{'call':28} {'py-evm exec ms':>14} {'guest ms':>9} {'input B':>8} {'speedup':>8}"
        print(f"anvil osaka, block {block}, best of {args.repeat}")
        print(head)
        print("-" * len(head))
        speedups = []
        for name, to, data in calls:
            client = RpcClient.http(anvil.url)
            spec = ChainSpec.dev("osaka")
            best_exec = min(
                preflight(client, CallRequest(to=to, data=data), block, chain_spec=spec).timings["execute"]
                for _ in range(args.repeat)
            )
            result = preflight(client, CallRequest(to=to, data=data), block, chain_spec=spec)
            if not result.success:
                continue  # the guest proves only successful calls
            guest_input = input_for(result)
            times = []
            for _ in range(args.repeat):
                t = time.perf_counter()
                run = execute_native(guest_input)
                times.append(time.perf_counter() - t)
            check_guest(result, run)
            g = min(times)
            speedups.append(best_exec / g)
            print(f"{name:28} {best_exec * 1e3:14.2f} {g * 1e3:9.3f} {len(guest_input):8d} {best_exec / g:7.0f}x")
        print("-" * len(head))
        print(f"median speedup of the native guest over py-evm execution: {statistics.median(speedups):.0f}x")


if __name__ == "__main__":
    main()
