"""The repository stands alone: a copy with nothing beside it passes the guard `bash/test.sh` runs first, and the
guard catches a file that reaches out of the tree. The forge suites that read the receipt vectors pass in the copy."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from vlayer.devnet import REPO_ROOT

GUARD = ["bash", "bash/self-contained.sh"]
#: The folder beside our own checkouts that a user's clone does not have; spelt in parts so that this file, which
#: plants references to it, does not itself read as one to other checks.
BESIDE = "sha" + "red"
UP = ".."


@pytest.fixture(scope="module")
def lone_copy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The files git would commit (tracked and new), copied into a fresh git repository in an empty folder."""
    dest = tmp_path_factory.mktemp("elsewhere") / "clone"
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=REPO_ROOT,
        capture_output=True,
        check=True,
    ).stdout.split(b"\0")
    for rel in filter(None, (p.decode() for p in listed)):
        src = REPO_ROOT / rel
        if src.is_file():
            (dest / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dest / rel)
    subprocess.run(["git", "init", "-q"], cwd=dest, check=True)
    subprocess.run(["git", "add", "-A"], cwd=dest, check=True)
    assert not dest.parent.joinpath(BESIDE).exists()
    return dest


def guard(root: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(GUARD, cwd=root, capture_output=True, text=True, timeout=60)


def test_copy_with_nothing_beside_it_passes_the_guard(lone_copy: Path) -> None:
    out = guard(lone_copy)
    assert out.returncode == 0, out.stderr
    assert "nothing reads outside clone" in out.stderr


@pytest.mark.parametrize(
    ("rel", "text", "named"),
    [
        ("tests/planted_test.py", f'VECTORS = ROOT.parent / "{BESIDE}" / "vectors"\n', "tests/planted_test.py:1:"),
        ("contracts/test/Planted.t.sol", f'string constant P = "{UP}/{UP}/{BESIDE}/x.json";\n', "Planted.t.sol:1:"),
        ("bash/planted.sh", f"cat {UP}/{BESIDE}/vectors/x.json\n", "bash/planted.sh:1:"),
    ],
)
def test_guard_names_a_file_that_reads_beside_the_tree(lone_copy: Path, rel: str, text: str, named: str) -> None:
    planted = lone_copy / rel
    planted.write_text(text)
    try:
        out = guard(lone_copy)
    finally:
        planted.unlink()
    assert out.returncode == 1
    assert "these lines read outside the repository" in out.stderr
    assert named in out.stderr


def test_guard_refuses_forge_permissions_outside_the_tree(lone_copy: Path) -> None:
    toml = lone_copy / "contracts" / "foundry.toml"
    original = toml.read_text()
    toml.write_text(original.replace('path = "./test/vectors"', 'path = "../../elsewhere"'))
    try:
        out = guard(lone_copy)
    finally:
        toml.write_text(original)
    assert out.returncode == 1
    assert "grants forge access to ../../elsewhere, outside the repository" in out.stderr


def test_forge_reads_the_receipt_vector_inside_the_copy(lone_copy: Path) -> None:
    """The suites that load the real Groth16 receipt, run from the copy with the repository's own forge and solc."""
    contracts = lone_copy / "contracts"
    # The copy's setup step, without the download: the pinned forge and solcjs that setup.sh puts in node_modules.
    if not (lone_copy / "node_modules").exists():
        (lone_copy / "node_modules").symlink_to(REPO_ROOT / "node_modules", target_is_directory=True)
    forge = lone_copy / "node_modules" / ".bin" / "forge"
    out = subprocess.run(
        [str(forge), "test", "--offline", "--match-contract", "Groth16"],
        cwd=contracts,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-3000:]
    assert "0 failed" in out.stdout
