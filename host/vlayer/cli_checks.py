"""The option combinations each command refuses before it does any work, one function per command.

click checks each option alone; these check how they combine. The command calls its function on its parsed options
(`click.get_current_context().params`), and tests/test_docs_commands.py calls the same function on every command
line the README and docs/ show, so a documented line the command would refuse fails a test, not a reader.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from vlayer.chain.forks import DEV_HARDFORKS
from vlayer.errors import InputError
from vlayer.service.settings import ChainConfig

Params = Mapping[str, Any]


def preflight_options(p: Params) -> None:
    if p["hardfork"] and p["chain_spec"]:
        raise InputError("--hardfork and --chain-spec exclude each other")
    if p["record"] and p["replay"]:
        raise InputError("--record and --replay exclude each other")
    if not p["rpc_url"] and not p["replay"]:
        raise InputError("--rpc-url is required (or --replay FILE)")


def prove_options(p: Params) -> None:
    if p["service_url"]:
        if p["mode"] is not None:
            raise InputError("--mode applies to local proving; a prove service proves in its own mode")
        if p["l2_rpc_urls"]:
            raise InputError("--l2-rpc-url applies to local proving; a prove service has its own node per chain")
        if p["hardfork"] is not None:
            raise InputError(_SERVICE_HARDFORK)
    elif not p["rpc_url"]:
        raise InputError("--rpc-url (local proving) or --service is required")


#: `vlayer worker`'s options it cannot run without (not required by click: `vlayer worker keygen` needs none).
_WORKER_REQUIRED = (("rpc_url", "--rpc-url"), ("book", "--book"), ("private_key", "--private-key"),
                    ("functions", "--function"))  # fmt: skip


def worker_options(p: Params) -> None:
    for name, option in _WORKER_REQUIRED:
        if not p.get(name):
            raise InputError(f"{option} is required")
    if p["service_url"] and p.get("shielding_keys"):
        raise InputError(
            "--shielding-key applies to local proving: a prove service would receive the secret key (and keep the "
            "call's segments); run this worker without --service"
        )
    if p["service_url"]:
        if p["mode"] is not None:
            raise InputError("--mode applies to local proving; a prove service proves in its own mode")
        if p["hardfork"] is not None:
            raise InputError(_SERVICE_HARDFORK)


#: Why `--hardfork` goes with local proving only: the service, not its client, talks to the chain's node.
_SERVICE_HARDFORK = (
    "--hardfork applies to local proving; a prove service runs each dev chain on the hardfork it was started with "
    "(vlayer serve --hardfork CHAIN_ID=NAME) or, without one, the hardfork its node reports"
)


def serve_chains(rpc_urls: tuple[str, ...], hardforks: tuple[str, ...]) -> dict[int, ChainConfig]:
    """`--rpc-url CHAIN_ID=URL` (repeatable) and `--hardfork CHAIN_ID=NAME` for dev chains."""
    forks: dict[int, str] = {}
    for item in hardforks:
        chain_id, sep, name = item.partition("=")
        if not sep or not chain_id.isdigit():
            raise InputError(f"--hardfork takes CHAIN_ID=NAME, got {item!r}")
        if name.lower() not in DEV_HARDFORKS:
            raise InputError(f"--hardfork {item}: not a dev hardfork vlayer runs ({', '.join(DEV_HARDFORKS)})")
        forks[int(chain_id)] = name
    chains: dict[int, ChainConfig] = {}
    for item in rpc_urls:
        chain_id, sep, url = item.partition("=")
        if not sep or not chain_id.isdigit():
            raise InputError(f"--rpc-url takes CHAIN_ID=URL, got {item!r}")
        chains[int(chain_id)] = ChainConfig(url, forks.pop(int(chain_id), None))
    if forks:
        raise InputError(f"--hardfork names chains without --rpc-url: {sorted(forks)}")
    return chains


def serve_options(p: Params) -> None:
    serve_chains(p["rpc_urls"], p["hardforks"])


#: By command path (`vlayer prove` -> "prove"): the check each command runs on its options.
CHECKS: dict[str, Callable[[Params], None]] = {
    "preflight": preflight_options,
    "prove": prove_options,
    "serve": serve_options,
    "worker": worker_options,
}
