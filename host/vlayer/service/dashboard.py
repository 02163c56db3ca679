"""The jobs dashboard: recent jobs as display rows, rendered into `dashboard.html` on the server (readable with
JavaScript off) and served as JSON to the page's script, which redraws the table from the same rows.

Every value is formatted here, once; the page's script only builds cells from these strings with `textContent`, and
the server escapes each one with `html.escape`, so a revert reason or any other job text is shown, never run.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import html
import re
import time
from collections.abc import Mapping
from importlib import resources
from typing import Any

from vlayer.progress_bar import cycles_text
from vlayer.service.jobs import Job, JobState, JobStore

DEFAULT_LIMIT = 50
MAX_LIMIT = 500
#: Columns in order: key of the display row, header. The page's script reads the keys from the header cells.
COLUMNS = (
    ("job", "Job"),
    ("state", "State"),
    ("prover", "Prover"),
    ("function", "Function"),
    ("mode", "Mode"),
    ("chain", "Chain"),
    ("block", "Block"),
    ("accepted", "Accepted (UTC)"),
    ("preflight", "Preflight"),
    ("guest", "Guest"),
    ("proving", "Proving"),
    ("total", "Total"),
    ("cycles", "Cycles"),
    ("segments", "Segments"),
    ("error", "Error"),
)
NONE = "\u2014"
_MARKER = re.compile(r"\{\{(\w+)\}\}")


def short_hash(job_hash: str) -> str:
    return f"{job_hash[:10]}\u2026{job_hash[-6:]}"


def format_ms(ms: Any) -> str:
    """A stage time as stored in a job's metrics (whole milliseconds) for a reader."""
    if not isinstance(ms, int | float) or isinstance(ms, bool):
        return NONE
    if ms < 1000:
        return f"{ms:.0f} ms"
    if ms < 100_000:
        return f"{ms / 1000:.2f} s"
    return f"{ms / 60_000:.1f} min"


def _count(value: Any) -> str:
    return f"{value:,}" if isinstance(value, int) and not isinstance(value, bool) and value > 0 else NONE


def _number(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _running(job: Job, now: float) -> dict[str, str]:
    """An unfinished job's cells from its `metrics.progress` (written by the coordinator as segments are proved) and
    its age: the columns a finished job fills from its final metrics."""
    if job.state is JobState.QUEUED:
        return {}
    cells = {"total": format_ms(max(0.0, now - job.created_at) * 1000) + " so far"}
    progress = job.metrics.get("progress") or {}
    total, proved = _number(progress.get("segments_total")), _number(progress.get("segments_proved"))
    if total:
        cells["segments"] = f"{proved or 0}/{total}"
    cycles_total = _number(progress.get("cycles_total"))
    if cycles_total:
        cells["cycles"] = f"{cycles_text(_number(progress.get('cycles_proved')) or 0)}/{cycles_text(cycles_total)}"
    elapsed = progress.get("elapsed_seconds")
    if isinstance(elapsed, int | float) and not isinstance(elapsed, bool):
        eta = progress.get("eta_seconds")
        left = f", about {format_ms(eta * 1000)} left" if isinstance(eta, int | float) and eta > 0 else ""
        cells["proving"] = format_ms(elapsed * 1000) + left
    return cells


def _function(data: Any, names: Mapping[str, str]) -> str:
    if not isinstance(data, str) or len(data) < 10:
        return NONE
    selector = data[:10].lower()
    name = names.get(selector)
    return f"{name} ({selector})" if name else selector


def job_row(job: Job, names: Mapping[str, str] | None = None, now: float | None = None) -> dict[str, str]:
    """One job as the strings the dashboard shows (`hash`, `url`, `state`, `stage`, `error_code` beside the columns).
    `names`: function names by 4-byte selector (`0x1234abcd`), where the service knows them."""
    times = job.metrics.get("times") or {}
    error = job.error or {}
    failed = job.state is JobState.FAILED
    running = {} if job.state in (JobState.DONE, JobState.FAILED) else _running(job, now or time.time())
    to = job.request.get("to")
    row = {
        "hash": job.hash,
        "url": f"jobs/{job.hash}",
        "job": short_hash(job.hash),
        "state": job.state.value,
        # The stage a failed job was in when it failed, where the store recorded it.
        "stage": str(error.get("stage") or "") if failed else "",
        "prover": str(to) if isinstance(to, str) else NONE,
        "prover_short": f"{to[:8]}\u2026{to[-6:]}" if isinstance(to, str) and len(to) > 16 else str(to or NONE),
        "function": _function(job.request.get("data"), names or {}),
        "mode": str(job.request.get("mode") or NONE),
        "chain": str(job.request.get("chain_id", NONE)),
        "block": str(job.request.get("block_number", NONE)),
        "accepted": time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(job.created_at)),
        "preflight": format_ms(times.get("preflight")),
        "guest": format_ms(times.get("guest")),
        "proving": format_ms(times.get("proving")),
        "total": format_ms(times.get("total")),
        "cycles": _count(job.metrics.get("cycles")),
        "segments": _count(job.metrics.get("segments")),
        "error": str(error.get("message", "")) if failed else "",
        "error_code": str(error.get("code", "")) if failed else "",
    }
    row.update(running)
    return row


