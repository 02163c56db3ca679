"""The request worker: answers `RequestBook` requests with proofs (docs/requests.md)."""

from vlayer.worker.store import RequestState, WorkerStore
from vlayer.worker.worker import Worker, WorkerConfig, WorkerError, check_proof_source

__all__ = ["RequestState", "Worker", "WorkerConfig", "WorkerError", "WorkerStore", "check_proof_source"]
