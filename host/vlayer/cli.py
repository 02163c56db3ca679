"""The `vlayer` command line."""

from __future__ import annotations

import hashlib
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

import click

from vlayer import __version__
from vlayer.chain.block import parse_block_ref, pin_block
from vlayer.chain.forks import DEV_HARDFORKS, ChainSpec, dev_chain_ids
from vlayer.cli_checks import preflight_options, prove_options, serve_chains
from vlayer.cluster.cli import cluster_group
from vlayer.email.cli import dns_notary_group, email_group
from vlayer.errors import ChainError, HostGuestMismatchError, InputError, VlayerError
from vlayer.guest import build_info, call_guest_id, run_and_check
from vlayer.guest_input import expected_journal, input_for
from vlayer.hexutil import hex_bytes, parse_address, parse_hex_bytes
from vlayer.preflight.execute import CallRequest, PreflightResult, preflight
from vlayer.progress_bar import SegmentBar
from vlayer.prove import Pinned, ProofModeName, prove_call
from vlayer.receipts import shrink_wrap
from vlayer.receipts.cli import echo_or_write, groth16_group
from vlayer.receipts.proof_encoding import Proof, proof_from_json, proof_to_json
from vlayer.receipts.verify import check_receipt, check_zkvm_receipt, load_receipt, load_zkvm_receipt
from vlayer.receipts.zkvm import execute as zkvm_execute
from vlayer.receipts.zkvm import receipt_from_text, receipt_to_text
from vlayer.reverts.cli import read_abis, revert_abi_options
from vlayer.reverts.decode import RevertDecoder
from vlayer.rpc import HttpTransport, RecordingTransport, ReplayTransport, RpcClient
from vlayer.rpc.transport import Transport
from vlayer.service.client import ProveClient
from vlayer.service.served_chain import served_chain
from vlayer.service.settings import Settings
from vlayer.state_dir import DefaultDbOption, default_db_url
from vlayer.teleport.anchor import L2Node
from vlayer.worker.cli import worker_cmd


def _native_info() -> dict[str, Any] | None:
    try:
        from vlayer import _native  # noqa: F401
    except ImportError:
        return None
    return build_info()


def _native_info_or_empty() -> dict[str, Any]:
    return _native_info() or {}


def _version_text() -> str:
    from vlayer.errors import GuestError
    from vlayer.guest import native_module

    try:
        # Loaded here first because the CUDA build needs a lazy dlopen to import where there is no NVIDIA driver.
        native_module()
    except GuestError as exc:
        return f"vlayer {__version__}\nnative extension: {exc}"
    info = _native_info()
    if info is None:
        return f"vlayer {__version__}\nnative extension: not built (run bash/setup.sh)"
    if info.get("prover") == "cuda":
        prover = f"prover: cuda (CUDA {info['cuda_toolkit']}, GPU architectures {' '.join(info['cuda_archs'])})"
    else:
        prover = "prover: cpu"
    return (
        f"vlayer {__version__}\n"
        f"guest image id   0x{info['image_id']}\n"
        f"guest ELF sha256 {info['guest_elf_sha256']} ({info['guest_elf_size']} bytes)\n"
        f"risc0-zkvm       {info['risc0_zkvm_version']} (proof modes here: fake, {', '.join(info['proof_modes'])}; "
        "groth16 with a shrink-wrap backend)\n"
        f"wire format      v{info['wire_format_version']}\n"
        f"{prover}"
    )


class _Group(click.Group):
    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except VlayerError as exc:
            click.echo(f"error: {exc}", err=True)
            sys.exit(exc.exit_code)


def _print_version(ctx: click.Context, _param: click.Parameter, value: bool) -> None:
    # Computed only when asked: the guest's image id takes seconds, which every other command would pay at import.
    if value and not ctx.resilient_parsing:
        click.echo(_version_text())
        ctx.exit()


@click.group(cls=_Group)
@click.option("--version", is_flag=True, expose_value=False, is_eager=True, callback=_print_version,
              help="Show the version, the guest's image id and this build's proof modes, and exit.")  # fmt: skip
def main() -> None:
    """Prove off-chain EVM calls with a RISC Zero zkVM."""


