"""The per-segment progress bar of `vlayer prove` (local and `--service`): one step per proved segment, with the
cycles proved and the coordinator's estimate of the time left (vlayer.cluster measures it from the segments
proved so far, which a bar's own rate gets wrong when segments prove in parallel)."""

from __future__ import annotations

import sys
import threading
from collections.abc import Mapping
from types import TracebackType
from typing import Any, TextIO

import click


def cycles_text(n: int) -> str:
    return f"{n / 1e6:.1f}M" if n >= 1_000_000 else f"{n / 1e3:.0f}k" if n >= 1000 else str(n)


def describe(progress: Mapping[str, Any]) -> str:
    """`3/8 segments, 3.1M/8.4M cycles, about 40 s left`: what the bar shows after itself."""
    text = f"{progress.get('segments_proved', 0)}/{progress.get('segments_total', 0)} segments"
    if progress.get("cycles_total"):
        proved = cycles_text(int(progress.get("cycles_proved") or 0))
        text += f", {proved}/{cycles_text(int(progress['cycles_total']))} cycles"
    eta = progress.get("eta_seconds")
    if eta is not None:
        text += f", about {float(eta):.0f} s left"
    return text


class SegmentBar:
    """Opens when the first progress names the number of segments (the run is executed into segments before any
    is proved), with its text (`0/8 segments, 0/8.4M cycles`) from that first frame; `update` takes the progress as
    a mapping (the service's `metrics.progress`, or the coordinator's progress as a dict). `note` prints a line
    above the bar. Progress may come from another thread than notes (a signal handler): one lock orders them.

    On a terminal the bar hides the cursor while it is drawn; `close` (also on an error or a signal, by its caller)
    finishes the bar's line and shows the cursor again."""

    def __init__(self, label: str = "proving", file: TextIO | None = None) -> None:
        self.label = label
        self.file = file or sys.stderr
        self._bar: Any = None
        self._shown = 0
        self._text = ""
        self._lock = threading.Lock()

    @property
    def opened(self) -> bool:
        return self._bar is not None

    def update(self, progress: Mapping[str, Any]) -> None:
        total = int(progress.get("segments_total") or 0)
        if total <= 0:
            return
        proved = min(int(progress.get("segments_proved") or 0), total)
        with self._lock:
            if not self.file.isatty():
                # A log or a pipe: click draws no bar there, so one line per segment proved (and the first).
                if self._bar is None or proved > self._shown:
                    self._bar = True
                    self._shown = proved
                    click.echo(f"{self.label}: {describe(progress)}", file=self.file)
                return
            # The text is set before the bar is entered, whose first frame draws it (click draws on entering and
            # then only on a step: without this the first frame showed a bare 0% until the first segment).
            self._text = describe(progress)
            if self._bar is None:
                self._bar = click.progressbar(
                    length=total,
                    label=self.label,
                    file=self.file,
                    show_eta=False,
                    item_show_func=lambda _item: self._text,
                )
                self._bar.__enter__()
            self._bar.update(max(0, proved - self._shown))
            self._shown = max(self._shown, proved)
            # A new text with no new step (the first report, a changed estimate) is drawn too; click skips an
            # unchanged line itself.
            self._bar.render_progress()

    def note(self, text: str) -> None:
        """A line of its own: above the bar while one is drawn, which is then drawn again below it."""
        with self._lock:
            if self._bar is None or self._bar is True:
                click.echo(text, file=self.file)
                return
            width = int(self._bar.max_width or 0)
            self.file.write("\r" + " " * width + "\r")
            click.echo(text, file=self.file)
            self._bar._last_line = None  # click draws only a changed line; this one must be drawn
            self._bar.render_progress()

    def close(self) -> None:
        with self._lock:
            if self._bar is not None and self._bar is not True:
                self._bar.__exit__(None, None, None)
            self._bar = None
        self.file.flush()

    def __enter__(self) -> SegmentBar:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()
