"""Osaka (Fusaka) EVM rules on top of py-evm's Prague, which is as far as py-evm 0.12 goes.

What Osaka changes for a call:
- EIP-7939 CLZ opcode (0x1e, 5 gas).
- EIP-7823 MODEXP input bounds (each length at most 1024 bytes, else the precompile fails).
- EIP-7883 MODEXP repricing (minimum 500 gas, doubled cost for long exponents, steeper complexity).
- EIP-7951 P256VERIFY precompile at 0x100 (6,900 gas).
- EIP-7825 transaction gas cap of 2^24, enforced by the preflight on the call's gas limit.
The other Osaka EIPs (PeerDAS, blob fee bound, proposer lookahead, block size cap, eth/69) do not change what a call
computes. BPO forks change only blob parameters, which `ChainSpec.blob_params_at` supplies.
"""

from __future__ import annotations

import copy

from eth import constants
from eth._utils.address import force_bytes_to_address
from eth._utils.padding import zpad_right
from eth.abc import ComputationAPI, OpcodeAPI
from eth.exceptions import VMError
from eth.precompiles.modexp import extract_lengths, modexp
from eth.vm.forks.prague.computation import PRAGUE_PRECOMPILES, PragueComputation
from eth.vm.forks.prague.opcodes import PRAGUE_OPCODES
from eth.vm.forks.prague.state import PragueState
from eth.vm.opcode import as_opcode
from eth_utils.encoding import big_endian_to_int

from vlayer.evm.p256 import p256verify_output

CLZ_OPCODE = 0x1E
P256VERIFY_ADDRESS = force_bytes_to_address(b"\x01\x00")
P256VERIFY_GAS = 6900
MODEXP_ADDRESS = force_bytes_to_address(b"\x05")
MODEXP_MAX_INPUT_LENGTH = 1024
OSAKA_TX_GAS_LIMIT_CAP = 2**24


def clz(computation: ComputationAPI) -> None:
    value = computation.stack_pop1_int()
    computation.stack_push_int(256 - value.bit_length())


def modexp_gas_eip7883(data: bytes) -> int:
    base_len, exp_len, mod_len = extract_lengths(data)
    exp_head = big_endian_to_int(
        zpad_right(data[96 + base_len : 96 + base_len + min(exp_len, 32)], to_size=min(exp_len, 32))
    )
    max_len = max(base_len, mod_len)
    words = (max_len + 7) // 8
    complexity = 16 if max_len <= 32 else 2 * words * words
    if exp_len <= 32:
        iterations = max(exp_head.bit_length() - 1, 0)
    else:
        # Clients add nothing for a zero exponent head (geth/revm), rather than subtracting one.
        iterations = 16 * (exp_len - 32) + max(exp_head.bit_length() - 1, 0)
    return max(500, complexity * max(iterations, 1))


def modexp_osaka(computation: ComputationAPI) -> ComputationAPI:
    base_len, exp_len, mod_len = extract_lengths(computation.msg.data_as_bytes)
    if max(base_len, exp_len, mod_len) > MODEXP_MAX_INPUT_LENGTH:
        raise VMError("MODEXP input length above 1024 bytes (EIP-7823)")
    result: ComputationAPI = modexp(computation, gas_calculator=modexp_gas_eip7883)
    return result


def p256verify(computation: ComputationAPI) -> ComputationAPI:
    computation.consume_gas(P256VERIFY_GAS, reason="P256VERIFY precompile")
    computation.output = p256verify_output(computation.msg.data_as_bytes)
    return computation


OSAKA_OPCODES: dict[int, OpcodeAPI] = {
    **copy.deepcopy(PRAGUE_OPCODES),
    CLZ_OPCODE: as_opcode(logic_fn=clz, mnemonic="CLZ", gas_cost=constants.GAS_LOW),
}

OSAKA_PRECOMPILES = {
    **PRAGUE_PRECOMPILES,
    MODEXP_ADDRESS: modexp_osaka,
    P256VERIFY_ADDRESS: p256verify,
}


class OsakaComputation(PragueComputation):
    opcodes = OSAKA_OPCODES
    _precompiles = OSAKA_PRECOMPILES


class OsakaState(PragueState):
    computation_class = OsakaComputation
