"""`vlayer prove` on a terminal, for real: the CLI runs under a pseudo-terminal (so it draws its bar as for a
person) against a real anvil with the example prover, proving a composite receipt of the real guest in segments of
2^14 cycles (the smallest size, seconds each, so a test sees a segment proved).

- the first frame of the bar already carries its text (`0/N segments, 0/X cycles`), after a line while executing
  and the up-front estimate (segments and cycles from the executor, time from this machine's measured rate, or the
  labelled default before any was measured);
- Ctrl-C: the first one while segments prove stops after the current segment (exit 130, `error: interrupted`), and
  the segment's time is kept as this machine's rate, which the next run's estimate uses; a second Ctrl-C quits at
  once; SIGTERM quits at once (143). Every way out shows the cursor again (`ESC[?25h`, after click's `ESC[?25l`).
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import pty
import re
import select
import signal
import struct
import subprocess
import sys
import termios
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from tests import test_service as svc
from tests.support.contracts import HARDFORK, App
from tests.support.service import ENV, PausableProxy, Serve
from vlayer.prove_rate import DEFAULT_SECONDS_PO2_20, ProveRates
from vlayer.service.client import ProveClient
from vlayer.service.jobs import JobState, JobStore

pytestmark = pytest.mark.timeout(600)

app_chain = svc.app_chain

SHOW_CURSOR = b"\x1b[?25h"
HIDE_CURSOR = b"\x1b[?25l"
FIRST_FRAME = re.compile(rb"proving .*?0/(\d+) segments, 0/([\d.]+[kM]?) cycles")


class Terminal:
    """`vlayer prove ...` with its stdin, stdout and stderr on a pty of 200 columns; everything it writes is kept."""

    def __init__(self, args: list[str], cache: Path) -> None:
        master, slave = pty.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 50, 200, 0, 0))
        env = {**ENV, "XDG_CACHE_HOME": str(cache), "TERM": "xterm"}
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "vlayer.cli", *args],
            stdin=slave, stdout=slave, stderr=slave, env=env, start_new_session=True,
        )  # fmt: skip
        os.close(slave)
        self.master = master
        self.out = b""

    def read_until(self, what: re.Pattern[bytes] | bytes, timeout: float) -> re.Match[bytes] | None:
        """Reads until `what` shows up (its match, or None for bytes) or the process ended without it."""
        deadline = time.monotonic() + timeout
        while True:
            found = what.search(self.out) if isinstance(what, re.Pattern) else what in self.out
            if found:
                return found if isinstance(found, re.Match) else None
            if time.monotonic() > deadline:
                raise AssertionError(f"no {what!r} within {timeout} s; the terminal shows:\n{self.text()}")
            if not self._read(0.2) and self.proc.poll() is not None:
                raise AssertionError(f"exited {self.proc.returncode} before {what!r}:\n{self.text()}")

    def _read(self, timeout: float) -> bool:
        ready, _, _ = select.select([self.master], [], [], timeout)
        if not ready:
            return False
        try:
            chunk = os.read(self.master, 65536)
        except OSError:  # EIO: the child closed the terminal
            return False
        self.out += chunk
        return bool(chunk)

    def wait(self, timeout: float) -> int:
        deadline = time.monotonic() + timeout
        while self.proc.poll() is None:
            if time.monotonic() > deadline:
                raise AssertionError(f"still running after {timeout} s:\n{self.text()}")
            self._read(0.1)
        while self._read(0.05):
            pass
        return self.proc.returncode

    def text(self) -> str:
        return self.out.decode(errors="replace")

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()  # this test's own child, by its pid
            self.proc.wait(10)
        os.close(self.master)


@pytest.fixture()
def cache(tmp_path: Path) -> Path:
    return tmp_path / "cache"


@pytest.fixture()
def prove_args(app_chain: App) -> list[str]:
    call = svc.balance_call(app_chain)
    return ["prove", "--rpc-url", app_chain.anvil.url, "--hardfork", HARDFORK, "--to", call["to"],
            "--data", call["data"], "--mode", "composite", "--segment-po2", "14"]  # fmt: skip


@pytest.fixture()
def terminal(prove_args: list[str], cache: Path) -> Iterator[Terminal]:
    term = Terminal(prove_args, cache)
    try:
        yield term
    finally:
        term.close()


def first_frame(term: Terminal) -> tuple[int, str]:
    """Waits for the bar's first frame; checks what comes before it. The segment count and the cycles it shows."""
    frame = term.read_until(FIRST_FRAME, timeout=300)
    assert frame is not None
    before = term.out[: frame.start()]
    assert b"executing the guest into segments of 2^14 cycles..." in before
    segments, cycles = int(frame.group(1)), frame.group(2).decode()
    estimate = re.search(rb"(\d+) segments, ([\d.]+[kM]?) cycles; about [\d.]+ (s|min|h) ", before)
    assert estimate is not None, term.text()
    assert (int(estimate.group(1)), estimate.group(2).decode()) == (segments, cycles)
    assert HIDE_CURSOR in term.out[frame.start() - len(HIDE_CURSOR) - 1 : frame.end()]
    assert segments > 1
    return segments, cycles


