"""This machine's proving rate, measured: seconds per segment, by segment size (po2) and prover build (cpu, cuda),
kept in the user's cache directory (`$XDG_CACHE_HOME/vlayer/prove-rate.json`, else `~/.cache/vlayer/...`) and
updated after every segment `vlayer prove` proves here. It gives the up-front estimate `vlayer prove` prints once
the executor has split the run into segments. Keccak batches (a guest that uses RISC Zero's keccak accelerator) are
measured apart, under `keccak-<po2>`: another circuit; until one is measured, a batch counts as an rv32im segment
with as many rows.

Before anything was measured, the estimate uses a default that is labelled as such: the slowest CPU figure in
docs/proof-modes.md (a 2^20 segment in 1,235 s), halved for each po2 below 20 (proving time is about linear in a
segment's rows). A GPU build proves far faster, so its first estimate is pessimistic until one segment is proved.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from vlayer.user_cache import cache_dir, write_json

#: docs/proof-modes.md: the slowest 2^20 segment measured on the CPU build (the no-op call, at `nice -n 19`).
DEFAULT_SECONDS_PO2_20 = 1235.0
#: The mean moves with new measurements (a machine gets busier, a build gets faster) but is not one sample's noise.
MAX_WEIGHT = 20
FILE_NAME = "prove-rate.json"


def rate_file() -> Path:
    return cache_dir() / FILE_NAME


def prover_build() -> str:
    """`cpu` or `cuda`: a rate measured on one build says nothing about the other."""
    from vlayer.guest import build_info

    return str(build_info().get("prover") or "cpu")


@dataclass(frozen=True)
class Estimate:
    seconds: float
    #: True when a rate was measured on this machine (for a segment size without one, scaled from the nearest
    #: size that has one); False: the labelled default was used.
    measured: bool


class ProveRates:
    """The rates file, read once; `record` writes it back after each segment (atomically: a crash mid-write leaves
    the previous file)."""

    def __init__(self, path: Path | None = None, build: str | None = None) -> None:
        self.path = path or rate_file()
        self.build = build or prover_build()
        self._doc = self._read()

    def _read(self) -> dict[str, Any]:
        try:
            doc = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            # Missing or damaged: a cache, so it starts over rather than failing a proof.
            return {}
        return doc if isinstance(doc, dict) else {}

    def _entry(self, key: str) -> dict[str, Any] | None:
        entry = (self._doc.get(self.build) or {}).get(key)
        if isinstance(entry, dict) and isinstance(entry.get("seconds_per_segment"), int | float):
            return entry
        return None

    def seconds_per_segment(self, po2: int, kind: str = "rv32im") -> float | None:
        """The measured mean for segments (or keccak batches) of 2^po2 rows on this build; None before the first."""
        entry = self._entry(_key(po2, kind))
        return None if entry is None else float(entry["seconds_per_segment"])

    def _rates(self, kind: str) -> dict[int, float]:
        prefix = _key(0, kind)[:-1]
        return {
            int(size): rate
            for key in self._doc.get(self.build) or {}
            if str(key).startswith(prefix) and (size := str(key)[len(prefix) :]).isdigit()
            if (rate := self.seconds_per_segment(int(size), kind)) is not None
        }

    def estimate(self, po2s: Iterable[int], keccak_po2s: Iterable[int] = ()) -> Estimate:
        """Seconds to prove segments of these sizes, then keccak batches of those, one after another on this machine.
        A size not measured yet (a call's last segment is often smaller than the others) is scaled from the nearest
        measured size of this build, proving time being about linear in a segment's rows; with none measured, from
        the default. A keccak batch with no keccak size measured counts as a segment of its rows."""
        rates = self._rates("rv32im")
        anchors = rates or {20: DEFAULT_SECONDS_PO2_20}
        keccak = self._rates("keccak")
        total = sum(_scaled(anchors, po2) for po2 in po2s)
        total += sum(_scaled(keccak or anchors, po2) for po2 in keccak_po2s)
        return Estimate(total, bool(rates))

    def record(self, po2: int, seconds: float, kind: str = "rv32im") -> None:
        key = _key(po2, kind)
        entry = self._entry(key) or {"seconds_per_segment": 0.0, "segments": 0}
        count = int(entry.get("segments") or 0)
        weight = min(count + 1, MAX_WEIGHT)
        mean = float(entry["seconds_per_segment"]) + (seconds - float(entry["seconds_per_segment"])) / weight
        self._doc.setdefault(self.build, {})[key] = {"seconds_per_segment": round(mean, 3), "segments": count + 1}
        self._write()

    def _write(self) -> None:
        # A read-only home must not fail a proof that succeeded; the estimate just stays unmeasured.
        with contextlib.suppress(OSError):
            write_json(self.path, self._doc)


def _key(po2: int, kind: str) -> str:
    return str(po2) if kind == "rv32im" else f"{kind}-{po2}"


def _scaled(anchors: dict[int, float], po2: int) -> float:
    base = po2 if po2 in anchors else min(anchors, key=lambda m: (abs(m - po2), m))
    return anchors[base] * 2.0 ** (po2 - base)


def duration(seconds: float) -> str:
    if seconds < 90:
        return f"{seconds:.0f} s"
    if seconds < 90 * 60:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"


def estimate_line(segments: int, cycles: int, estimate: Estimate) -> str:
    """`3 segments, 3.1M cycles; about 38 min on this machine`, or with the default labelled."""
    from vlayer.progress_bar import cycles_text

    head = f"{segments} segment{'s' if segments != 1 else ''}, {cycles_text(cycles)} cycles"
    if estimate.measured:
        return f"{head}; about {duration(estimate.seconds)} on this machine"
    return (
        f"{head}; about {duration(estimate.seconds)} at the default rate of a slow CPU (no proving rate measured on "
        "this machine yet; it is measured from each segment proved)"
    )
