#!/usr/bin/env bash
# `bash bash/setup.sh --cuda`: vlayer with RISC Zero's CUDA prover, built from the registries only (Debian, PyPI,
# crates.io), into its own venv `.venv-cuda`, beside the CPU build (`.venv`), which it builds first. No GPU is
# needed to build; proving needs an NVIDIA GPU and driver (docs/proof-modes.md, "GPU (CUDA) build").
#
#   bash bash/setup.sh --cuda             install and build (idempotent: a second run with nothing changed does no work)
#   bash bash/setup.sh --cuda --dry-run   print what it would install, the environment and the build command; do nothing
#
# VLAYER_CUDA_ARCHS   GPU architectures to compile for (default "80 86 89 90": A100, RTX 30xx/A10, L4/RTX 40xx,
#                     H100/H200). A cubin runs on its own major version with an equal or higher minor.
# VLAYER_CUDA_HOME    where the CUDA toolkit wheels go (default ~/.cache/vlayer/cuda-13.0)
# VLAYER_CUDA_TARGET_DIR  cargo's target dir for this build (default ~/.cache/vlayer/cuda-target; never the CPU one)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
root=$PWD

dry_run=0
for arg in "$@"; do
  case $arg in
    --dry-run) dry_run=1 ;;
    *) echo "setup --cuda: unknown option '$arg' (known: --dry-run)" >&2; exit 2 ;;
  esac
done

source bash/env.sh

# The CUDA 13.0 toolkit as NVIDIA publishes it on PyPI: nvcc, its front end (crt), the device compiler (nvvm), the
# runtime (cudart, linked statically) and CCCL (cub/thrust, which RISC Zero's kernels include). The cu12 wheels
# ship no nvcc.
cuda_wheels=(
  nvidia-cuda-nvcc==13.0.88
  nvidia-cuda-crt==13.0.88
  nvidia-nvvm==13.0.88
  nvidia-cuda-runtime==13.0.96
  nvidia-cuda-cccl==13.0.85
)
# protobuf-compiler: prost-build in circom-witnesscalc (risc0-groth16's cuda feature) runs protoc. libclang: bindgen
# in the same crate; libclang-common has the compiler headers (stddef.h) its header includes.
apt_pkgs=(protobuf-compiler libclang1-14 libclang-common-14-dev)

cuda_home=${VLAYER_CUDA_HOME:-$HOME/.cache/vlayer/cuda-13.0}
pyver=$(python3 -c 'import sys; print(f"{sys.version_info[0]}.{sys.version_info[1]}")')
toolkit=$cuda_home/lib/python$pyver/site-packages/nvidia/cu13
venv=$root/.venv-cuda
wheel_dir=$root/.venv-cuda/wheels