def test_first_frame_shows_the_bar_text_and_a_second_ctrl_c_quits_at_once(terminal: Terminal) -> None:
    first_frame(terminal)
    # No rate measured in this fresh cache: the estimate says it used the default.
    assert b"no proving rate measured on this machine yet" in terminal.out
    assert not re.search(rb"[1-9]\d*/\d+ segments", terminal.out), "a segment was proved before the first frame"

    terminal.proc.send_signal(signal.SIGINT)
    # The note is a line of its own, and the bar is drawn again below it, with its text.
    terminal.read_until(re.compile(rb"stopping after this segment[^\n]*\n.*0/\d+ segments, ", re.DOTALL), timeout=30)

    terminal.proc.send_signal(signal.SIGINT)
    assert terminal.wait(timeout=30) == 130
    tail = terminal.out[terminal.out.index(b"stopping after this segment") :]
    assert SHOW_CURSOR in tail
    assert tail.rstrip().endswith(b"error: interrupted"), terminal.text()


def test_sigterm_quits_at_once_and_shows_the_cursor(terminal: Terminal) -> None:
    first_frame(terminal)
    terminal.proc.send_signal(signal.SIGTERM)
    assert terminal.wait(timeout=30) == 143
    tail = terminal.out[terminal.out.rindex(HIDE_CURSOR) :]
    assert SHOW_CURSOR in tail
    assert tail.rstrip().endswith(b"error: terminated"), terminal.text()


def test_ctrl_c_before_proving_quits_at_once(prove_args: list[str], cache: Path) -> None:
    """While the guest executes (native code in a worker thread) a Ctrl-C has no segment to wait for."""
    term = Terminal(prove_args, cache)
    try:
        term.read_until(b"executing the guest into segments", timeout=120)
        term.proc.send_signal(signal.SIGINT)
        assert term.wait(timeout=30) == 130
        assert term.out.rstrip().endswith(b"error: interrupted"), term.text()
        assert not FIRST_FRAME.search(term.out) or SHOW_CURSOR in term.out
    finally:
        term.close()


def test_one_ctrl_c_stops_after_the_segment_and_its_rate_is_kept(
    terminal: Terminal, prove_args: list[str], cache: Path
) -> None:
    segments, _ = first_frame(terminal)
    terminal.proc.send_signal(signal.SIGINT)
    terminal.read_until(b"stopping after this segment", timeout=30)
    # The segment in flight is proved to its end (the bar moves to 1/N), then the command stops.
    assert terminal.wait(timeout=400) == 130, terminal.text()
    assert f"1/{segments} segments".encode() in terminal.out
    assert not re.search(rb"[2-9]/\d+ segments", terminal.out), "a segment was started after the Ctrl-C"
    tail = terminal.out[terminal.out.index(b"stopping after this segment") :]
    assert SHOW_CURSOR in tail and tail.rstrip().endswith(b"error: interrupted"), terminal.text()

    doc = json.loads((cache / "vlayer" / "prove-rate.json").read_text())
    (rates,) = doc.values()  # one prover build
    assert rates["14"]["segments"] == 1 and rates["14"]["seconds_per_segment"] > 0

    # The next run's estimate uses the measured rate.
    again = Terminal(prove_args, cache)
    try:
        first_frame(again)
        assert b"on this machine\r\n" in again.out or b"on this machine\n" in again.out, again.text()
        assert b"no proving rate measured" not in again.out
        again.proc.send_signal(signal.SIGTERM)
        assert again.wait(timeout=30) == 143
    finally:
        again.close()


