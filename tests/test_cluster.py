"""Segment proving (vlayer.cluster), for real, on the small segments-test guest (a few 2^14-cycle segments, about
20 s each on this CPU): the coordinator refuses receipts that do not prove their segment and proves those again, a
restarted coordinator proves only the missing segments, and on a Ray cluster (a head without the prover resource,
two prover nodes, one prover node of another build) every segment is proved on this build's prover nodes — both of
them — and a prover process killed mid-segment costs that segment one more attempt, no other."""

from __future__ import annotations

import io
import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from concurrent.futures import Future
from pathlib import Path
from typing import Any

import pytest

from vlayer.cluster import segments, testguest
from vlayer.cluster.coordinator import JobStats, LocalBackend, Progress, SegmentFailedError, SegmentResult, prove_job
from vlayer.cluster.segments import Segment
from vlayer.cluster.store import SegmentState, SegmentStore
from vlayer.errors import VlayerError
from vlayer.receipts import groth16, zkvm
from vlayer.service.jobs import make_engine

pytestmark = pytest.mark.timeout(900)

GUEST = "segments-test"
PO2 = testguest.SEGMENT_PO2
#: Five segments at 2^14: the guest's work, then the paging-out of what it touched.
ROUNDS = 1


def store_at(tmp_path: Path) -> SegmentStore:
    return SegmentStore(make_engine(f"sqlite:///{tmp_path / 'segments.sqlite3'}"))


def check_proof(proof: zkvm.ZkvmProof) -> None:
    verified = zkvm.verify(proof.receipt, segments.image_id(GUEST))
    assert verified.kind == "composite"
    assert verified.journal == proof.run.journal == testguest.journal(ROUNDS)


def test_segment_count_of_the_test_job() -> None:
    run = segments.execute(testguest.guest_input(ROUNDS), PO2, GUEST)
    assert len(run.segments) >= 3
    assert run.journal == testguest.journal(ROUNDS)


class _Crash(Exception):
    pass


def _done(result: SegmentResult | None = None, error: Exception | None = None) -> Future[SegmentResult]:
    future: Future[SegmentResult] = Future()
    if error is not None:
        future.set_exception(error)
    else:
        assert result is not None
        future.set_result(result)
    return future


class _Cheating(LocalBackend):
    """A prover that proves each segment once, for real, but first hands back its receipt with one seal byte flipped
    (segment 0), or another segment's receipt (segment 1); asked again, it sends the genuine receipt."""

    def __init__(self) -> None:
        super().__init__()
        self.submitted: list[int] = []
        self.genuine: dict[int, bytes] = {}

    def submit(self, segment: Segment) -> Future[SegmentResult]:
        self.submitted.append(segment.index)
        first = self.submitted.count(segment.index) == 1
        if segment.index in self.genuine:
            return _done(SegmentResult(self.genuine[segment.index], "cheat", 0.0))
        if segment.index == 1 and first and self.genuine:
            return _done(SegmentResult(self.genuine[0], "cheat", 0.0))
        out: Future[SegmentResult] = Future()

        def proved(f: Future[SegmentResult]) -> None:
            result = f.result()
            self.genuine[segment.index] = result.receipt
            receipt = bytearray(result.receipt)
            if segment.index == 0 and first:
                receipt[64] ^= 0x01  # a byte of the seal
            out.set_result(SegmentResult(bytes(receipt), "cheat", result.seconds))

        super().submit(segment).add_done_callback(proved)
        return out


class _Recording(LocalBackend):
    def __init__(self) -> None:
        super().__init__()
        self.submitted: list[int] = []

    def submit(self, segment: Segment) -> Future[SegmentResult]:
        self.submitted.append(segment.index)
        return super().submit(segment)


