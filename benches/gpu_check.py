"""GPU check of the CUDA build on a machine with an NVIDIA GPU, beside the CPU build on the same machine.

    python3 benches/gpu_check.py run [--pack .gpu-pack] [--cpu no-op|NAMES|all|none] [--budget 420]

Run by `bash bash/gpu-check.sh run` from a checkout that carries the pack `bash bash/gpu-check.sh pack` made (both
native modules, the guest inputs and the journals the host expects; see that script). Only Python's standard library
is used: the machine needs no Rust, no registries and none of vlayer's Python dependencies, because the native
modules take guest input bytes and return plain values.

Every input is executed, proved (composite) and verified against the image ID on the GPU; the CPU build proves the
inputs named by --cpu while the time budget lasts (the CPU prover is slow; the figure is for comparison). Each
build verifies the other's receipts, and every journal must equal the host's. One worker process per build loads
that build's module by path (both are `vlayer._native`). Prints cycles, seconds and cycles/s side by side, and the
GPU and driver. Exit status: 0 when every GPU proof verified with the expected journal and every CPU proof that
ran did too; 3 when the GPU half could not run (the reason is printed); 1 for any wrong or failed proof.
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import threading
import time
from pathlib import Path
from types import ModuleType
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
BUILDS = ("cuda", "cpu")


def load_native(path: Path) -> ModuleType:
    """A `vlayer._native` build from its file. The CUDA build leaves the driver's functions to lazy binding (its GPU
    check loads the driver first), so it is loaded the way vlayer.guest loads it: with RTLD_LAZY."""
    flags = sys.getdlopenflags()
    sys.setdlopenflags((flags & ~os.RTLD_NOW) | os.RTLD_LAZY)
    try:
        spec = importlib.util.spec_from_file_location("vlayer._native", path)
        assert spec is not None and spec.loader is not None, path
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
    finally:
        sys.setdlopenflags(flags)
    return module


def emit(record: dict[str, Any]) -> None:
    print("@@" + json.dumps(record), flush=True)


def worker(args: argparse.Namespace) -> None:
    """One build in its own process: build info, the GPU, then execute/prove/verify each input; JSON records."""
    pack = Path(args.pack)
    manifest = json.loads((pack / "manifest.json").read_text())
    try:
        native = load_native(Path(args.module))
    except ImportError as exc:
        emit({"kind": "unavailable", "reason": f"the {args.build} module does not load: {exc}"})
        return
    info = dict(native.build_info())
    emit({"kind": "info", "info": info})
    image_id = bytes.fromhex(manifest["image_id"])
    if info["image_id"] != manifest["image_id"]:
        emit({"kind": "unavailable", "reason": f"image id 0x{info['image_id']} is not the pack's"})
        return
    if args.build == "cuda":
        try:
            gpu = native.gpu_info()
        except native.GpuUnavailable as exc:
            emit({"kind": "unavailable", "reason": str(exc)})
            return
        emit({"kind": "gpu", "gpu": dict(gpu)})
        missing = unresolved_driver_symbols(manifest["cuda"]["driver_symbols"])
        if missing:
            emit({"kind": "unavailable", "reason": f"the driver lacks functions the prover calls: {missing}"})
            return
    receipts = pack / "receipts"
    receipts.mkdir(exist_ok=True)
    for name in args.names.split(","):
        if not name:
            continue
        data = (pack / "inputs" / f"{name}.input.bin").read_bytes()
        want = bytes.fromhex((pack / "inputs" / f"{name}.journal.hex").read_text().strip())
        record: dict[str, Any] = {"kind": "proof", "name": name}
        if time.time() > args.deadline:
            emit({**record, "skipped": "time budget spent"})
            continue
        try:
            out = native.zkvm_prove(data, "composite", args.po2)
            record.update(
                total_cycles=out["total_cycles"],
                user_cycles=out["user_cycles"],
                segments=out["segments"],
                prove_s=out["prove_seconds"],
                receipt_bytes=len(out["receipt"]),
            )
            t = time.perf_counter()
            verified = native.zkvm_verify(out["receipt"], image_id)
            record["verify_s"] = time.perf_counter() - t
            record["verified"] = verified["kind"] == "composite"
            record["journal_ok"] = bytes(out["journal"]) == bytes(verified["journal"]) == want
            (receipts / f"{args.build}-{name}.bin").write_bytes(bytes(out["receipt"]))
        except Exception as exc:  # every failure is a result here, with the module's own message
            record["error"] = f"{type(exc).__name__}: {exc}"
        emit(record)
    other = "cpu" if args.build == "cuda" else "cuda"
    for path in sorted(receipts.glob(f"{other}-*.bin")):
        name = path.stem.removeprefix(f"{other}-")
        want = bytes.fromhex((pack / "inputs" / f"{name}.journal.hex").read_text().strip())
        try:
            verified = native.zkvm_verify(path.read_bytes(), image_id)
            ok = bytes(verified["journal"]) == want
            emit({"kind": "cross", "name": name, "prover": other, "ok": ok})
        except Exception as exc:
            emit({"kind": "cross", "name": name, "prover": other, "ok": False, "error": str(exc)})


def unresolved_driver_symbols(names: list[str]) -> list[str]:
    """The driver functions the CUDA module binds lazily that this machine's libcuda.so.1 does not have."""
    import ctypes

    driver = ctypes.CDLL("libcuda.so.1")
    return [name for name in names if not hasattr(driver, name)]


