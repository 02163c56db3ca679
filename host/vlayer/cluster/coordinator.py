"""The coordinator: one job's run executed into segments, the missing segments handed to a backend (this process,
or a Ray cluster), every receipt a prover returns checked against the segment it was sent for and saved at once,
failed / lost / timed-out / refused segments proved again (bounded), the composite receipt assembled and verified.

A prover is never trusted: a receipt that does not prove exactly its segment (another index, job or guest; any byte
changed) is refused like a crash and the segment is proved again. A restarted coordinator re-executes (fast), finds
the receipts saved for the same run (same claim digest), checks each again and proves only the rest.
"""

from __future__ import annotations

import dataclasses
import logging
import math
import threading
import time
from collections import deque
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from typing import Any, Protocol

from vlayer.cluster import segments
from vlayer.cluster.segments import Segment, SegmentedRun
from vlayer.cluster.store import SegmentState, SegmentStore
from vlayer.errors import ProvingError, VlayerError
from vlayer.receipts.zkvm import ZkvmProof, ZkvmRun

log = logging.getLogger("vlayer.cluster")


class SegmentFailedError(ProvingError):
    """A segment could not be proved within its attempts; the message names it and the last reason."""


class ProvingCancelledError(ProvingError):
    """The job was cancelled (`prove_job(cancelled=...)`): no segment was started after that, the ones in flight
    were settled (their receipts saved where there is a store), and the rest are unproved."""

    def __init__(self, job_id: str, proved: int, total: int) -> None:
        super().__init__(f"job {job_id} cancelled with {proved} of {total} segments proved")
        self.proved, self.total = proved, total


@dataclass(frozen=True)
class SegmentResult:
    """What a prover hands back for one segment."""

    receipt: bytes
    #: Where it ran (a Ray node id, or "local") and the prover's own seconds.
    node: str
    seconds: float


class Backend(Protocol):
    """Where segments are proved. `submit` starts one; the future gives its result or the reason it failed."""

    def slots(self) -> int:
        """How many segments to keep in flight."""
        ...

    def submit(self, segment: Segment) -> Future[SegmentResult]: ...

    def cancel(self, future: Future[SegmentResult]) -> None:
        """Stops a segment the coordinator gave up on (timeout), where the backend can."""
        ...

    def close(self) -> None: ...


class LocalBackend:
    """Proves in this process, one segment at a time (the prover uses every core): the embedded default, no
    cluster needed. The native prover releases the GIL."""

    def __init__(self) -> None:
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="vlayer-segment")

    def slots(self) -> int:
        return 1

    def submit(self, segment: Segment) -> Future[SegmentResult]:
        def prove() -> SegmentResult:
            proved = segments.prove(segment.data)
            return SegmentResult(proved.receipt, "local", proved.prove_seconds)

        return self._pool.submit(prove)

    def cancel(self, future: Future[SegmentResult]) -> None:
        # A native proof in progress cannot be interrupted; a queued one is dropped.
        future.cancel()

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)


@dataclass(frozen=True)
class Progress:
    segments_total: int
    segments_proved: int
    #: Rows of the proved segments' traces (2^po2 each), as RISC Zero counts a run's total cycles.
    cycles_total: int
    cycles_proved: int
    seconds: float
    #: Seconds left, from the segments proved so far and how many prove at once; None before the first.
    eta_seconds: float | None
    #: index -> "saved" | "pending" | "proving" | "proved" | "failed"
    states: dict[int, str]
    #: Each segment's size (log2 of its rows): what an estimate of the time to prove them needs.
    po2s: tuple[int, ...] = ()
    #: The same for the run's keccak batches (counted in `segments_total` too: they are proved like segments).
    keccak_po2s: tuple[int, ...] = ()


@dataclass
class JobStats:
    """Where a job's wall time went (benches/cluster.py): the coordinator's own work next to proving."""

    execute_seconds: float = 0.0
    check_seconds: float = 0.0
    assemble_seconds: float = 0.0
    wall_seconds: float = 0.0
    reused: int = 0
    #: One entry per segment receipt accepted: index, node, prover seconds, seconds from submit to result.
    segments: list[dict[str, Any]] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)


