"""py-evm's opcode loop with its commonest opcodes run in place: the same results, gas and errors, less overhead.

py-evm runs every opcode through a generator (`CodeStream.__iter__`), an `Opcode.__call__` that charges the gas
through two more calls, and the opcode's logic, which reaches the stack through more calls still: about 3 us an
opcode, most of a loop-heavy call's preflight. Here the stack, PC and jump opcodes and a few arithmetic ones run
inside the loop on py-evm's own stack list, gas meter and code stream. An opcode is run in place only where the
fork's table holds py-evm's own implementation of it (anything a fork or vlayer replaces runs as it is), and only on
its plain path: whenever it would fail (too little gas, stack under- or overflow, a bad jump) it is handed, untouched,
to py-evm's implementation, which raises exactly as before. Everything else runs as py-evm runs it.
"""

from __future__ import annotations

from typing import Any

from eth import constants
from eth._utils.numeric import ceil32
from eth.abc import ComputationAPI, MessageAPI, StateAPI, TransactionContextAPI
from eth.exceptions import Halt
from eth.vm import opcode_values as ops
from eth.vm.computation import NO_RESULT, memory_gas_cost
from eth.vm.gas_meter import GasMeter
from eth.vm.logic import arithmetic, comparison, duplication, flow, memory, sha3, stack, swap
from eth.vm.logic.invalid import InvalidOpcode
from eth.vm.opcode import _FastOpcode
from eth_hash.auto import keccak

_UINT256 = 2**256 - 1
_STACK_LIMIT = 1024
_JUMPDEST_BYTE = ops.JUMPDEST
_SHA3_WORD_GAS = constants.GAS_SHA3WORD

# Kinds of opcode run in place. 0: run by py-evm.
_PUSH, _DUP, _SWAP, _POP, _JUMPDEST, _JUMP, _JUMPI = 1, 2, 3, 4, 5, 6, 7
_ADD, _SUB, _LT, _GT, _EQ, _ISZERO, _AND, _OR = 8, 9, 10, 11, 12, 13, 14, 15
_MLOAD, _MSTORE, _SHA3, _NOT = 16, 17, 18, 19


def _own_logic() -> dict[int, tuple[Any, int, int]]:
    """opcode -> (py-evm's logic function for it, kind, argument: bytes pushed / DUP or SWAP depth)."""
    own: dict[int, tuple[Any, int, int]] = {
        ops.POP: (stack.pop, _POP, 0),
        ops.JUMPDEST: (flow.jumpdest, _JUMPDEST, 0),
        ops.JUMP: (flow.jump, _JUMP, 0),
        ops.JUMPI: (flow.jumpi, _JUMPI, 0),
        ops.ADD: (arithmetic.add, _ADD, 0),
        ops.SUB: (arithmetic.sub, _SUB, 0),
        ops.LT: (comparison.lt, _LT, 0),
        ops.GT: (comparison.gt, _GT, 0),
        ops.EQ: (comparison.eq, _EQ, 0),
        ops.ISZERO: (comparison.iszero, _ISZERO, 0),
        ops.AND: (comparison.and_op, _AND, 0),
        ops.OR: (comparison.or_op, _OR, 0),
        ops.MLOAD: (memory.mload, _MLOAD, 0),
        ops.MSTORE: (memory.mstore, _MSTORE, 0),
        ops.SHA3: (sha3.sha3, _SHA3, 0),
        ops.NOT: (comparison.not_op, _NOT, 0),
    }
    for n in range(0, 33):
        own[ops.PUSH1 - 1 + n] = (getattr(stack, f"push{n}"), _PUSH, n)
    for n in range(1, 17):
        own[ops.DUP1 - 1 + n] = (getattr(duplication, f"dup{n}"), _DUP, n)
        own[ops.SWAP1 - 1 + n] = (getattr(swap, f"swap{n}"), _SWAP, n)
    return own


_OWN = _own_logic()


def fast_table(opcodes: dict[int, Any]) -> tuple[list[int], list[int], list[int]]:
    """(kind, gas cost, argument) per byte, for the opcodes `opcodes` maps to py-evm's own implementation."""
    kinds, costs, args = [0] * 256, [0] * 256, [0] * 256
    for op, (logic, kind, arg) in _OWN.items():
        fn = opcodes.get(op)
        if type(fn) is _FastOpcode and fn.logic_fn is logic:
            kinds[op], costs[op], args[op] = kind, fn.gas_cost, arg
    return kinds, costs, args