def _client(rpc_url: str | None, record: str | None, replay: str | None, timeout: float) -> RpcClient:
    if replay:
        if record:
            raise InputError("--record and --replay exclude each other")
        return RpcClient(ReplayTransport(replay))
    if not rpc_url:
        raise InputError("--rpc-url is required (or --replay FILE)")
    if not rpc_url.startswith(("http://", "https://")):
        raise InputError(f"--rpc-url must be an http(s) URL, got {rpc_url!r}")
    transport: Transport = HttpTransport(rpc_url, timeout=timeout)
    if record:
        transport = RecordingTransport(transport)
    return RpcClient(transport)


def _l2_nodes(values: tuple[str, ...], hardfork: str | None, timeout: float) -> dict[int, L2Node]:
    """`--l2-rpc-url CHAIN_ID=URL` values: the nodes of the L2s the call may teleport to. A dev L2 (31338) runs
    the hardfork `--hardfork` names."""
    nodes: dict[int, L2Node] = {}
    for value in values:
        chain, sep, url = value.partition("=")
        if not sep or not chain.strip().isdigit() or not url.startswith(("http://", "https://")):
            raise InputError(f"--l2-rpc-url takes CHAIN_ID=http(s)://URL, got {value!r}")
        chain_id = int(chain)
        spec = ChainSpec.dev(hardfork, chain_id) if hardfork and chain_id in dev_chain_ids() else None
        nodes[chain_id] = L2Node(RpcClient(HttpTransport(url, timeout=timeout)), spec)
    return nodes


def _node_chain(client: RpcClient, expected: int | None) -> int:
    """The chain the node serves; with `--chain-id`, refused unless it is that one."""
    served = int(client.call("eth_chainId", []), 16)
    if expected is not None and served != expected:
        raise ChainError(f"the RPC node serves chain {served}, not chain {expected} (--chain-id)")
    return served


def _summary(r: PreflightResult) -> dict[str, Any]:
    return {
        "chain_id": r.chain_id,
        "fork": r.fork.label,
        "block_number": r.block_number,
        "block_hash": hex_bytes(r.block_hash),
        "success": r.success,
        "return_data": hex_bytes(r.return_data),
        "revert_reason": r.revert_reason,
        "gas_used": r.gas_used,
        "gas_limit": r.gas_limit,
        "touched": {
            "accounts": len(r.access.accounts),
            "storage_slots": r.access.slot_count,
            "code_hashes": len(r.access.code_hashes),
            "block_hashes": len(r.access.blockhash_numbers),
            "travelled_blocks": {str(n): len(a) for n, a in r.access.travelled_accounts.items()},
        },
        "witness": {
            "bytes": r.bundle.witness_bytes,
            "trie_nodes": len(r.bundle.nodes),
            "codes": len(r.bundle.codes),
            "ancestor_headers": len(r.bundle.ancestors),
        },
        "http_requests": r.http_requests,
        "seconds": round(r.timings["total"], 4),
    }


@main.command("preflight")
@click.option("--rpc-url", help="JSON-RPC endpoint of the chain (http/https).")
@click.option("--block", default="latest", show_default=True, help="Block number or tag to pin.")
@click.option("--to", "to", required=True, help="Prover contract address.")
@click.option("--data", "data", default="0x", show_default=True, help="Calldata, 0x-hex.")
@click.option("--from", "sender", default="0x" + "00" * 20, help="Caller address.")
@click.option("--gas", type=int, default=None, help="Gas limit (default: block limit, capped per fork).")
@click.option("--hardfork", default=None,
              help=f"Dev chain hardfork ({', '.join(DEV_HARDFORKS)}); default: the one anvil reports.")  # fmt: skip
@click.option("--chain-spec", default=None, type=click.Path(exists=True), help="Chain schedule JSON file.")
@click.option("--l2-rpc-url", "l2_rpc_urls", multiple=True, metavar="CHAIN_ID=URL",
              help="Node of an OP-stack L2 the call teleports to (setChain); repeat per L2.")  # fmt: skip
@click.option("--no-prefetch", is_flag=True, help="Skip the eth_createAccessList hint.")
@click.option("--chain-id", type=int, default=None, help="The chain the node must serve (refused otherwise).")
@click.option("--no-node-check", is_flag=True,
              help="Do not compare the result with the node's own eth_call (nor its EVM's chain id).")  # fmt: skip
