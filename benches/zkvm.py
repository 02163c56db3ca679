"""zkVM cost of our guest next to the published reference figures, in one run.

    .venv/bin/python benches/zkvm.py [--prove erc20-balanceOf,...] [--mode succinct] [--po2 20] [--save-inputs DIR]

For an ERC20 `balanceOf` (on a fresh anvil, and on the recorded fixture chain, whose deeper tries make a longer
witness), a two-call prover (two `balanceOf`s through a contract), a no-op prover call, a time-travelling call
(the recorded `travel_history_osaka` vector: setBlock to two past blocks and back) and a teleport (the recorded
`teleport_osaka` vector: an L2 balance through the L1-anchored output root) it prints total / user cycles and
segments of the embedded guest in the RISC Zero 3.0 executor, beside RISC Zero Steel's published figures and
vlayer's no-op figure (no figure is published for time travel; compare it with erc20-recorded). With `--prove` it
proves the named calls as composite receipts with the build's prover and prints which one ran (`cpu`, or `cuda` for
the build of `bash/setup.sh --cuda`, run as `.venv-cuda/bin/python benches/zkvm.py`), proving time, cycles per
second and the process's peak memory; with `--mode succinct` it also lifts and joins that composite receipt into a
succinct one and prints both side by side (time and receipt size). `--save-inputs DIR` writes each call's guest
input and the journal the host expects (`NAME.input.bin`, `NAME.journal.hex`), which `bash/gpu-check.sh pack` takes
to a GPU machine. Figures,
not tests: nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
# Last, so an installed vlayer wins: .venv has the checkout's package (editable), .venv-cuda the CUDA build's wheel.
sys.path.append(str(Path(__file__).resolve().parents[1] / "host"))

import rlp
from tests.support.corpus import HOLDERS, calldata, deploy_corpus

from vlayer.chain.forks import ChainSpec
from vlayer.devnet import Anvil
from vlayer.errors import GpuUnavailableError
from vlayer.guest import build_info, execute_native
from vlayer.guest_input import expected_journal, input_for
from vlayer.hexutil import parse_hex_bytes
from vlayer.preflight.execute import CallRequest, preflight
from vlayer.receipts import zkvm
from vlayer.receipts.groth16 import compress
from vlayer.rpc import ReplayTransport, RpcClient

GAS = 16_000_000
ROOT = Path(__file__).resolve().parents[1]
VECTORS = ROOT / "tests" / "vectors" / "guest"
REAL_CALLS: list[dict[str, Any]] = json.loads((ROOT / "tests" / "fixtures" / "real_chains.json").read_text())["calls"]

#: Published figures: RISC Zero Steel's README/benchmarks (ERC20 balanceOf; two calls) and vlayer's docs (no-op).
REFERENCE: dict[str, tuple[str, int | None, int | None]] = {
    "erc20-balanceOf": ("Steel", 5_767_168, 4_307_081),
    "erc20-recorded": ("Steel", 5_767_168, 4_307_081),
    # Steel's ERC20 figure is for USDT's balanceOf on Sepolia (risc0-ethereum examples/erc20); this row is the same
    # call on mainnet at block 19,493,153 (recorded real-chain data: deeper tries, more code), the harder case.
    "usdt-mainnet": ("Steel", 5_767_168, 4_307_081),
    "two-calls": ("Steel", 11_534_336, 8_885_255),
    "no-op": ("vlayer", 7_340_032, None),
    # No published figure for a time-travelling call; compare it with erc20-recorded (one read, no travel).
    "travel-history": ("-", None, None),
    # Nor for teleport: one L2 read through the L1's anchor (the registry call, the output root, the L2 proofs).
    "teleport": ("-", None, None),
    # Logs: Steel publishes a per-block figure (about 4M cycles per bloom-positive mainnet block, risc0-ethereum
    # PR #409), printed below the table against ours per block with receipts.
    "logs-transfers": ("-", None, None),
    # vlayer's precompiles through tests/contracts/PrecompilesProbe.sol; vlayer publishes per-precompile figures
    # (PRECOMPILE_REFERENCE), printed below the table against ours over the no-op call.
    "email-proof": ("-", None, None),
    "json-10kb": ("-", None, None),
    "regex-capture": ("-", None, None),
    # Shielded requests: ShieldedOpen of the shielding crate's first vector (HPKE X25519 + ChaCha20-Poly1305).
    "shielded-open": ("-", None, None),
}

#: The shielding secret keys a call's prover holds (a private input beside the guest input).
SECRETS: dict[str, tuple[bytes, ...]] = {}

#: vlayer v1's guest cycles of the precompile alone (rust/zkvm-benchmarks at cd8a3d55): json_get_string on 10 KB,
#: regex capture of `^.*\d{3}-\d{2}-\d{4}.*$` on 1 KB, email_validation (stale there: commented out, and from
#: before vlayer checked the DNS notary's signature).
PRECOMPILE_REFERENCE = {"json-10kb": 3_150_000, "regex-capture": 2_630_000, "email-proof": 10_570_000}

#: Steel's cycles per bloom-positive mainnet block of an event query (risc0-ethereum PR #409).
STEEL_CYCLES_PER_LOG_BLOCK = 4_000_000


#: User cycles of the guest before the minimal witness (image 0x4b283ba5…, which proved the sender's and the
#: coinbase's accounts and every loaded account's code), measured with this bench then (docs/proof-modes.md).
#: None: that guest's host refused the call (USDT: the recordings never hold the zero-address sender's account).
BEFORE_MINIMAL_WITNESS: dict[str, int | None] = {
    "erc20-balanceOf": 1_090_959,
    "erc20-recorded": 2_602_676,
    "usdt-mainnet": None,
    "two-calls": 2_757_219,
    "no-op": 671_286,
    "travel-history": 3_964_101,
    "teleport": 0,  # built after the minimal witness
    "logs-transfers": 0,
    "email-proof": 0,
    "json-10kb": 0,
    "regex-capture": 0,
    "shielded-open": 0,
}


def make_inputs() -> dict[str, tuple[bytes, bytes]]:
    """Each call's guest input and the journal the host expects for it."""
    inputs: dict[str, tuple[bytes, bytes]] = {}
    # The pinned anvil and solc, which vlayer finds beside its sources only when it is installed editable.
    os.environ["PATH"] = f"{ROOT / 'node_modules' / '.bin'}{os.pathsep}{os.environ.get('PATH', '')}"
    with Anvil(hardfork="osaka") as anvil:
        d = deploy_corpus(anvil, "osaka")
        probe = deploy_probe(anvil)
        block = int(anvil.rpc("eth_blockNumber"), 16)
        calls = {
            "erc20-balanceOf": (d.token, calldata("balanceOf(address)", ["address"], [HOLDERS[1]])),
            "two-calls": (d.corpus, calldata("sumBalances(address[])", ["address[]"], [HOLDERS[:2]])),
            "no-op": (d.helper, calldata("triple(uint256)", ["uint256"], [1])),
            **{name: (probe, data) for name, data in precompile_calls().items()},
        }
        for name, (to, data) in calls.items():
            client = RpcClient.http(anvil.url)
            result = preflight(
                client,
                CallRequest(to=to, data=data, gas=GAS),
                block,
                chain_spec=ChainSpec.dev("osaka"),
                shielding_keys=SECRETS.get(name, ()),
            )
            client.close()
            assert result.success, name
            inputs[name] = (input_for(result), expected_journal(result))
    # The same call on the recorded fixture chain (more history: deeper tries, a longer witness), and time travel
    # (recorded): setBlock to two past blocks and back, a storage read at each (TravelProbe.history).
    # Teleport (recorded): an L2 balance at the block the L1's registry anchors (TeleportProbe.balanceOn).
    # Logs (recorded): Transfer events summed over a range with Logs.get (LogsProbe.sumTransfersTo).
    recorded = (
        ("erc20-recorded", "erc20_balance_osaka"),
        ("travel-history", "travel_history_osaka"),
        ("teleport", "teleport_osaka"),
        ("logs-transfers", "logs_transfers_osaka"),
    )
    for name, vector in recorded:
        journal = bytes.fromhex((VECTORS / f"{vector}.journal.hex").read_text().strip())
        inputs[name] = ((VECTORS / f"{vector}.input.bin").read_bytes(), journal)
    # USDT on mainnet, replayed from the recorded answers (tests/fixtures/real_chains.json) with no node.
    usdt = next(c for c in REAL_CALLS if c["name"] == "mainnet_usdt_balance_of")
    client = RpcClient(ReplayTransport(ROOT / "tests" / "fixtures" / f"{usdt['name']}.json"))
    request = CallRequest(to=parse_hex_bytes(usdt["to"]), data=parse_hex_bytes(usdt["data"]))
    result = preflight(client, request, usdt["block"], prefetch=False, node_check=False)
    assert result.success, usdt["name"]
    inputs["usdt-mainnet"] = (input_for(result), expected_journal(result))
    return inputs


