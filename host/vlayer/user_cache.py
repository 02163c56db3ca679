"""vlayer's folder in the user's cache directory (`$XDG_CACHE_HOME/vlayer`, else `~/.cache/vlayer`): what this
machine measured or computed once and keeps (the proving rate, the native module's build facts). The host and guest
builds live under `~/.cache/vlayer` too (bash/env.sh, which does not read `XDG_CACHE_HOME`)."""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from pathlib import Path
from typing import Any


def cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or ""
    # The XDG spec: a relative path in the variable is invalid and is ignored.
    root = Path(base) if base and os.path.isabs(base) else Path.home() / ".cache"
    return root / "vlayer"


def write_json(path: Path, doc: Any) -> None:
    """Write `doc` whole or not at all (a temporary file renamed over `path`), so that a process reading the file
    while another writes it sees the old document or the new one, never half of one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.stem}.")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            json.dump(doc, out, indent=1, sort_keys=True)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