@click.option("--record", default=None, help="Record the RPC session to this JSON file.")
@click.option("--replay", default=None, type=click.Path(), help="Answer RPC only from this recording.")
@click.option("--timeout", default=30.0, show_default=True, help="RPC timeout in seconds.")
@click.option("--no-guest", is_flag=True, help="Skip re-executing the call in the native guest.")
@click.option("--zkvm", "in_zkvm", is_flag=True, help="Also run the guest ELF in the zkVM executor (cycles).")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@revert_abi_options(pass_decoder=True)
def preflight_cmd(
    rpc_url: str | None,
    block: str,
    to: str,
    data: str,
    sender: str,
    gas: int | None,
    hardfork: str | None,
    chain_spec: str | None,
    l2_rpc_urls: tuple[str, ...],
    no_prefetch: bool,
    chain_id: int | None,
    no_node_check: bool,
    record: str | None,
    replay: str | None,
    timeout: float,
    no_guest: bool,
    in_zkvm: bool,
    as_json: bool,
    reverts: RevertDecoder,
) -> None:
    """Run a call off-chain on a pinned block and collect the proofs of everything it touched."""
    call = CallRequest(
        to=parse_address(to, "--to"),
        data=parse_hex_bytes(data, "--data"),
        sender=parse_address(sender, "--from"),
        gas=gas,
    )
    parse_block_ref(block)  # reject a malformed block before any RPC
    preflight_options(click.get_current_context().params)
    client = _client(rpc_url, record, replay, timeout)
    spec = None
    try:
        if hardfork or chain_id is not None:
            served = _node_chain(client, chain_id)
            spec = ChainSpec.dev(hardfork, served) if hardfork else None
        if chain_spec:
            spec = ChainSpec.from_json(chain_spec)
        l2_nodes = _l2_nodes(l2_rpc_urls, hardfork, timeout)
        result = preflight(
            client,
            call,
            block,
            chain_spec=spec,
            prefetch=not no_prefetch,
            l2_nodes=l2_nodes,
            node_check=not no_node_check,
        )
    finally:
        if record and isinstance(client.transport, RecordingTransport):
            client.transport.save(record)
        client.close()
    summary = _summary(result)
    if not result.success and result.return_data:  # a revert (not a halt): named with the --abi/--project errors
        summary["revert_reason"] = str(reverts.decode(result.return_data))
    if result.success and not no_guest:
        t0 = time.perf_counter()
        run_and_check(result)  # raises HostGuestMismatchError (exit 7) if the guest disagrees
        summary["guest"] = {"journal_matches": True, "seconds": round(time.perf_counter() - t0, 4)}
        if in_zkvm:
            zk = zkvm_execute(input_for(result))
            if zk.journal != expected_journal(result):
                raise HostGuestMismatchError("zkVM journal differs from preflight")
            summary["zkvm"] = {
                "journal_matches": True,
                "total_cycles": zk.total_cycles,
                "user_cycles": zk.user_cycles,
                "segments": zk.segments,
                "seconds": round(zk.execute_seconds, 3),
            }
    if as_json:
        click.echo(json.dumps(summary, indent=2))
    else:
        t, w = summary["touched"], summary["witness"]
        status = "ok" if result.success else f"reverted: {summary['revert_reason']}"
        click.echo(f"block        {result.block_number} {summary['block_hash']} ({summary['fork']})")
        click.echo(f"status       {status}")
        click.echo(f"return data  {summary['return_data']}")
        click.echo(f"gas used     {result.gas_used}")
        click.echo(
            f"touched      {t['accounts']} accounts, {t['storage_slots']} slots, {t['code_hashes']} codes, "
            f"{t['block_hashes']} block hashes"
        )
        if t["travelled_blocks"]:
            travelled = ", ".join(f"{n} ({k} accounts)" for n, k in t["travelled_blocks"].items())
            click.echo(f"travelled    {travelled}")
        click.echo(
            f"witness      {w['bytes']} bytes ({w['trie_nodes']} trie nodes, {w['codes']} codes, "
            f"{w['ancestor_headers']} ancestor headers)"
        )
        click.echo(f"rpc          {result.http_requests} HTTP requests in {summary['seconds']}s")
        if "guest" in summary:
            click.echo(f"guest        native re-execution matches preflight ({summary['guest']['seconds']}s)")
        if "zkvm" in summary:
            z = summary["zkvm"]
            click.echo(
                f"zkvm         journal matches; {z['total_cycles']:,} cycles ({z['user_cycles']:,} user), "
                f"{z['segments']} segments, {z['seconds']}s"
            )
    if not result.success:
        sys.exit(1)


