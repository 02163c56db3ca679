"""Chain schedules: which EVM rules and blob parameters hold at a given block.

The fork is read off a chain's published schedule (activation timestamps), never guessed from the node. The built-in
schedules are the chain table the zkVM guest was built from (chains/chains.json, embedded in the native module), so
a chain the host preflights is a chain the guest proves (docs/chains.md). An OP-stack chain's schedule names OP
forks; each runs an L1 rule set (the table's `op_stack_forks`), with the OP precompile changes of
vlayer.evm.op_stack. A dev chain (anvil) has no published schedule, so it gets a spec naming its hardfork: the one
`--hardfork` names (cross-checked against what anvil reports, a mismatch refused), else the one anvil reports
(vlayer.chain.detect).
"""

from __future__ import annotations

import enum
import functools
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


#: anvil's `--hardfork` names vlayer executes on a dev chain: the EVM rules and blob parameters each runs.
DEV_HARDFORKS: dict[str, tuple[Fork, BlobParams]] = {
    "cancun": (Fork.CANCUN, CANCUN_BLOBS),
    "prague": (Fork.PRAGUE, PRAGUE_BLOBS),
    "osaka": (Fork.OSAKA, PRAGUE_BLOBS),
    "bpo1": (Fork.OSAKA, BPO1_BLOBS),
    "bpo2": (Fork.OSAKA, BPO2_BLOBS),
}


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
    #: (fork name, activation timestamp) of the forks before Cancun, ascending: only to name a refused block's fork.
    earlier: tuple[tuple[str, int], ...] = ()
    #: An OP-stack chain: (OP fork name, activation timestamp) of the OP forks vlayer executes (Ecotone and later),
    #: ascending; `forks` then holds the L1 rule set each runs. Empty for an Ethereum chain.
    op_forks: tuple[tuple[str, int], ...] = ()

    @property
    def is_op_stack(self) -> bool:
        return bool(self.op_forks)

    def fork_at(self, timestamp: int) -> Fork:
        active = [fork for fork, ts in self.forks if ts <= timestamp]
        if not active:
            first_name, first_ts = self.op_forks[0] if self.op_forks else (self.forks[0][0].label, self.forks[0][1])
            runs = [name for name, ts in self.earlier if ts <= timestamp]
            which = f": it runs {runs[-1]}" if runs else ""
            later = "Ecotone (Cancun rules) and later on OP-stack chains" if self.op_forks else "Cancun and later only"
            raise UnsupportedForkError(
                f"{self.name}: block at timestamp {timestamp} predates {first_name} "
                f"(active from {first_ts}){which}; vlayer executes {later}"
            )
        return active[-1]

    def op_fork_at(self, timestamp: int) -> str | None:
        """The OP fork of an OP-stack chain's block (None on an Ethereum chain); refused like `fork_at`."""
        if not self.op_forks:
            return None
        self.fork_at(timestamp)
        return [name for name, ts in self.op_forks if ts <= timestamp][-1]

    def blob_params_at(self, timestamp: int) -> BlobParams:
        if self.op_forks:
            # OP-stack blocks carry no blobs: BLOBBASEFEE is 1 whatever the parameters (build_state sets excess 0).
            self.fork_at(timestamp)
            return CANCUN_BLOBS
        active = [p for ts, p in self.blobs if ts <= timestamp]
        if not active:
            raise UnsupportedForkError(f"{self.name}: no blob schedule at timestamp {timestamp}")
        return active[-1]

    @classmethod
    def dev(cls, hardfork: str = "osaka", chain_id: int = 31337) -> ChainSpec:
        """A dev chain running one hardfork from genesis (what `anvil --hardfork X` does)."""
        hardfork = hardfork.lower()
        if hardfork not in DEV_HARDFORKS:
            raise UnsupportedForkError(
                f"dev hardfork {hardfork!r} is not supported; choose one of {', '.join(DEV_HARDFORKS)}"
            )
        fork, blobs = DEV_HARDFORKS[hardfork]
        return cls(f"dev-{hardfork}", chain_id, ((fork, 0),), ((0, blobs),), dev_hardfork=hardfork)

    @classmethod
    def from_json(cls, path: str | Path) -> ChainSpec:
        """A user-supplied schedule, e.g. {"name": "x", "chain_id": 5, "forks": {"cancun": 0, "prague": 100},
        "blobs": [[0, [6, 9, 5007716]]]}. Accepted only where it works end to end: the guest proves a chain by its
        built-in schedule, so a spec must name a built-in chain and agree with it; anything else is refused here,
        before any work, rather than by the guest after the preflight."""
        try:
            doc: Any = json.loads(Path(path).read_text())
            forks = tuple(sorted(((Fork[k.upper()], int(v)) for k, v in doc["forks"].items()), key=lambda x: x[1]))
            blobs = tuple(sorted((int(ts), BlobParams(*map(int, p))) for ts, p in doc["blobs"]))
            spec = cls(str(doc["name"]), int(doc["chain_id"]), forks, blobs)
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise InputError(f"chain spec {path}: {exc}") from exc
        built_in = known_chains().get(spec.chain_id)
        if built_in is None:
            known = ", ".join(f"{c.name} ({c.chain_id})" for c in known_chains().values())
            raise InputError(
                f"chain spec {path}: chain {spec.chain_id} has no schedule in the zkVM guest, so no proof of it could "
                f"be checked; vlayer proves {known} and dev chains (docs/chains.md)"
            )
        if (spec.forks, spec.blobs) != (built_in.forks, built_in.blobs):
            raise InputError(
                f"chain spec {path}: its schedule for chain {spec.chain_id} differs from {built_in.name}'s, which the "
                "zkVM guest enforces; drop --chain-spec to use the built-in one"
            )
        return built_in


