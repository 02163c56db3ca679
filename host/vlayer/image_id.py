"""The call guest's image ID, pinned in the repository.

The guest build is reproducible (bash/build-guest.sh), so the image ID is a property of the source: it is committed
in `contracts/src/ImageID.sol`, and `guest/IMAGE_ID_HISTORY.md` records every change of it. The test suite checks
that the ID embedded in the installed package equals the committed one, so a change to guest code cannot slip by.

    python -m vlayer.image_id check             the built guest's ID is the committed one
    python -m vlayer.image_id record "why"      commit a new ID: rewrite ImageID.sol, append to the history
"""

from __future__ import annotations

import datetime as dt
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from vlayer.contracts_gen import image_id_in, image_id_source
from vlayer.errors import VlayerError
from vlayer.guest import build_info

ROOT = Path(__file__).resolve().parents[2]
IMAGE_ID_SOL = ROOT / "contracts" / "src" / "ImageID.sol"
HISTORY = ROOT / "guest" / "IMAGE_ID_HISTORY.md"

HISTORY_HEADER = (
    "# Call guest image ID history\n\n"
    "Every change of the zkVM guest's image ID, newest last. Written by `python -m vlayer.image_id record`; the\n"
    "ID is reproducible from the source at that commit with bash/build-guest.sh (Debian rustc 1.96).\n\n"
    "| date | image id | guest ELF sha256 | risc0-zkvm | rustc | why |\n"
    "|---|---|---|---|---|---|\n"
)
_ROW = re.compile(r"^\| [^|]+ \| 0x([0-9a-f]{64}) \|")


class ImageIdMismatchError(VlayerError):
    """The built guest's image ID is not the one committed in the repository."""

    exit_code = 7


@dataclass(frozen=True)
class Built:
    image_id: bytes
    elf_sha256: str
    risc0_zkvm: str


def guest_risc0_zkvm() -> str:
    """The risc0-zkvm the guest ELF is built on (guest/zkvm/Cargo.toml), which the image ID depends on; the host's
    (build_info) may be a later release."""
    manifest = (ROOT / "guest" / "zkvm" / "Cargo.toml").read_text()
    found = re.search(r'^risc0-zkvm = \{ version = "=([^"]+)"', manifest, re.M)
    return found.group(1) if found else "unknown"


def built() -> Built:
    info = build_info()
    return Built(bytes.fromhex(str(info["image_id"])), str(info["guest_elf_sha256"]), guest_risc0_zkvm())


def committed() -> bytes | None:
    return image_id_in(IMAGE_ID_SOL.read_text())


def history() -> list[bytes]:
    if not HISTORY.exists():
        return []
    return [bytes.fromhex(m.group(1)) for line in HISTORY.read_text().splitlines() if (m := _ROW.match(line))]


def check() -> Built:
    now = built()
    pinned = committed()
    if pinned != now.image_id:
        raise ImageIdMismatchError(
            f"the built guest's image ID is 0x{now.image_id.hex()}, the repository pins "
            f"{'nothing' if pinned is None else '0x' + pinned.hex()} (contracts/src/ImageID.sol); if the guest "
            'changed on purpose, run `python -m vlayer.image_id record "why"`'
        )
    recorded = history()
    if not recorded or recorded[-1] != now.image_id:
        raise ImageIdMismatchError(f"guest/IMAGE_ID_HISTORY.md does not end with 0x{now.image_id.hex()}")
    return now


def _rustc_version() -> str:
    try:
        out = subprocess.run(["/usr/bin/rustc", "--version"], capture_output=True, text=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return out.split(" (")[0].removeprefix("rustc ").strip()


def record(reason: str) -> Built:
    if not reason.strip() or "|" in reason or "\n" in reason:
        raise VlayerError("give a one-line reason without '|' for the history")
    now = built()
    IMAGE_ID_SOL.write_text(image_id_source(now.image_id))
    recorded = history()
    if not recorded or recorded[-1] != now.image_id:
        text = HISTORY.read_text() if HISTORY.exists() else HISTORY_HEADER
        day = dt.datetime.now(dt.UTC).date().isoformat()
        text += (
            f"| {day} | 0x{now.image_id.hex()} | {now.elf_sha256} | {now.risc0_zkvm} | {_rustc_version()} | "
            f"{reason.strip()} |\n"
        )
        HISTORY.write_text(text)
    return now


def main(argv: list[str]) -> int:
    try:
        if argv == ["check"]:
            now = check()
            print(f"image id 0x{now.image_id.hex()} is the committed one")
            return 0
        if len(argv) == 2 and argv[0] == "record":
            now = record(argv[1])
            print(f"recorded image id 0x{now.image_id.hex()} in {IMAGE_ID_SOL} and {HISTORY}")
            return 0
    except VlayerError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return exc.exit_code
    print(__doc__.split("\n\n")[-1], file=sys.stderr)
    return 2


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
