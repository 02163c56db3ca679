"""The prove service under load, in fake mode, against a local anvil:

    .venv/bin/python benches/service.py [N]

N distinct `v_call`s (ERC20 balances of N owners) sent by 16 client threads to a real `vlayer serve` process with
2 workers; each latency runs from sending `v_call` to seeing `done` by polling. Printed next to anvil's own
`eth_call` of the same prover call, with the share of the job time spent in preflight. A figure, not a test.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "host"))

from eth_abi import encode
from tests.support.contracts import HARDFORK, call, deploy_app, selector, send
from tests.support.service import Serve

from vlayer.devnet import Anvil
from vlayer.guest import call_guest_id
from vlayer.service.client import ProveClient


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def main(n: int) -> None:
    with Anvil(hardfork=HARDFORK) as anvil, tempfile.TemporaryDirectory() as tmp:
        app = deploy_app(anvil)
        send(anvil, app.owner, app.repository, selector("addImageIdSupport(bytes32)") + call_guest_id())
        app.mine(2)
        calls = ["0x" + (selector("balance(address)") + encode(["address"], [(0x5000 + i).to_bytes(20, "big")])).hex()
                 for i in range(n)]  # fmt: skip
        t0 = time.perf_counter()
        for data in calls[: min(n, 50)]:
            call(anvil, app.prover, bytes.fromhex(data[2:]))
        anvil_ms = (time.perf_counter() - t0) / min(n, 50) * 1e3

        with Serve(anvil.url, Path(tmp) / "jobs.db", HARDFORK, "--workers", "2") as serve:
            client = ProveClient(serve.url)
            head = app.head()
            prover = "0x" + app.prover.hex()

            def one(data: str) -> tuple[float, dict[str, float]]:
                start = time.perf_counter()
                job = client.call(prover, data, 31337, head)
                receipt = client.wait(job, timeout=600)
                return time.perf_counter() - start, receipt["metrics"]["times"]

            wall = time.perf_counter()
            with ThreadPoolExecutor(max_workers=16) as pool:
                results = list(pool.map(one, calls))
            wall = time.perf_counter() - wall
    latencies = [r[0] * 1e3 for r in results]
    job_total = sum(r[1]["total"] for r in results)
    preflight = sum(r[1]["preflight"] for r in results)
    guest = sum(r[1]["guest"] for r in results)
    print(f"prove service, fake mode, {n} distinct v_calls, 16 clients, 2 workers, anvil {HARDFORK}")
    print(f"{'figure':34} {'value':>12}")
    print("-" * 47)
    print(f"{'jobs done per second':34} {n / wall:>12.1f}")
    print(f"{'v_call -> done p50 (ms)':34} {statistics.median(latencies):>12.1f}")
    print(f"{'v_call -> done p99 (ms)':34} {pct(latencies, 0.99):>12.1f}")
    print(f"{'job time in preflight':34} {preflight / job_total:>12.0%}")
    print(f"{'job time in native guest check':34} {guest / job_total:>12.0%}")
    print(f"{'anvil eth_call, same call (ms)':34} {anvil_ms:>12.2f}   (reference)")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 100)
