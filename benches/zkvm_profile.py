"""Where the guest's zkVM cycles go, on recorded real-chain state: RISC Zero's executor profile, sorted into buckets.

    .venv/bin/python benches/zkvm_profile.py [--software] [--top N]

Each recorded mainnet / OP mainnet / Sepolia call (tests/fixtures/real_chains.json, replayed with no node) runs in
the zkVM executor with `RISC0_PPROF_OUT` set; the profile (pprof, cycles per call stack, from the ELF's symbols)
is sorted into keccak-f permutations, paging, revm (set-up and the call), the input's decoding and checks, and the
rest. The permutations the input needs (header, trie nodes, code, account and slot keys) are counted from the input
itself, which splits the keccak cycles by what was hashed (the guest is built with fat LTO, so its profile cannot).

The embedded guest hashes through RISC Zero's keccak accelerator. `--software` also runs the guest as it was before
(cargo feature `software-keccak` of guest/zkvm: the unrolled software permutation, built once by
bash/build-guest.sh into ~/.cache/vlayer/guest-variants/): its rv32im cycles, beside the embedded guest's. Its image
is registered nowhere: nothing on chain accepts its receipts.

    .venv/bin/python benches/zkvm_profile.py --prove NAME [--mode composite|succinct]

proves one of the calls with both guests on this machine (the embedded one's keccak batches through the keccak
circuit's CPU kernels, patches/risc0-circuit-keccak-sys) and prints their proving time and receipt size side by
side; each receipt is verified against its own guest's image id, and the two journals must be equal. A figure, not
a test: nothing here asserts a count or a time.
"""

from __future__ import annotations

import argparse
import gzip
import os
import sys
import tempfile
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
# Last, so an installed vlayer wins (as in benches/zkvm.py).
sys.path.append(str(Path(__file__).resolve().parents[1] / "host"))

import rlp
from tests.support.real_chains import call_named, replayed, software_elf

from vlayer.guest_input import input_for
from vlayer.receipts import zkvm

CALLS = ("mainnet_usdt_balance_of", "op_mainnet_usdt_balance_of", "sepolia_view_multi_contract_calls")
#: Steel's published figure for an ERC20 balanceOf (risc0-ethereum examples/erc20/README.md: USDT's balanceOf on
#: Sepolia, software keccak): total and user cycles.
STEEL_ERC20 = (5_767_168, 4_307_081)
RATE = 136
BUCKETS = ("keccak-f", "paging", "revm", "input checks", "other")


# --- pprof (profile.proto), the few fields a cycle profile uses ----------------------------------------------------


def _varint(data: bytes, i: int) -> tuple[int, int]:
    value = shift = 0
    while True:
        byte = data[i]
        i += 1
        value |= (byte & 0x7F) << shift
        shift += 7
        if byte < 0x80:
            return value, i


def _fields(data: bytes) -> Iterator[tuple[int, int, Any]]:
    i = 0
    while i < len(data):
        key, i = _varint(data, i)
        number, wire = key >> 3, key & 7
        value: Any
        if wire == 0:
            value, i = _varint(data, i)
        elif wire == 2:
            size, i = _varint(data, i)
            value, i = data[i : i + size], i + size
        elif wire in (1, 5):
            size = 8 if wire == 1 else 4
            value, i = data[i : i + size], i + size
        else:
            raise ValueError(f"pprof: wire type {wire}")
        yield number, wire, value


def _ints(wire: int, value: Any) -> list[int]:
    if wire == 0:
        return [value]
    out, i = [], 0
    while i < len(value):
        n, i = _varint(value, i)
        out.append(n)
    return out


def read_profile(path: Path) -> list[tuple[list[str], int]]:
    """(call stack as function names, leaf first; cycles) per sample."""
    data = path.read_bytes()
    if data[:2] == b"\x1f\x8b":
        data = gzip.decompress(data)
    strings: list[str] = []
    samples: list[tuple[list[int], int]] = []
    locations: dict[int, list[int]] = {}
    functions: dict[int, int] = {}
    for number, _, value in _fields(data):
        if number == 2:  # Sample: location ids, values
            ids: list[int] = []
            values: list[int] = []
            for n, w, v in _fields(value):
                if n == 1:
                    ids += _ints(w, v)
                elif n == 2:
                    values += _ints(w, v)
            samples.append((ids, values[0] if values else 0))
        elif number == 4:  # Location: id, lines (function ids, innermost first)
            lid, funcs = 0, []
            for n, _, v in _fields(value):
                if n == 1:
                    lid = v
                elif n == 4:
                    funcs += [fv for fn, _, fv in _fields(v) if fn == 1]
            locations[lid] = funcs
        elif number == 5:  # Function: id, name (string index)
            fid = name = 0
            for n, _, v in _fields(value):
                if n == 1:
                    fid = v
                elif n == 2:
                    name = v
            functions[fid] = name
        elif number == 6:
            strings.append(value.decode("utf-8", "replace"))
    return [([strings[functions.get(f, 0)] for lid in ids for f in locations.get(lid, [])], v) for ids, v in samples]


def bucket(stack: list[str]) -> str:
    if any("keccak" in f for f in stack):
        return "keccak-f"
    if stack and stack[0].startswith("[Page"):
        return "paging"
    if any(f.startswith(("revm", "<revm")) or "EthCall" in f or "vlayer_precompiles" in f for f in stack):
        return "revm"
    if any("vlayer_guest" in f or "alloy_rlp" in f for f in stack):
        return "input checks"
    return "other"