def test_bad_receipts_are_refused_and_a_restart_proves_only_missing_segments(tmp_path: Path) -> None:
    store = store_at(tmp_path)
    guest_input = testguest.guest_input(ROUNDS)
    job = "job-restart"

    def crash_after_two(progress: Progress) -> None:
        if progress.segments_proved == 2:
            raise _Crash  # the coordinator's process dies here: what it saved must be enough to go on

    cheating = _Cheating()
    stats = JobStats()
    with pytest.raises(_Crash):
        prove_job(
            guest_input, job_id=job, backend=cheating, store=store, segment_po2=PO2, guest=GUEST,
            progress=crash_after_two, stats=stats,
        )  # fmt: skip
    cheating.close()
    assert cheating.submitted[:3] == [0, 0, 1]
    assert len(stats.refused) == 2
    assert stats.refused == [
        "receipt does not verify: segment receipt 0: the seal does not verify: verification indicates proof is invalid",
        "receipt does not verify: segment receipt 0 does not prove segment 1: its index differs",
    ]
    rows = {r.index: r for r in store.rows(job)}
    proved = sorted(i for i, r in rows.items() if r.state is SegmentState.PROVED)
    assert proved == [0, 1]
    assert rows[0].attempts == 2 and rows[1].attempts == 2
    # Why the segments are saved, not only their receipts: a fresh execution's segments do not chain with them
    # (RISC Zero randomises every execution's memory image).
    fresh = segments.execute(guest_input, PO2, GUEST)
    assert fresh.claim_digest.hex() == rows[0].claim_digest
    receipt = rows[0].receipt
    assert receipt is not None
    with pytest.raises(
        zkvm.ZkvmReceiptError, match="segment receipt 0 does not prove segment 0: its post-state differs"
    ):
        segments.check(fresh.segments[0].data, receipt)

    recording = _Recording()
    stats = JobStats()
    proof = prove_job(
        guest_input, job_id=job, backend=recording, store=store, segment_po2=PO2, guest=GUEST, stats=stats
    )
    recording.close()
    n = proof.run.segments
    assert stats.reused == 2
    assert recording.submitted == list(range(2, n))
    check_proof(proof)
    assert all(r.state is SegmentState.PROVED for r in store.rows(job))


#: The segments-test guest also hashes one 136-byte block through RISC Zero's keccak accelerator (two
#: permutations: the block and its padding), which makes one keccak batch of 2^14 rows after its segments. At 2^16
#: the run is a single rv32im segment (of 2^15 rows), so the test's time is mostly the batch (about 80 s here, most of
#: it lifting the keccak proof into the recursion circuit).
KECCAK_BLOCKS, KECCAK_PO2 = 1, 16


class _CheatingKeccak(LocalBackend):
    """Proves every piece once, for real, but hands back the first receipt of a keccak batch with a seal byte
    flipped; asked again, it sends the genuine receipt."""

    def __init__(self) -> None:
        super().__init__()
        self.submitted: list[tuple[int, str]] = []
        self.genuine: dict[int, bytes] = {}

    def submit(self, segment: Segment) -> Future[SegmentResult]:
        self.submitted.append((segment.index, segment.kind))
        if segment.index in self.genuine:
            return _done(SegmentResult(self.genuine[segment.index], "cheat", 0.0))
        if segment.kind != "keccak":
            return super().submit(segment)
        out: Future[SegmentResult] = Future()

        def flipped(f: Future[SegmentResult]) -> None:
            result = f.result()
            self.genuine[segment.index] = result.receipt
            receipt = bytearray(result.receipt)
            receipt[200] ^= 0x01  # past the tag, index, control root and the seal's length: a byte of the seal
            out.set_result(SegmentResult(bytes(receipt), "cheat", result.seconds))

        super().submit(segment).add_done_callback(flipped)
        return out


