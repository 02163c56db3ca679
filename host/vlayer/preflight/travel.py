"""Time travel in the preflight: a prover's `setBlock(n)` / `setChain(chainId, n)` and the calls that follow it.

`Prover.setBlock` CALLs the traveler address; we answer it here, without running any code there, and from then on
every CALL or STATICCALL the call makes (at any depth) runs against block `n` instead: as a top-level frame of a
fresh EVM over block `n`'s state (a ProofDb of its own), with the gas the CALL forwarded, no intrinsic cost, and
its state changes, logs and refunds dropped. DELEGATECALL, CALLCODE and CREATE stay where they are (they run the
prover's own code). The guest (`guest/src/travel.rs`) implements exactly these rules; docs/wire-format.md states
them. `setChain` to an OP-stack L2 the L1 anchors moves the calls to that L2's blocks (vlayer.teleport.anchor);
`setBlock` moves along the chain the execution is on.
"""

from __future__ import annotations

from typing import Any

from eth.abc import ComputationAPI, MessageAPI, StateAPI
from eth.exceptions import OutOfGas
from eth_typing import Address

from vlayer.chain.block import check_header_fork
from vlayer.chain.forks import ChainSpec
from vlayer.errors import LogsError, TravelError
from vlayer.logs.oracle import LOGS, LogsOracle
from vlayer.preflight.evm_state import apply_top_frame, block_state
from vlayer.preflight.proofdb import ProofDb
from vlayer.teleport.anchor import Teleports

#: The low 20 bytes of keccak256("vlayer.traveler"), as in vlayer v1 and contracts/src/Prover.sol.
TRAVELER = bytes.fromhex("76dc9aa45aa006a0f63942d8f9f21bd4537972a3")
SET_BLOCK = bytes.fromhex("87cea3ae")  # setBlock(uint256)
SET_CHAIN = bytes.fromhex("ffbc5638")  # setChain(uint256,uint256)
TRUE_WORD = (1).to_bytes(32, "big")

_CALL, _STATICCALL = 0xF1, 0xFA


class Traveler:
    """Where the call currently runs, and the fresh per-call states of the blocks it travels to."""

    def __init__(
        self, root: ProofDb, spec: ChainSpec, chain_id: int, teleports: Teleports, logs: LogsOracle | None = None
    ) -> None:
        self.root = root
        #: Answers `Logs.get` on the pinned chain (vlayer.logs); None: the address is an ordinary empty account.
        self.logs = logs
        self.spec = spec
        self.chain_id = chain_id
        self.teleports = teleports
        #: None: the pinned block. Otherwise the ancestor block calls run on.
        self.location: int | None = None
        #: The L2 calls run on (`setChain`), with `location` its block; None: the pinned block's chain.
        self.l2: int | None = None
        #: The call asked the traveler for something: no node can run it as a plain eth_call.
        self.used = False

    # --- the traveler's own requests --------------------------------------------------------------------------

    def answer(self, data: bytes) -> None:
        """Handle a call to the traveler address; raises TravelError for anything it cannot honour."""
        self.used = True
        if data[:4] == SET_BLOCK and len(data) == 36:
            block = int.from_bytes(data[4:36], "big")
            if self.l2 is None:
                self._go(block)
            else:
                self._teleport(self.l2, block)
        elif data[:4] == SET_CHAIN and len(data) == 68:
            chain = int.from_bytes(data[4:36], "big")
            block = int.from_bytes(data[36:68], "big")
            if chain == self.chain_id:
                self.l2 = None
                self._go(block)
            else:
                self._teleport(chain, block)
        else:
            raise TravelError(f"traveler: unknown request 0x{data.hex()}")

    def _teleport(self, chain: int, number: int) -> None:
        self.teleports.block_db(chain, number)  # anchors the L2 and checks the block against the anchor
        self.l2 = chain
        self.location = number

    def _go(self, number: int) -> None:
        top = self.root.pinned.number
        if number == top:
            self.location = None
            return
        if self.spec.dev_hardfork and number == 0:
            raise TravelError("time travel to block 0 of a dev chain: anvil's genesis state root is wrong")
        db = self.root.travel_db(number)  # checks the distance and proves the header chain down to it
        check_header_fork(db.pinned.header, db.pinned.hash, self.spec)
        self.location = number

    # --- calls while travelling ------------------------------------------------------------------------------

    def intercepts(self, parent: ComputationAPI, msg: MessageAPI) -> bool:
        if self.location is None or msg.is_create:
            return False
        # The opcode that made this call sits just before the parent's program counter.
        opcode = parent.msg.code[parent.code.program_counter - 1]
        return opcode in (_CALL, _STATICCALL)

    def run(self, msg: MessageAPI) -> ComputationAPI:
        number = self.location
        assert number is not None  # intercepts() returned True
        if msg.value:
            raise TravelError(f"time travel: a call with value at block {number} is not supported")
        # Like the main call, the travelled frame's caller and the coinbase are warm but read (and proven) only if
        # its code reads them: the guest's frame follows the same rule (docs/wire-format.md).
        if self.l2 is None:
            state, fork = block_state(self.root.travel_db(number), self.spec, self.chain_id, travelled=True)
        else:
            l2, db = self.teleports.block_db(self.l2, number)
            state, fork = block_state(db, l2.spec, l2.chain_id, travelled=True)
        return apply_top_frame(
            state, fork, Address(msg.sender), Address(msg.to), bytes(msg.data_as_bytes), msg.gas, msg.is_static
        )