@main.command("verify")
@click.argument("receipt", type=click.Path(dir_okay=False))
@click.option("--dev", is_flag=True, help="Also accept dev-mode (fake) seals; they prove nothing.")
def verify_cmd(receipt: str, dev: bool) -> None:
    """Verify a stored receipt off-chain: its seal (or zkVM receipt) must prove that image_id committed journal."""
    zk = load_zkvm_receipt(Path(receipt))
    if zk is not None:
        kind = check_zkvm_receipt(zk)
        click.echo(f"verified     {kind} zkVM receipt (RISC Zero {_native_info_or_empty().get('risc0_zkvm_version')})")
        click.echo(f"image id     0x{zk.image_id.hex()}")
        click.echo(f"journal      {len(zk.journal)} bytes, sha256 0x{hashlib.sha256(zk.journal).hexdigest()}")
        return
    loaded = load_receipt(Path(receipt))
    result = check_receipt(loaded, allow_dev=dev)
    if result.mode == "fake":
        click.echo("WARNING: dev-mode (fake) seal: it matches the claim but proves nothing", err=True)
    click.echo(f"verified     {result.mode} seal, verifier selector 0x{result.selector.hex()}")
    click.echo(f"image id     0x{loaded.image_id.hex()}")
    click.echo(f"journal      {len(loaded.journal)} bytes, sha256 0x{hashlib.sha256(loaded.journal).hexdigest()}")
    click.echo(f"claim digest 0x{result.claim_digest.hex()}")


def _proof_file(
    proof: Proof | None, journal: bytes, return_data: bytes, mode: str, receipt: bytes | None
) -> dict[str, Any]:
    """What `vlayer prove` writes: the proof for an on-chain verifier (fake and groth16 modes), the zkVM receipt
    (real modes), and the fields `vlayer verify` checks."""
    doc: dict[str, Any] = {
        "mode": mode,
        "proof": None if proof is None else proof_to_json(proof),
        "evm_call_result": hex_bytes(return_data),
        "journal": hex_bytes(journal),
        "image_id": hex_bytes(call_guest_id()),
    }
    if proof is not None:
        doc["seal"] = hex_bytes(proof.seal.receipt_seal())
    if receipt is not None:
        doc["zkvm_receipt"] = receipt_to_text(receipt)
    return doc


@main.command("prove")
@click.option("--rpc-url", help="JSON-RPC endpoint of the chain (local proving).")
@click.option("--service", "service_url", default=None, help="Prove through this prove service instead.")
@click.option(
    "--chain-id",
    type=int,
    default=None,
    help="The chain to prove on: with --service, default the one chain the service proves (several: refused, "
    "listed); locally, the chain the node must serve (default: the node's).",
)
@click.option(
    "--no-node-check", is_flag=True, help="Local proving: do not compare the result with the node's own eth_call."
)
@click.option("--block", default="latest", show_default=True, help="Block number or tag to prove at.")
@click.option("--to", "to", required=True, help="Prover contract address.")
@click.option("--data", "data", default="0x", show_default=True, help="Calldata of the proving function, 0x-hex.")
@click.option("--gas", type=int, default=None, help="EVM gas limit of the call.")
@click.option("--vgas-limit", type=int, default=None,
              help="Proving budget in vgas (1 vgas = 1,000,000 zkVM cycles), as vlayer v1's gas_limit.")  # fmt: skip
@click.option("--hardfork", default=None,
              help="Dev chain hardfork, local proving (default: the one anvil reports).")  # fmt: skip
@click.option("--l2-rpc-url", "l2_rpc_urls", multiple=True, metavar="CHAIN_ID=URL",
              help="Node of an OP-stack L2 the call teleports to (setChain); repeat per L2.")  # fmt: skip
@click.option("--dev", is_flag=True, help="Dev mode: a FAKE proof that proves nothing (dev chains only).")
@click.option("--mode", "mode", type=click.Choice([m.value for m in ProofModeName]), default=None,
              help="Proof mode for local proving (default: fake with --dev, else composite).")  # fmt: skip
@click.option("--auth-token", envvar="VLAYER_AUTH_TOKEN", default=None, help="Bearer token for --service.")
@click.option(
    "--groth16-prover",
    default=None,
    metavar="CMD",
    help="--mode groth16: shrink-wrap command (gets a folder with input.json, leaves proof.json; default: the "
    "first of cuda, docker, podman that runs here).",
)
@click.option("--segment-po2", type=click.IntRange(14, 22), default=20, show_default=True,
              help="Local composite proving: segment size (log2 cycles); smaller ones prove sooner each.")  # fmt: skip