def test_keccak_batches_are_proved_checked_and_saved_like_segments(tmp_path: Path) -> None:
    guest_input = testguest.guest_input(ROUNDS, KECCAK_BLOCKS)
    run = segments.execute(guest_input, KECCAK_PO2, GUEST)
    assert [s.kind for s in run.segments] == ["rv32im", "keccak"]
    batch = run.segments[-1]
    assert (batch.index, batch.po2, batch.user_cycles, batch.cycles) == (1, 14, KECCAK_BLOCKS + 1, 0)
    assert run.total_cycles == run.segments[0].cycles

    store = store_at(tmp_path)
    cheating = _CheatingKeccak()
    stats = JobStats()
    seen: list[Progress] = []
    proof = prove_job(
        guest_input, job_id="job-keccak", backend=cheating, store=store, segment_po2=KECCAK_PO2, guest=GUEST,
        stats=stats, progress=seen.append,
    )  # fmt: skip
    cheating.close()
    assert sorted(cheating.submitted) == [(0, "rv32im"), (1, "keccak"), (1, "keccak")]
    assert len(stats.refused) == 1
    assert stats.refused[0].startswith(
        "receipt does not verify: keccak receipt 1 does not prove keccak batch 1: the seal does not verify: "
    )
    assert (seen[-1].segments_total, seen[-1].po2s, seen[-1].keccak_po2s) == (2, (run.segments[0].po2,), (14,))
    assert seen[-1].cycles_proved == seen[-1].cycles_total == run.total_cycles
    assert [entry["kind"] for entry in sorted(stats.segments, key=lambda e: e["index"])] == ["rv32im", "keccak"]
    assert proof.run.segments == 1
    verified = zkvm.verify(proof.receipt, segments.image_id(GUEST))
    assert verified.kind == "composite"
    assert verified.journal == proof.run.journal == testguest.journal(ROUNDS, KECCAK_BLOCKS)
    # The composite receipt lifts and joins like any other (the keccak assumption is resolved on the way).
    succinct = groth16.compress(proof.receipt, segments.image_id(GUEST))
    assert zkvm.verify(succinct, segments.image_id(GUEST)).kind == "succinct"
    # The batch's receipt saved in the store proves it, and nothing else.
    rows = {r.index: r for r in store.rows("job-keccak")}
    saved, segment_receipt = rows[1].receipt, rows[0].receipt
    assert saved is not None and segment_receipt is not None
    assert segments.check(batch.data, saved) == 1
    with pytest.raises(
        zkvm.ZkvmReceiptError, match=r"^receipt does not verify: a receipt of keccak work does not prove rv32im work$"
    ):
        segments.check(run.segments[0].data, saved)
    # Without its batch the segment proves nothing: its output makes the keccak assumption.
    with pytest.raises(zkvm.ZkvmReceiptError, match=r"the last segment's output does not commit to this journal$"):
        segments.assemble([segment_receipt], proof.run.journal, GUEST)


@pytest.mark.slow
def test_keccak_batches_past_the_first_are_joined_in_the_guests_order(monkeypatch: pytest.MonkeyPatch) -> None:
    # Batches of at most 81 permutations (2^14 rows): 162 blocks hash in 163 permutations (about as many as mainnet
    # USDT's `balanceOf`), three batches, two unions in the shape of RISC Zero's accumulator (the first two joined,
    # then the third), or no assumption matches.
    monkeypatch.setenv("RISC0_KECCAK_PO2", "14")
    guest_input = testguest.guest_input(ROUNDS, 162)
    run = segments.execute(guest_input, KECCAK_PO2, GUEST)
    assert [(s.po2, s.user_cycles) for s in run.segments if s.kind == "keccak"] == [(14, 81), (14, 81), (14, 1)]
    backend = LocalBackend()
    proof = prove_job(guest_input, job_id="job-batches", backend=backend, segment_po2=KECCAK_PO2, guest=GUEST)
    backend.close()
    verified = zkvm.verify(proof.receipt, segments.image_id(GUEST))
    assert verified.journal == testguest.journal(ROUNDS, 162)


# --- fast: no proving, no Ray --------------------------------------------------------------------------------------