# --- `vlayer serve`: a graceful stop ----------------------------------------------------------------------------


def events(serve: Serve) -> list[dict[str, Any]]:
    """The service's JSON log lines (uvicorn's own lines, if any, are not JSON)."""
    found = []
    # The file itself: Serve.logs() flushes Serve's handle, which is closed once the process was stopped.
    for line in serve.db.with_suffix(f".{serve.port}.log").read_text(errors="replace").splitlines():
        with contextlib.suppress(ValueError):
            doc = json.loads(line)
            if isinstance(doc, dict) and "event" in doc:
                found.append(doc)
    return found


def event(serve: Serve, name: str) -> list[dict[str, Any]]:
    return [e for e in events(serve) if e["event"] == name]


def until(what: str, check: Callable[[], bool], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, f"never: {what}"
        time.sleep(0.1)


def stop_by_pid(serve: Serve, sig: signal.Signals, timeout: float) -> int:
    assert serve.proc is not None
    serve.proc.send_signal(sig)
    return serve.proc.wait(timeout)


def port_closed(serve: Serve) -> bool:
    try:
        requests.get(serve.url + "health", timeout=1)
    except requests.ConnectionError:
        return True
    return False


def test_serve_lets_a_running_job_finish_within_the_grace_and_keeps_the_queued_one(
    app_chain: App, tmp_path: Path
) -> None:
    """A job held in preflight (a proxy before anvil stalls its proofs) and one queued behind it (one worker); on
    SIGTERM the port closes at once, the running job finishes when its node answers within the grace, the queued
    one stays queued in the store; the next start proves it."""
    db = tmp_path / "jobs.db"
    proxy = PausableProxy(app_chain.anvil.url)
    try:
        serve = Serve(proxy.url, db, HARDFORK, "--workers", "1", "--shutdown-grace", "60").start()
        try:
            client = ProveClient(serve.url)
            # Only a job's preflight asks for an access list (v_call reads the prover's code with eth_getProof).
            proxy.pause(frozenset({"eth_createAccessList"}))
            running = client.call(**svc.balance_call(app_chain), chain_id=31337)
            queued = client.call(**svc.balance_call(app_chain, (0x5EC0).to_bytes(20, "big")), chain_id=31337)
            until("the first job in preflight", lambda: client.receipt(running)["state"] == "preflight", 30)
            assert serve.proc is not None
            serve.proc.send_signal(signal.SIGTERM)
            until("the shutdown logged", lambda: bool(event(serve, "shutdown_waiting")), 30)
            assert port_closed(serve), "the port still accepts connections while jobs finish"
            (shutdown,) = event(serve, "shutdown")
            assert shutdown["running"] == [running] and shutdown["queued"] == 1
            assert [e["job"] for e in event(serve, "shutdown_queued")] == [queued]
            proxy.resume()
            assert serve.proc.wait(60) == 0, serve.logs()
        finally:
            serve.stop()
        assert [(e["job"], e["state"]) for e in event(serve, "shutdown_finished")] == [(running, "done")]
        assert not event(serve, "shutdown_requeued")
        store = JobStore(f"sqlite:///{db}")
        try:
            assert store.get(running).state is JobState.DONE  # type: ignore[union-attr]
            assert store.get(queued).state is JobState.QUEUED  # type: ignore[union-attr]
        finally:
            store.close()

        with Serve(proxy.url, db, HARDFORK, "--workers", "1") as again:
            until("the queued job done", lambda: ProveClient(again.url).receipt(queued)["state"] == "done", 60)
    finally:
        proxy.close()


def test_serve_requeues_a_job_still_proving_after_the_grace_and_the_next_start_proves_it(
    app_chain: App, tmp_path: Path
) -> None:
    """A real composite job (segments of 2^14 cycles) is proving when SIGTERM comes; the grace (1 s) ends before
    it: the job goes back to the queue with a log line saying so, the process exits 0 without waiting for the
    native proof in progress, and the next start picks the job up and proves it."""
    db = tmp_path / "jobs.db"
    extra = ("--proof-mode", "composite", "--segment-po2", "14", "--workers", "1", "--shutdown-grace", "1")
    serve = Serve(app_chain.anvil.url, db, HARDFORK, *extra).start()
    try:
        client = ProveClient(serve.url)
        job = client.call(**svc.balance_call(app_chain), chain_id=31337)

        def segments_known() -> bool:
            return bool((client.receipt(job)["metrics"].get("progress") or {}).get("segments_total"))

        until("the job executed into segments", segments_known, 300)
        assert stop_by_pid(serve, signal.SIGTERM, 60) == 0, serve.logs()
    finally:
        serve.stop()
    (shutdown,) = event(serve, "shutdown")
    assert shutdown["running"] == [job] and shutdown["grace_seconds"] == 1
    (waiting,) = event(serve, "shutdown_waiting")
    assert waiting["state"] == "proving" and waiting["segments_total"] > 1
    assert [e["job"] for e in event(serve, "shutdown_requeued")] == [job]
    assert event(serve, "stopped")[0]["requeued"] == [job]
    store = JobStore(f"sqlite:///{db}")
    try:
        saved = store.get(job)
        assert saved is not None and saved.state is JobState.QUEUED and saved.owner is None
    finally:
        store.close()

    again = Serve(app_chain.anvil.url, db, HARDFORK, *extra[:-1], "0").start()
    try:
        assert event(again, "resume")[0]["jobs"] == 1
        until("the job proving again", lambda: ProveClient(again.url).receipt(job)["state"] == "proving", 60)
        assert stop_by_pid(again, signal.SIGINT, 60) == 0, again.logs()  # Ctrl-C stops it the same way
    finally:
        again.stop()
    assert [e["job"] for e in event(again, "shutdown_requeued")] == [job]


def test_an_unmeasured_segment_size_is_scaled_from_the_nearest_measured_one(tmp_path: Path) -> None:
    rates = ProveRates(tmp_path / "prove-rate.json", build="cpu")
    unmeasured = rates.estimate([14, 12])
    assert not unmeasured.measured
    assert unmeasured.seconds == pytest.approx(DEFAULT_SECONDS_PO2_20 * (2.0**-6 + 2.0**-8))
    rates.record(14, 2.0)
    # A call's last segment is often smaller: it is estimated from the 2^14 rate, linear in its cycles.
    estimate = ProveRates(tmp_path / "prove-rate.json", build="cpu").estimate([14, 14, 12])
    assert estimate.measured and estimate.seconds == pytest.approx(2.0 + 2.0 + 0.5)
    # Another build's rates say nothing about this one.
    assert not ProveRates(tmp_path / "prove-rate.json", build="cuda").estimate([14]).measured


def test_keccak_batches_are_estimated_from_their_own_rate(tmp_path: Path) -> None:
    path = tmp_path / "prove-rate.json"
    rates = ProveRates(path, build="cpu")
    rates.record(14, 2.0)
    # Before a batch is measured it counts as a segment of its rows; after, by its own rate (another circuit: a
    # 2^14 batch takes about ten times a 2^14 segment here, mostly its lift into the recursion circuit).
    assert rates.estimate([14], [14, 15]).seconds == pytest.approx(2.0 + 2.0 + 4.0)
    rates.record(14, 20.0, "keccak")
    again = ProveRates(path, build="cpu")
    assert again.seconds_per_segment(14) == 2.0 and again.seconds_per_segment(14, "keccak") == 20.0
    assert again.estimate([14], [14, 15]).seconds == pytest.approx(2.0 + 20.0 + 40.0)
    assert json.loads(path.read_text())["cpu"].keys() == {"14", "keccak-14"}