@click.option("--out", "out", default=None, type=click.Path(dir_okay=False), help="Write the proof JSON here.")
@click.option("--calldata-for", "calldata_for", default=None, metavar="SIGNATURE",
              help="Print only the 0x calldata of this verifier function for the proof (for cast send), named by "
                   "the types after the proof: 'claim(address,uint256)'; the proof JSON goes to --out.")  # fmt: skip
@revert_abi_options()
def prove_cmd(
    rpc_url: str | None,
    service_url: str | None,
    chain_id: int | None,
    no_node_check: bool,
    block: str,
    to: str,
    data: str,
    gas: int | None,
    vgas_limit: int | None,
    hardfork: str | None,
    l2_rpc_urls: tuple[str, ...],
    dev: bool,
    mode: str | None,
    auth_token: str | None,
    groth16_prover: str | None,
    segment_po2: int,
    out: str | None,
    calldata_for: str | None,
) -> None:
    """Prove one call of a prover contract, locally or through a prove service.

    Locally, the first Ctrl-C while segments prove stops after the current segment (a second one quits at once);
    the exit code of an interrupted proof is 130."""
    from vlayer.prove_session import ProveSession

    proof_mode = ProofModeName(mode) if mode else ProofModeName.FAKE if dev else ProofModeName.COMPOSITE
    address = parse_address(to, "--to")
    calldata = parse_hex_bytes(data, "--data")
    ref = parse_block_ref(block)
    prove_options(click.get_current_context().params)
    if calldata_for is not None:
        from vlayer.project.calldata import calldata_for as verifier_calldata_of
        from vlayer.project.calldata import parse_verified

        parse_verified(calldata_for)  # a typo is refused before proving, not after
    if service_url:
        client = ProveClient(service_url, auth_token)
        if chain_id is None:
            chain_id = served_chain(client)
        number = None if ref in ("latest",) else int(ref, 16) if ref.startswith("0x") else None
        if number is None and ref != "latest":
            raise InputError("--service takes a block number or latest")
        job = client.call(hex_bytes(address), hex_bytes(calldata), chain_id, number, gas, vgas_limit)
        click.echo(f"job {job} accepted by {service_url}", err=True)
        with SegmentBar("proving via service") as bar:

            def on_receipt(polled: dict[str, Any]) -> None:
                progress = (polled.get("metrics") or {}).get("progress")
                if isinstance(progress, dict):
                    bar.update(progress)

            session = ProveSession(bar, on_quit=f"job {job} goes on at {service_url}")
            receipt = session.run(lambda: client.wait(job, on_state=_echo_stage, on_receipt=on_receipt))
        data_out = receipt["data"]
        proof = None if data_out.get("proof") is None else proof_from_json(data_out["proof"])
        zk = None if data_out.get("receipt") is None else receipt_from_text(data_out["receipt"])
        service_mode = str(data_out.get("mode") or (proof.seal.mode.name.lower() if proof else "unknown"))
        doc = _proof_file(proof, parse_hex_bytes(data_out["journal"]), parse_hex_bytes(data_out["evm_call_result"]),
                          service_mode, zk)  # fmt: skip
        doc["job"] = job
    else:
        # A groth16 proof needs a shrink-wrap backend: refused here, before any proving, when there is none.
        backend = shrink_wrap.select_backend(groth16_prover) if proof_mode is ProofModeName.GROTH16 else None
        rpc = _client(rpc_url, None, None, 30.0)
        node_chain = _node_chain(rpc, chain_id)
        spec = ChainSpec.dev(hardfork, node_chain) if hardfork else None
        pinned = pin_block(rpc, block)  # as typed: its messages echo the block as the user wrote it
        with SegmentBar("proving") as bar:
            local = ProveSession(bar)
            proven = local.run(
                lambda: prove_call(
                    rpc,
                    CallRequest(to=address, data=calldata, gas=gas),
                    Pinned(node_chain, pinned.number, pinned.hash),
                    mode=proof_mode,
                    dev_mode=dev,
                    chain_spec=spec,
                    vgas_limit=vgas_limit,
                    on_stage=lambda stage: _echo_stage(stage.value),
                    zk_prove=local.local_prover(segment_po2),
                    l2_nodes=_l2_nodes(l2_rpc_urls, hardfork, 30.0),
                    node_check=not no_node_check,
                    groth16_backend=backend,
                )
            )
        rpc.close()
        doc = _proof_file(proven.proof, proven.journal, proven.preflight.return_data, proven.mode.value,
                          proven.receipt)  # fmt: skip
        if proven.cycles is not None:
            doc["cycles"] = proven.cycles
            doc["segments"] = proven.segments
        doc["times"] = {k: round(v, 3) for k, v in proven.times.items()}
    if doc["mode"] == "fake":
        click.echo(
            "WARNING: dev mode: this is a FAKE proof; it proves nothing and mainnet verifiers refuse it", err=True
        )
    if calldata_for is None:
        echo_or_write(doc, out)
        return
    verifier_call = verifier_calldata_of(doc, calldata_for)
    if out:
        echo_or_write(doc, out)
    click.echo(hex_bytes(verifier_call))