def snapshot(
    store: JobStore, limit: int, *, fake: bool = False, names: Mapping[str, str] | None = None
) -> dict[str, Any]:
    """What the page shows: the newest jobs, the store's counts by state, and when this was read. `fake`: the
    service makes fake proofs (dev mode), which the page says in a banner."""
    counts = store.counts()
    now = time.time()
    return {
        "fake": fake,
        "jobs": [job_row(job, names, now) for job in store.recent(limit)],
        "counts": [{"state": s.value, "count": counts.get(s.value, 0)} for s in JobState],
        "updated": time.strftime("%H:%M:%S", time.gmtime()),
        "limit": limit,
    }


def _cell(row: dict[str, str], key: str) -> str:
    e = html.escape
    if key == "job":
        return f'<a href="{e(row["url"])}" title="{e(row["hash"])}"><code>{e(row["job"])}</code></a>'
    if key == "prover":
        return f'<code title="{e(row["prover"])}">{e(row["prover_short"])}</code>'
    if key == "state":
        badge = f'<span class="state state-{e(row["state"])}">{e(row["state"])}</span>'
        return badge + (f' <span class="stage">in {e(row["stage"])}</span>' if row["stage"] else "")
    return e(row[key])


def _row_html(row: dict[str, str]) -> str:
    cells = []
    for key, _ in COLUMNS:
        code = row["error_code"] if key == "error" else ""
        title = f' title="JSON-RPC error {html.escape(code)}"' if code else ""
        cells.append(f'<td class="col-{key}"{title}>{_cell(row, key)}</td>')
    return f'<tr data-hash="{html.escape(row["hash"])}">{"".join(cells)}</tr>'


def _counts_html(counts: list[dict[str, Any]]) -> str:
    badges = []
    for c in counts:
        state = html.escape(c["state"])
        badges.append(f'<span class="count state-{state}">{state} <b>{int(c["count"])}</b></span>')
    return " ".join(badges)


@functools.cache
def _template() -> str:
    return resources.files("vlayer.service").joinpath("dashboard.html").read_text(encoding="utf-8")


@functools.cache
def content_security_policy() -> str:
    """Only this page's own inline script and style may run, by hash: injected markup could not run a script even
    if a value escaped `html.escape`. The script may fetch from this origin alone."""

    def digests(tag: str) -> str:
        bodies = re.findall(rf"<{tag}>(.*?)</{tag}>", _template(), flags=re.DOTALL)
        return " ".join(
            f"'sha256-{base64.b64encode(hashlib.sha256(body.encode()).digest()).decode()}'" for body in bodies
        )

    return (
        f"default-src 'none'; script-src {digests('script')}; style-src {digests('style')}; connect-src 'self'; "
        "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
    )


def render_page(data: dict[str, Any]) -> str:
    rows = "".join(_row_html(row) for row in data["jobs"])
    if not rows:
        rows = f'<tr class="empty"><td colspan="{len(COLUMNS)}">No jobs yet.</td></tr>'
    values = {
        "head": "".join(f'<th data-key="{key}" class="col-{key}">{html.escape(title)}</th>' for key, title in COLUMNS),
        "rows": rows,
        "counts": _counts_html(data["counts"]),
        "updated": html.escape(data["updated"]),
        "limit": str(int(data["limit"])),
        "banner": "" if data.get("fake") else " hidden",
    }
    # One pass: a value that happens to contain "{{name}}" is not substituted again.
    return _MARKER.sub(lambda m: values[m.group(1)], _template())
