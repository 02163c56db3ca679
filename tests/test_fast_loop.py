"""The preflight's opcode loop (vlayer.evm.fast_loop) against py-evm's own, on the same programs: the same ending,
error, gas, output, stack, memory and program counter, including every edge where the fast path hands an opcode back
to py-evm (too little gas, stack under- and overflow, bad jumps, memory growth, huge offsets, code that ends inside a
PUSH)."""

from __future__ import annotations

import random
from typing import Any

import pytest
from eth.constants import BLANK_ROOT_HASH
from eth.db.atomic import AtomicDB
from eth.vm.computation import BaseComputation
from eth.vm.execution_context import ExecutionContext
from eth.vm.message import Message
from eth_typing import Address
from hypothesis import given, settings
from hypothesis import strategies as st

from vlayer.chain.forks import Fork
from vlayer.evm import state_class
from vlayer.evm.fast_loop import FastLoopComputation, fast_table

SENDER = Address(b"\x11" * 20)
TARGET = Address(b"\x22" * 20)


def _state(fork: Fork) -> Any:
    context = ExecutionContext(
        coinbase=Address(b"\x33" * 20),
        timestamp=1,
        block_number=1,
        difficulty=0,
        mix_hash=b"\x00" * 32,
        gas_limit=30_000_000,
        prev_hashes=(),
        chain_id=1,
        base_fee_per_gas=0,
        excess_blob_gas=0,
    )
    return state_class(fork)(AtomicDB(), context, BLANK_ROOT_HASH)


def _run(code: bytes, gas: int, fast: bool, fork: Fork = Fork.OSAKA) -> dict[str, Any]:
    state = _state(fork)
    cls = state.computation_class
    msg = Message(gas=gas, to=TARGET, sender=SENDER, value=0, data=b"\x01\x02", code=code)
    tx = state.get_transaction_context_class()(gas_price=0, origin=SENDER, blob_versioned_hashes=[])
    if fast:
        c = cls.apply_computation(state, msg, tx)
    else:
        c = BaseComputation.apply_computation.__func__(cls, state, msg, tx)  # type: ignore[attr-defined]
    err = c._error
    return {
        "error": None if err is None else (type(err).__name__, str(err)),
        "gas_remaining": c._gas_meter.gas_remaining,
        "output": bytes(c.output),
        "stack": list(c._stack.values),
        "memory": bytes(c._memory._bytes),
        "pc": c.code.program_counter,
    }


def _same(code: bytes, gas: int = 1_000_000, fork: Fork = Fork.OSAKA) -> dict[str, Any]:
    fast, slow = _run(code, gas, True, fork), _run(code, gas, False, fork)
    assert fast == slow, code.hex()
    return fast


def test_the_fast_loop_is_the_one_the_preflight_runs() -> None:
    cls = state_class(Fork.OSAKA).computation_class
    assert issubclass(cls, FastLoopComputation)
    kinds, _, _ = fast_table(cls.opcodes)
    assert sum(1 for k in kinds if k) >= 70  # PUSH0-32, DUP, SWAP and the rest run in place


def test_straight_line_code_agrees() -> None:
    # PUSH1 2 PUSH1 3 ADD PUSH1 0 MSTORE PUSH1 32 PUSH1 0 SHA3 PUSH1 0 MLOAD NOT ISZERO PUSH1 32 PUSH1 0 RETURN
    out = _same(bytes.fromhex("60026003016000526020600020600051191560206000f3"))
    assert out["error"] is None and out["output"] == (5).to_bytes(32, "big")


@pytest.mark.parametrize(
    "code",
    [
        "5b600056",  # JUMPDEST PUSH1 0 JUMP: a loop that runs out of gas
        "600456",  # JUMP into nowhere
        "6005565b",  # JUMP past the code
        "60035660005b",  # JUMP to a PUSH
        "600456605b00",  # JUMP to a 0x5b inside PUSH data: invalid
        "6001600657605b00",  # JUMPI taken to a 0x5b inside PUSH data: invalid
        "600160085760015b00",  # JUMPI taken to a non-JUMPDEST
        "600060085760015b00",  # JUMPI not taken
        "6001600757005b600100",  # JUMPI taken to a JUMPDEST
        "01",  # ADD on an empty stack
        "6001" + "80" * 1100,  # DUP1 past the stack limit
        "90",  # SWAP1 on an empty stack
        "50",  # POP on an empty stack
        "61",  # PUSH2 with no data at the end of the code
        "62aa",  # PUSH3 with one byte of data
        "7fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff600052",  # MSTORE at a huge offset
        "6001611000526110005160005260206000f3",  # memory growth by MSTORE and MLOAD
        "7f" + "ff" * 32 + "6000" + "20",  # SHA3 of a huge length
        "6000600020",  # SHA3 of nothing
        "6021600020",  # SHA3 of 33 bytes: two words
        "6001600720",  # SHA3 of one byte
        "600560051060056005116005600514600560061060066005116006600510",  # LT, GT, EQ on equal and unequal
        "6040602020",  # SHA3 that grows memory
        "5f5f5f5f5f",  # PUSH0
        "fe",  # INVALID
        "ef",  # an undefined opcode
    ],
)
def test_edges_agree(code: str) -> None:
    _same(bytes.fromhex(code))


@pytest.mark.parametrize("gas", [0, 1, 2, 3, 5, 8, 9, 21, 33, 40, 95, 100])
def test_every_gas_cut_agrees(gas: int) -> None:
    # Memory growth, hashing and jumps, each cut short of gas at some point.
    code = bytes.fromhex("600160205260206020205b6001018060101060075700")
    _same(code, gas)


@pytest.mark.parametrize("fork", [Fork.CANCUN, Fork.PRAGUE, Fork.OSAKA])
def test_each_fork_agrees(fork: Fork) -> None:
    _same(bytes.fromhex("5f600160025b909150506001600052602060002060005260206000f3"), fork=fork)


#: Opcodes the fast loop runs, and a few it hands to py-evm, for random programs.
_OPS = [0x01, 0x03, 0x10, 0x11, 0x14, 0x15, 0x16, 0x17, 0x19, 0x20, 0x50, 0x51, 0x52, 0x56, 0x57, 0x5B, 0x5F,
        0x80, 0x81, 0x83, 0x8F, 0x90, 0x91, 0x9F, 0x02, 0x04, 0x1B, 0x58, 0x5A, 0x59, 0x53, 0x33]  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(st.integers(0, 2**32), st.integers(0, 3000))
def test_random_programs_agree(seed: int, gas: int) -> None:
    rng = random.Random(seed)
    code = bytearray()
    for _ in range(rng.randint(1, 60)):
        if rng.random() < 0.35:
            n = rng.choice([1, 1, 1, 2, 32, rng.randint(1, 32)])
            data = bytes(rng.choice([0, 1, 2, 0x20, 0x5B, 0xFF, rng.randint(0, 255)]) for _ in range(n))
            code += bytes([0x5F + n]) + data
        else:
            code.append(rng.choice(_OPS))
    if rng.random() < 0.2:
        code = code[: rng.randint(0, len(code))]  # may end inside a PUSH
    _same(bytes(code), gas)