def _echo_stage(stage: str) -> None:
    """One line per stage a proof goes through; the segment bar follows once proving has segments."""
    if stage != "done":
        click.echo(f"{stage}...", err=True)


@main.command("serve")
@click.option("--rpc-url", "rpc_urls", multiple=True, required=True, help="CHAIN_ID=URL of a chain to prove on.")
@click.option("--hardfork", "hardforks", multiple=True,
              help="CHAIN_ID=NAME for a dev chain (anvil's --hardfork); default: the one anvil reports.")  # fmt: skip
@click.option("--db", "database_url", cls=DefaultDbOption, db_file="jobs.sqlite3", default=None,
              help="Job store: an SQLAlchemy URL (sqlite:///FILE or postgresql+psycopg://...).")  # fmt: skip
@click.option("--dev", is_flag=True, help="Dev mode: fake proofs (they prove nothing); refused on mainnets.")
@click.option("--proof-mode", type=click.Choice([m.value for m in ProofModeName]), default=None,
              help="Proof mode (default: fake with --dev, else composite).")  # fmt: skip
@click.option("--workers", default=2, show_default=True, help="Proving jobs run at once.")
@click.option("--lease-seconds", default=30.0, show_default=True,
              help="How long a replica's claim on a job holds unrenewed (replicas sharing one store).")  # fmt: skip
@click.option("--cluster", default=None, metavar="HOST:PORT",
              help="Prove segments on this Ray cluster (docs/scale-out.md); default: in this process.")  # fmt: skip
@click.option("--segment-po2", default=20, show_default=True, help="Segment size of composite proofs (log2 cycles).")
@click.option("--segment-timeout", default=None, type=float,
              help="Seconds a segment may take on a cluster node before it is proved again elsewhere.")  # fmt: skip
@click.option("--auth-token", envvar="VLAYER_AUTH_TOKEN", default=None, help="Require this bearer token.")
@click.option("--rpc-timeout", default=30.0, show_default=True,
              help="Seconds one HTTP request to a chain's node may take, whole answer included.")  # fmt: skip
@click.option("--rpc-max-response-mb", default=64, show_default=True, help="Largest node answer read (MiB).")
@click.option("--max-body-kb", default=4096, show_default=True, help="Largest request body accepted (KiB).")
@click.option("--no-node-check", is_flag=True,
              help="Do not compare results with the node's own eth_call (nodes that cannot answer it).")  # fmt: skip
@click.option("--groth16-prover", default=None, metavar="CMD",
              help="--proof-mode groth16: shrink-wrap command (default: first of cuda, docker, podman).")  # fmt: skip
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=3000, show_default=True)
@click.option("--log-level", default="info", show_default=True)
@click.option("--shutdown-grace", type=click.FloatRange(0, 3600), default=30.0, show_default=True, metavar="SECONDS",
              help="On SIGTERM/SIGINT: seconds running jobs get to finish, then they are queued again.")  # fmt: skip
@click.option("--abi", "abi_files", multiple=True, type=click.Path(dir_okay=False, exists=True), metavar="FILE",
              help="A prover's JSON ABI or Foundry artifact: names its reverts, functions (repeatable).")  # fmt: skip
@click.option("--project", default=None, type=click.Path(file_okay=False, exists=True),
              help="Foundry project whose out/ artifacts name the provers' reverts and functions.")  # fmt: skip
