"""How the service proves a job's guest input: composite receipts segment by segment through vlayer.cluster's
coordinator — in this process by default, on a Ray cluster with `--cluster` — each segment receipt checked and
saved in the job store as it arrives (a restarted replica proves only the missing ones), and the job's progress
written where `v_getProofReceipt` reads it. A succinct receipt (also the first half of a groth16 job) is that composite
receipt lifted and joined (`vlayer.receipts.groth16.compress`).
"""

from __future__ import annotations

import dataclasses
import threading
import time
from collections.abc import Callable
from typing import Any

import sqlalchemy as sa

from vlayer.cluster import segments
from vlayer.cluster.coordinator import Backend, LocalBackend, Progress, prove_job
from vlayer.cluster.store import SegmentStore
from vlayer.prove import ZkProve
from vlayer.receipts import zkvm
from vlayer.receipts.groth16 import compress
from vlayer.service.settings import Settings


def succinct_of(composite: zkvm.ZkvmProof, image_id: bytes) -> zkvm.ZkvmProof:
    """The composite proof's receipt lifted and joined into one succinct receipt (verified), its time added."""
    t0 = time.perf_counter()
    receipt = compress(composite.receipt, image_id)
    seconds = composite.prove_seconds + time.perf_counter() - t0
    return dataclasses.replace(composite, receipt=receipt, mode="succinct", prove_seconds=seconds)


def progress_metrics(progress: Progress) -> dict[str, Any]:
    """The job's `metrics.progress` (ours, additive to vlayer v1's metrics)."""
    eta = progress.eta_seconds
    return {
        "segments_total": progress.segments_total,
        "segments_proved": progress.segments_proved,
        "cycles_total": progress.cycles_total,
        "cycles_proved": progress.cycles_proved,
        "eta_seconds": None if eta is None else round(eta, 1),
        #: Seconds since the coordinator started (execution included).
        "elapsed_seconds": round(progress.seconds, 1),
    }


class JobProving:
    """One per service: the backend (made at the first proof, so a service that only fakes never connects to a
    cluster) and the segment table."""

    def __init__(self, settings: Settings, engine: sa.Engine, guest: str = "vlayer") -> None:
        self.settings = settings
        #: Which embedded guest the inputs are for: the vlayer guest; tests prove the segments-test one.
        self.guest = guest
        self.segments = SegmentStore(engine)
        self._backend: Backend | None = None
        self._lock = threading.Lock()
        #: Per running job: set to stop its coordinator after the segments in flight (a graceful shutdown).
        self._cancel: dict[str, threading.Event] = {}

    def backend(self) -> Backend:
        with self._lock:
            if self._backend is None:
                if self.settings.cluster:
                    from vlayer.cluster.cli import enable_auth
                    from vlayer.cluster.ray_backend import RayBackend

                    enable_auth(None)  # the cluster's nodes run with Ray's token authentication on
                    self._backend = RayBackend(self.settings.cluster, image_id=segments.image_id(self.guest))
                else:
                    self._backend = LocalBackend()
            return self._backend

    def prover(self, job_hash: str, on_progress: Callable[[dict[str, Any]], None]) -> ZkProve:
        def prove(guest_input: bytes, mode: str) -> zkvm.ZkvmProof:
            if mode not in ("composite", "succinct"):
                return zkvm.prove(guest_input, mode, self.settings.segment_po2)
            with self._lock:
                cancelled = self._cancel.setdefault(job_hash, threading.Event())
            try:
                composite = prove_job(
                    guest_input,
                    job_id=job_hash,
                    backend=self.backend(),
                    store=self.segments,
                    segment_po2=self.settings.segment_po2,
                    guest=self.guest,
                    progress=lambda p: on_progress(progress_metrics(p)),
                    segment_timeout=self.settings.segment_timeout,
                    cancelled=cancelled,
                )
            finally:
                with self._lock:
                    self._cancel.pop(job_hash, None)
            return composite if mode == "composite" else succinct_of(composite, segments.image_id(self.guest))

        return prove

    def cancel(self, job_hash: str) -> None:
        """Stops the job's coordinator from starting further segments (it raises once those in flight settle)."""
        with self._lock:
            event = self._cancel.get(job_hash)
        if event is not None:
            event.set()

    def finished(self, job_hash: str) -> None:
        """A job is done or failed for good: its saved segments are no longer needed (the receipt is in its result)."""
        self.segments.drop(job_hash)

    def close(self) -> None:
        with self._lock:
            backend, self._backend = self._backend, None
        if backend is not None:
            backend.close()
