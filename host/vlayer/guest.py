"""The guest, run natively through the `vlayer._native` extension, and the host/guest agreement check."""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import os
import sys
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

from vlayer.errors import GuestError, HostGuestMismatchError
from vlayer.guest_input import expected_journal, input_for
from vlayer.preflight.execute import PreflightResult
from vlayer.user_cache import cache_dir, write_json


@dataclass(frozen=True)
class GuestRun:
    journal: bytes
    return_data: bytes
    gas_used: int


_LOAD_LOCK = threading.Lock()


def native_module() -> ModuleType:
    if "vlayer._native" not in sys.modules:
        with _LOAD_LOCK:
            _load_native()
    from vlayer import _native

    return _native


def _load_native() -> None:
    # The CUDA build leaves the NVIDIA driver's functions to be bound at their first call, after its GPU check has
    # loaded the driver, so that it imports on a machine without one; Python's default RTLD_NOW would bind them at
    # import. The CPU build is linked for immediate binding, which a lazy dlopen does not change.
    flags = sys.getdlopenflags()
    sys.setdlopenflags((flags & ~os.RTLD_NOW) | os.RTLD_LAZY)
    try:
        from vlayer import _native  # noqa: F401
    except ImportError as exc:
        raise GuestError(
            f"the native guest is not built or cannot be loaded ({exc}); run `bash bash/setup.sh`"
        ) from exc
    finally:
        sys.setdlopenflags(flags)


def execute_native(guest_input: bytes, secrets: Sequence[bytes] = ()) -> GuestRun:
    """Run the guest library on the host CPU (GIL released); its failure message is the guest's own. `secrets`: the
    prover's shielding secret keys, a private input apart from the guest input."""
    native = native_module()
    try:
        out = native.execute_native(guest_input, list(secrets))
    except native.GuestFailure as exc:
        raise GuestError(str(exc)) from None
    return GuestRun(bytes(out["journal"]), bytes(out["return_data"]), int(out["gas_used"]))


@functools.cache
def _build_info() -> dict[str, object]:
    native = native_module()
    key = _module_key(native)
    path = cache_dir() / "build-info" / f"{hashlib.sha256(key.encode()).hexdigest()[:32]}.json"
    cached = _cached_build_info(path, key)
    if cached is not None:
        return cached
    info = dict(native.build_info())
    # A read-only cache costs every process the computation again, nothing else.
    with contextlib.suppress(OSError):
        write_json(path, {"key": key, "build_info": info})
    return info


def _module_key(native: ModuleType) -> str:
    # Everything build_info says is fixed when the module is built, but the image id is computed from the embedded
    # ELF (about 3 s of CPU in every process that needs it: every `vlayer` command that proves, serves or prints its
    # version). So it is kept in the user's cache under the module file's path, size, inode and modification time: a
    # rebuilt or reinstalled module is a new key. The file is as much the user's as the module itself is.
    module = Path(str(native.__file__)).resolve()
    st = module.stat()
    return f"{module}:{st.st_size}:{st.st_ino}:{st.st_mtime_ns}"


def _cached_build_info(path: Path, key: str) -> dict[str, object] | None:
    try:
        doc = json.loads(path.read_text())
    except (OSError, ValueError):
        return None  # no cache yet, or not one this code wrote: computed again
    if not isinstance(doc, dict) or doc.get("key") != key or not isinstance(doc.get("build_info"), dict):
        return None
    info: dict[str, object] = doc["build_info"]
    image_id = info.get("image_id")
    if not isinstance(image_id, str) or len(image_id) != 64 or any(c not in "0123456789abcdef" for c in image_id):
        return None
    return info


def build_info() -> dict[str, object]:
    """What the native extension was built with: crate and wire format versions, the embedded zkVM guest (ELF
    sha256, image id), the RISC Zero release and the proof modes this build can run."""
    return dict(_build_info())


def call_guest_id() -> bytes:
    """The image id every proof carries: the embedded zkVM guest's, computed as RISC Zero does."""
    return bytes.fromhex(str(build_info()["image_id"]))


def check_guest(result: PreflightResult, run: GuestRun) -> None:
    """Guest output must equal preflight output before anything is proved or returned."""
    want = expected_journal(result)
    if run.journal != want:
        raise HostGuestMismatchError(
            f"guest journal differs from preflight: guest 0x{run.journal.hex()}, host 0x{want.hex()}"
        )
    if run.gas_used != result.gas_used:
        raise HostGuestMismatchError(f"guest used {run.gas_used} gas, preflight {result.gas_used}")


def run_and_check(result: PreflightResult, secrets: Sequence[bytes] = ()) -> GuestRun:
    run = execute_native(input_for(result), secrets)
    check_guest(result, run)
    return run