def chain_table() -> dict[str, Any]:
    """The table the embedded guest was built from; a source checkout without the native module reads the file."""
    # Imported here: vlayer.guest imports the preflight, which imports this module.
    from vlayer.errors import GuestError
    from vlayer.guest import native_module

    try:
        text = str(native_module().chain_table())
    except GuestError:
        text = (Path(__file__).resolve().parents[3] / "chains" / "chains.json").read_text()
    table: dict[str, Any] = json.loads(text)
    return table


def _built_in(table: dict[str, Any]) -> dict[int, ChainSpec]:
    schedules = {
        name: BlobParams(p["target"], p["max"], p["update_fraction"]) for name, p in table["blob_schedules"].items()
    }
    executable = table["executable_forks"]
    chains: dict[int, ChainSpec] = {}
    for chain in table["chains"]:
        named = sorted(((str(k), int(v)) for k, v in chain["forks"].items()), key=lambda x: x[1])
        if chain.get("family") == "op-stack":
            # Each OP fork runs an L1 rule set; it is executable when that rule set is.
            l1 = {name: str(table["op_stack_forks"][name]) for name, _ in named}
            ops = tuple((name, ts) for name, ts in named if l1[name] in executable)
            forks = tuple((Fork[l1[name].upper()], ts) for name, ts in ops)
            earlier = tuple((name, ts) for name, ts in named if l1[name] not in executable)
            spec = ChainSpec(str(chain["name"]), int(chain["chain_id"]), forks, (), earlier=earlier, op_forks=ops)
            chains[spec.chain_id] = spec
            continue
        forks = tuple((Fork[name.upper()], ts) for name, ts in named if name in executable)
        earlier = tuple((name, ts) for name, ts in named if name not in executable)
        blobs = tuple(sorted((int(ts), schedules[name]) for name, ts in chain["blobs"].items()))
        spec = ChainSpec(str(chain["name"]), int(chain["chain_id"]), forks, blobs, earlier=earlier)
        chains[spec.chain_id] = spec
    return chains


@functools.cache
def known_chains() -> dict[int, ChainSpec]:
    """The built-in chains by id (read once, on first use)."""
    return _built_in(chain_table())


#: Chain id anvil uses by default; its default hardfork in foundry 1.7.1 is BPO1 (Osaka EVM rules).
ANVIL_CHAIN_ID = 31337


@functools.cache
def dev_chain_ids() -> frozenset[int]:
    """Chains that take their hardfork from their spec (anvil's `--hardfork`): 31337 and the dev L2, 31338."""
    return frozenset(int(c) for c in chain_table()["dev_chains"])


def spec_for_chain(chain_id: int) -> ChainSpec:
    if chain_id in known_chains():
        return known_chains()[chain_id]
    if chain_id in dev_chain_ids():
        return ChainSpec.dev("bpo1", chain_id)
    known = ", ".join(f"{c.name} ({c.chain_id})" for c in known_chains().values())
    raise UnsupportedForkError(
        f"chain id {chain_id} has no built-in schedule, so the zkVM guest could not prove it; vlayer proves {known} "
        "and dev chains (--hardfork); docs/chains.md"
    )