class _Scripted:
    """A backend whose answers the test writes (nothing is proved): `answer(segment, attempt)` gives the future."""

    def __init__(self, answer: Any, slots: int = 1) -> None:
        self.answer = answer
        self._slots = slots
        self.submitted: list[int] = []
        self.cancelled: list[Future[SegmentResult]] = []

    def slots(self) -> int:
        return self._slots

    def submit(self, segment: Segment) -> Future[SegmentResult]:
        self.submitted.append(segment.index)
        future: Future[SegmentResult] = self.answer(segment, self.submitted.count(segment.index))
        return future

    def cancel(self, future: Future[SegmentResult]) -> None:
        self.cancelled.append(future)

    def close(self) -> None:
        pass


def test_a_segment_failing_every_attempt_fails_the_job_naming_it_and_the_last_reason(tmp_path: Path) -> None:
    store = store_at(tmp_path)

    def answer(segment: Segment, attempt: int) -> Future[SegmentResult]:
        if attempt == 1:
            return _done(error=RuntimeError("the worker died"))  # a lost prover
        return _done(SegmentResult(b"not a receipt", "node-x", 0.1))  # a lying one

    backend = _Scripted(answer)
    stats = JobStats()
    with pytest.raises(SegmentFailedError) as failed:
        prove_job(
            testguest.guest_input(ROUNDS), job_id="job-fails", backend=backend, store=store, segment_po2=PO2,
            guest=GUEST, max_attempts=3, stats=stats,
        )  # fmt: skip
    n = len(store.rows("job-fails"))
    assert str(failed.value) == (
        f"segment 0 of {n} failed 3 times; last: receipt from node-x refused: receipt cannot be decoded: segment "
        "receipt: io error: unexpected end of file"
    )
    assert failed.value.exit_code == 10 and isinstance(failed.value, VlayerError)
    assert backend.submitted == [0, 0, 0]  # a failed segment is retried before the next one starts
    assert len(stats.refused) == 2
    row = store.rows("job-fails")[0]
    assert (row.state, row.attempts, row.node, row.receipt) == (SegmentState.FAILED, 3, "node-x", None)
    assert row.error is not None and row.error.startswith("receipt from node-x refused")


def test_a_segment_past_its_timeout_is_cancelled_and_proved_again(tmp_path: Path) -> None:
    never: list[Future[SegmentResult]] = []

    def answer(segment: Segment, attempt: int) -> Future[SegmentResult]:
        never.append(Future())  # a prover that never answers
        return never[-1]

    backend = _Scripted(answer, slots=2)
    with pytest.raises(SegmentFailedError, match=r"failed 2 times; last: no receipt within 0.2 s \(the coordinator's"):
        prove_job(
            testguest.guest_input(ROUNDS), job_id="job-slow", backend=backend, segment_po2=PO2, guest=GUEST,
            segment_timeout=0.2, max_attempts=2,
        )  # fmt: skip
    # Every attempt started was cancelled: the timed-out ones, then the one still in flight when the job gave up.
    assert set(backend.cancelled) == set(never)
    assert sorted(backend.submitted) == [0, 0, 1, 1]  # two slots: both segments timed out, both retried first


def test_a_backend_that_cannot_take_a_segment_costs_that_segment_its_attempts() -> None:
    class _Full(_Scripted):
        def submit(self, segment: Segment) -> Future[SegmentResult]:
            self.submitted.append(segment.index)
            raise RuntimeError("object store full")

    backend = _Full(None)
    n = len(segments.execute(testguest.guest_input(ROUNDS), PO2, GUEST).segments)
    refusal = rf"^segment 0 of {n} failed 2 times; last: not submitted: RuntimeError"
    with pytest.raises(SegmentFailedError, match=refusal):
        prove_job(
            testguest.guest_input(ROUNDS), job_id="job-full", backend=backend, segment_po2=PO2, guest=GUEST,
            max_attempts=2,
        )  # fmt: skip
    assert backend.submitted == [0, 0]