@dataclass
class _Flight:
    index: int
    started: float


def prove_job(
    guest_input: bytes,
    *,
    job_id: str,
    backend: Backend,
    store: SegmentStore | None = None,
    segment_po2: int = 20,
    guest: str = "vlayer",
    progress: Callable[[Progress], None] | None = None,
    segment_timeout: float | None = None,
    max_attempts: int = 3,
    stats: JobStats | None = None,
    cancelled: threading.Event | None = None,
) -> ZkvmProof:
    """Proves `guest_input` as a composite receipt, segment by segment on `backend`; the receipt is verified against
    the guest's image id before it is returned (the same format as `vlayer.receipts.zkvm.prove`).

    Once `cancelled` is set no further segment is started; those in flight are waited for (a native proof cannot be
    interrupted, and its receipt is worth saving) and then `ProvingCancelledError` is raised."""
    stats = stats if stats is not None else JobStats()
    t0 = time.perf_counter()
    run = segments.execute(guest_input, segment_po2, guest)
    stats.execute_seconds = time.perf_counter() - t0
    receipts: dict[int, bytes] = {}
    if store is not None:
        run = _resume(run, store, job_id, receipts, stats)
    n = len(run.segments)
    states = {i: ("saved" if i in receipts else "pending") for i in range(n)}
    attempts = dict.fromkeys(range(n), 0)
    durations: list[float] = []
    pending = deque(i for i in range(n) if i not in receipts)
    inflight: dict[Future[SegmentResult], _Flight] = {}
    t_prove = time.perf_counter()

    def report() -> None:
        if progress is None:
            return
        proved = [i for i in range(n) if i in receipts]
        remaining = n - len(proved)
        eta: float | None = None
        if remaining == 0:
            eta = 0.0
        elif durations:
            waves = math.ceil(remaining / max(1, min(backend.slots(), remaining)))
            eta = sum(durations) / len(durations) * waves
        progress(
            Progress(
                segments_total=n,
                segments_proved=len(proved),
                cycles_total=run.total_cycles,
                cycles_proved=sum(run.segments[i].cycles for i in proved),
                seconds=time.perf_counter() - t0,
                eta_seconds=eta,
                states=dict(states),
                po2s=tuple(s.po2 for s in run.segments if s.kind == "rv32im"),
                keccak_po2s=tuple(s.po2 for s in run.segments if s.kind == "keccak"),
            )
        )

    def give_up_all() -> None:
        for future in inflight:
            backend.cancel(future)
        inflight.clear()

    def failure(index: int, reason: str, node: str | None = None) -> None:
        states[index] = "failed"
        if store is not None:
            store.failed(job_id, index, reason, node)
        log.warning(
            "segment failed",
            extra={"job": job_id, "segment": index, "attempt": attempts[index], "error": reason},
        )
        if attempts[index] >= max_attempts:
            give_up_all()
            raise SegmentFailedError(f"segment {index} of {n} failed {attempts[index]} times; last: {reason}")
        pending.appendleft(index)  # retried first: a job is as late as its slowest segment

    report()
    try:
        while pending or inflight:
            stopping = cancelled is not None and cancelled.is_set()
            if stopping and not inflight:
                raise ProvingCancelledError(job_id, len(receipts), n)
            while not stopping and pending and len(inflight) < backend.slots():
                index = pending.popleft()
                attempts[index] += 1
                if store is not None:
                    store.started(job_id, index)
                states[index] = "proving"
                try:
                    future = backend.submit(run.segments[index])
                except Exception as exc:  # e.g. Ray's object store full: an attempt that failed before it began
                    failure(index, f"not submitted: {type(exc).__name__}: {exc}")
                    continue
                inflight[future] = _Flight(index, time.monotonic())
            timeout = 1.0 if segment_timeout is None else min(1.0, segment_timeout)
            done, _ = wait(list(inflight), timeout=timeout, return_when=FIRST_COMPLETED)
            for future in done:
                flight = inflight.pop(future)
                _settle(future, flight, run, receipts, states, durations, stats, store, job_id, failure)
                report()
            if segment_timeout is not None:
                now = time.monotonic()
                for future, flight in list(inflight.items()):
                    if now - flight.started > segment_timeout:
                        del inflight[future]
                        backend.cancel(future)
                        failure(flight.index, f"no receipt within {segment_timeout:g} s (the coordinator's timeout)")
    finally:
        give_up_all()
    prove_seconds = time.perf_counter() - t_prove
    t = time.perf_counter()
    receipt = segments.assemble([receipts[i] for i in range(n)], run.journal, guest)
    stats.assemble_seconds = time.perf_counter() - t
    stats.wall_seconds = time.perf_counter() - t0
    return ZkvmProof(
        run=_zkvm_run(run, segment_po2),
        receipt=receipt,
        mode="composite",
        prove_seconds=prove_seconds,
        onchain_seal=None,
    )


