"""Time per `VTest.vprove` call inside `forge test`, next to the same kind of test with a hand-made dev proof.

    .venv/bin/python benches/forge_vprove.py [--repeat N]

Each row is the wall time of one `forge test` run of one test of `examples/simple` (median of N runs, build
cached): `SimpleProveTest.test_theProofCarriesTheProversOutputs` proves one call with `vprove` (state dump,
`vlayer test-call` through ffi: a private anvil, the preflight, the native guest, a fake proof), and
`SimpleTest.test_aVerifiedWhaleGetsOneBadge` verifies a proof `DevProofs` builds in Solidity. Their difference is
the time one `vprove` adds. The last row is one `vlayer test-call` on its own with the image id cache emptied, the
cost of the first `vprove` after the native module changed. A figure, not a test.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "host"))

from vlayer.devnet import REPO_ROOT, find_tool

EXAMPLE = REPO_ROOT / "examples" / "simple"
VPROVE = ("test/SimpleProve.t.sol", "test_theProofCarriesTheProversOutputs")
REFERENCE = ("test/Simple.t.sol", "test_aVerifiedWhaleGetsOneBadge")


def _forge_test(path: str, name: str) -> float:
    env = {**os.environ, "VLAYER_PYTHON": sys.executable}
    args = [find_tool("forge"), "test", "--offline", "--ffi", "--match-path", path, "--match-test", name]
    start = time.perf_counter()
    proc = subprocess.run(args, cwd=EXAMPLE, env=env, capture_output=True, text=True, timeout=600)
    took = time.perf_counter() - start
    if proc.returncode != 0 or "1 passed" not in proc.stdout:
        raise SystemExit(f"forge test {path} {name} failed:\n{proc.stdout[-3000:]}{proc.stderr[-2000:]}")
    return took


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    subprocess.run([find_tool("forge"), "build", "--offline"], cwd=EXAMPLE, check=True, capture_output=True)
    _forge_test(*VPROVE)  # warms the image id cache and the OS's file cache
    proving = [_forge_test(*VPROVE) for _ in range(args.repeat)]
    reference = [_forge_test(*REFERENCE) for _ in range(args.repeat)]
    shutil.rmtree(EXAMPLE / "cache" / "vlayer-test", ignore_errors=True)
    cold = _forge_test(*VPROVE)
    p, r = statistics.median(proving), statistics.median(reference)
    print(f"examples/simple, forge test per run, median of {args.repeat} ({os.cpu_count()} CPUs)")
    head = f"{'test':58} {'seconds':>8}"
    print(head)
    print("-" * len(head))
    print(f"{'one vprove (SimpleProveTest, image id cached)':58} {p:8.2f}")
    print(f"{'hand-made DevProofs proof (SimpleTest), the reference':58} {r:8.2f}")
    print(f"{'one vprove, image id cache emptied first':58} {cold:8.2f}")
    print("-" * len(head))
    print(f"time per vprove call: {p - r:.2f} s (cold image id cache: {cold - r:.2f} s)")


if __name__ == "__main__":
    main()
