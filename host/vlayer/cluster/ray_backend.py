"""Segments proved on a Ray cluster: one Ray task per segment, placed only on nodes that offer the `vlayer_prover`
resource and the resource named after this build's guest image id (`vlayer cluster join` advertises both), so a
node running another guest build never gets a task; on the CUDA build a task also takes one GPU.

Ray retries nothing (`max_retries=0`): the coordinator counts attempts, refuses bad receipts and proves a segment
again itself. Segment bytes travel through Ray's object store."""

from __future__ import annotations

import contextlib
import os
import socket
import time
from concurrent.futures import Future
from typing import Any

from vlayer.cluster.coordinator import SegmentResult
from vlayer.cluster.segments import Segment
from vlayer.errors import ClusterError

#: Every prover node offers this many of it (its slots: segments it proves at once).
PROVER_RESOURCE = "vlayer_prover"
#: Where a segment task notes its process id while it proves (a file named after it, removed when done): tests kill
#: a prover mid-segment by that pid.
PID_DIR_ENV = "VLAYER_SEGMENT_PID_DIR"


def image_resource(image_id: bytes) -> str:
    """The resource a prover node running the guest with this image id offers (Ray names are short strings)."""
    return f"vlayer_image_{image_id.hex()[:16]}"


def _import_ray() -> Any:
    try:
        import ray
    except ImportError:
        raise ClusterError(
            "Ray is not installed; install vlayer with its cluster extra: pip install 'vlayer[cluster]'"
        ) from None
    return ray


def _prove_on_node(data: bytes) -> dict[str, Any]:
    """Runs on a prover node (a Ray worker process with vlayer installed)."""
    import ray

    from vlayer.cluster import segments

    pid_dir = os.environ.get(PID_DIR_ENV)
    pid_file = os.path.join(pid_dir, f"{os.getpid()}.pid") if pid_dir else None
    if pid_file:
        with open(pid_file, "w") as f:
            f.write(f"{time.time()}\n")
    try:
        proved = segments.prove(data)
    finally:
        if pid_file:
            os.unlink(pid_file)
    return {
        "receipt": proved.receipt,
        "seconds": proved.prove_seconds,
        "node": ray.get_runtime_context().get_node_id(),
        "pid": os.getpid(),
    }


def _reachable(address: str) -> None:
    """Fails fast on a head that is not there: Ray itself retries an unreachable address for minutes."""
    host, _, port = address.rpartition(":")
    if not host or not port.isdigit():
        raise ClusterError(f"cluster address {address!r}: expected HOST:PORT, e.g. 10.0.0.5:6379")
    try:
        socket.create_connection((host, int(port)), timeout=10).close()
    except OSError as exc:
        raise ClusterError(f"cannot reach the Ray cluster at {address}: {exc.strerror or exc}") from None


class RayBackend:
    """`address`: HOST:PORT of the cluster's head (`vlayer cluster head`), or "auto"; with `connect=False` the
    caller has already called `ray.init` (tests)."""

    def __init__(self, address: str | None, *, image_id: bytes | None = None, connect: bool = True) -> None:
        self.ray = _import_ray()
        from vlayer.cluster import segments
        from vlayer.receipts.zkvm import prover

        if connect and not self.ray.is_initialized():
            if address and address != "auto":
                _reachable(address)
            try:
                self.ray.init(address=address, include_dashboard=False, log_to_driver=False, logging_level="warning")
            except Exception as exc:  # Ray raises ConnectionError, RuntimeError, ValueError... for a bad address
                raise ClusterError(
                    f"cannot join the Ray cluster at {address}: {exc} (a head that refuses this process's token "
                    "looks the same: every node and service needs a copy of the head's token file)"
                ) from None
        self.image_id = image_id if image_id is not None else segments.image_id("vlayer")
        self.resource = image_resource(self.image_id)
        options: dict[str, Any] = {
            "max_retries": 0,
            # The prover uses every core of its node; its slots, not CPUs, say how many run at once.
            "num_cpus": 0,
            "resources": {PROVER_RESOURCE: 1, self.resource: 1},
        }
        if prover() == "cuda":
            options["num_gpus"] = 1
        self._task = self.ray.remote(_prove_on_node).options(**options)

    def slots(self) -> int:
        total = self.ray.cluster_resources()
        return max(1, int(min(total.get(PROVER_RESOURCE, 0), total.get(self.resource, 0))))

    def prover_nodes(self) -> list[str]:
        """Ids of the alive nodes that prove for this build."""
        return [
            node["NodeID"]
            for node in self.ray.nodes()
            if node.get("Alive") and node.get("Resources", {}).get(self.resource, 0) > 0
        ]

    def submit(self, segment: Segment) -> Future[SegmentResult]:
        if not self.prover_nodes():
            failed: Future[SegmentResult] = Future()
            failed.set_exception(
                ClusterError(f"no prover node for this build ({self.resource}); start one: vlayer cluster join")
            )
            return failed
        ref = self._task.remote(self.ray.put(segment.data))
        out: Future[SegmentResult] = Future()
        out.ray_ref = ref  # type: ignore[attr-defined]  # cancel() needs it

        def done(raw: Future[Any]) -> None:
            try:
                value = raw.result()
            except BaseException as exc:  # a crashed worker, a proving error: the coordinator decides
                out.set_exception(exc)
            else:
                out.set_result(SegmentResult(bytes(value["receipt"]), str(value["node"]), float(value["seconds"])))

        ref.future().add_done_callback(done)
        return out

    def cancel(self, future: Future[SegmentResult]) -> None:
        ref = getattr(future, "ray_ref", None)
        if ref is not None:
            # Already finished, or its worker is gone: nothing left to stop.
            with contextlib.suppress(Exception):
                self.ray.cancel(ref, force=True)

    def close(self) -> None:
        """The connection is the process's (Ray's driver is global); it ends with the process."""