def _answer_logs(computation: Any, msg: MessageAPI, traveler: Traveler, oracle: LogsOracle) -> ComputationAPI:
    """A call to the logs address runs no code: it returns the guest's answer and costs the guest's gas (or runs out
    of gas, burning all it was given). Refusals are the guest's, in its order."""
    if msg.value:
        raise LogsError("logs: a query must not send value")
    if traveler.l2 is not None:
        raise LogsError(f"logs: queries run on the settle chain, not on teleported chain {traveler.l2}")
    data, gas = oracle.answer(bytes(msg.data_as_bytes))
    answered: ComputationAPI = type(computation)(computation.state, msg, computation.transaction_context)
    if gas > msg.gas:
        answered.error = OutOfGas(f"vlayer.logs: the query costs {gas} gas, the call gave {msg.gas}")
        computation.return_data = b""
        return answered
    answered.consume_gas(gas, "vlayer.logs")
    answered.output = data
    computation.return_data = data
    return answered


def travelling_computation(base: type[Any], traveler: Traveler) -> type[Any]:
    """The fork's computation class with the traveler (and the logs address) hooked into its child calls."""

    def apply_child_computation(self: Any, child_msg: MessageAPI) -> ComputationAPI:
        # DELEGATECALL and CALLCODE keep the caller's address as `to`: only CALL and STATICCALL reach the address.
        if not child_msg.is_create and traveler.logs is not None and bytes(child_msg.to) == LOGS:
            return _answer_logs(self, child_msg, traveler, traveler.logs)
        if not child_msg.is_create and bytes(child_msg.to) == TRAVELER:
            traveler.answer(bytes(child_msg.data_as_bytes))
            # Nothing runs at the traveler: the CALL gets all its gas back and the answer `true`.
            answered: ComputationAPI = type(self)(self.state, child_msg, self.transaction_context)
            answered.output = TRUE_WORD
            self.return_data = TRUE_WORD
            return answered
        if traveler.intercepts(self, child_msg):
            # A foreign block's frame: unlike add_child_computation, its refunds and logs do not join this
            # transaction's; only its return data does (what add_child_computation sets for a non-create call).
            child = traveler.run(child_msg)
            self.return_data = b"" if child.is_error and child.should_burn_gas else child.output
            return child
        return base.apply_child_computation(self, child_msg)  # type: ignore[no-any-return]

    return type(f"Travelling{base.__name__}", (base,), {"apply_child_computation": apply_child_computation})


def state_with_traveler(state: StateAPI, traveler: Traveler) -> StateAPI:
    """Swap the state's computation class for the travelling one (the class is per run, so this is local)."""
    cls = type(state)
    cls.computation_class = travelling_computation(cls.computation_class, traveler)
    return state
