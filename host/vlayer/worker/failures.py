"""Which proving failures a request can get past and which it cannot, from the JSON-RPC code and data a failed
proof comes with (the service's, or local mode's same codes: `vlayer.service.rpc_errors`).

A request that cannot succeed is given up at once, with its reason, and never proved again; one that may succeed
later is tried again (a bounded number of times, with backoff), or waits for the block it needs.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from vlayer.errors import ProveError
from vlayer.service.rpc_errors import CALL_REVERTED, CHAIN, GAS_LIMIT, INVALID_PARAMS, PROVING

#: Codes no other block or later attempt changes: the request itself (a prover without code at the settle block,
#: calldata over the service's bound, a chain the service does not prove), its gas or vgas budget, a revert.
PERMANENT_CODES = frozenset({INVALID_PARAMS, GAS_LIMIT, CALL_REVERTED})


class Kind(enum.Enum):
    #: Never proved again.
    PERMANENT = "permanent"
    #: Proved again once the settle block is past `Verdict.block`.
    WAIT = "wait"
    #: Proved again after a backoff, a bounded number of times.
    TRANSIENT = "transient"


@dataclass(frozen=True)
class Verdict:
    kind: Kind
    reason: str
    #: WAIT: the block the settle block must be after.
    block: int | None = None


def classify(exc: ProveError, deadline: int) -> Verdict:
    """What to do about a proof that failed for a request whose `deadline` block is given. Settle blocks are before
    the deadline (the worker proves only while `head < deadline`), so a time-travel target at `deadline - 1` or later
    is after every settle block the request can have."""
    if exc.code in PERMANENT_CODES:
        return Verdict(Kind.PERMANENT, str(exc))
    data = exc.data if isinstance(exc.data, dict) else {}
    if exc.code == PROVING and isinstance(data.get("precompile"), str):
        # A vlayer precompile is a function of the bytes the call gives it, which for the requests it serves come
        # from the request's fixed args (an email, sealed args): what it refused is refused again at any block.
        # A `ShieldedOpen` refusal means this worker holds no key that opens them; a worker that does answers.
        return Verdict(Kind.PERMANENT, str(exc))
    target = data.get("travel_block")
    if exc.code == CHAIN and isinstance(target, int) and not isinstance(target, bool):
        if target >= deadline - 1:
            why = f"{exc}; its deadline, block {deadline}, comes before any settle block after block {target}"
            return Verdict(Kind.PERMANENT, why)
        return Verdict(Kind.WAIT, str(exc), target)
    return Verdict(Kind.TRANSIENT, str(exc))


def backoff_seconds(base: float, attempts: int, cap: float = 300.0) -> float:
    """Seconds before transient attempt `attempts + 1`: `base`, doubled per attempt already made, at most `cap`."""
    return float(min(cap, base * 2**attempts))
