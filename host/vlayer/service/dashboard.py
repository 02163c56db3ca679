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
from importlib import resources
from typing import Any

from vlayer.service.jobs import Job, JobState, JobStore

DEFAULT_LIMIT = 50
MAX_LIMIT = 500
#: Columns in order: key of the display row, header. The page's script reads the keys from the header cells.
COLUMNS = (
    ("job", "Job"),
    ("state", "State"),
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


def job_row(job: Job) -> dict[str, str]:
    """One job as the strings the dashboard shows (`hash`, `url`, `state`, `stage`, `error_code` beside the columns)."""
    times = job.metrics.get("times") or {}
    error = job.error or {}
    failed = job.state is JobState.FAILED
    return {
        "hash": job.hash,
        "url": f"jobs/{job.hash}",
        "job": short_hash(job.hash),
        "state": job.state.value,
        # The stage a failed job was in when it failed, where the store recorded it.
        "stage": str(error.get("stage") or "") if failed else "",
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


def snapshot(store: JobStore, limit: int) -> dict[str, Any]:
    """What the page shows: the newest jobs, the store's counts by state, and when this was read."""
    counts = store.counts()
    return {
        "jobs": [job_row(job) for job in store.recent(limit)],
        "counts": [{"state": s.value, "count": counts.get(s.value, 0)} for s in JobState],
        "updated": time.strftime("%H:%M:%S", time.gmtime()),
        "limit": limit,
    }


def _cell(row: dict[str, str], key: str) -> str:
    e = html.escape
    if key == "job":
        return f'<a href="{e(row["url"])}" title="{e(row["hash"])}"><code>{e(row["job"])}</code></a>'
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
    }
    # One pass: a value that happens to contain "{{name}}" is not substituted again.
    return _MARKER.sub(lambda m: values[m.group(1)], _template())
