"""`vlayer worker keygen | pubkey | seal`: the shielding keys of a deployment of workers, and sealing args to them
on the command line (docs/requests.md, "Shielded requests")."""

from __future__ import annotations

import sys

import click

from vlayer.shielding.errors import ShieldingError


@click.command("keygen")
@click.argument("out", type=click.Path(dir_okay=False))
def keygen_cmd(out: str) -> None:
    """Write a new shielding key pair to OUT (JSON, mode 0600), which must not exist; print its public key, which
    the owner of a ShieldingKeys contract registers with addKey. Every worker of the deployment loads the same file
    (--shielding-key)."""
    from vlayer.shielding.keys import generate, write_key_file

    pair = generate()
    write_key_file(out, pair)
    click.echo(f"shielding key written to {out} (mode 0600: the secret key is in it; keep it with the workers)",
               err=True)  # fmt: skip
    click.echo(
        f"register it: ShieldingKeys.addKey({pair.public_hex}), e.g. "
        f'cast send KEYS "addKey(bytes32)" {pair.public_hex} --private-key OWNER_KEY --rpc-url RPC_URL',
        err=True,
    )
    click.echo(pair.public_hex)


@click.command("pubkey")
@click.argument("keyfile", type=click.Path(exists=True, dir_okay=False))
def pubkey_cmd(keyfile: str) -> None:
    """Print the public key of a shielding key file (after checking it: mode, format, the key pair)."""
    from vlayer.shielding.keys import load_key_file

    click.echo(load_key_file(keyfile).public_hex)


def _args_from(text: str) -> bytes:
    if text == "-":
        text = sys.stdin.read().strip()
    if not text.startswith("0x"):
        raise ShieldingError("ARGS are the clear args as 0x hex (abi-encoded), or - to read them from stdin")
    try:
        return bytes.fromhex(text[2:])
    except ValueError:
        # The value is not repeated: it is the plaintext the request is meant to hide.
        raise ShieldingError("ARGS are not valid hex") from None


@click.command("seal")
@click.option("--rpc-url", required=True, help="JSON-RPC endpoint of the chain (http/https).")
@click.option("--keys", "keys_address", required=True, help="ShieldingKeys address.")
@click.argument("args", default="-")
def seal_cmd(rpc_url: str, keys_address: str, args: str) -> None:
    """Print the envelope of ARGS (a shielded prover's clear args, 0x hex; - or nothing: read from stdin, which
    keeps them out of the shell's history and the process list) sealed to the current key of the ShieldingKeys at
    --keys: the `args` to post to the RequestBook."""
    from web3 import Web3
    from web3.exceptions import Web3Exception

    from vlayer.errors import RpcUnreachableError
    from vlayer.rpc.web3_provider import BoundedHTTPProvider
    from vlayer.shielding.envelope import seal_args
    from vlayer.shielding.registry import shielding_key

    if not rpc_url.startswith(("http://", "https://")):
        raise ShieldingError(f"--rpc-url must be an http(s) URL, got {rpc_url!r}")
    plaintext = _args_from(args)
    w3 = Web3(BoundedHTTPProvider(rpc_url))
    try:
        key = shielding_key(w3, keys_address)
        chain_id = int(w3.eth.chain_id)
    except (Web3Exception, OSError) as exc:
        raise RpcUnreachableError(f"cannot read the shielding key from {rpc_url}: {type(exc).__name__}") from None
    envelope = seal_args(key.public, key.version, chain_id, keys_address, plaintext)
    click.echo(f"sealed to key version {key.version} ({key.public_hex}) of chain {chain_id}", err=True)
    click.echo("0x" + envelope.hex())
