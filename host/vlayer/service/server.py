"""`vlayer serve`'s process: uvicorn serving the app, and how it stops.

On SIGTERM or SIGINT uvicorn closes the port and the open connections, then the app's lifespan shuts the service
down (`ProveService.shutdown`: running jobs get the grace period, the rest go back to the queue, every decision
logged). The process then exits 0. uvicorn would raise the signal again after its shutdown (so a SIGINT ended in a
KeyboardInterrupt, whose interpreter shutdown waits for every proving thread); here the graceful stop is the whole
answer to the signal.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import threading
from collections.abc import Iterator

import uvicorn
from fastapi import FastAPI


class _Server(uvicorn.Server):
    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        if threading.current_thread() is not threading.main_thread():
            yield
            return
        handled = (signal.SIGINT, signal.SIGTERM)
        previous = {sig: signal.signal(sig, self.handle_exit) for sig in handled}
        try:
            yield
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)


def serve(app: FastAPI, host: str, port: int) -> None:
    _Server(uvicorn.Config(app, host=host, port=port, log_level="warning")).run()
    if getattr(app.state, "requeued", None):
        # Their threads may be inside a native segment proof, which nothing interrupts: interpreter shutdown would
        # wait for it (minutes). The jobs are back in the queue, so the process ends here.
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(0)