def serve_cmd(
    rpc_urls: tuple[str, ...],
    hardforks: tuple[str, ...],
    database_url: str | None,
    dev: bool,
    proof_mode: str | None,
    workers: int,
    lease_seconds: float,
    cluster: str | None,
    segment_po2: int,
    segment_timeout: float | None,
    auth_token: str | None,
    rpc_timeout: float,
    rpc_max_response_mb: int,
    max_body_kb: int,
    no_node_check: bool,
    groth16_prover: str | None,
    host: str,
    port: int,
    log_level: str,
    shutdown_grace: float,
    abi_files: tuple[str, ...],
    project: str | None,
) -> None:
    """Run the prove service (JSON-RPC: v_call, v_getProofReceipt, v_versions; GET /health, /metrics, /dashboard)."""
    from vlayer.service import logs
    from vlayer.service.app import create_app
    from vlayer.service.server import serve

    mode = ProofModeName(proof_mode) if proof_mode else ProofModeName.FAKE if dev else ProofModeName.COMPOSITE
    if auth_token is None and os.environ.get("VLAYER_AUTH_TOKEN") is not None:
        # click reads an empty variable as unset; an operator who set one meant a token, so refuse, never open up.
        auth_token = os.environ["VLAYER_AUTH_TOKEN"]
    chains = serve_chains(rpc_urls, hardforks)
    store = database_url or default_db_url("jobs.sqlite3")
    settings = Settings(
        chains=chains,
        database_url=store,
        proof_mode=mode,
        dev_mode=dev,
        workers=workers,
        lease_seconds=lease_seconds,
        cluster=cluster,
        segment_po2=segment_po2,
        segment_timeout=segment_timeout,
        auth_token=auth_token,
        rpc_timeout=rpc_timeout,
        rpc_max_response_bytes=rpc_max_response_mb * 1024 * 1024,
        max_body_bytes=max_body_kb * 1024,
        node_check=not no_node_check,
        groth16_prover=groth16_prover,
        shutdown_grace=shutdown_grace,
        abis=tuple(read_abis(abi_files, project)),
    )
    logs.configure(log_level)
    banner = "dev mode: FAKE proofs" if mode is ProofModeName.FAKE else f"{mode.value} zkVM receipts"
    where = f", segments proved on the Ray cluster at {cluster}" if cluster else ""
    click.echo(f"vlayer prove service on http://{host}:{port} ({banner}{where})", err=True)
    if database_url is None:  # only the default is named: a --db URL may carry a password
        click.echo(f"job store {store} (the default here; --db chooses another)", err=True)
    serve(create_app(settings), host, port)


@main.command("init")
@click.argument("directory", type=click.Path(file_okay=False))
@click.option("--template", default="simple", show_default=True, help="Example to start from (examples/<name>).")
def init_cmd(directory: str, template: str) -> None:
    """Create a new prover project from an example template; it needs no vlayer checkout."""
    from vlayer.project import init_project, next_steps

    target = init_project(Path(directory), template)
    click.echo(f"created {target} from template {template!r} (next steps also in {target / 'README.md'}):")
    for line in next_steps(target):
        click.echo(f"  {line}")


@main.command("build")
@click.argument("directory", default=".", type=click.Path(file_okay=False, exists=True))
def build_cmd(directory: str) -> None:
    """Compile a project's contracts (forge + the pinned solc, offline)."""
    from vlayer.project import build_project
    from vlayer.project.forge_diagnostics import ForgeBuildError

    try:
        with click.progressbar(length=1, label="forge build", file=sys.stderr) as bar:
            result = build_project(Path(directory))
            bar.update(1)
    except ForgeBuildError as exc:
        # forge's diagnostics as forge laid them out (file, line, the source with its caret), then the one line.
        click.echo(exc.diagnostics, err=True)
        raise
    click.echo(f"built {result.artifacts} contract artifacts; provers: {', '.join(result.provers) or 'none'}")
    if result.verified:
        click.echo(f"verified functions (for --calldata-for): {', '.join(result.verified)}")


@main.command("test", context_settings={"ignore_unknown_options": True})
@click.argument("directory", default=".", type=click.Path(file_okay=False, exists=True))
@click.argument("forge_args", nargs=-1, type=click.UNPROCESSED)
def test_cmd(directory: str, forge_args: tuple[str, ...]) -> None:
    """Run a project's forge tests (forge test --offline --ffi, the pinned forge and solc), with what VTest needs to
    prove calls in them (docs/forge-testing.md); FORGE_ARGS go to forge."""
    from vlayer.project import forge_test

    sys.exit(forge_test(Path(directory), forge_args))


