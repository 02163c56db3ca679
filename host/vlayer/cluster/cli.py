"""`vlayer cluster head` / `vlayer cluster join`: a Ray cluster that proves segments (docs/scale-out.md).

Both start Ray nodes with `ray start` (Ray's own CLI, from the `cluster` extra), with token authentication on (Ray's
`RAY_AUTH_MODE=token`; every node and every `vlayer serve --cluster` must hold the same token), the dashboard off
and the object store bounded. `join` makes the node a prover: it offers `vlayer_prover` and the resource named after
this build's guest image id, as many as its slots, and its GPUs on the CUDA build."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import click

from vlayer.errors import ClusterError, InputError

#: Ray's default token file; `head` writes a new token there when none exists.
DEFAULT_TOKEN_FILE = Path.home() / ".ray" / "auth_token"


def _ray_cli() -> str:
    ray = shutil.which("ray") or str(Path(sys.executable).with_name("ray"))
    if not Path(ray).exists():
        raise ClusterError("Ray is not installed; install vlayer with its cluster extra: pip install 'vlayer[cluster]'")
    return ray


def auth_env(token_file: Path, *, create: bool) -> dict[str, str]:
    """The environment that turns Ray's token authentication on with this token."""
    if not token_file.exists():
        if not create:
            raise InputError(f"no cluster token at {token_file}: copy the head's token file here (--token-file)")
        token_file.parent.mkdir(parents=True, exist_ok=True)
        token_file.write_text(os.urandom(32).hex())
        token_file.chmod(0o600)
    return {**os.environ, "RAY_AUTH_MODE": "token", "RAY_AUTH_TOKEN_PATH": str(token_file)}


def enable_auth(token_file: Path | None) -> None:
    """For a process that connects to the cluster (`vlayer serve --cluster`): Ray's token authentication on."""
    path = token_file or Path(os.environ.get("RAY_AUTH_TOKEN_PATH", DEFAULT_TOKEN_FILE))
    if "RAY_AUTH_TOKEN" not in os.environ:
        os.environ.update({k: v for k, v in auth_env(path, create=False).items() if k.startswith("RAY_AUTH")})
    else:
        os.environ["RAY_AUTH_MODE"] = "token"


def parse_address(text: str) -> str:
    host, sep, port = text.rpartition(":")
    if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise InputError(f"cluster address {text!r}: expected HOST:PORT, e.g. 10.0.0.5:6379")
    return text


def _run(cmd: list[str], env: dict[str, str], *, block: bool) -> None:
    # Ray's usage statistics stay off: a prover cluster reports nothing to anyone.
    cmd.append("--disable-usage-stats")
    if block:
        # This process becomes `ray start --block`: a supervisor (systemd, a test) stops the node with SIGTERM to
        # this pid, and Ray then stops the node's processes it started.
        click.echo(f"running {' '.join(cmd[1:])}", err=True)
        os.execve(cmd[0], [*cmd, "--block"], env)
    done = subprocess.run(cmd, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise ClusterError(f"ray start failed: {_reason(done.stderr or done.stdout)}")
    click.echo(done.stdout.strip().splitlines()[-1] if done.stdout.strip() else "ray node started", err=True)


def _reason(output: str) -> str:
    """The one line of `ray start`'s output that says why it failed (it prints a traceback and advice)."""
    lines = [line.strip() for line in output.strip().splitlines() if line.strip()]
    if any("InvalidAuthToken" in line for line in lines):
        return "the cluster refused this node's token (--token-file must hold a copy of the head's token file)"
    errors = [line for line in lines if re.match(r"^[\w.]+(Error|Exception): ", line)]
    reason = errors[-1] if errors else lines[-1] if lines else "no output"
    return reason if len(reason) <= 300 else reason[:300] + "..."


@click.group("cluster")
def cluster_group() -> None:
    """A Ray cluster that proves segments: `head` on one machine, `join` on each proving machine."""


_token = click.option(
    "--token-file",
    type=click.Path(path_type=Path),
    default=DEFAULT_TOKEN_FILE,
    show_default=True,
    help="Ray auth token shared by every node and service (head: created when missing).",
)
_block = click.option(
    "--block", is_flag=True, help="Stay in the foreground until stopped (SIGTERM), for systemd or a container."
)
_store = click.option(
    "--object-store-mib", type=int, default=2048, show_default=True, help="Bound of this node's Ray object store."
)


@cluster_group.command("head")
@click.option("--port", type=int, default=6379, show_default=True)
@_token
@_store
@_block
def head_cmd(port: int, token_file: Path, object_store_mib: int, block: bool) -> None:
    """Start the cluster's head node (it proves nothing itself; join prover nodes to it)."""
    ray = _ray_cli()
    env = auth_env(token_file, create=True)
    cmd = [ray, "start", "--head", f"--port={port}", "--include-dashboard=false", "--num-cpus=0"]
    cmd.append(f"--object-store-memory={object_store_mib << 20}")
    started = f"cluster head on port {port}; token in {token_file} (copy it to every prover and service)"
    if block:
        click.echo(started, err=True)
    _run(cmd, env, block=block)
    click.echo(started, err=True)


@cluster_group.command("join")
@click.argument("address")
@click.option("--slots", type=int, default=1, show_default=True, help="Segments this node proves at once.")
@click.option("--gpus", type=int, default=None, help="GPUs to offer (CUDA build; default: what Ray finds).")
@_token
@_store
@_block
def join_cmd(address: str, slots: int, gpus: int | None, token_file: Path, object_store_mib: int, block: bool) -> None:
    """Join the cluster at ADDRESS (HOST:PORT) as a prover node for this build's guest."""
    from vlayer.cluster.ray_backend import PROVER_RESOURCE, image_resource
    from vlayer.cluster.segments import image_id
    from vlayer.receipts.zkvm import prover

    parse_address(address)
    if slots < 1:
        raise InputError("--slots must be at least 1")
    if gpus is not None and prover() != "cuda":
        raise InputError("--gpus needs the CUDA build (bash bash/setup.sh --cuda); this one proves on the CPU")
    ray = _ray_cli()
    env = auth_env(token_file, create=False)
    resources = {PROVER_RESOURCE: slots, image_resource(image_id("vlayer")): slots}
    cmd = [ray, "start", f"--address={address}", f"--resources={json.dumps(resources)}"]
    cmd.append(f"--object-store-memory={object_store_mib << 20}")
    if gpus is not None:
        cmd.append(f"--num-gpus={gpus}")
    joined = f"prover node for {address}: {slots} slot(s), {image_resource(image_id('vlayer'))}"
    if block:
        click.echo(joined, err=True)
    _run(cmd, env, block=block)
    click.echo(joined, err=True)