def unpack(pack: Path, manifest: dict[str, Any], build: str) -> Path:
    entry = manifest[build]
    # Outside the pack: the pack is what a device run carries (64 MiB), and the modules unpack to about 100 MiB.
    out = Path(tempfile.gettempdir()) / "vlayer-gpu-check" / entry["sha256"][:16] / build / "_native.abi3.so"
    if not out.exists() or hashlib.sha256(out.read_bytes()).hexdigest() != entry["sha256"]:
        out.parent.mkdir(parents=True, exist_ok=True)
        with tarfile.open(pack / entry["file"], "r:xz") as archive:
            src = archive.extractfile(entry["member"])
            if src is None:
                sys.exit(f"gpu-check: {entry['file']} has no {entry['member']}")
            with src, open(out, "wb") as dst:
                shutil.copyfileobj(src, dst)
        if hashlib.sha256(out.read_bytes()).hexdigest() != entry["sha256"]:
            sys.exit(f"gpu-check: {entry['member']} of {entry['file']} is not the module the pack recorded")
    return out


def run_worker(
    pack: Path, build: str, module: Path, names: list[str], po2: int, deadline: float
) -> list[dict[str, Any]]:
    cmd = [sys.executable, __file__, "worker", "--pack", str(pack), "--build", build, "--module", str(module)]
    cmd += ["--names", ",".join(names), "--po2", str(po2), "--deadline", str(deadline)]
    print(f"== {build}: proving {', '.join(names) or 'nothing'} (composite, segment po2 {po2})", flush=True)
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    # A proof started before the deadline may run long past it (the CPU prover); it is stopped a minute after, so
    # the run ends within what the machine is lent for and still reports what finished.
    watchdog = threading.Timer(max(0.0, deadline + 60 - time.time()), proc.kill)
    watchdog.start()
    records: list[dict[str, Any]] = []
    other: list[str] = []
    assert proc.stdout is not None
    for line in proc.stdout:
        if line.startswith("@@"):
            record = json.loads(line[2:])
            records.append(record)
            if record["kind"] == "proof":
                print(f"   {build} {record['name']}: {brief(record)}", flush=True)
        else:
            other.append(line.rstrip())
    code = proc.wait()
    stopped = not watchdog.is_alive() and code != 0
    watchdog.cancel()
    if stopped:
        records.append({"kind": "stopped", "reason": f"the {build} worker was stopped a minute past the time budget"})
    elif code != 0:
        tail = "\n".join(other[-20:])
        records.append({"kind": "crash", "reason": f"the {build} worker exited with {code}:\n{tail}"})
    return records


def brief(record: dict[str, Any]) -> str:
    if "skipped" in record:
        return f"skipped ({record['skipped']})"
    if "error" in record:
        return f"FAILED: {record['error']}"
    ok = "verified, journal ok" if record["verified"] and record["journal_ok"] else "NOT VERIFIED OR WRONG JOURNAL"
    return f"{record['total_cycles']:,} cycles in {record['prove_s']:.1f} s, {ok}"


def nvidia_smi() -> str:
    if shutil.which("nvidia-smi") is None:
        return "nvidia-smi: not found"
    query = "--query-gpu=name,driver_version,compute_cap,memory.total"
    out = subprocess.run(["nvidia-smi", query, "--format=csv,noheader"], capture_output=True, text=True)
    if out.returncode != 0:
        out = subprocess.run(["nvidia-smi", "-L"], capture_output=True, text=True)
    return "nvidia-smi: " + (out.stdout.strip() or out.stderr.strip())


def run(args: argparse.Namespace) -> int:
    start = time.time()
    pack = Path(args.pack)
    if not (pack / "manifest.json").exists():
        print(f"gpu-check: no pack at {pack}; make one with `bash bash/gpu-check.sh pack` where the CUDA build is")
        return 2
    manifest = json.loads((pack / "manifest.json").read_text())
    names = list(manifest["inputs"])
    cpu_names = {"all": names, "none": []}.get(args.cpu, [n for n in args.cpu.split(",") if n])
    unknown = sorted(set(cpu_names) - set(names))
    if unknown:
        print(f"gpu-check: --cpu names unknown inputs {unknown}; the pack has {names}")
        return 2
    print(f"gpu-check: image id 0x{manifest['image_id']}, packed {manifest['packed']} from {manifest['source']}")
    print(f"python {sys.version.split()[0]}; {nvidia_smi()}")
    if sys.hexversion < 0x030B0000:
        print("gpu-check: the modules are built for CPython 3.11 or newer (abi3-py311); this python is older")
        return 2
    # Receipts of an earlier run must not be cross-checked as this run's.
    shutil.rmtree(pack / "receipts", ignore_errors=True)
    modules = {build: unpack(pack, manifest, build) for build in BUILDS}
    deadline = start + args.budget
    results = {
        "cuda": run_worker(pack, "cuda", modules["cuda"], names, args.po2, deadline),
        "cpu": run_worker(pack, "cpu", modules["cpu"], cpu_names, args.po2, deadline),
    }
    return report(manifest, names, results)


