"""A failed `forge build`, with forge's diagnostics kept as forge printed them: a compiler error is several lines
(the message, the file and line, the source excerpt with its caret), which read only as they were laid out."""

from __future__ import annotations

import re
import subprocess

from vlayer.devnet import ToolError

#: solc's diagnostics as forge prints them: `Error (3546): Expected type name`, `Warning (2072): ...`.
_DIAGNOSTIC = re.compile(r"(?m)^(Error|Warning) \(\d+\): ")


class ForgeBuildError(ToolError):
    """`forge build` failed. `diagnostics` is forge's own output, untouched (the CLI prints it before its one
    `error:` line); the message counts the compiler errors, or quotes forge's last line when there are none (forge
    missing a dependency, a bad foundry.toml)."""

    def __init__(self, diagnostics: str, returncode: int) -> None:
        errors = sum(1 for m in _DIAGNOSTIC.finditer(diagnostics) if m.group(1) == "Error")
        if errors:
            what = f"{errors} compiler error{'s' if errors > 1 else ''} (forge's output above)"
        else:
            lines = [line.strip() for line in diagnostics.splitlines() if line.strip()]
            what = lines[-1] if lines else f"forge exited with status {returncode} and printed nothing"
        super().__init__(f"forge build failed: {what}")
        self.diagnostics = diagnostics
        self.returncode = returncode


def build_failure(proc: subprocess.CompletedProcess[str]) -> ForgeBuildError:
    """The error for a `forge build` that exited non-zero: its stderr (where forge reports a failed compile), else
    its stdout."""
    return ForgeBuildError((proc.stderr or "").rstrip() or (proc.stdout or "").rstrip(), proc.returncode)