def deploy_probe(anvil: Anvil) -> bytes:
    from tests.support.contracts import compile_sources
    from tests.support.corpus import deploy

    names = ("Prover.sol", "Proof.sol", "Seal.sol", "CallAssumptions.sol")
    files = [ROOT / "contracts" / "src" / n for n in names] + [ROOT / "tests" / "contracts" / "PrecompilesProbe.sol"]
    built = compile_sources({str(p.relative_to(ROOT)): p.read_text() for p in files})
    probe = deploy(anvil, built["PrecompilesProbe"]["bytecode"], anvil.rpc("eth_accounts")[0])
    anvil.rpc("anvil_mine", hex(1))
    return probe


def precompile_calls() -> dict[str, bytes]:
    """PrecompilesProbe.raw calls: the good email of precompiles/vectors/email.json, a JSON get from a 10 KB
    document, a regex capture on 1 KB of text (vlayer's benchmark shapes)."""
    from eth_abi import encode

    email = next(c for c in json.loads((ROOT / "precompiles" / "vectors" / "email.json").read_text()) if "output" in c)
    doc = json.dumps({"items": [{"id": i, "name": f"item-{i:05d}", "tags": ["a", "b"]} for i in range(200)]})
    doc = doc[:-1] + ', "target": {"value": "found"}}'
    text = "x" * 500 + " 123-45-6789 " + "y" * 511
    raw = "raw(uint8,bytes,uint256)"
    shielded = json.loads((ROOT / "shielding" / "vectors" / "shielded.json").read_text())[0]
    SECRETS["shielded-open"] = tuple(parse_hex_bytes(k) for k in shielded["secrets"])
    return {
        "shielded-open": calldata(raw, ["uint8", "bytes", "uint256"], [0x40, parse_hex_bytes(shielded["input"]), 0]),
        "email-proof": calldata(raw, ["uint8", "bytes", "uint256"], [0x01, parse_hex_bytes(email["input"]), 0]),
        "json-10kb": calldata(
            raw, ["uint8", "bytes", "uint256"], [0x02, encode(["string[2]"], [[doc, "target.value"]]), 0]
        ),
        "regex-capture": calldata(
            raw, ["uint8", "bytes", "uint256"], [0x11, encode(["string[2]"], [[text, r"^.*(\d{3}-\d{2}-\d{4}).*$"]]), 0]
        ),
    }