# --- what the input makes the guest hash ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Permutations:
    header: int
    nodes: int
    code: int
    keys: int

    @property
    def total(self) -> int:
        return self.header + self.nodes + self.code + self.keys


def permutations(guest_input: bytes) -> Permutations:
    """Keccak-f permutations the guest needs for its input: one per started 136-byte block (pad10*1 adds one when a
    length is a whole number of blocks), and one per account key (20 bytes) and slot key (32 bytes)."""
    body = rlp.decode(guest_input[4:])

    def blocks(data: bytes) -> int:
        return len(data) // RATE + 1

    headers = blocks(body[4]) + sum(blocks(h) for h in body[5])
    accounts = body[8]
    keys = len(accounts) + sum(len(account[-1]) for account in accounts)
    return Permutations(headers, sum(blocks(n) for n in body[6]), sum(blocks(c) for c in body[7]), keys)


def recorded_input(name: str) -> bytes:
    result = replayed(call_named(name))
    assert result.success, name
    return input_for(result)


@dataclass(frozen=True)
class Profiled:
    run: zkvm.ZkvmRun
    buckets: Counter[str]
    top: list[tuple[str, int]]


def profiled(guest_input: bytes, elf: bytes | None, top: int) -> Profiled:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "profile.pb"
        os.environ["RISC0_PPROF_OUT"] = str(path)
        try:
            run = zkvm.execute(guest_input) if elf is None else zkvm.execute_elf(elf, guest_input)
        finally:
            del os.environ["RISC0_PPROF_OUT"]
        samples = read_profile(path)
    buckets: Counter[str] = Counter()
    leaves: Counter[str] = Counter()
    for stack, cycles in samples:
        buckets[bucket(stack)] += cycles
        if stack:
            leaves[stack[0]] += cycles
    return Profiled(run, buckets, leaves.most_common(top))


def prove_both(name: str, mode: str) -> None:
    """Proves `name` with the embedded guest and with the software one: time, receipt size, same journal."""
    guest_input = recorded_input(name)
    elf = software_elf()
    head = f"{'call':36} {'guest':11} {'mode':9} {'total':>10} {'seg':>3} {'prove s':>8} {'receipt':>10}"
    print(head)
    print("-" * len(head))
    journals = []
    for label, proof in (
        ("accelerated", lambda: zkvm.prove(guest_input, mode)),
        ("software", lambda: zkvm.prove_elf(elf, guest_input, mode)),
    ):
        p = proof()
        journals.append(p.run.journal)
        print(
            f"{name:36} {label:11} {p.mode:9} {p.run.total_cycles:>10,} {p.run.segments:>3} {p.prove_seconds:>8.1f} "
            f"{len(p.receipt):>10,}"
        )
    if journals[0] != journals[1]:
        sys.exit(f"{name}: the two guests' journals differ")
    print("-" * len(head))
    print(f"both receipts verified against their own image ids; journals equal ({len(journals[0])} bytes)")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--software", action="store_true", help="also the guest with the software keccak permutation")
    parser.add_argument("--top", type=int, default=0, help="also print the N functions with the most own cycles")
    parser.add_argument("--prove", metavar="NAME", choices=CALLS, help="prove NAME with both guests instead")
    parser.add_argument("--mode", default="composite", choices=("composite", "succinct"))
    args = parser.parse_args()
    if args.prove:
        prove_both(args.prove, args.mode)
        return
    variants: list[tuple[str, bytes | None]] = [("accelerated", None)]
    if args.software:
        variants.append(("software", software_elf()))

    head = (
        f"{'call':36} {'guest':11} {'total':>10} {'user':>10} {'seg':>3} {'keccak-f':>10} {'perms':>5} "
        f"{'per perm':>8} {'paging':>8} {'revm':>8} {'input':>8} {'other':>8}"
    )
    print(head)
    print("-" * len(head))
    splits = []
    for name in CALLS:
        guest_input = recorded_input(name)
        perms = permutations(guest_input)
        splits.append((name, perms))
        for label, elf in variants:
            p = profiled(guest_input, elf, args.top)
            b = p.buckets
            per = b["keccak-f"] / perms.total
            print(
                f"{name:36} {label:11} {p.run.total_cycles:>10,} {p.run.user_cycles:>10,} {p.run.segments:>3} "
                f"{b['keccak-f']:>10,} {perms.total:>5} {per:>8,.0f} {b['paging']:>8,} {b['revm']:>8,} "
                f"{b['input checks']:>8,} {b['other']:>8,}"
            )
            for function, cycles in p.top:
                print(f"    {cycles:>10,}  {function[:100]}")
    print("-" * len(head))
    print("keccak-f permutations by what the input makes the guest hash (header, trie nodes, code, keys):")
    for name, perms in splits:
        print(f"  {name:36} header {perms.header}, nodes {perms.nodes}, code {perms.code}, keys {perms.keys}")
    total, user = STEEL_ERC20
    print(
        f"reference: Steel's ERC20 balanceOf, {total:,} total / {user:,} user cycles (USDT on Sepolia, risc0-ethereum "
        f"examples/erc20); issue 28's goal for mainnet USDT: at most {total // 2:,} total"
    )


if __name__ == "__main__":
    main()
