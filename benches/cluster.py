"""One multi-segment job proved on a Ray cluster with 1 and then 2 prover nodes, in one run (docs/scale-out.md).

    .venv/bin/python benches/cluster.py [--rounds 1500] [--po2 14] [--guest segments-test | --guest vlayer --input F]

The cluster is Ray's own local test cluster (a head without the prover resource, prover nodes with one slot each),
so every node shares this machine: with N cores and a prover that uses all of them, a second node on the same
machine shows the coordinator's parallelism and overhead, not a second machine's speed. It prints the wall time of
each run and their ratio, every segment's prover seconds and node, and the coordinator's own share of the wall time
(execute into segments, receipt checks, assembly) and Ray's (transfer, scheduling, worker start: a segment's time
from submit to result beyond its prover's seconds). Figures, not tests: nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "host"))

import ray
from ray.cluster_utils import Cluster

from vlayer.cluster import segments, testguest
from vlayer.cluster.coordinator import JobStats, prove_job
from vlayer.cluster.ray_backend import PROVER_RESOURCE, RayBackend, image_resource
from vlayer.receipts import zkvm


def run_once(guest_input: bytes, guest: str, po2: int, label: str, journal: bytes | None) -> JobStats:
    backend = RayBackend(None, image_id=segments.image_id(guest), connect=False)
    stats = JobStats()
    proof = prove_job(guest_input, job_id=label, backend=backend, segment_po2=po2, guest=guest, stats=stats)
    verified = zkvm.verify(proof.receipt, segments.image_id(guest))
    assert journal is None or verified.journal == journal, "journal differs"
    nodes = sorted({s["node"] for s in stats.segments})
    print(f"== {label}: {proof.run.segments} segments of 2^{po2}, {proof.run.total_cycles:,} cycles, "
          f"{len(nodes)} node(s) used, receipt verified")  # fmt: skip
    for s in sorted(stats.segments, key=lambda s: s["index"]):
        print(f"   segment {s['index']:>3}: prover {s['seconds']:6.1f} s, submit->result {s['elapsed']:6.1f} s, "
              f"node {s['node'][:8]}")  # fmt: skip
    ray_overhead = sum(s["elapsed"] - s["seconds"] for s in stats.segments)
    elapsed = sum(s["elapsed"] for s in stats.segments)
    own = stats.execute_seconds + stats.check_seconds + stats.assemble_seconds
    print(f"   wall {stats.wall_seconds:.1f} s; coordinator: execute {stats.execute_seconds:.2f} s, checks "
          f"{stats.check_seconds:.2f} s, assemble {stats.assemble_seconds:.2f} s = {own / stats.wall_seconds:.1%} of "
          f"wall; Ray transfer/scheduling {ray_overhead:.1f} s summed over segments "
          f"(mean {ray_overhead / max(1, len(stats.segments)):.2f} s a segment, "
          f"{ray_overhead / max(1e-9, elapsed):.1%} of their submit->result time)")  # fmt: skip
    return stats


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--guest", default="segments-test", choices=segments.GUESTS)
    parser.add_argument("--rounds", type=int, default=1500, help="segments-test: loop rounds (1500: 8 segments)")
    parser.add_argument("--input", help="vlayer guest: a guest input file (benches/zkvm.py --save-inputs)")
    parser.add_argument("--po2", type=int, default=None, help="segment size (default 14 for segments-test, else 20)")
    args = parser.parse_args()
    if args.guest == "vlayer":
        if not args.input:
            parser.error("--guest vlayer needs --input FILE")
        guest_input, journal = Path(args.input).read_bytes(), None
        po2 = args.po2 or zkvm.DEFAULT_SEGMENT_PO2
    else:
        guest_input, journal = testguest.guest_input(args.rounds), testguest.journal(args.rounds)
        po2 = args.po2 or testguest.SEGMENT_PO2

    resources = {PROVER_RESOURCE: 1, image_resource(segments.image_id(args.guest)): 1}
    # Object stores bounded as `vlayer cluster` bounds them (a 2^14 segment is about 30 KB, a receipt 200 KB).
    store = 200 << 20
    head = {"num_cpus": 1, "include_dashboard": False, "object_store_memory": store}
    cluster = Cluster(initialize_head=True, head_node_args=head)
    try:
        cluster.add_node(num_cpus=1, resources=resources, object_store_memory=store)
        cluster.wait_for_nodes()
        ray.init(address=cluster.address, include_dashboard=False, log_to_driver=False)
        one = run_once(guest_input, args.guest, po2, "1 prover node", journal)
        cluster.add_node(num_cpus=1, resources=resources, object_store_memory=store)
        cluster.wait_for_nodes()
        two = run_once(guest_input, args.guest, po2, "2 prover nodes", journal)
    finally:
        ray.shutdown()
        cluster.shutdown()
    one_median = statistics.median(s["seconds"] for s in one.segments)
    two_median = statistics.median(s["seconds"] for s in two.segments)
    print(f"\n1 node {one.wall_seconds:.1f} s, 2 nodes {two.wall_seconds:.1f} s: ratio "
          f"{one.wall_seconds / two.wall_seconds:.2f}x; median prover seconds a segment: 1 node {one_median:.1f} s, "
          f"2 nodes {two_median:.1f} s; {os.cpu_count()} cores shared by all nodes")  # fmt: skip


if __name__ == "__main__":
    main()
