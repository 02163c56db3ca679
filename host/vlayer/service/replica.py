"""This service as one replica among several on a shared job store (docs/operations.md, "Several replicas").

Each replica has an id, `host:pid:nonce`. It runs a job only after claiming it in the store (`JobStore.claim`),
keeps renewing the leases of the jobs it runs, and takes jobs nobody holds: new ones another replica accepted but
had no free worker for, and ones whose owner stopped renewing (it died) once their lease ended.
"""

from __future__ import annotations

import logging
import os
import secrets
import socket
import threading
from collections.abc import Callable

from sqlalchemy.exc import SQLAlchemyError

from vlayer.service.jobs import JobStore

log = logging.getLogger("vlayer.service")


def replica_id() -> str:
    # The nonce tells apart two lives of one pid (a restarted container often gets the same pid again).
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(4)}"


def owner_is_dead(owner: str) -> bool:
    """True only when `owner` is a replica of this host whose process is gone: its jobs need not wait for their
    leases to end. Unknown (another host, unparsable) is not dead: the lease decides."""
    host, _, rest = owner.partition(":")
    pid_text, _, _nonce = rest.partition(":")
    if host != socket.gethostname() or not pid_text.isdigit():
        return False
    pid = int(pid_text)
    if pid == os.getpid():
        return True  # that pid is this process now, so the owner's life has ended (our own id is never passed)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False  # alive, under another user
    return False


class LeaseKeeper:
    """A thread that renews this replica's leases and hands it jobs it may take, every `interval` seconds."""

    def __init__(
        self,
        store: JobStore,
        owner: str,
        lease_seconds: float,
        claimed: Callable[[], list[str]],
        free_slots: Callable[[], int],
        submit: Callable[[str], None],
        lost: Callable[[str], None],
    ) -> None:
        self.store, self.owner, self.lease_seconds = store, owner, lease_seconds
        self.claimed, self.free_slots, self.submit, self.lost = claimed, free_slots, submit, lost
        # Renewing three times per lease survives one missed beat (a slow store) without losing a job.
        self.interval = min(1.0, lease_seconds / 3)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="vlayer-leases", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=5)

    def tick(self) -> None:
        for job_hash in self.claimed():
            if not self.store.renew(job_hash, self.owner, self.lease_seconds):
                self.lost(job_hash)
        slots = self.free_slots()
        if slots > 0:
            for job_hash in self.store.claimable(slots):
                self.submit(job_hash)

    def _loop(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                self.tick()
            except SQLAlchemyError as exc:
                # The store is down or busy: the next beat tries again (leases are long enough for a few misses).
                log.warning("lease keeping failed", extra={"event": "lease_error", "error": str(exc)})
