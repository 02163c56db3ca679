#!/usr/bin/env bash
# The CUDA build on a real GPU, next to the CPU build on the same machine (docs/proof-modes.md, "GPU (CUDA) build").
#
#   bash bash/gpu-check.sh pack           here, after `bash bash/setup.sh --cuda`: writes .gpu-pack/ (ignored by git)
#   bash bash/gpu-check.sh run [OPTS]     on the GPU machine, from a checkout that carries .gpu-pack/
#   bash bash/gpu-check.sh inspect SO     checks how a CUDA module binds the NVIDIA driver (setup.sh --cuda runs it)
#
# The pack is what a GPU machine without Rust, registries or vlayer's Python dependencies needs: both native modules
# (stripped, xz), the guest inputs of benches/zkvm.py (ERC20 balanceOf on a fresh anvil and on the recorded chain,
# two calls, a no-op call, time travel) with the journals the host expects, and a manifest. `run` needs only
# python3 (3.11 or newer) and the NVIDIA driver; it runs benches/gpu_check.py (OPTS: --cpu NAMES|all|none,
# --budget SECONDS, --po2 N) and exits 0 when every GPU receipt verified with the expected journal, 3 when there is
# no usable GPU (the reason is printed), 1 otherwise.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
root=$PWD
pack_dir=$root/.gpu-pack
# What the device that runs `run` takes along with the checkout (64 MiB in all).
max_pack_mib=60

# The driver functions the CUDA module calls: the undefined cu* symbols, all of which must be bound lazily (PLT
# slots), with no DT_NEEDED on libcuda and no immediate binding, or the module would not import without a driver.
inspect() {
  local so=$1 needed flags symbols eager
  [ -f "$so" ] || { echo "gpu-check: no module at $so" >&2; return 1; }
  needed=$(readelf -dW "$so" | awk '/\(NEEDED\)/ {print $NF}')
  if grep -q libcuda <<<"$needed"; then
    echo "gpu-check: $so needs libcuda at load time ($needed); it would not import without the NVIDIA driver" >&2
    return 1
  fi
  flags=$(readelf -dW "$so" | awk '/\(FLAGS(_1)?\)/' || true)
  if grep -qE 'BIND_NOW|[[:space:]]NOW' <<<"$flags"; then
    echo "gpu-check: $so is linked for immediate binding ($flags); the driver's functions must bind lazily" >&2
    return 1
  fi
  symbols=$(driver_symbols "$so")
  [ -n "$symbols" ] || { echo "gpu-check: $so calls no driver function: not a CUDA build" >&2; return 1; }
  eager=$(readelf -rW "$so" | awk '$5 ~ /^cu[A-Z]/ && $3 != "R_X86_64_JUMP_SLOT" {print $5 " (" $3 ")"}')
  if [ -n "$eager" ]; then
    echo "gpu-check: $so binds driver symbols at load time: $eager" >&2
    return 1
  fi
  echo "gpu-check: $(basename "$so"): $(wc -l <<<"$symbols") driver functions bound lazily; libcuda not needed at import"
}

driver_symbols() {
  readelf --dyn-syms -W "$1" | awk '$7 == "UND" && $8 ~ /^cu[A-Z]/ {sub(/@.*/, "", $8); print $8}' | sort -u
}

module_of() {
  "$1/bin/python" - <<'PY'
import pathlib, vlayer
print(next(pathlib.Path(vlayer.__file__).parent.glob("_native*.so")))
PY
}

