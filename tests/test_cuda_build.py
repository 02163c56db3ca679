"""The CUDA build's setup, as far as a machine without CUDA or a GPU can check it (CI never builds it).

`bash bash/setup.sh --cuda --dry-run` must name the pinned toolkit wheels and turn VLAYER_CUDA_ARCHS into nvcc's
flags without installing anything; the CPU build must say it is the CPU build. Where this checkout has the CUDA build
(`.venv-cuda`), it is checked too: it reports its prover and architectures, imports without an NVIDIA driver, and
refuses to prove there with `GpuUnavailableError` (no fall-back to the CPU).
"""

from __future__ import annotations

import ctypes
import os
import subprocess
import sys
from pathlib import Path

import pytest

from vlayer import errors
from vlayer.guest import build_info
from vlayer.receipts import zkvm

ROOT = Path(__file__).resolve().parents[1]
WHEELS = [
    "nvidia-cuda-nvcc==13.0.88",
    "nvidia-cuda-crt==13.0.88",
    "nvidia-nvvm==13.0.88",
    "nvidia-cuda-runtime==13.0.96",
    "nvidia-cuda-cccl==13.0.85",
]
CUDA_VENV = ROOT / ".venv-cuda"


def setup(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    """bash/setup.sh with arguments that make it exit before installing anything, without the caller's CUDA
    settings unless given."""
    base = {k: v for k, v in os.environ.items() if not k.startswith("VLAYER_CUDA_") and k != "RUSTFLAGS"}
    return subprocess.run(
        ["bash", "bash/setup.sh", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**base, **env},
        timeout=60,
        check=False,
    )


def test_dry_run_names_the_pinned_toolkit_and_the_architectures(tmp_path: Path) -> None:
    home = tmp_path / "cuda-home"
    p = setup("--cuda", "--dry-run", VLAYER_CUDA_ARCHS="75 sm_90a 120", VLAYER_CUDA_HOME=str(home))
    assert p.returncode == 0, p.stderr
    assert f"pip:    {' '.join(WHEELS)}" in p.stdout
    flags = (
        "-gencode=arch=compute_75,code=sm_75 -gencode=arch=compute_90a,code=sm_90a "
        "-gencode=arch=compute_120,code=sm_120"
    )
    assert f'export NVCC_APPEND_FLAGS="{flags}"' in p.stdout
    assert "archs:  sm_75 sm_90a sm_120" in p.stdout
    toolkit = home / "lib" / f"python{sys.version_info[0]}.{sys.version_info[1]}" / "site-packages" / "nvidia" / "cu13"
    for name in ("CUDA_PATH", "CUDA_ROOT", "CUDA_TOOLKIT_ROOT_DIR"):
        assert f'export {name}="{toolkit}"' in p.stdout
    assert f'export NVCC="{toolkit}/bin/nvcc"' in p.stdout
    assert 'export RISC0_CUDART_LINKAGE="static"' in p.stdout
    assert 'export DOCS_RS="1"' in p.stdout
    # The driver's functions bound lazily, so the module imports without a driver (guest_wrapper/build.rs).
    assert 'export RUSTFLAGS="-C relro-level=partial"' in p.stdout
    assert "apt:    protobuf-compiler libclang1-14 libclang-common-14-dev" in p.stdout
    assert "--features cuda" in p.stdout
    # Its own target dir, so the CPU build's cache stays valid.
    assert f'export CARGO_TARGET_DIR="{Path.home()}/.cache/vlayer/cuda-target"' in p.stdout
    assert not home.exists(), "a dry run installs nothing"


def test_default_architectures() -> None:
    p = setup("--cuda", "--dry-run")
    assert p.returncode == 0, p.stderr
    assert "archs:  sm_80 sm_86 sm_89 sm_90" in p.stdout


@pytest.mark.parametrize(
    ("archs", "message"),
    [("70", "sm_70 is not supported by CUDA 13.0"), ("ampere", "'ampere' is not a GPU architecture"), (" ", "empty")],
)
def test_bad_architectures_are_refused(archs: str, message: str) -> None:
    p = setup("--cuda", "--dry-run", VLAYER_CUDA_ARCHS=archs)
    assert p.returncode == 2
    assert message in p.stderr


def test_unknown_options_are_refused() -> None:
    assert setup("--gpu").returncode == 2
    p = setup("--cuda", "--fast")
    assert p.returncode == 2 and "unknown option '--fast'" in p.stderr


def test_the_cpu_build_says_so() -> None:
    info = build_info()
    assert info["prover"] == "cpu"
    assert info["cuda_archs"] == [] and info["cuda_toolkit"] is None
    assert zkvm.prover() == "cpu"
    assert zkvm.gpu_info() is None
    p = subprocess.run(
        [sys.executable, "-m", "vlayer.cli", "--version"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env={**os.environ, "PYTHONPATH": str(ROOT / "host")},
    )
    assert p.returncode == 0, p.stderr
    assert p.stdout.strip().splitlines()[-1] == "prover: cpu"


def test_gpu_unavailable_is_a_proving_error_with_its_own_exit_code() -> None:
    assert issubclass(errors.GpuUnavailableError, errors.ProvingError)
    codes = {
        cls.exit_code
        for cls in vars(errors).values()
        if isinstance(cls, type) and issubclass(cls, errors.VlayerError) and cls is not errors.GpuUnavailableError
    }
    assert errors.GpuUnavailableError.exit_code not in codes


def _driver_present() -> bool:
    try:
        ctypes.CDLL("libcuda.so.1")
    except OSError:
        return False
    return True


# The stamp is written once the wheel is installed: a .venv-cuda whose build is still running (or stopped half way)
# has its python but no vlayer yet.
cuda_build = pytest.mark.skipif(
    not (CUDA_VENV / ".vlayer-stamp").exists(), reason="no finished CUDA build here (bash bash/setup.sh --cuda)"
)


def cuda_python(code: str) -> subprocess.CompletedProcess[str]:
    # From /tmp, so the wheel installed in .venv-cuda is imported, not the checkout's package.
    return subprocess.run(
        [str(CUDA_VENV / "bin" / "python"), "-c", code], cwd="/tmp", capture_output=True, text=True, timeout=300
    )


def _runs_on_8_7() -> bool:
    """Whether the CUDA build has a cubin a compute capability 8.7 GPU can run (same major, lower or equal minor)."""
    if not (CUDA_VENV / ".vlayer-stamp").exists():
        return False  # the tests that ask are skipped
    p = cuda_python("from vlayer.guest import build_info; print(' '.join(build_info()['cuda_archs']))")
    return any(arch in p.stdout.split() for arch in ("sm_80", "sm_86", "sm_87"))


@cuda_build
def test_the_cuda_build_reports_its_prover_and_architectures() -> None:
    p = subprocess.run([str(CUDA_VENV / "bin" / "vlayer"), "--version"], capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stderr
    last = p.stdout.strip().splitlines()[-1]
    assert last.startswith("prover: cuda (CUDA 13.0, GPU architectures sm_"), last
    so = cuda_python("import pathlib, vlayer; print(next(pathlib.Path(vlayer.__file__).parent.glob('_native*.so')))")
    assert so.returncode == 0, so.stderr
    inspect = subprocess.run(
        ["bash", "bash/gpu-check.sh", "inspect", so.stdout.strip()], cwd=ROOT, capture_output=True, text=True
    )
    assert inspect.returncode == 0, inspect.stderr
    assert "driver functions bound lazily" in inspect.stdout


@cuda_build
@pytest.mark.skipif(_driver_present(), reason="an NVIDIA driver is present: bash bash/gpu-check.sh run checks GPUs")
def test_the_cuda_build_refuses_to_prove_without_a_driver() -> None:
    vector = ROOT / "tests" / "vectors" / "guest" / "erc20_balance_osaka.input.bin"
    code = f"""
from pathlib import Path
from vlayer.receipts import zkvm
from vlayer.errors import GpuUnavailableError
data = Path({str(vector)!r}).read_bytes()
print("executes", zkvm.execute(data).total_cycles > 0)
try:
    zkvm.prove(data, "composite")
except GpuUnavailableError as exc:
    print("refused", exc.exit_code, exc)
"""
    p = cuda_python(code)
    assert p.returncode == 0, p.stderr
    assert "executes True" in p.stdout
    assert "refused 13 GPU prover unavailable: no NVIDIA driver on this machine: libcuda.so.1" in p.stdout


# A stand-in for the NVIDIA driver, for this test only: the functions the GPU check calls, answering what the
# environment says (driver version, compute capability), or, as "stub", CUDA_ERROR_STUB_LIBRARY like NVIDIA's link
# stub does. Proving is not attempted with it.
FAKE_DRIVER = r"""
#include <stdlib.h>
#include <string.h>
#include <stddef.h>
static int env(const char *name, int fallback) { const char *v = getenv(name); return v ? atoi(v) : fallback; }
static int stub(void) { return env("FAKE_STUB", 0) ? 34 : 0; }
int cuInit(unsigned flags) { return stub(); }
int cuDriverGetVersion(int *v) { *v = env("FAKE_VERSION", 13000); return stub(); }
int cuDeviceGetCount(int *n) { *n = env("FAKE_DEVICES", 1); return stub(); }
int cuDeviceGet(int *d, int ordinal) { *d = ordinal; return stub(); }
int cuDeviceGetAttribute(int *v, int attr, int d) {
    int cc = env("FAKE_CC", 90);
    *v = attr == 75 ? cc / 10 : cc % 10;
    return stub();
}
int cuDeviceGetName(char *name, int len, int d) { strncpy(name, "Fake GPU", len); return stub(); }
int cuDeviceTotalMem_v2(size_t *bytes, int d) { *bytes = (size_t)80 << 30; return stub(); }
int cuGetErrorName(int rc, const char **s) { *s = rc == 34 ? "CUDA_ERROR_STUB_LIBRARY" : "CUDA_ERROR_OTHER"; return 0; }
"""


@cuda_build
@pytest.mark.skipif(_driver_present(), reason="an NVIDIA driver is present: bash bash/gpu-check.sh run checks GPUs")
@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({}, "ok Fake GPU sm_90 13.0"),
        # An sm_80 or sm_86 cubin runs on 8.7; a build for sm_90 alone (VLAYER_CUDA_ARCHS=90) has neither.
        ({"FAKE_CC": "87"}, "ok Fake GPU sm_87 13.0" if _runs_on_8_7() else "compiled for sm_90 only; rebuild"),
        ({"FAKE_STUB": "1"}, "libcuda.so.1 is the toolkit's link stub, not the NVIDIA driver"),
        ({"FAKE_VERSION": "12080"}, "the NVIDIA driver supports CUDA 12.8 only; this build's kernels were compiled"),
        ({"FAKE_DEVICES": "0"}, "the NVIDIA driver sees no GPU"),
        ({"FAKE_CC": "120"}, "compute capability 12.0, sm_120), and this build's kernels are compiled for sm_"),
    ],
)
def test_the_gpu_check_names_the_cause(tmp_path: Path, env: dict[str, str], expected: str) -> None:
    (tmp_path / "driver.c").write_text(FAKE_DRIVER)
    built = subprocess.run(
        ["gcc", "-shared", "-fPIC", "-Wl,-soname,libcuda.so.1", "-o", "libcuda.so.1", "driver.c"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
    )
    assert built.returncode == 0, built.stderr
    code = """
from vlayer.receipts import zkvm
from vlayer.errors import GpuUnavailableError
try:
    gpu = zkvm.gpu_info()
    print("ok", gpu["name"], gpu["arch"], gpu["driver_cuda"])
except GpuUnavailableError as exc:
    print("refused", exc)
"""
    p = subprocess.run(
        [str(CUDA_VENV / "bin" / "python"), "-c", code],
        cwd="/tmp",
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, **env, "LD_LIBRARY_PATH": str(tmp_path)},
    )
    assert p.returncode == 0, p.stderr
    assert expected in p.stdout, p.stdout