@main.command("test-call")
@click.option("--state", "state", required=True, type=click.Path(dir_okay=False), help="vm.dumpState's file.")
@click.option("--to", "to", required=True, help="Prover contract address.")
@click.option("--data", "data", default="0x", show_default=True, help="Calldata of the proving function, 0x-hex.")
@click.option("--block-number", type=int, required=True, help="The test's block.number: the settle block.")
@click.option("--timestamp", type=int, required=True, help="The test's block.timestamp.")
@click.option("--chain-id", type=int, default=31337, show_default=True, help="The test's block.chainid.")
@click.option("--hardfork", default=None, help="EVM version (default: foundry.toml's evm_version, else osaka).")
@click.option("--project", default=".", show_default=True, type=click.Path(file_okay=False, exists=True),
              help="Foundry project: its foundry.toml and out/ (to name reverts).")  # fmt: skip
@click.option("--keep-state", is_flag=True, help="Leave the state file (removed once read by default).")
def test_call_cmd(
    state: str, to: str, data: str, block_number: int, timestamp: int, chain_id: int, hardfork: str | None,
    project: str, keep_state: bool,
) -> None:  # fmt: skip
    """Prove one call in dev mode on a forge test's dumped state, for VTest.vprove (vm.ffi): prints the 0x-hex
    ABI answer VTest decodes (docs/forge-testing.md). FAKE proofs only."""
    from vlayer.project.vtest_call import prove_on_test_state
    from vlayer.project.vtest_state import ProvingBlock, project_hardfork

    root = Path(project)
    answer = prove_on_test_state(
        Path(state),
        parse_address(to, "--to"),
        parse_hex_bytes(data, "--data"),
        ProvingBlock(block_number, timestamp, chain_id),
        hardfork or project_hardfork(root),
        root,
        keep_state=keep_state,
    )
    click.echo(hex_bytes(answer.encode()))


@main.command("run")
@click.argument("directory", default=".", type=click.Path(file_okay=False, exists=True))
@click.option("--keep", is_flag=True, help="Leave the anvil and the prove service it started running.")
@click.option("--hardfork", default=None, help="Hardfork of the anvil it starts (default osaka).")
@click.option("--rpc-url", default=None, help="Use this node (with unlocked accounts) instead of starting anvil.")
@click.option("--service", "service_url", default=None, help="Use this prove service instead of starting one.")
@click.option("--l2-rpc-url", default=None, help="The L2 node of a project with vlayer/l2-chain-id.")
def run_cmd(
    directory: str, keep: bool, hardfork: str | None, rpc_url: str | None, service_url: str | None,
    l2_rpc_url: str | None,
) -> None:  # fmt: skip
    """Build a project and run its app: anvil, the prove service (dev mode), then vlayer/app.py (deploy, prove,
    verify). What it starts is stopped at exit, also on Ctrl-C, unless --keep."""
    from vlayer.project.run import run_project

    try:
        run_project(Path(directory), keep=keep, hardfork=hardfork, rpc_url=rpc_url, service_url=service_url,
                    l2_rpc_url=l2_rpc_url, echo=click.echo)  # fmt: skip
    except KeyboardInterrupt:
        kept = "what it started is kept" if keep else "stopped what it started"
        click.echo(f"error: interrupted; {kept}", err=True)
        sys.exit(130)


@main.command("calldata")
@click.argument("proof_file", type=click.Path(exists=True, dir_okay=False, allow_dash=True))
@click.argument("signature")
def calldata_cmd(proof_file: str, signature: str) -> None:
    """The 0x calldata of a verifier's function for a proof file of `vlayer prove` (- reads stdin), for
    `cast send VERIFIER CALLDATA`. SIGNATURE names the function by the types after the proof:
    'claim(address,uint256)'."""
    from vlayer.project.calldata import calldata_for

    try:
        with click.open_file(proof_file) as text:
            doc = json.load(text)
    except ValueError as exc:
        raise InputError(f"{proof_file} is not JSON: {exc}") from None
    click.echo(hex_bytes(calldata_for(doc, signature)))


@main.command("devnet")
@click.option("--port", default=8545, show_default=True)
@click.option("--hardfork", default="osaka", show_default=True)
@click.option("--chain-id", default=31337, show_default=True)
def devnet_cmd(port: int, hardfork: str, chain_id: int) -> None:
    """Start a local anvil (the pinned one from npm) in the foreground."""
    from vlayer.devnet import find_tool

    args = [find_tool("anvil"), "--host", "127.0.0.1", "--port", str(port), "--hardfork", hardfork]
    os.execv(args[0], [*args, "--chain-id", str(chain_id)])


main.add_command(worker_cmd)
main.add_command(groth16_group)
main.add_command(cluster_group)
main.add_command(email_group)
main.add_command(dns_notary_group)

if __name__ == "__main__":
    main()
