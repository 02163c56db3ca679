"""Groth16's middle step, the shrink-wrap: `input.json` (an identity_p254 seal, written by RISC Zero's `to_json`)
in, `proof.json` (a Groth16 proof of it, snarkjs's layout) out.

It needs RISC Zero's circom witness generator and Groth16 prover with its proving key, which no package registry
carries, so it runs through a backend, each refused up front with its reason when it is not there:

- `command`: any command (`--groth16-prover CMD`), run as `CMD DIR` with `DIR/input.json` present; it must leave
  `DIR/proof.json` and exit 0 within the timeout. This is also how the step runs on another machine (a script that
  copies the folder there and back).
- `docker` / `podman`: RISC Zero's own image (the one `risc0-groth16`'s CPU prover runs), with the folder mounted on
  `/mnt`; x86 only, and the image must be pulled (or pullable).
- `cuda`: the CUDA build's own Groth16 prover on this machine's GPU (guest_wrapper/src/shrink_wrap.rs, in a child
  process: `vlayer.receipts.gpu_prover`, under the same timeout), from the `risc0-groth16` files RISC Zero's
  installer leaves in `$RISC0_HOME/extensions/v0.1.0-risc0-groth16/` (`rzup install risc0-groth16`; RISC0_HOME
  defaults to ~/.risc0).

Without a command, the first of `cuda`, `docker`, `podman` that works here is used.

A backend's output is untrusted: `vlayer.receipts.groth16` turns it into a receipt only if it verifies.
"""

from __future__ import annotations

import os
import shlex
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from vlayer.errors import GpuUnavailableError, ProvingError
from vlayer.guest import native_module
from vlayer.receipts.zkvm import call_native, gpu_info, prover

#: The image risc0-groth16 3.0.x runs for its CPU shrink-wrap (src/prove/docker.rs).
RISC0_GROTH16_IMAGE = "risczero/risc0-groth16-prover:v2025-04-03.1"
#: How long a backend may take (RISC Zero's prover takes about a minute on a large x86 machine).
DEFAULT_TIMEOUT = 1800.0


class ShrinkWrapError(ProvingError):
    """The Groth16 shrink-wrap backend failed, timed out, or left no usable proof.json."""


class ShrinkWrapUnavailableError(ProvingError):
    """No Groth16 shrink-wrap backend is available here; the message names each one and why."""


class Backend(Protocol):
    @property
    def name(self) -> str: ...

    def run(self, workdir: Path) -> None:
        """Turn `workdir/input.json` into `workdir/proof.json`, or raise `ShrinkWrapError`."""


@dataclass(frozen=True)
class CommandBackend:
    command: str
    timeout: float = DEFAULT_TIMEOUT

    @property
    def name(self) -> str:
        return "command"

    def run(self, workdir: Path) -> None:
        argv = [*shlex.split(self.command), str(workdir)]
        _run(argv, self.timeout, f"the Groth16 prover command {self.command!r}")


@dataclass(frozen=True)
class ContainerBackend:
    runtime: str
    timeout: float = DEFAULT_TIMEOUT
    image: str = RISC0_GROTH16_IMAGE

    @property
    def name(self) -> str:
        return self.runtime

    def run(self, workdir: Path) -> None:
        argv = [self.runtime, "run", "--rm", "-v", f"{workdir}:/mnt", self.image]
        _run(argv, self.timeout, f"{self.runtime} ({self.image})")


@dataclass(frozen=True)
class GpuBackend:
    """RISC Zero's CUDA Groth16 prover, run in a child process of this build (`vlayer.receipts.gpu_prover`)."""

    files: Path
    timeout: float = DEFAULT_TIMEOUT

    @property
    def name(self) -> str:
        return "cuda"

    def run(self, workdir: Path) -> None:
        argv = [sys.executable, "-m", "vlayer.receipts.gpu_prover", str(self.files), str(workdir)]
        _run(argv, self.timeout, "the cuda backend")


def risc0_groth16_files() -> Path:
    """Where RISC Zero's installer puts the `risc0-groth16` component (rzup 0.5's layout)."""
    home = Path(os.environ.get("RISC0_HOME") or Path.home() / ".risc0")
    return home / "extensions" / str(native_module().GROTH16_RZUP_FOLDER)


