"""`--abi FILE` and `--project DIR` for the commands that run a prover call (`vlayer prove`, `vlayer preflight`):
a revert is shown by name with its arguments, `reverted: NotEnough(have=1, need=2)`, rather than as hex.

vlayer's own contracts' errors, Error(string) and Panic(uint256) are always decoded; the options add the prover's
errors (a JSON ABI or a Foundry artifact per `--abi`, every artifact of a Foundry project's `out/` with `--project`).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import click

from vlayer.errors import CallRevertedError
from vlayer.reverts.decode import VLAYER, Abi, RevertDecoder, hex_data, load_abi, project_abis
from vlayer.service.client import ServiceError
from vlayer.service.rpc_errors import CALL_REVERTED

F = TypeVar("F", bound=Callable[..., Any])


def read_abis(abi_files: tuple[str, ...], project: str | None) -> list[Abi]:
    """The `--abi` files and the `--project`'s artifacts, read now (before any RPC, or before a service starts)."""
    abis: list[Abi] = [load_abi(Path(f)) for f in abi_files]
    if project is not None:
        abis.extend(project_abis(Path(project)))
    return abis


def revert_decoder(abi_files: tuple[str, ...], project: str | None) -> RevertDecoder:
    """vlayer's errors plus those of the `--abi` files and the `--project`'s artifacts."""
    abis = read_abis(abi_files, project)
    return VLAYER.with_abis(*abis) if abis else VLAYER


@contextmanager
def reverts_named(decoder: RevertDecoder) -> Iterator[None]:
    """Re-raise a reverted prover call (local `CallRevertedError`, or a service job that failed with the reverted-call
    code) with its reason decoded by `decoder`. A call that halted has no revert data: its reason is kept."""
    try:
        yield
    except CallRevertedError as exc:
        if not exc.output:
            raise
        raise CallRevertedError(str(decoder.decode(exc.output)), exc.output, exc.gas_used) from None
    except ServiceError as exc:
        data = exc.data if isinstance(exc.data, dict) else {}
        output = hex_data(data.get("output"))
        if exc.code != CALL_REVERTED or not output:
            raise
        raise ServiceError(exc.code, f"call reverted: {decoder.decode(output)}", exc.data, exc.stage) from None


def revert_abi_options(*, pass_decoder: bool = False) -> Callable[[F], F]:
    """Add `--abi` and `--project` to a command, and decode the reverts it raises with them; with `pass_decoder` the
    command also gets the decoder as `reverts` (for a revert it reports rather than raises)."""

    def wrap(command: F) -> F:
        @functools.wraps(command)
        def run(*args: Any, abi_files: tuple[str, ...], project: str | None, **kwargs: Any) -> Any:
            decoder = revert_decoder(abi_files, project)
            if pass_decoder:
                kwargs["reverts"] = decoder
            with reverts_named(decoder):
                return command(*args, **kwargs)

        with_project = click.option(
            "--project",
            default=None,
            type=click.Path(file_okay=False, exists=True),
            help="Foundry project whose out/ artifacts name the prover's custom errors in a revert.",
        )(run)
        return click.option(
            "--abi",
            "abi_files",
            multiple=True,
            type=click.Path(dir_okay=False, exists=True),
            metavar="FILE",
            help="JSON ABI or Foundry artifact naming the prover's custom errors in a revert (repeatable).",
        )(with_project)  # type: ignore[return-value]

    return wrap
