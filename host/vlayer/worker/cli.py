"""`vlayer worker`: answer a RequestBook's requests until stopped (SIGTERM or Ctrl-C end it after the current step)."""

from __future__ import annotations

import logging
import signal
import threading
from types import FrameType

import click
from click.core import ParameterSource

from vlayer.cli_checks import worker_options
from vlayer.errors import InputError
from vlayer.sdk import Local
from vlayer.shielding.cli import keygen_cmd, pubkey_cmd, seal_cmd
from vlayer.state_dir import DefaultDbOption, default_db_url
from vlayer.worker.worker import Worker, WorkerConfig

log = logging.getLogger("vlayer.worker")


def parse_shard(text: str) -> tuple[int, int]:
    index, sep, count = text.partition("/")
    if not sep or not index.isdigit() or not count.isdigit() or not int(index) < int(count):
        raise InputError(f"--shard {text}: expected I/N with 0 <= I < N, e.g. 0/2")
    return int(index), int(count)


@click.group("worker", invoke_without_command=True)
@click.option("--rpc-url", help="JSON-RPC endpoint of the chain (http/https); required.")
@click.option("--book", help="RequestBook address; required.")
@click.option("--db", "db_url", cls=DefaultDbOption, db_file="worker.sqlite3", default=None,
              help="SQLAlchemy URL of the store (the prove service's --db works).")  # fmt: skip
@click.option("--private-key", envvar="VLAYER_WORKER_KEY",
              help="Key that signs fulfil transactions; required (better: VLAYER_WORKER_KEY, env).")  # fmt: skip
@click.option("--function", "functions", multiple=True,
              help="Prover function name(uint256,bytes,address) to answer; at least one, repeatable.")  # fmt: skip
@click.option("--service", "service_url", default=None, help="Prove through this prove service.")
@click.option("--auth-token", envvar="VLAYER_AUTH_TOKEN", default=None, help="Bearer token for --service.")
@click.option("--mode", default=None, help="Local proof mode (groth16; fake with --dev). Composite is refused.")
@click.option("--groth16-prover", default=None, metavar="CMD",
              help="--mode groth16: shrink-wrap command (default: the first of cuda, docker, podman).")  # fmt: skip
@click.option("--hardfork", default=None,
              help="Dev chain hardfork, local proving only (default: the one anvil reports).")  # fmt: skip
@click.option("--dev", is_flag=True, help="Accept FAKE proofs, which prove nothing (dev chains only).")
@click.option("--payee", default=None, help="Who is paid the fees (default: the signing account).")
@click.option("--confirmations", type=int, default=0, show_default=True, help="Blocks a log must be buried under.")
@click.option("--start-block", type=int, default=0, show_default=True, help="First block to scan (no cursor yet).")
@click.option("--interval", type=float, default=1.0, show_default=True, help="Seconds between rounds.")
@click.option("--shard", default=None, metavar="I/N",
              help="Prove at once only requests with id % N == I; others after --grace blocks unanswered.")  # fmt: skip
@click.option("--grace", type=int, default=10, show_default=True,
              help="Blocks another shard's request is left to its worker (with --shard).")  # fmt: skip
@click.option("--shielding-key", "shielding_keys", multiple=True, type=click.Path(dir_okay=False),
              help="Shielding key file (vlayer worker keygen) that opens shielded requests; repeatable (the old and "
              "the new key during a rotation). Local proving only.")  # fmt: skip
@click.option("--once", is_flag=True, help="Run one round and exit.")
@click.pass_context
def worker_cmd(
    ctx: click.Context,
    rpc_url: str,
    book: str,
    db_url: str | None,
    private_key: str,
    functions: tuple[str, ...],
    service_url: str | None,
    auth_token: str | None,
    mode: str | None,
    groth16_prover: str | None,
    hardfork: str | None,
    dev: bool,
    payee: str | None,
    confirmations: int,
    start_block: int,
    interval: float,
    shard: str | None,
    grace: int,
    shielding_keys: tuple[str, ...],
    once: bool,
) -> None:
    """Answer RequestBook requests: prove each open request and fulfil it (docs/requests.md). The commands below
    make and show the shielding keys that open shielded requests' args."""
    if ctx.invoked_subcommand is not None:
        given = [
            p.opts[0]
            for p in ctx.command.params
            if p.name and ctx.get_parameter_source(p.name) is ParameterSource.COMMANDLINE
        ]
        if given:
            raise click.UsageError(
                f"{', '.join(given)}: the worker's options go with `vlayer worker` alone, not with "
                f"`vlayer worker {ctx.invoked_subcommand}`"
            )
        return
    worker_options(ctx.params)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    from vlayer.shielding.keys import load_keys

    keys = load_keys(shielding_keys)
    for pair in keys:  # the public key only: the secret is never logged
        log.info("shielding key %s", pair.public_hex)
    if db_url is None:  # only the default is logged: a --db URL may carry a password
        db_url = default_db_url("worker.sqlite3")
        log.info("store %s (the default here; --db chooses another)", db_url)
    prover: str | Local = service_url or Local(
        rpc_url=rpc_url,
        dev=dev,
        mode=mode,
        hardfork=hardfork,
        groth16_prover=groth16_prover,
        shielding_keys=tuple(pair.secret for pair in keys),
    )
    config = WorkerConfig(
        shard=parse_shard(shard) if shard else None,
        grace=grace,
        rpc_url=rpc_url,
        book=book,
        db_url=db_url,
        private_key=private_key,
        functions=functions,
        prover=prover,
        token=auth_token if service_url else None,
        dev=dev,
        payee=payee,
        confirmations=confirmations,
        start_block=start_block,
    )
    with Worker(config) as worker:
        if once:
            worker.run_once()
            return
        stop = threading.Event()

        def _stop(_signum: int, _frame: FrameType | None) -> None:
            stop.set()

        signal.signal(signal.SIGTERM, _stop)
        signal.signal(signal.SIGINT, _stop)
        worker.run(stop, interval)


worker_cmd.add_command(keygen_cmd)
worker_cmd.add_command(pubkey_cmd)
worker_cmd.add_command(seal_cmd)
