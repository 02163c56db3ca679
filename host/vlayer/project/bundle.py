"""The files `vlayer init` copies into a new project: vlayer's Solidity library (`contracts/src`,
`contracts/test/lib`) and the examples it offers as templates, without build output.

A project must build without a checkout: an installed wheel has no `examples/` or `contracts/` beside it, and a
project that linked into a clone broke when the clone moved. So `vlayer init` copies files, never links, from one of
two places: a checkout's own `contracts/` and `examples/` when the package runs from one (the editable install
`bash/setup.sh` makes), or `vlayer/project/_bundled/` inside an installed package, which a wheel build writes first
(it is git-ignored: the checkout stays the one source of truth):

    .venv/bin/python -m vlayer.project.bundle && .venv/bin/maturin build --release   # a wheel that carries the bundle

`ImageID.sol` is left out: it follows the guest build, and `vlayer init` writes it from the installed guest.
"""

from __future__ import annotations

import shutil
import sys
from collections.abc import Iterator
from pathlib import Path

BUNDLE = Path(__file__).resolve().parent / "_bundled"
#: Folders copied from a checkout into the bundle, as (source relative to the checkout, place in the bundle).
_LIBRARY = (("contracts/src", "contracts/src"), ("contracts/test/lib", "contracts/test/lib"))
#: Generated from the guest build, so never bundled (`vlayer init` writes the installed guest's).
_GENERATED = {"contracts/src/ImageID.sol"}
#: Build output and local state of an example; never part of a template.
_SKIP = frozenset(
    {"out", "cache", ".vlayer", "lib", "broadcast", "__pycache__", ".pytest_cache", ".mypy_cache", ".ruff_cache"}
)


def _files(root: Path, skip: frozenset[str] = frozenset({"__pycache__"})) -> Iterator[Path]:
    """Files under `root`, relative to it, skipping the folders named in `skip` and bytecode caches."""
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root)
        if any(part in skip for part in rel.parts[:-1]) or path.suffix == ".pyc":
            continue
        if path.is_file():
            yield rel


def expected(checkout: Path) -> dict[str, bytes]:
    """What the bundle holds for this checkout: {path in the bundle: content}."""
    want: dict[str, bytes] = {}
    for source, place in _LIBRARY:
        for rel in _files(checkout / source):
            if f"{source}/{rel.as_posix()}" not in _GENERATED:
                want[f"{place}/{rel.as_posix()}"] = (checkout / source / rel).read_bytes()
    for foundry in sorted((checkout / "examples").glob("*/foundry.toml")):
        example = foundry.parent
        for rel in _files(example, _SKIP):
            want[f"templates/{example.name}/{rel.as_posix()}"] = (example / rel).read_bytes()
    return want


def actual(bundle: Path = BUNDLE) -> dict[str, bytes]:
    if not bundle.is_dir():
        return {}
    return {rel.as_posix(): (bundle / rel).read_bytes() for rel in _files(bundle)}


def differences(checkout: Path, bundle: Path = BUNDLE) -> list[str]:
    """One line per file that is missing from, extra in, or different in the bundle."""
    want, have = expected(checkout), actual(bundle)
    lines = [f"missing {p}" for p in sorted(want.keys() - have.keys())]
    lines += [f"extra   {p}" for p in sorted(have.keys() - want.keys())]
    lines += [f"differs {p}" for p in sorted(want.keys() & have.keys()) if want[p] != have[p]]
    return lines


def write(checkout: Path, bundle: Path = BUNDLE) -> int:
    """Replace the bundle with the checkout's files; returns how many it holds."""
    want = expected(checkout)
    if bundle.exists():
        shutil.rmtree(bundle)
    for rel, content in want.items():
        target = bundle / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content)
    return len(want)


#: Where this module sits in a checkout: <checkout>/host/vlayer/project.
CHECKOUT = BUNDLE.parents[3]


def _is_checkout(root: Path) -> bool:
    return (root / "contracts" / "src").is_dir() and (root / "examples").is_dir()


def files() -> dict[str, bytes]:
    """What `vlayer init` copies from, as {path in the bundle's layout: content}: the checkout the package runs from,
    else the installed package's bundle (a checkout's own `_bundled`, left by a wheel build, may be stale)."""
    if _is_checkout(CHECKOUT):
        return expected(CHECKOUT)
    if BUNDLE.is_dir():
        return actual(BUNDLE)
    from vlayer.devnet import ToolError

    raise ToolError(
        f"the vlayer package at {BUNDLE.parent} carries no project templates (vlayer/project/_bundled) and runs "
        "from no checkout; build the wheel after `python -m vlayer.project.bundle`"
    )


def main(argv: list[str]) -> int:
    checkout = CHECKOUT
    if not _is_checkout(checkout):
        print(f"error: {checkout} is not a vlayer checkout (no contracts/src, examples/)", file=sys.stderr)
        return 2
    if argv == ["--check"]:
        lines = differences(checkout)
        for line in lines:
            print(line)
        if lines:
            print("the bundle is out of date: run `.venv/bin/python -m vlayer.project.bundle`", file=sys.stderr)
        return 1 if lines else 0
    if argv:
        print("usage: python -m vlayer.project.bundle [--check]", file=sys.stderr)
        return 2
    print(f"wrote {write(checkout)} files to {BUNDLE}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