def report(manifest: dict[str, Any], names: list[str], results: dict[str, list[dict[str, Any]]]) -> int:
    proofs = {b: {r["name"]: r for r in results[b] if r["kind"] == "proof"} for b in BUILDS}
    problems = {b: [r["reason"] for r in results[b] if r["kind"] in ("unavailable", "crash")] for b in BUILDS}
    problems["cuda"] += [r["reason"] for r in results["cuda"] if r["kind"] == "stopped"]
    notes = [r["reason"] for r in results["cpu"] if r["kind"] == "stopped"]
    gpu = next((r["gpu"] for r in results["cuda"] if r["kind"] == "gpu"), None)
    info = next((r["info"] for r in results["cuda"] if r["kind"] == "info"), manifest["cuda"])
    print()
    archs = " ".join(info.get("cuda_archs", []))
    if gpu:
        memory = gpu["memory_bytes"] / (1 << 30)
        print(f"GPU: {gpu['name']} ({gpu['arch']}, {memory:.0f} GiB), driver CUDA {gpu['driver_cuda']}; ", end="")
    print(f"CUDA build: CUDA {info.get('cuda_toolkit')}, kernels for {archs}")
    head = (
        f"{'input':16} {'cycles':>11} {'segs':>4} | {'GPU s':>7} {'GPU cycles/s':>12} | "
        f"{'CPU s':>7} {'CPU cycles/s':>12} | {'GPU/CPU':>7} | checks"
    )
    print(head)
    print("-" * len(head))
    failed = False
    for name in names:
        g, c = proofs["cuda"].get(name), proofs["cpu"].get(name)
        cycles = next((r["total_cycles"] for r in (g, c) if r and "total_cycles" in r), None)
        segs = next((r["segments"] for r in (g, c) if r and "segments" in r), None)
        cols = [f"{name:16} {cycles:>11,} {segs:>4}" if cycles else f"{name:16} {'-':>11} {'-':>4}"]
        for r in (g, c):
            if r and "prove_s" in r:
                cols.append(f"{r['prove_s']:>7.1f} {r['total_cycles'] / r['prove_s']:>12,.0f}")
            else:
                cols.append(f"{'-':>7} {'-':>12}")
        speedup = f"{c['prove_s'] / g['prove_s']:>6.1f}x" if g and c and "prove_s" in g and "prove_s" in c else "-"
        checks = []
        for build, r in (("GPU", g), ("CPU", c)):
            if r is None or "skipped" in r:
                continue
            good = "error" not in r and r["verified"] and r["journal_ok"]
            failed |= not good
            checks.append(f"{build} {'ok' if good else 'FAILED'}")
        cols.append(f"{speedup:>7}")
        cols.append(", ".join(checks) or "-")
        print(" | ".join(cols))
    for build in BUILDS:
        for r in results[build]:
            if r["kind"] == "cross":
                failed |= not r["ok"]
                verdict = "verifies" if r["ok"] else f"DOES NOT VERIFY ({r.get('error', 'journal differs')})"
                print(f"{r['prover']} receipt of {r['name']} checked by the {build} build: {verdict}")
            if r["kind"] == "proof" and "error" in r:
                print(f"{build} {r['name']}: {r['error']}")
    for build in BUILDS:
        for reason in problems[build]:
            print(f"{build}: {reason}")
    for note in notes:
        print(f"cpu: {note} (its unfinished proofs are left out)")
    if problems["cuda"] or not proofs["cuda"]:
        print("gpu-check: the GPU half did not run; nothing was proved on the GPU")
        return 3
    if problems["cpu"] or failed:
        return 1
    print("gpu-check: every GPU receipt verified against the image id with the expected journal")
    return 0


def main() -> None:
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("run")
    r.add_argument("--pack", default=str(ROOT / ".gpu-pack"))
    r.add_argument("--cpu", default="no-op", help="inputs the CPU build proves: NAMES, all or none")
    r.add_argument("--budget", type=float, default=420, help="seconds; later proofs are skipped once spent")
    r.add_argument("--po2", type=int, default=20, help="segment size, log2 cycles")
    w = sub.add_parser("worker")
    w.add_argument("--pack", required=True)
    w.add_argument("--build", choices=BUILDS, required=True)
    w.add_argument("--module", required=True)
    w.add_argument("--names", default="")
    w.add_argument("--po2", type=int, required=True)
    w.add_argument("--deadline", type=float, required=True)
    args = parser.parse_args()
    if args.cmd == "worker":
        worker(args)
    else:
        sys.exit(run(args))


if __name__ == "__main__":
    main()
