"""The two RISC Zero kernel libraries this build compiles itself (patches/risc0-circuit-keccak-sys and
patches/risc0-circuit-recursion-sys; docs/ci.md, "The keccak circuit", "The recursion circuit"), read from the host
build's own archives: every C++ symbol they define lies in a namespace of their own, so none of their inline field
functions built at -O1 can stand in for the rv32im prover's -O3 ones; upstream's `extern "C"` entry points keep their
names; and the recursion polynomial's -O1 library comes after the -O3 one on the link line, so the -O3 steps keep
their own copies of what both emit."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import pytest

TARGET = Path(os.environ.get("CARGO_TARGET_DIR") or Path.home() / ".cache" / "vlayer" / "target") / "release"
#: A symbol in RISC Zero's own C++ namespace, as `nm -C` prints it (not one of ours, which end in `_risc0::`).
UPSTREAM_NAMESPACE = re.compile(r"(?<![\w])risc0::")


def build_output(crate: str, library: str) -> Path:
    """The newest build-script output folder of `crate` holding `lib<library>.a` (clippy's runs of these build
    scripts compile nothing, and a target dir may keep older runs)."""
    found = sorted(TARGET.glob(f"build/{crate}-*/out/lib{library}.a"), key=lambda p: p.stat().st_mtime)
    if not found:
        pytest.skip(f"no host build in {TARGET} (bash bash/setup.sh builds it)")
    return found[-1].parent


def defined(archive: Path) -> list[tuple[str, str]]:
    """(nm's symbol type, demangled name) of every symbol `archive` defines."""
    out = subprocess.run(["nm", "-C", "--defined-only", str(archive)], capture_output=True, text=True, check=True)
    return [(m[1], m[2]) for m in re.finditer(r"^[0-9a-f]+ (\w) (.+)$", out.stdout, re.M)]


@pytest.mark.parametrize(
    ("crate", "libraries", "namespace", "entry_points"),
    [
        (
            "risc0-circuit-keccak-sys",
            ["vlayer_risc0_keccak_cpu"],
            "vlayer_keccak_risc0::",
            ["risc0_circuit_keccak_cpu_witgen", "risc0_circuit_keccak_cpu_poly_fp"],
        ),
        (
            "risc0-circuit-recursion-sys",
            ["vlayer_risc0_recursion_cpu", "vlayer_risc0_recursion_poly"],
            "vlayer_recursion_risc0::",
            [
                "risc0_circuit_recursion_cpu_witgen",
                "risc0_circuit_recursion_cpu_accum",
                "risc0_circuit_recursion_cpu_eval_check",
            ],
        ),
    ],
)
def test_patched_kernels_live_in_a_namespace_of_their_own(
    crate: str, libraries: list[str], namespace: str, entry_points: list[str]
) -> None:
    out = build_output(crate, libraries[-1])
    symbols = [name for library in libraries for _, name in defined(out / f"lib{library}.a")]
    assert [s for s in symbols if UPSTREAM_NAMESPACE.search(s)] == []
    assert any(s.startswith(namespace) for s in symbols)
    assert set(entry_points) <= set(symbols)


def test_the_recursion_polynomial_links_after_the_steps() -> None:
    out = build_output("risc0-circuit-recursion-sys", "vlayer_risc0_recursion_poly")
    links = [line.split("=", 2)[-1] for line in (out.parent / "output").read_text().splitlines()
             if line.startswith("cargo:rustc-link-lib=static=")]  # fmt: skip
    assert links == ["vlayer_risc0_recursion_cpu", "vlayer_risc0_recursion_poly"]
    # The -O1 library defines one function of its own, the polynomial; all else in it is inline field arithmetic
    # (weak), which the steps' library, loaded first, defines wherever its own code calls it out of line.
    strong = [name for kind, name in defined(out / "libvlayer_risc0_recursion_poly.a") if kind == "T"]
    assert len(strong) == 1 and strong[0].startswith("vlayer_recursion_risc0::circuit::recursion::poly_fp(")
