"""User projects: `vlayer init` copies an example as a template, `vlayer build` compiles it with forge + solc.

A project is a Foundry project whose `lib/vlayer` points at this checkout's `contracts/` (Prover, Verifier, proof
verifiers) and whose `foundry.toml` names the pinned solc wrapper, so it builds offline like the examples do.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from vlayer.devnet import REPO_ROOT, ToolError, find_tool
from vlayer.errors import InputError

EXAMPLES = REPO_ROOT / "examples"
CONTRACTS = REPO_ROOT / "contracts"
#: Build output and local state of an example; never part of a template.
_SKIP = {"out", "cache", ".vlayer", "lib", "broadcast", "__pycache__"}


def templates() -> list[str]:
    return sorted(p.parent.name for p in EXAMPLES.glob("*/foundry.toml"))


def init_project(target: Path, template: str) -> Path:
    """Copy `examples/<template>` to `target` (which must not exist or be empty) and wire it to vlayer's contracts."""
    if template not in templates():
        raise InputError(f"unknown template {template!r}; available: {', '.join(templates())}")
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise InputError(f"{target} already exists and is not an empty directory")
    source = EXAMPLES / template
    shutil.copytree(source, target, ignore=lambda _dir, names: [n for n in names if n in _SKIP], dirs_exist_ok=True)
    (target / "lib").mkdir(exist_ok=True)
    os.symlink(CONTRACTS.resolve(), target / "lib" / "vlayer", target_is_directory=True)
    toml = target / "foundry.toml"
    solc = (CONTRACTS / "bin" / "solc").resolve()
    text, count = re.subn(r'(?m)^solc = ".*"$', f'solc = "{solc}"', toml.read_text())
    if count != 1:
        raise ToolError(f"template {template}: foundry.toml has no single `solc = ...` line to point at {solc}")
    toml.write_text(text)
    return target


@dataclass(frozen=True)
class BuildResult:
    artifacts: int
    provers: list[str]


def build_project(root: Path) -> BuildResult:
    """`forge build --offline` in a project; a compile error is a `ToolError` carrying forge's own message."""
    if not (root / "foundry.toml").is_file():
        raise InputError(f"{root} has no foundry.toml (create a project with `vlayer init`)")
    proc = subprocess.run(
        [find_tool("forge"), "build", "--offline"], cwd=root, capture_output=True, text=True, timeout=900
    )
    if proc.returncode != 0:
        detail = (proc.stderr.strip() or proc.stdout.strip()).splitlines()
        raise ToolError("forge build failed: " + " | ".join(line for line in detail[-12:] if line.strip()))
    out = root / "out"
    artifacts = [p for p in out.glob("*/*.json") if p.parent.name != "build-info"]
    provers = sorted(
        p.stem
        for p in artifacts
        if p.parent.name.endswith(".v.sol")
        and json.loads(p.read_text()).get("bytecode", {}).get("object", "0x") != "0x"
    )
    return BuildResult(len(artifacts), provers)
