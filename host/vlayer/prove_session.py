"""The terminal side of `vlayer prove`: what it prints while it proves, and how it stops.

The work (preflight, execution, proving) runs on a thread of its own while the main thread waits for it, so a signal
is handled at once even while native code runs (Python runs signal handlers on the main thread only, between
bytecodes). Locally, composite receipts are proved segment by segment (vlayer.cluster's coordinator, no store):

- once the executor has split the run, one line says how many segments and cycles there are and about how long
  they take here (`vlayer.prove_rate`: this machine's measured rate, or a labelled default), then the bar opens
  with its text;
- the first Ctrl-C while segments prove stops after the segment being proved (native proving cannot be interrupted
  mid-segment) and exits 130 with `error: interrupted`; a second Ctrl-C, or one before proving started, quits at
  once (130); SIGTERM quits at once (143). Every way out finishes the bar's line and shows the cursor again.
"""

from __future__ import annotations

import hashlib
import os
import signal
import sys
import threading
from collections.abc import Callable
from types import FrameType
from typing import Any, TypeVar

import click

from vlayer.cluster.coordinator import ProvingCancelledError
from vlayer.errors import ProvingInterruptedError
from vlayer.progress_bar import SegmentBar
from vlayer.prove import ZkProve
from vlayer.prove_rate import ProveRates, estimate_line
from vlayer.receipts.zkvm import ZkvmProof

T = TypeVar("T")
INTERRUPTED_EXIT = 130
TERMINATED_EXIT = 128 + signal.SIGTERM
FIRST_CTRL_C = "stopping after this segment: a segment's proof cannot be interrupted (Ctrl-C again to quit now)"


class _Quit(BaseException):
    """Raised by a signal handler on the main thread: leave now (never caught by `except Exception`)."""

    def __init__(self, message: str, code: int) -> None:
        super().__init__(message)
        self.message, self.code = message, code


class ProveSession:
    def __init__(self, bar: SegmentBar, *, on_quit: str | None = None) -> None:
        self.bar = bar
        #: A line printed before `error: interrupted` when quitting at once (what goes on without us).
        self.on_quit = on_quit
        self.cancel = threading.Event()
        #: Set once segments are being proved: from then on the first Ctrl-C waits for the current one.
        self.proving_segments = False

    # --- signals ------------------------------------------------------------------------------------------------

    def _on_sigint(self, _signum: int, _frame: FrameType | None) -> None:
        if self.proving_segments and not self.cancel.is_set():
            self.cancel.set()
            self.bar.note(FIRST_CTRL_C)
            return
        raise _Quit("interrupted", INTERRUPTED_EXIT)

    def _on_sigterm(self, _signum: int, _frame: FrameType | None) -> None:
        raise _Quit("terminated", TERMINATED_EXIT)

    def run(self, work: Callable[[], T]) -> T:
        """`work()` on a thread, its result or exception passed on; a signal may end the process instead."""
        if threading.current_thread() is not threading.main_thread():
            # Signal handlers can only be set on the main thread: an embedding caller keeps its own.
            try:
                return work()
            except ProvingCancelledError:
                if self.cancel.is_set():
                    raise ProvingInterruptedError() from None
                raise
        outcome: list[Any] = []
        failure: list[BaseException] = []
        done = threading.Event()

        def target() -> None:
            try:
                outcome.append(work())
            except BaseException as exc:  # handed to the main thread, which raises it there
                failure.append(exc)
            finally:
                done.set()

        previous = signal.signal(signal.SIGINT, self._on_sigint), signal.signal(signal.SIGTERM, self._on_sigterm)
        try:
            # A daemon: quitting at once must not wait for a native proof that cannot be interrupted.
            threading.Thread(target=target, name="vlayer-prove", daemon=True).start()
            while not done.wait(0.2):
                pass
            if failure and isinstance(failure[0], ProvingCancelledError) and self.cancel.is_set():
                # Stopped after the segment, as the first Ctrl-C asked; left from here, before the handlers are
                # restored, so a Ctrl-C meanwhile cannot end in a KeyboardInterrupt's traceback.
                raise _Quit("interrupted", INTERRUPTED_EXIT)
        except _Quit as quit_:
            self._quit_now(quit_)
        finally:
            signal.signal(signal.SIGINT, previous[0])
            signal.signal(signal.SIGTERM, previous[1])
        if failure:
            raise failure[0]
        return outcome[0]  # type: ignore[no-any-return]

    def _quit_now(self, quit_: _Quit) -> None:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        self.bar.close()
        if self.on_quit:
            click.echo(self.on_quit, err=True)
        click.echo(f"error: {quit_.message}", err=True)
        sys.stdout.flush()
        sys.stderr.flush()
        # Not sys.exit: interpreter shutdown joins the prover's threads, which would wait for the native proof.
        os._exit(quit_.code)

    # --- local proving ------------------------------------------------------------------------------------------

    def local_prover(self, segment_po2: int) -> ZkProve:
        """Composite receipts segment by segment in this process (vlayer.cluster's coordinator, no store), so the
        bar moves per segment and Ctrl-C can stop between segments; the other modes in one piece."""
        from vlayer.cluster.coordinator import JobStats, LocalBackend, Progress, prove_job
        from vlayer.guest import call_guest_id
        from vlayer.receipts.zkvm import prove as zkvm_prove
        from vlayer.service.proving import progress_metrics, succinct_of

        def prove(guest_input: bytes, mode: str) -> ZkvmProof:
            if mode not in ("composite", "succinct"):
                return zkvm_prove(guest_input, mode)
            rates = ProveRates()
            stats = JobStats()
            recorded = [0]

            def on_progress(progress: Progress) -> None:
                if not self.bar.opened:
                    estimate = rates.estimate(progress.po2s, progress.keccak_po2s)
                    self.bar.note(estimate_line(progress.segments_total, progress.cycles_total, estimate))
                    self.proving_segments = True
                for entry in stats.segments[recorded[0] :]:
                    rates.record(int(entry["po2"]), float(entry["seconds"]), str(entry["kind"]))
                recorded[0] = len(stats.segments)
                self.bar.update(progress_metrics(progress))

            self.bar.note(f"executing the guest into segments of 2^{segment_po2} cycles...")
            backend = LocalBackend()
            try:
                composite = prove_job(
                    guest_input,
                    job_id=hashlib.sha256(guest_input).hexdigest(),
                    backend=backend,
                    segment_po2=segment_po2,
                    progress=on_progress,
                    stats=stats,
                    cancelled=self.cancel,
                )
            finally:
                self.proving_segments = False
                backend.close()
            return composite if mode == "composite" else succinct_of(composite, call_guest_id())

        return prove