pack() {
  source bash/env.sh
  [ -x .venv/bin/python ] || { echo "gpu-check: no CPU build; run bash bash/setup.sh" >&2; exit 1; }
  [ -x .venv-cuda/bin/python ] || { echo "gpu-check: no CUDA build; run bash bash/setup.sh --cuda" >&2; exit 1; }
  local cpu_so cuda_so tmp
  cpu_so=$(module_of .venv)
  cuda_so=$(module_of .venv-cuda)
  inspect "$cuda_so"
  rm -rf "$pack_dir"
  mkdir -p "$pack_dir/inputs"
  echo "gpu-check: the guest inputs and the journals the host expects (benches/zkvm.py on a fresh anvil)" >&2
  .venv/bin/python benches/zkvm.py --save-inputs "$pack_dir/inputs"
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' RETURN
  strip -o "$tmp/cpu.so" "$cpu_so"
  strip -o "$tmp/cuda.so" "$cuda_so"
  driver_symbols "$cuda_so" > "$tmp/symbols"
  # One xz stream with a dictionary larger than the CPU module, so the CUDA module's copy of what both embed (the
  # recursion programs of risc0-circuit-recursion-*-zkrs, most of the Rust) is stored once: 39 MB for both, against
  # 74 MB compressed one by one (2026-12-07), which a device run could not carry. Single-threaded: xz's threads
  # would split the stream into blocks that cannot refer to each other.
  tar -C "$tmp" -cf - cpu.so cuda.so | xz -T1 --lzma2=preset=6,dict=192MiB > "$pack_dir/modules.tar.xz"
  local cpu_info cuda_info
  cpu_info=$(.venv/bin/python -c 'import json; from vlayer.guest import build_info; print(json.dumps(build_info()))')
  cuda_info=$(.venv-cuda/bin/python -c 'import json; from vlayer.guest import build_info; print(json.dumps(build_info()))')
  source=$(git rev-parse --short HEAD)$(git diff --quiet HEAD -- guest guest_wrapper precompiles shielding patches Cargo.lock || echo "+changes")
  CPU_INFO=$cpu_info CUDA_INFO=$cuda_info SOURCE=$source TMP=$tmp PACK=$pack_dir python3 - <<'PY'
import hashlib, json, os, time
from pathlib import Path

pack, tmp = Path(os.environ["PACK"]), Path(os.environ["TMP"])
cpu, cuda = json.loads(os.environ["CPU_INFO"]), json.loads(os.environ["CUDA_INFO"])
if cpu["image_id"] != cuda["image_id"]:
    raise SystemExit(
        f"gpu-check: the CPU build (0x{cpu['image_id']}) and the CUDA build (0x{cuda['image_id']}) embed different "
        "guests; run bash bash/setup.sh --cuda again so both embed the current one"
    )
if cpu["prover"] != "cpu" or cuda["prover"] != "cuda":
    raise SystemExit(f"gpu-check: .venv has a {cpu['prover']} build and .venv-cuda a {cuda['prover']} build")
order = ["erc20-balanceOf", "erc20-recorded", "usdt-mainnet", "two-calls", "no-op", "travel-history"]
names = sorted(
    (p.name.removesuffix(".input.bin") for p in (pack / "inputs").glob("*.input.bin")),
    key=lambda name: (order.index(name) if name in order else len(order), name),
)


def module(build: str, info: dict) -> dict:
    data = (tmp / f"{build}.so").read_bytes()
    return {
        "file": "modules.tar.xz",
        "member": f"{build}.so",
        "sha256": hashlib.sha256(data).hexdigest(),
        "bytes": len(data),
        **info,
    }


manifest = {
    "image_id": cpu["image_id"],
    "packed": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
    "source": os.environ["SOURCE"],
    "inputs": names,
    "cpu": module("cpu", cpu),
    "cuda": {**module("cuda", cuda), "driver_symbols": (tmp / "symbols").read_text().split()},
}
(pack / "manifest.json").write_text(json.dumps(manifest, indent=1) + "\n")
PY
  local mib
  mib=$(du -sm "$pack_dir" | cut -f1)
  ls -l "$pack_dir" "$pack_dir/inputs" | sed 's/^/  /'
  if [ "$mib" -gt "$max_pack_mib" ]; then
    echo "gpu-check: the pack is $mib MiB, more than the $max_pack_mib MiB a device run carries" >&2
    exit 1
  fi
  echo "gpu-check: packed $mib MiB into .gpu-pack/ (image id 0x$(python3 -c "import json; print(json.load(open('$pack_dir/manifest.json'))['image_id'])"))"
  echo "gpu-check: on the GPU machine, from this checkout with .gpu-pack/: bash bash/gpu-check.sh run"
}

case "${1:-}" in
  pack) pack ;;
  run) shift; exec python3 benches/gpu_check.py run --pack "$pack_dir" "$@" ;;
  inspect) inspect "${2:?usage: gpu-check.sh inspect MODULE.so}" ;;
  *) echo "usage: bash bash/gpu-check.sh pack | run [--cpu NAMES|all|none] [--budget S] [--po2 N] | inspect SO" >&2; exit 2 ;;
esac
