"""Prometheus metrics of one prove service, on a registry of its own (several services may share a process: tests).

Counters and histograms count what this process did since it started; the jobs-by-state gauge is read from the job
store at scrape time instead, so it is right from the first scrape after a restart and agrees with `/health`.
docs/operations.md lists every metric.
"""

from __future__ import annotations

from collections.abc import Iterable

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from vlayer.prove import Proven
from vlayer.rpc.client import CallOutcome
from vlayer.service.jobs import JobState, JobStore

#: Stages every done job has timed: `prove_call`'s (`Proven.times`) and the service's `total`. Others appear when
#: they run: `estimating_vgas` (a call with a vgas budget), `zkvm_execute` (the real modes).
STAGES = ("preflight", "guest", "proving", "total")
#: From a fake-mode job on a local node (milliseconds) to a CPU-proved composite receipt (an hour and more).
STAGE_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1200, 1800, 3600, 7200)

#: Methods vlayer asks a node only for an untrusted hint. An error answer means "no hint" (a node refuses the access
#: list of every call that reverts or time-travels: `setBlock` reverts where no traveler answers it), and the
#: preflight goes on without it: counted as `hint_unusable`, apart from the errors that fail a job.
HINT_METHODS = frozenset({"eth_createAccessList"})


class JobStateCollector(Collector):
    """`vlayer_jobs{state}`: the job store's counts, every state present (0 when none)."""

    def __init__(self, store: JobStore) -> None:
        self.store = store

    def describe(self) -> Iterable[Metric]:
        # Without this the registry would call collect() (a database query) when the collector is registered.
        return [self._family()]

    def collect(self) -> Iterable[Metric]:
        counts = self.store.counts()
        family = self._family()
        for state in JobState:
            family.add_metric([state.value], counts.get(state.value, 0))
        return [family]

    @staticmethod
    def _family() -> GaugeMetricFamily:
        return GaugeMetricFamily("vlayer_jobs", "Proving jobs in the job store, by state.", labels=["state"])


class ServiceMetrics:
    def __init__(self, store: JobStore) -> None:
        self.registry = CollectorRegistry()
        self.registry.register(JobStateCollector(store))
        self.accepted = Counter(
            "vlayer_jobs_accepted",
            "v_call requests accepted: 'created' started a job, 'deduplicated' named a job that existed already.",
            ["outcome"],
            registry=self.registry,
        )
        self.stage_seconds = Histogram(
            "vlayer_job_stage_seconds",
            "Seconds each stage of a job that finished 'done' took ('total': picked up by a worker to done).",
            ["stage"],
            buckets=STAGE_BUCKETS,
            registry=self.registry,
        )
        self.cycles = Counter("vlayer_zkvm_cycles_proved", "zkVM cycles proved (real modes).", registry=self.registry)
        self.segments = Counter(
            "vlayer_zkvm_segments_proved", "zkVM segments proved (real modes).", registry=self.registry
        )
        self.errors = Counter(
            "vlayer_errors",
            "Errors by JSON-RPC code; source 'request': answered by the endpoint, 'job': a job that failed.",
            ["code", "source"],
            registry=self.registry,
        )
        self.chain_rpc = Counter(
            "vlayer_chain_rpc_requests",
            "JSON-RPC calls sent to chain nodes, by method and outcome: ok; reverted (an eth_call the node ran and saw "
            "revert: the node check of a reverting prover call); error (an error answer, a malformed one, or none); "
            "hint_unusable (a hint the node would not give, which the preflight does without).",
            ["method", "outcome"],
            registry=self.registry,
        )
        # Series with known label values exist from the start, so a rate over them has no gap at the first event.
        for outcome in ("created", "deduplicated"):
            self.accepted.labels(outcome)
        for stage in STAGES:
            self.stage_seconds.labels(stage)

    def render(self) -> bytes:
        """The text exposition format (Prometheus 0.0.4)."""
        return generate_latest(self.registry)

    def job_accepted(self, created: bool) -> None:
        self.accepted.labels("created" if created else "deduplicated").inc()

    def job_done(self, proven: Proven, total_seconds: float) -> None:
        for stage, seconds in {**proven.times, "total": total_seconds}.items():
            self.stage_seconds.labels(stage).observe(seconds)
        # Only a receipt proves cycles: fake mode may have counted them (a vgas budget) but proved nothing.
        if proven.receipt is not None:
            self.cycles.inc(proven.cycles or 0)
            self.segments.inc(proven.segments or 0)

    def job_failed(self, code: int) -> None:
        self.errors.labels(str(code), "job").inc()

    def request_failed(self, code: int) -> None:
        self.errors.labels(str(code), "request").inc()

    def chain_call(self, method: str, outcome: CallOutcome) -> None:
        """`RpcClient`'s observer: one call to a chain node and what became of it. No answer at all is an error even
        for a hint: the node is down or stalled, and the calls that follow will fail too."""
        label: str
        if outcome in ("ok", "reverted"):
            label = outcome
        elif outcome == "error" and method in HINT_METHODS:
            label = "hint_unusable"
        else:
            label = "error"
        self.chain_rpc.labels(method, label).inc()
