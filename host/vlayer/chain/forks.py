"""Chain schedules: which EVM rules and blob parameters hold at a given block.

The fork is read off a chain's published schedule (activation timestamps), never guessed from the node. A dev chain
(anvil) has no published schedule, so it gets an explicit spec naming its hardfork; the preflight cross-checks that
against what anvil reports and refuses a mismatch.
"""

from __future__ import annotations

import enum
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from vlayer.errors import InputError, UnsupportedForkError


class Fork(enum.IntEnum):
    """EVM rule sets we can execute. Ordered by activation."""

    CANCUN = 1
    PRAGUE = 2
    OSAKA = 3

    @property
    def label(self) -> str:
        return self.name.lower()


@dataclass(frozen=True)
class BlobParams:
    """EIP-7840/7892 blob schedule entry; only the update fraction matters for BLOBBASEFEE."""

    target: int
    max: int
    update_fraction: int


CANCUN_BLOBS = BlobParams(3, 6, 3338477)
PRAGUE_BLOBS = BlobParams(6, 9, 5007716)
BPO1_BLOBS = BlobParams(10, 15, 8346193)
BPO2_BLOBS = BlobParams(14, 21, 11684671)


@dataclass(frozen=True)
class ChainSpec:
    """A chain's schedule: EVM forks and blob-parameter changes, each activated at a timestamp."""

    name: str
    chain_id: int
    #: (fork, activation timestamp), ascending.
    forks: tuple[tuple[Fork, int], ...]
    #: (activation timestamp, params), ascending; BPO forks change only these.
    blobs: tuple[tuple[int, BlobParams], ...]
    #: For dev chains: the hardfork name anvil must report (lower case), checked at pin time.
    dev_hardfork: str | None = None

    def fork_at(self, timestamp: int) -> Fork:
        active = [fork for fork, ts in self.forks if ts <= timestamp]
        if not active:
            first = self.forks[0]
            raise UnsupportedForkError(
                f"{self.name}: block at timestamp {timestamp} predates {first[0].label} "
                f"(active from {first[1]}); vlayer executes Cancun and later only"
            )
        return active[-1]

    def blob_params_at(self, timestamp: int) -> BlobParams:
        active = [p for ts, p in self.blobs if ts <= timestamp]
        if not active:
            raise UnsupportedForkError(f"{self.name}: no blob schedule at timestamp {timestamp}")
        return active[-1]

    @classmethod
    def dev(cls, hardfork: str = "osaka", chain_id: int = 31337) -> ChainSpec:
        """A dev chain running one hardfork from genesis (what `anvil --hardfork X` does)."""
        hardfork = hardfork.lower()
        table = {
            "cancun": (Fork.CANCUN, CANCUN_BLOBS),
            "prague": (Fork.PRAGUE, PRAGUE_BLOBS),
            "osaka": (Fork.OSAKA, PRAGUE_BLOBS),
            "bpo1": (Fork.OSAKA, BPO1_BLOBS),
            "bpo2": (Fork.OSAKA, BPO2_BLOBS),
        }
        if hardfork not in table:
            raise UnsupportedForkError(f"dev hardfork {hardfork!r} is not supported; choose one of {', '.join(table)}")
        fork, blobs = table[hardfork]
        return cls(f"dev-{hardfork}", chain_id, ((fork, 0),), ((0, blobs),), dev_hardfork=hardfork)

    @classmethod
    def from_json(cls, path: str | Path) -> ChainSpec:
        """Load a schedule for a chain we do not ship, e.g.
        {"name": "x", "chain_id": 5, "forks": {"cancun": 0, "prague": 100},
         "blobs": [[0, [6, 9, 5007716]]]}"""
        try:
            doc: Any = json.loads(Path(path).read_text())
            forks = tuple(sorted(((Fork[k.upper()], int(v)) for k, v in doc["forks"].items()), key=lambda x: x[1]))
            blobs = tuple(sorted((int(ts), BlobParams(*map(int, p))) for ts, p in doc["blobs"]))
            return cls(str(doc["name"]), int(doc["chain_id"]), forks, blobs)
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise InputError(f"chain spec {path}: {exc}") from exc


MAINNET = ChainSpec(
    "mainnet",
    1,
    ((Fork.CANCUN, 1_710_338_135), (Fork.PRAGUE, 1_746_612_311), (Fork.OSAKA, 1_764_798_551)),
    (
        (1_710_338_135, CANCUN_BLOBS),
        (1_746_612_311, PRAGUE_BLOBS),
        (1_765_978_199, BPO1_BLOBS),
        (1_767_747_671, BPO2_BLOBS),
    ),
)

KNOWN_CHAINS: dict[int, ChainSpec] = {MAINNET.chain_id: MAINNET}

#: Chain id anvil uses by default; its default hardfork in foundry 1.7.1 is BPO1 (Osaka EVM rules).
ANVIL_CHAIN_ID = 31337


def spec_for_chain(chain_id: int) -> ChainSpec:
    if chain_id in KNOWN_CHAINS:
        return KNOWN_CHAINS[chain_id]
    if chain_id == ANVIL_CHAIN_ID:
        return ChainSpec.dev("bpo1")
    raise UnsupportedForkError(
        f"chain id {chain_id} has no built-in schedule; pass a chain spec (--chain-spec FILE or --hardfork for a "
        "dev chain)"
    )