def _gpu_backend(timeout: float) -> GpuBackend | str:
    """The cuda backend when it can run here, else why not."""
    if prover() != "cuda":
        return "cuda: this build has no CUDA prover (bash bash/setup.sh --cuda builds one)"
    folder = risc0_groth16_files()
    missing = call_native("groth16_gpu_files_missing", str(folder))
    if missing:
        return f"cuda: {folder} lacks {', '.join(missing)} (`rzup install risc0-groth16` puts them there)"
    try:
        gpu_info()
    except GpuUnavailableError as exc:
        return f"cuda: {exc}"
    return GpuBackend(folder, timeout)


def _run(argv: list[str], timeout: float, what: str) -> None:
    try:
        # A session of its own, so a timeout kills whatever the command started too.
        proc = subprocess.Popen(
            argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, start_new_session=True
        )
    except OSError as exc:
        raise ShrinkWrapError(f"{what} cannot start: {exc.strerror or exc}") from None
    try:
        _, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        raise ShrinkWrapError(f"{what} did not finish within {timeout:g}s; stopped") from None
    if proc.returncode != 0:
        tail = err.decode(errors="replace").strip().splitlines()[-1:] or ["no output"]
        raise ShrinkWrapError(f"{what} exited with status {proc.returncode}: {tail[0][:300]}")


#: How long an engine's answer to `info` stands: the service asks on every `v_versions`, and an engine that hangs
#: would otherwise hold each of those calls for the 20 s timeout.
ENGINE_CHECK_TTL = 30.0
_engine_checks: dict[str, tuple[float, str | None]] = {}


def _runtime_ok(runtime: str) -> str | None:
    """None when `runtime` can run containers here, else why not. `info` asks the engine itself: a docker client
    whose daemon is not running (or not reachable) answers `--version` but runs nothing."""
    path = shutil.which(runtime)
    if path is None:
        return f"{runtime}: not installed"
    now = time.monotonic()
    cached = _engine_checks.get(path)
    if cached is not None and cached[0] > now:
        return cached[1]
    why = _engine_answers(runtime, path)
    _engine_checks[path] = (now + ENGINE_CHECK_TTL, why)
    return why


def _engine_answers(runtime: str, path: str) -> str | None:
    try:
        out = subprocess.run([path, "info"], capture_output=True, timeout=20, check=False)
    except subprocess.TimeoutExpired:
        return f"{runtime}: '{runtime} info' did not answer within 20s"
    except OSError as exc:
        return f"{runtime}: cannot start: {exc.strerror or exc}"
    if out.returncode == 0:
        return None
    lines = [line.strip() for line in out.stderr.decode(errors="replace").splitlines() if line.strip()]
    why = f": {lines[-1][:200]}" if lines else ""
    return f"{runtime}: '{runtime} info' exited with status {out.returncode}{why}"


def select_backend(command: str | None = None, *, timeout: float = DEFAULT_TIMEOUT) -> Backend:
    """The backend to use: the command when one is given, else the first of the GPU prover and a container runtime
    that works here; refused with every reason otherwise (before any proving starts)."""
    if command is not None:
        if not command.strip():
            raise ShrinkWrapUnavailableError("--groth16-prover is empty")
        program = shlex.split(command)[0]
        if shutil.which(program) is None and not Path(program).is_file():
            raise ShrinkWrapUnavailableError(f"the Groth16 prover command {program!r} is not found")
        return CommandBackend(command, timeout)
    gpu = _gpu_backend(timeout)
    if isinstance(gpu, GpuBackend):
        return gpu
    reasons = [gpu]
    for runtime in ("docker", "podman"):
        why = _runtime_ok(runtime)
        if why is None:
            return ContainerBackend(runtime, timeout)
        reasons.append(why)
    raise ShrinkWrapUnavailableError(
        "groth16 needs a shrink-wrap backend and none is available here ("
        + "; ".join(reasons)
        + "): pass --groth16-prover CMD (gets a folder with input.json, must leave proof.json), or prove "
        "'succinct' and run `vlayer groth16 export` / `vlayer groth16 import` around a shrink-wrap elsewhere "
        "(docs/proof-modes.md)"
    )


def available(command: str | None = None) -> str | None:
    """None when `select_backend(command)` would succeed, else its reason."""
    try:
        select_backend(command)
    except ShrinkWrapUnavailableError as exc:
        return str(exc)
    return None