def _resume(
    run: SegmentedRun, store: SegmentStore, job_id: str, receipts: dict[int, bytes], stats: JobStats
) -> SegmentedRun:
    """Goes on from what the store saved for this run (same claim digest): its segments, and its receipts each
    checked again; or saves this execution's segments. The saved segments replace the fresh ones: RISC Zero
    randomises each execution's memory image, so fresh segments would not chain with saved receipts."""
    saved = store.load(job_id, run.claim_digest)
    # The claim does not cover the segment size: saved segments of another size (or any other split) start over.
    if [(row.index, row.po2) for row in saved] != [(s.index, s.po2) for s in run.segments]:
        store.begin(job_id, run.claim_digest, run.segments)
        return run
    kept = tuple(Segment(row.index, row.po2, row.user_cycles, row.segment) for row in saved)
    for row in saved:
        if row.state is not SegmentState.PROVED or row.receipt is None:
            continue
        t = time.perf_counter()
        try:
            segments.check(row.segment, row.receipt)
        except VlayerError as exc:
            log.warning("saved segment refused", extra={"job": job_id, "segment": row.index, "error": str(exc)})
            continue
        finally:
            stats.check_seconds += time.perf_counter() - t
        receipts[row.index] = row.receipt
    stats.reused = len(receipts)
    return dataclasses.replace(run, segments=kept, total_cycles=sum(s.cycles for s in kept))


def _settle(
    future: Future[SegmentResult],
    flight: _Flight,
    run: SegmentedRun,
    receipts: dict[int, bytes],
    states: dict[int, str],
    durations: list[float],
    stats: JobStats,
    store: SegmentStore | None,
    job_id: str,
    failure: Callable[[int, str, str | None], None],
) -> None:
    index = flight.index
    try:
        result = future.result()
    except Exception as exc:  # a crashed or lost prover: any failure is a reason to prove the segment again
        failure(index, f"{type(exc).__name__}: {exc}", None)
        return
    t = time.perf_counter()
    try:
        segments.check(run.segments[index].data, result.receipt)
    except VlayerError as exc:
        stats.refused.append(str(exc))
        failure(index, f"receipt from {result.node} refused: {exc}", result.node)
        return
    finally:
        stats.check_seconds += time.perf_counter() - t
    receipts[index] = result.receipt
    states[index] = "proved"
    elapsed = time.monotonic() - flight.started
    durations.append(elapsed)
    stats.segments.append(
        {
            "index": index,
            "kind": run.segments[index].kind,
            "po2": run.segments[index].po2,
            "node": result.node,
            "seconds": result.seconds,
            "elapsed": elapsed,
        }
    )
    if store is not None:
        store.proved(job_id, index, result.receipt, result.node, result.seconds)


def _zkvm_run(run: SegmentedRun, segment_po2: int) -> ZkvmRun:
    return ZkvmRun(
        journal=run.journal,
        total_cycles=run.total_cycles,
        user_cycles=run.user_cycles,
        paging_cycles=run.paging_cycles,
        reserved_cycles=run.reserved_cycles,
        segments=sum(1 for s in run.segments if s.kind == "rv32im"),
        segment_po2=segment_po2,
        execute_seconds=run.execute_seconds,
    )
