"""README's "Exit codes" table is the CLI's mapping: `vlayer`'s commands exit with `exc.exit_code` of the
`VlayerError` they end on, so every class that sets its own code must be in the row of that code, and every class the
table names must have it."""

from __future__ import annotations

import importlib
import pkgutil
import re

import vlayer
from vlayer.devnet import REPO_ROOT
from vlayer.errors import VlayerError

ROW = re.compile(r"^\| (\d+) \| (.+) \| (.+) \|$")


def readme_table() -> dict[str, int]:
    """Qualified class name -> the code README's table gives it."""
    text = (REPO_ROOT / "README.md").read_text()
    section = text.split("## Exit codes\n", 1)[1].split("\n## ", 1)[0]
    listed: dict[str, int] = {}
    for line in section.splitlines():
        if (row := ROW.match(line)) is None:
            continue
        for name in re.findall(r"`([\w.]+)`", row.group(3)):
            qualified = name if "." in name else f"vlayer.errors.{name}"
            assert qualified not in listed, f"{qualified} is listed twice"
            listed[qualified] = int(row.group(1))
    return listed


def code_setters() -> dict[str, int]:
    """Every `VlayerError` class (in any vlayer module) that sets `exit_code` itself -> that code."""
    for module in pkgutil.walk_packages(vlayer.__path__, "vlayer."):
        if "._" not in module.name:  # the native module and bundled project templates define no errors
            importlib.import_module(module.name)
    found: dict[str, int] = {}
    pending: list[type[VlayerError]] = [VlayerError]
    while pending:
        cls = pending.pop()
        pending.extend(cls.__subclasses__())
        if "exit_code" in cls.__dict__:
            found[f"{cls.__module__}.{cls.__qualname__}"] = cls.exit_code
    return found


def test_readme_exit_codes_are_the_cli_mapping() -> None:
    assert readme_table() == code_setters()


def test_literal_exits_of_the_cli_are_documented() -> None:
    """Exits no error class sets, as `vlayer preflight`'s `sys.exit(1)` for a reverting call, are in the table."""
    source = (REPO_ROOT / "host" / "vlayer" / "cli.py").read_text()
    literal = {int(code) for code in re.findall(r"sys\.exit\((\d+)\)", source)}
    assert 1 in literal
    assert literal <= set(readme_table().values())
