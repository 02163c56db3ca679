"""The `cuda` shrink-wrap backend's child process: `python -m vlayer.receipts.gpu_prover FILES DIR` turns
`DIR/input.json` into `DIR/proof.json` with RISC Zero's CUDA Groth16 prover (guest_wrapper/src/shrink_wrap.rs) and
the `risc0-groth16` files in `FILES`.

It runs apart from the process that asked for it, as the other backends do, so a timeout can stop it and a failure
in the GPU prover's native code cannot end the service or worker that waits for it. Exit 0 when `proof.json` is
written; 1 with the reason as the last line of stderr otherwise.
"""

from __future__ import annotations

import sys
from pathlib import Path

from vlayer.errors import VlayerError
from vlayer.receipts.zkvm import call_native, prover


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print("usage: python -m vlayer.receipts.gpu_prover FILES DIR", file=sys.stderr)
        return 2
    files, workdir = Path(argv[0]), Path(argv[1])
    if prover() != "cuda":
        print("this is not vlayer's CUDA build (bash bash/setup.sh --cuda builds one)", file=sys.stderr)
        return 1
    try:
        input_json = (workdir / "input.json").read_text()
    except (OSError, UnicodeDecodeError) as exc:
        print(f"cannot read input.json: {exc}", file=sys.stderr)
        return 1
    try:
        call_native("groth16_gpu_shrink_wrap", input_json, str(files), str(workdir))
    except VlayerError as exc:
        print(str(exc).replace("\n", " "), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