def _expansion_fee(held: int, start: int, size: int = 32) -> int:
    """What py-evm's `extend_memory(start, size)` charges with `held` bytes of memory (a multiple of 32): -1 when
    nothing grows (no charge), else the fee of growing to `start + size` (0 if the cost does not rise: py-evm charges
    only a rise)."""
    end = start + size
    if size == 0 or end <= held:
        return -1
    return max(memory_gas_cost(ceil32(end)) - memory_gas_cost(held), 0)


class FastLoopComputation:
    """Mixed into a fork's computation class (before it): its `apply_computation`, with the faster loop."""

    _fast_table: tuple[list[int], list[int], list[int]] | None = None

    @classmethod
    def apply_computation(
        cls,
        state: StateAPI,
        message: MessageAPI,
        transaction_context: TransactionContextAPI,
        parent_computation: ComputationAPI | None = None,
    ) -> ComputationAPI:
        if cls.logger.show_debug2 or GasMeter.logger.show_debug2:  # type: ignore[attr-defined]
            # py-evm's own loop, which logs every opcode and every charge.
            return super().apply_computation(  # type: ignore[misc,no-any-return]
                state, message, transaction_context, parent_computation
            )
        # As py-evm's BaseComputation.apply_computation, up to the loop.
        computation_cls: Any = cls  # a py-evm computation class: this is mixed in before one
        computation: ComputationAPI
        with computation_cls(state, message, transaction_context) as computation:
            if computation.is_origin_computation:
                computation.contracts_created = []
                if message.is_create:
                    computation_cls.consume_initcode_gas_cost(computation)
            if parent_computation is not None:
                computation.contracts_created = parent_computation.contracts_created
            if message.is_create:
                computation.contracts_created.append(message.storage_address)
            precompile = computation.precompiles.get(message.code_address, NO_RESULT)
            if precompile is not NO_RESULT:
                if not message.is_delegation:
                    precompile(computation)
                return computation
            _run(cls, computation)
        return computation