def test_saved_segments_of_another_segment_size_are_replaced(tmp_path: Path) -> None:
    store = store_at(tmp_path)
    small = segments.execute(testguest.guest_input(ROUNDS), PO2, GUEST)
    store.begin("job", small.claim_digest, small.segments)
    store.proved("job", 0, b"a receipt of a 2^14 segment", "node-a", 1.0)

    def refuse(segment: Segment, attempt: int) -> Future[SegmentResult]:
        return _done(error=RuntimeError("no prover"))

    with pytest.raises(SegmentFailedError):
        prove_job(
            testguest.guest_input(ROUNDS), job_id="job", backend=_Scripted(refuse), store=store, segment_po2=PO2 + 1,
            guest=GUEST, max_attempts=1,
        )  # fmt: skip
    rows = store.rows("job")
    assert small.claim_digest.hex() == rows[0].claim_digest  # the same run, split another way
    assert max(r.po2 for r in rows) == PO2 + 1 and all(r.receipt is None for r in rows)


def test_without_ray_the_cluster_says_how_to_install_it(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from click.testing import CliRunner

    from vlayer.cli import main
    from vlayer.cluster import cli as cluster_cli
    from vlayer.cluster.ray_backend import RayBackend
    from vlayer.errors import ClusterError

    message = "Ray is not installed; install vlayer with its cluster extra: pip install 'vlayer[cluster]'"
    monkeypatch.setitem(sys.modules, "ray", None)  # `import ray` raises ImportError
    with pytest.raises(ClusterError) as refused:
        RayBackend("127.0.0.1:6379")
    assert str(refused.value) == message and refused.value.exit_code == 14
    monkeypatch.setattr(cluster_cli.shutil, "which", lambda name: None)
    monkeypatch.setattr(cluster_cli.sys, "executable", str(tmp_path / "bin" / "python"))
    result = CliRunner().invoke(main, ["cluster", "head", "--token-file", str(tmp_path / "token")])
    assert result.exit_code == 14
    assert result.output.strip().splitlines()[-1] == f"error: {message}"


def test_an_unreachable_cluster_is_refused_at_once_in_one_line() -> None:
    pytest.importorskip("ray")
    from vlayer.cluster.ray_backend import RayBackend
    from vlayer.devnet import free_port
    from vlayer.errors import ClusterError

    address = f"127.0.0.1:{free_port()}"  # nothing listens there
    with pytest.raises(ClusterError) as refused:
        RayBackend(address)
    assert str(refused.value) == f"cannot reach the Ray cluster at {address}: Connection refused"
    with pytest.raises(ClusterError, match="expected HOST:PORT"):
        RayBackend("no-port-here")


def test_segment_store_keeps_receipts_across_a_restart(tmp_path: Path) -> None:
    run = segments.execute(testguest.guest_input(ROUNDS), PO2, GUEST)
    first = store_at(tmp_path)
    first.begin("job", run.claim_digest, run.segments)
    assert first.started("job", 1) == 1
    first.failed("job", 1, "WorkerCrashedError: killed", "node-a")
    assert first.started("job", 1) == 2
    first.proved("job", 1, b"receipt one", "node-b", 4.5)
    first.engine.dispose()  # the coordinator's process ends

    again = store_at(tmp_path)
    rows = again.load("job", run.claim_digest)
    assert [r.index for r in rows] == list(range(len(run.segments)))
    assert [r.segment for r in rows] == [s.data for s in run.segments]
    assert (rows[1].state, rows[1].receipt, rows[1].attempts, rows[1].node, rows[1].seconds, rows[1].error) == (
        SegmentState.PROVED, b"receipt one", 2, "node-b", 4.5, None
    )  # fmt: skip
    assert {r.state for i, r in enumerate(rows) if i != 1} == {SegmentState.PENDING}
    again.drop("job")
    assert again.rows("job") == []


def test_saved_segments_of_another_run_are_dropped(tmp_path: Path) -> None:
    store = store_at(tmp_path)
    run = segments.execute(testguest.guest_input(ROUNDS), PO2, GUEST)
    store.begin("job", b"\x11" * 32, [Segment(0, PO2, 1, b"a segment of another run")])
    assert store.load("job", run.claim_digest) == []
    assert store.rows("job") == []


# --- on a Ray cluster --------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def ray_cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    ray = pytest.importorskip("ray")
    from ray.cluster_utils import Cluster

    from vlayer.cluster.ray_backend import PID_DIR_ENV, PROVER_RESOURCE, image_resource

    pid_dir = tmp_path_factory.mktemp("prover-pids")
    # The nodes' worker processes inherit it: a segment task notes its pid there while it proves.
    os.environ[PID_DIR_ENV] = str(pid_dir)
    store_bytes = 100 << 20
    cluster = Cluster(
        initialize_head=True,
        head_node_args={"num_cpus": 1, "object_store_memory": store_bytes, "include_dashboard": False},
    )
    ours = {PROVER_RESOURCE: 1, image_resource(segments.image_id(GUEST)): 1}
    provers = [cluster.add_node(num_cpus=1, resources=ours, object_store_memory=store_bytes) for _ in range(2)]
    other_build = cluster.add_node(
        num_cpus=1, resources={PROVER_RESOURCE: 1, image_resource(b"\x00" * 32): 1}, object_store_memory=store_bytes
    )
    cluster.wait_for_nodes()
    ray.init(address=cluster.address, include_dashboard=False, log_to_driver=False)
    try:
        yield {
            "provers": {node.node_id for node in provers},
            "other_build": other_build.node_id,
            "pid_dir": pid_dir,
        }
    finally:
        ray.shutdown()
        cluster.shutdown()
        os.environ.pop(PID_DIR_ENV, None)


def _kill_a_prover_mid_segment(pid_dir: Path, killed: list[int]) -> None:
    """SIGKILLs, by its pid, the first segment prover seen proving for a second (its pid file still there)."""
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline and not killed:
        for pid_file in sorted(pid_dir.glob("*.pid")):
            try:
                age = time.time() - pid_file.stat().st_mtime
            except FileNotFoundError:  # that segment just finished
                continue
            if age >= 1.0:
                os.kill(int(pid_file.stem), signal.SIGKILL)
                killed.append(int(pid_file.stem))
                return
        time.sleep(0.1)


@pytest.mark.cluster
def test_ray_cluster_proves_on_both_prover_nodes_and_survives_a_killed_prover(
    ray_cluster: dict[str, Any], tmp_path: Path
) -> None:
    from vlayer.cluster.ray_backend import RayBackend

    backend = RayBackend(None, image_id=segments.image_id(GUEST), connect=False)
    assert set(backend.prover_nodes()) == ray_cluster["provers"]  # not the other build's node
    assert backend.slots() == 2
    killed: list[int] = []
    killer = threading.Thread(target=_kill_a_prover_mid_segment, args=(ray_cluster["pid_dir"], killed), daemon=True)
    killer.start()
    store = store_at(tmp_path)
    stats = JobStats()
    proof = prove_job(
        testguest.guest_input(ROUNDS), job_id="job-ray", backend=backend, store=store, segment_po2=PO2, guest=GUEST,
        stats=stats,
    )  # fmt: skip
    killer.join()
    check_proof(proof)
    assert killed, "no prover process was killed"
    rows = store.rows("job-ray")
    assert len(rows) == proof.run.segments >= 3
    assert all(r.state is SegmentState.PROVED for r in rows)
    nodes = {r.node for r in rows}
    assert nodes == ray_cluster["provers"], "both prover nodes prove, and only they"
    assert ray_cluster["other_build"] not in {s["node"] for s in stats.segments}
    # The killed segment was proved again; no finished segment was.
    assert sorted(r.attempts for r in rows) == [1] * (len(rows) - 1) + [2]
    assert stats.refused == []

    # The assembled receipt is what `vlayer verify` checks, given the test guest's image id.
    proof_file = tmp_path / "proof.json"
    proof_file.write_text(
        json.dumps(
            {
                "zkvm_receipt": zkvm.receipt_to_text(proof.receipt),
                "journal": "0x" + proof.run.journal.hex(),
                "image_id": "0x" + segments.image_id(GUEST).hex(),
            }
        )
    )
    verified = subprocess.run(
        [sys.executable, "-m", "vlayer.cli", "verify", str(proof_file)], capture_output=True, text=True, timeout=120
    )
    assert verified.returncode == 0, verified.stderr
    assert verified.stdout.startswith("verified     composite zkVM receipt")


def _wait_for_line(log: Path, text: str, proc: subprocess.Popen[bytes], seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if log.exists() and text in log.read_text(errors="replace"):
            return
        assert proc.poll() is None, f"exited {proc.returncode}: {log.read_text(errors='replace')[-2000:]}"
        time.sleep(0.2)
    raise AssertionError(f"no {text!r} in {log} within {seconds:g} s")


_PROBE = """
import sys, ray
try:
    ray.init(address=sys.argv[1], include_dashboard=False, log_to_driver=False, logging_level="error")
except Exception as exc:
    print("refused", type(exc).__name__)
else:
    print("connected", sorted(k for k in ray.cluster_resources() if k.startswith("vlayer_")))
"""

_PROVE_ONE = """
import sys
from vlayer.cluster import segments, testguest
from vlayer.cluster.ray_backend import RayBackend
from vlayer.cluster.cli import enable_auth
enable_auth(None)
backend = RayBackend(sys.argv[1])
run = segments.execute(testguest.guest_input(1), testguest.SEGMENT_PO2, "segments-test")
result = backend.submit(run.segments[0]).result(timeout=300)
print("proved", segments.check(run.segments[0].data, result.receipt), result.node in backend.prover_nodes())
"""


@pytest.mark.cluster
def test_cluster_cli_starts_a_token_authenticated_cluster_that_proves(tmp_path: Path) -> None:
    """`vlayer cluster head` / `join` for real: without the head's token nothing connects or joins; with it a
    service's RayBackend proves on the joined node (the resource named after this build's vlayer guest)."""
    from vlayer.cluster.ray_backend import PID_DIR_ENV, PROVER_RESOURCE, image_resource
    from vlayer.devnet import free_port

    token = tmp_path / "token"
    port = free_port()
    address = f"127.0.0.1:{port}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("RAY_") and k != PID_DIR_ENV}
    env["HOME"] = str(tmp_path)  # no ~/.ray/auth_token of this machine's
    env["RAY_GRACEFUL_SHUTDOWN_DRAIN_TIMEOUT_S"] = "0"  # SIGTERM stops a node at once
    vlayer = [sys.executable, "-m", "vlayer.cli", "cluster"]
    common = ["--token-file", str(token), "--object-store-mib", "100"]
    started: list[subprocess.Popen[bytes]] = []

    def start(name: str, *args: str) -> tuple[subprocess.Popen[bytes], Path]:
        log = tmp_path / f"{name}.log"
        with log.open("wb") as out:
            proc = subprocess.Popen([*vlayer, *args, *common, "--block"], stdout=out, stderr=subprocess.STDOUT, env=env)
        started.append(proc)
        return proc, log

    def python(code: str, extra: dict[str, str]) -> subprocess.Popen[str]:
        return subprocess.Popen(
            [sys.executable, "-c", code, address], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
            env={**env, **extra},
        )  # fmt: skip

    try:
        head, head_log = start("head", "head", "--port", str(port))
        _wait_for_line(head_log, "block forever", head)
        assert token.stat().st_mode & 0o777 == 0o600
        join, join_log = start("join", "join", address)
        _wait_for_line(join_log, "block forever", join)

        wrong = tmp_path / "wrong-token"
        wrong.write_text("ab" * 32)
        bad_join = subprocess.run(
            [*vlayer, "join", address, "--token-file", str(wrong), "--object-store-mib", "100"],
            capture_output=True, text=True, env=env, timeout=180,
        )  # fmt: skip
        probes = {
            "token": python(_PROBE, {"RAY_AUTH_MODE": "token", "RAY_AUTH_TOKEN_PATH": str(token)}),
            "wrong": python(_PROBE, {"RAY_AUTH_MODE": "token", "RAY_AUTH_TOKEN": "ab" * 32}),
            "none": python(_PROBE, {}),
        }
        prove_one = python(_PROVE_ONE, {"RAY_AUTH_TOKEN_PATH": str(token)})
        out = {name: probe.communicate(timeout=180)[0].strip().splitlines()[-1] for name, probe in probes.items()}
        ours = image_resource(segments.image_id("vlayer"))
        assert out == {
            "token": f"connected {sorted([PROVER_RESOURCE, ours])}",
            "wrong": "refused ConnectionError",
            "none": "refused ConnectionError",
        }
        assert bad_join.returncode == 14
        assert bad_join.stderr.strip().splitlines()[-1] == (
            "error: ray start failed: the cluster refused this node's token (--token-file must hold a copy of the "
            "head's token file)"
        )
        assert prove_one.communicate(timeout=300)[0].strip().splitlines()[-1] == "proved 0 True"
    finally:
        for proc in reversed(started):  # the prover node, then the head: SIGTERM by pid, Ray stops what it started
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def test_service_proving_reports_progress_per_segment(tmp_path: Path) -> None:
    from vlayer.progress_bar import SegmentBar
    from vlayer.prove import ProofModeName
    from vlayer.service.proving import JobProving
    from vlayer.service.settings import ChainConfig, Settings

    settings = Settings(
        chains={31337: ChainConfig("http://127.0.0.1:1")}, proof_mode=ProofModeName.COMPOSITE, segment_po2=PO2
    )
    proving = JobProving(settings, make_engine(f"sqlite:///{tmp_path / 'jobs.sqlite3'}"), guest=GUEST)
    seen: list[dict[str, Any]] = []
    shown = io.StringIO()
    with SegmentBar("proving", file=shown) as bar:

        def on_progress(metrics: dict[str, Any]) -> None:
            seen.append(metrics)
            bar.update(metrics)

        proof = proving.prover("job-progress", on_progress)(testguest.guest_input(ROUNDS), "composite")
    proving.close()
    check_proof(proof)
    n = proof.run.segments
    assert [m["segments_proved"] for m in seen] == list(range(n + 1))
    assert all(m["segments_total"] == n and m["cycles_total"] == proof.run.total_cycles for m in seen)
    assert seen[0]["eta_seconds"] is None and seen[1]["eta_seconds"] > 0 and seen[-1]["eta_seconds"] == 0
    assert seen[-1]["cycles_proved"] == proof.run.total_cycles
    assert f"{n}/{n} segments" in shown.getvalue()
    # The job's segments are in the store, each proved once, locally.
    rows = proving.segments.rows("job-progress")
    assert [(r.attempts, r.node) for r in rows] == [(1, "local")] * n


def test_cluster_cli_refuses_bad_arguments_with_one_line(tmp_path: Path) -> None:
    def vlayer(*args: str) -> subprocess.CompletedProcess[str]:
        cli = [sys.executable, "-m", "vlayer.cli", *args]
        return subprocess.run(cli, capture_output=True, text=True, timeout=120)

    bad = vlayer("cluster", "join", "no-port-here", "--token-file", str(tmp_path / "token"))
    assert bad.returncode == 2
    assert bad.stderr.strip().splitlines()[-1] == (
        "error: cluster address 'no-port-here': expected HOST:PORT, e.g. 10.0.0.5:6379"
    )
    missing = vlayer("cluster", "join", "127.0.0.1:6379", "--token-file", str(tmp_path / "token"))
    assert missing.returncode == 2
    assert "no cluster token at" in missing.stderr


def test_cluster_token_is_created_private_and_turns_auth_on(tmp_path: Path) -> None:
    from vlayer.cluster.cli import auth_env

    token = tmp_path / "ray" / "auth_token"
    env = auth_env(token, create=True)
    assert env["RAY_AUTH_MODE"] == "token" and env["RAY_AUTH_TOKEN_PATH"] == str(token)
    assert len(token.read_text()) == 64 and token.stat().st_mode & 0o777 == 0o600
    assert auth_env(token, create=False)["RAY_AUTH_TOKEN_PATH"] == str(token)  # kept, not replaced