# --- GPU architectures -> nvcc flags -------------------------------------------------------------------------------
# risc0-build-kernel compiles for -arch=native unless NVCC_APPEND_FLAGS (or _PREPEND_) is set, which fails without
# a GPU at build time; one -gencode per architecture, cubins only (no PTX), keeps the module small.
gencode=()
arch_list=()
for arch in ${VLAYER_CUDA_ARCHS:-80 86 89 90}; do
  arch=${arch#sm_}
  if ! [[ $arch =~ ^([0-9]{2,3})([af]?)$ ]]; then
    echo "setup --cuda: VLAYER_CUDA_ARCHS: '$arch' is not a GPU architecture (e.g. 80, 89, 90, 90a, 100)" >&2
    exit 2
  fi
  if (( BASH_REMATCH[1] < 75 )); then
    echo "setup --cuda: VLAYER_CUDA_ARCHS: sm_$arch is not supported by CUDA 13.0 (sm_75 and newer)" >&2
    exit 2
  fi
  gencode+=("-gencode=arch=compute_$arch,code=sm_$arch")
  arch_list+=("sm_$arch")
done
if [ ${#gencode[@]} -eq 0 ]; then
  echo "setup --cuda: VLAYER_CUDA_ARCHS is empty" >&2
  exit 2
fi

cuda_env() {
  export CUDA_PATH=$toolkit CUDA_ROOT=$toolkit CUDA_TOOLKIT_ROOT_DIR=$toolkit
  export NVCC=$toolkit/bin/nvcc
  export PATH=$toolkit/bin:$PATH
  export NVCC_APPEND_FLAGS="${gencode[*]}"
  export RISC0_CUDART_LINKAGE=static
  export LIBCLANG_PATH=/usr/lib/llvm-14/lib
  # Calls into the NVIDIA driver go through the PLT, bound lazily once the GPU check has loaded the driver, so the
  # module imports where there is none (guest_wrapper/build.rs). Full RELRO would bind them at import.
  export RUSTFLAGS="${RUSTFLAGS:+$RUSTFLAGS }-C relro-level=partial"
  export CARGO_TARGET_DIR=${VLAYER_CUDA_TARGET_DIR:-$HOME/.cache/vlayer/cuda-target}
  # cust_raw (RISC Zero's CUDA bindings) links no -lcuda under DOCS_RS: the driver is loaded lazily by the GPU check
  # (guest_wrapper/src/gpu.rs), so the module imports where there is no driver. No other build script in the 3.1
  # closure reads DOCS_RS (the recursion programs come from the *-zkrs crates).
  export DOCS_RS=1
}
build_cmd=(nice -n 19 "$venv/bin/maturin" build --release --features cuda,pyo3/extension-module -o "$wheel_dir")

if [ "$dry_run" = 1 ]; then
  cuda_env
  echo "setup --cuda (dry run: nothing is installed or built)"
  echo "first:  bash bash/setup.sh (guest ELF, .venv with the CPU build, EVM tools)"
  echo "apt:    ${apt_pkgs[*]}"
  echo "pip:    ${cuda_wheels[*]}"
  echo "        into $cuda_home (toolkit root $toolkit)"
  echo "archs:  ${arch_list[*]}"
  echo "env:"
  for name in CUDA_PATH CUDA_ROOT CUDA_TOOLKIT_ROOT_DIR NVCC NVCC_APPEND_FLAGS RISC0_CUDART_LINKAGE LIBCLANG_PATH \
    RUSTFLAGS DOCS_RS CARGO_TARGET_DIR; do
    echo "  export $name=\"${!name}\""
  done
  echo "  export PATH=\"$toolkit/bin:\$PATH\""
  echo "build:  ${build_cmd[*]}"
  echo "venv:   $venv (the wheel installed, not editable)"
  exit 0
fi

source bash/phases.sh
[ "${VLAYER_PHASE_OWNER:-}" = "$$" ] && trap phase_report EXIT

# --- the CPU build first: the guest ELF both builds embed, and the CPU module gpu-check compares against ---------
bash bash/setup.sh

phase "install: CUDA build prerequisites (apt)"
if ! dpkg -s "${apt_pkgs[@]}" >/dev/null 2>&1; then
  echo "setup --cuda: installing from Debian: ${apt_pkgs[*]}" >&2
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${apt_pkgs[@]}" >/dev/null
fi

phase "install: CUDA 13.0 toolkit (pip)"
toolkit_stamp=$cuda_home/.vlayer-stamp
if [ ! -x "$toolkit/bin/nvcc" ] || [ ! -f "$toolkit_stamp" ] || [ "$(cat "$toolkit_stamp")" != "${cuda_wheels[*]}" ]; then
  echo "setup --cuda: installing the CUDA 13.0 toolkit from PyPI into $cuda_home" >&2
  python3 -m venv "$cuda_home"
  "$cuda_home/bin/python" -m pip install -q --disable-pip-version-check "${cuda_wheels[@]}"
  echo "${cuda_wheels[*]}" > "$toolkit_stamp"
fi
[ -x "$toolkit/bin/nvcc" ] || { echo "setup --cuda: no nvcc in $toolkit after installing the wheels" >&2; exit 1; }
# The wheels spread a toolkit over one prefix without the layout the tools look for: nvcc's profile and cc-rs (the
# cudart_static link) use targets/x86_64-linux/{include,lib}; lib64 is where find_cuda_helper looks without DOCS_RS.
ln -sfn lib "$toolkit/lib64"
mkdir -p "$toolkit/targets/x86_64-linux"
ln -sfn ../../lib "$toolkit/targets/x86_64-linux/lib"
ln -sfn ../../include "$toolkit/targets/x86_64-linux/include"

cuda_env
mkdir -p "$CARGO_TARGET_DIR"

phase "install: Python dependencies of .venv-cuda (pip)"
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
req_stamp=$venv/.vlayer-req-stamp
req_hash=$(sha256sum < .venv/requirements.txt | cut -c1-16)
if [ ! -f "$req_stamp" ] || [ "$(cat "$req_stamp")" != "$req_hash" ]; then
  "$venv/bin/python" -m pip install -q --disable-pip-version-check --upgrade pip
  "$venv/bin/python" -m pip install -q --disable-pip-version-check -r .venv/requirements.txt
  echo "$req_hash" > "$req_stamp"
fi

phase "build: host with RISC Zero's CUDA prover (maturin release, nice 19)"
build_stamp=$venv/.vlayer-stamp
build_hash=$( (cat pyproject.toml Cargo.toml Cargo.lock "$VLAYER_GUEST_ELF" "$VLAYER_SEGMENTS_TEST_ELF" \
  $(find guest guest_wrapper precompiles shielding patches -name Cargo.toml -o -name '*.rs' | sort) \
  $(find host/vlayer -type f ! -name '*.so' ! -path '*__pycache__*' | sort);
  echo "${cuda_wheels[*]} $NVCC_APPEND_FLAGS $RUSTFLAGS") | sha256sum | cut -c1-16)
if [ ! -f "$build_stamp" ] || [ "$(cat "$build_stamp")" != "$build_hash" ]; then
  echo "setup --cuda: building vlayer with the CUDA prover for ${arch_list[*]} (a cold build takes a long while)" >&2
  rm -rf "$wheel_dir"
  start=$(date +%s)
  "${build_cmd[@]}"
  echo "setup --cuda: build took $(( $(date +%s) - start )) s" >&2
  "$venv/bin/python" -m pip install -q --disable-pip-version-check --no-deps --force-reinstall "$wheel_dir"/vlayer-*.whl
  echo "$build_hash" > "$build_stamp"
fi

phase "check: the CUDA build"
so=$("$venv/bin/python" -c 'import vlayer, pathlib; print(next(pathlib.Path(vlayer.__file__).parent.glob("_native*.so")))')
bash bash/gpu-check.sh inspect "$so"
"$venv/bin/vlayer" --version | sed 's/^/  /'
phase_end
echo "setup --cuda: wheel $(ls "$wheel_dir"/vlayer-*.whl) ($(du -m "$wheel_dir"/vlayer-*.whl | cut -f1) MiB)" >&2
echo "setup --cuda: module $so ($(du -m "$so" | cut -f1) MiB); run it as $venv/bin/vlayer" >&2