def before_text(name: str) -> str:
    before = BEFORE_MINIMAL_WITNESS.get(name, 0)
    return "refused" if before is None else f"{before:,}" if before else "-"


def witness_accounts(guest_input: bytes) -> int:
    """Accounts the witness proves (at the settle block, at every block travelled to, on every L2): wire format v4."""
    body = rlp.decode(guest_input[4:])
    l2s = sum(len(l2[5]) + sum(len(travel[1]) for travel in l2[6]) for l2 in body[11])
    return len(body[8]) + sum(len(travel[1]) for travel in body[10]) + l2s


def prover_text() -> str:
    """Which prover this build runs; for the CUDA build, on which GPU (or why none can be used)."""
    if zkvm.prover() != "cuda":
        return "cpu"
    try:
        gpu = zkvm.gpu_info()
    except GpuUnavailableError as exc:
        return f"cuda (unavailable: {exc})"
    assert gpu is not None
    memory = f"{gpu['memory_bytes'] / (1 << 30):.0f} GiB"
    return f"cuda ({gpu['name']}, {gpu['arch']}, {memory}, driver CUDA {gpu['driver_cuda']})"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--prove", default="", help="comma-separated calls to prove (composite), e.g. erc20-balanceOf")
    parser.add_argument("--mode", choices=["composite", "succinct"], default="composite",
                        help="succinct: also compress each composite receipt, timed apart")  # fmt: skip
    parser.add_argument("--po2", type=int, default=zkvm.DEFAULT_SEGMENT_PO2, help="segment size, log2 cycles")
    parser.add_argument("--save-inputs", metavar="DIR", help="write NAME.input.bin and NAME.journal.hex per call")
    args = parser.parse_args()
    to_prove = [n for n in args.prove.split(",") if n]
    unknown = sorted(set(to_prove) - set(REFERENCE))
    if unknown:
        parser.error(f"unknown calls {', '.join(unknown)}; known: {', '.join(REFERENCE)}")

    info = build_info()
    print(
        f"guest image id 0x{info['image_id']}, risc0-zkvm {info['risc0_zkvm_version']}, segment po2 {args.po2}, "
        f"prover {prover_text()}"
    )
    made = make_inputs()
    inputs = {name: data for name, (data, _) in made.items()}
    if args.save_inputs:
        out = Path(args.save_inputs)
        out.mkdir(parents=True, exist_ok=True)
        for name, (data, journal) in made.items():
            (out / f"{name}.input.bin").write_bytes(data)
            (out / f"{name}.journal.hex").write_text(journal.hex() + "\n")

    head = (
        f"{'call':16} {'total cycles':>13} {'user cycles':>12} {'user before':>11} {'segs':>4} {'witness B':>9} "
        f"{'accts':>5} "
        f"{'exec s':>7} {'native ms':>9} | "
        f"{'reference':9} {'total':>11} {'user':>10} {'ours/ref':>8}"
    )
    print(head)
    print("-" * len(head))
    user_cycles: dict[str, int] = {}
    for name, data in inputs.items():
        t = time.perf_counter()
        native = execute_native(data, SECRETS.get(name, ()))
        native_ms = (time.perf_counter() - t) * 1000
        run = zkvm.execute(data, args.po2, secrets=SECRETS.get(name, ()))
        assert run.journal == native.journal == made[name][1], name
        who, ref_total, ref_user = REFERENCE[name]
        ref_total_text = f"{ref_total:>11,}" if ref_total else f"{'-':>11}"
        ref_user_text = f"{ref_user:>10,}" if ref_user else f"{'-':>10}"
        ratio = f"{run.total_cycles / ref_total:>8.2f}" if ref_total else f"{'-':>8}"
        user_cycles[name] = run.user_cycles
        print(
            f"{name:16} {run.total_cycles:>13,} {run.user_cycles:>12,} {before_text(name):>11} {run.segments:>4} "
            f"{len(data):>9,} "
            f"{witness_accounts(data):>5} {run.execute_seconds:>7.2f} "
            f"{native_ms:>9.1f} | {who:9} {ref_total_text} {ref_user_text} {ratio}"
        )

    if "logs-transfers" in inputs and "no-op" in user_cycles:
        body = rlp.decode(inputs["logs-transfers"][4:])
        blocks = len(body[12])
        receipt_bytes = sum(len(r) for block in body[12] for r in block[1])
        per_block = (user_cycles["logs-transfers"] - user_cycles["no-op"]) // max(blocks, 1)
        print(
            f"logs-transfers: {blocks} blocks with receipts ({receipt_bytes:,} receipt bytes), {len(body[5])} headers; "
            f"user cycles over the no-op call per block with receipts {per_block:,} (anvil blocks of 1-2 transfers) | "
            f"Steel ~{STEEL_CYCLES_PER_LOG_BLOCK:,} per bloom-positive mainnet block"
        )

    if "no-op" in user_cycles:
        for name, ref in PRECOMPILE_REFERENCE.items():
            over = user_cycles[name] - user_cycles["no-op"]
            print(f"{name}: user cycles over the no-op call {over:,} | vlayer {ref:,} (the precompile alone)")
        if "shielded-open" in user_cycles:
            over = user_cycles["shielded-open"] - user_cycles["no-op"]
            print(f"shielded-open: user cycles over the no-op call {over:,} (HPKE open of a 41-byte plaintext)")

    for name in to_prove:
        data = inputs[name]
        t = time.perf_counter()
        try:
            proved = zkvm.prove(data, "composite", args.po2, secrets=SECRETS.get(name, ()))
        except GpuUnavailableError as exc:
            sys.exit(f"prove {name}: {exc}")
        wall = time.perf_counter() - t
        t = time.perf_counter()
        zkvm.verify(proved.receipt, zkvm.image_id())
        verify_s = time.perf_counter() - t
        peak_gib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / (1 << 20)
        print(
            f"prove {name}: {zkvm.prover()}, composite, {proved.run.segments} segments, "
            f"{proved.run.total_cycles:,} cycles; "
            f"proving {proved.prove_seconds:.1f}s ({proved.run.total_cycles / proved.prove_seconds:,.0f} cycles/s), "
            f"wall {wall:.1f}s, verify {verify_s:.2f}s, receipt {len(proved.receipt):,} bytes, "
            f"peak RSS {peak_gib:.1f} GiB"
        )
        if args.mode == "succinct":
            t = time.perf_counter()
            succinct = compress(proved.receipt, zkvm.image_id())
            lift_join = time.perf_counter() - t
            zkvm.verify(succinct, zkvm.image_id())
            peak_gib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / (1 << 20)
            print(
                f"{'':6}{'receipt':10} {'seconds':>9} {'bytes':>12}\n"
                f"{'':6}{'composite':10} {proved.prove_seconds:>9.1f} {len(proved.receipt):>12,}\n"
                f"{'':6}{'succinct':10} {proved.prove_seconds + lift_join:>9.1f} {len(succinct):>12,}"
                f"  (lift {proved.run.segments} + join {proved.run.segments - 1}: {lift_join:.1f}s; "
                f"peak RSS {peak_gib:.1f} GiB)"
            )


if __name__ == "__main__":
    main()