def _run(cls: Any, computation: Any) -> None:
    table = cls.__dict__.get("_fast_table")
    if table is None:
        table = fast_table(computation.opcodes)
        cls._fast_table = table
    kinds, costs, args = table
    opcodes = computation.opcodes
    code = computation.code
    raw = code._raw_code_bytes
    size = len(raw)
    values = computation._stack.values
    meter = computation._gas_meter
    mem = computation._memory
    # The PC and the gas left live in locals here; they are written back before py-evm runs anything and read
    # again after, so py-evm always sees (and leaves) them exactly as its own loop would.
    pc = code.program_counter
    gas = meter.gas_remaining
    while True:
        if pc >= size:
            # The STOP past the end of the code (py-evm's code stream yields it without moving the PC).
            code.program_counter = pc
            meter.gas_remaining = gas
            return
        op = raw[pc]
        kind = kinds[op]
        if kind:
            cost = costs[op]
            if cost <= gas:
                depth = len(values)
                if kind == _PUSH:
                    if depth < _STACK_LIMIT:
                        n = args[op]
                        gas -= cost
                        end = pc + 1 + n
                        value = raw[pc + 1 : end]
                        values.append(value if len(value) == n else value.ljust(n, b"\x00"))
                        pc = end
                        continue
                elif kind == _DUP:
                    n = args[op]
                    if n <= depth < _STACK_LIMIT:
                        gas -= cost
                        values.append(values[-n])
                        pc += 1
                        continue
                elif kind == _SWAP:
                    n = args[op] + 1
                    if n <= depth:
                        gas -= cost
                        values[-1], values[-n] = values[-n], values[-1]
                        pc += 1
                        continue
                elif kind == _JUMPDEST:
                    gas -= cost
                    pc += 1
                    continue
                elif kind == _POP:
                    if depth:
                        gas -= cost
                        values.pop()
                        pc += 1
                        continue
                elif kind == _JUMP:
                    if depth:
                        dest = values[-1]
                        if type(dest) is not int:
                            dest = int.from_bytes(dest, "big")
                        if dest < size and raw[dest] == _JUMPDEST_BYTE and code.is_valid_opcode(dest):
                            gas -= cost
                            values.pop()
                            pc = dest
                            continue
                elif kind == _JUMPI:
                    if depth >= 2:
                        dest = values[-1]
                        if type(dest) is not int:
                            dest = int.from_bytes(dest, "big")
                        taken = values[-2]
                        if type(taken) is not int:
                            taken = int.from_bytes(taken, "big")
                        if not taken:
                            gas -= cost
                            del values[-2:]
                            pc += 1
                            continue
                        if dest < size and raw[dest] == _JUMPDEST_BYTE and code.is_valid_opcode(dest):
                            gas -= cost
                            del values[-2:]
                            pc = dest
                            continue
                elif kind == _MLOAD:
                    # An expansion is charged here exactly as py-evm's extend_memory charges it.
                    if depth:
                        start = values[-1]
                        if type(start) is not int:
                            start = int.from_bytes(start, "big")
                        grow = _expansion_fee(len(mem._bytes), start)
                        charge = cost + grow if grow > 0 else cost
                        if charge <= gas:
                            gas -= charge
                            if grow >= 0:
                                mem.extend(start, 32)
                            values[-1] = bytes(mem._bytes[start : start + 32])
                            pc += 1
                            continue
                elif kind == _MSTORE:
                    if depth >= 2:
                        start = values[-1]
                        if type(start) is not int:
                            start = int.from_bytes(start, "big")
                        grow = _expansion_fee(len(mem._bytes), start)
                        charge = cost + grow if grow > 0 else cost
                        if charge <= gas:
                            gas -= charge
                            if grow >= 0:
                                mem.extend(start, 32)
                            values.pop()
                            value = values.pop()
                            mem._bytes[start : start + 32] = (
                                value.to_bytes(32, "big") if type(value) is int else value.rjust(32, b"\x00")[-32:]
                            )
                            pc += 1
                            continue
                elif kind == _SHA3:
                    if depth >= 2:
                        start = values[-1]
                        if type(start) is not int:
                            start = int.from_bytes(start, "big")
                        length = values[-2]
                        if type(length) is not int:
                            length = int.from_bytes(length, "big")
                        grow = _expansion_fee(len(mem._bytes), start, length)
                        # The base cost, the expansion, then the word cost: py-evm's order of charges.
                        charge = (cost + grow if grow > 0 else cost) + _SHA3_WORD_GAS * (ceil32(length) // 32)
                        if charge <= gas:
                            gas -= charge
                            if grow >= 0:
                                mem.extend(start, length)
                            del values[-2:]
                            values.append(keccak(bytes(mem._bytes[start : start + length])))
                            pc += 1
                            continue
                elif kind == _NOT:
                    if depth:
                        gas -= cost
                        value = values[-1]
                        values[-1] = _UINT256 - (value if type(value) is int else int.from_bytes(value, "big"))
                        pc += 1
                        continue
                elif kind == _ISZERO:
                    if depth:
                        gas -= cost
                        value = values[-1]
                        values[-1] = 0 if (value if type(value) is int else int.from_bytes(value, "big")) else 1
                        pc += 1
                        continue
                elif depth >= 2:
                    # Binary operations: `left` is the top of the stack, as py-evm's pop_ints(2) returns it.
                    left = values.pop()
                    if type(left) is not int:
                        left = int.from_bytes(left, "big")
                    right = values[-1]
                    if type(right) is not int:
                        right = int.from_bytes(right, "big")
                    gas -= cost
                    if kind == _ADD:
                        values[-1] = (left + right) & _UINT256
                    elif kind == _SUB:
                        values[-1] = (left - right) & _UINT256
                    elif kind == _LT:
                        values[-1] = 1 if left < right else 0
                    elif kind == _GT:
                        values[-1] = 1 if left > right else 0
                    elif kind == _EQ:
                        values[-1] = 1 if left == right else 0
                    elif kind == _AND:
                        values[-1] = left & right
                    else:
                        values[-1] = left | right
                    pc += 1
                    continue
        # py-evm runs it, as its own loop would (the opcode read, the PC past it).
        code.program_counter = pc + 1
        meter.gas_remaining = gas
        try:
            fn = opcodes[op] if op in opcodes else InvalidOpcode(op)
            fn(computation=computation)
        except Halt:
            return
        pc = code.program_counter
        gas = meter.gas_remaining
        mem = computation._memory
