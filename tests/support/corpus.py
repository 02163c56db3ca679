"""The preflight corpus: contracts compiled by the real solc, deployed on a real anvil, and the calls to prove."""

from __future__ import annotations

import functools
import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from Crypto.Hash import SHA256
from Crypto.PublicKey import ECC
from Crypto.Signature import DSS
from eth_abi import encode
from eth_utils import function_signature_to_4byte_selector, to_checksum_address

from vlayer.devnet import Anvil, compile_solidity

CONTRACTS = Path(__file__).resolve().parents[1] / "contracts"
HOLDERS = [bytes([0x10 + i]) * 20 for i in range(6)]
ALICE = bytes.fromhex("00" * 17 + "0a11ce")
ABSENT = bytes.fromhex("00000000000000000000000000000000deadbeef")


@functools.lru_cache(maxsize=4)
def compiled(evm_version: str) -> dict[str, dict[str, Any]]:
    return compile_solidity({"Corpus.sol": (CONTRACTS / "Corpus.sol").read_text()}, evm_version=evm_version)


def selector(sig: str) -> bytes:
    return bytes(function_signature_to_4byte_selector(sig))


def calldata(sig: str, types: list[str], args: list[Any]) -> bytes:
    return selector(sig) + encode(types, args)


@dataclass
class Deployment:
    token: bytes
    corpus: bytes
    helper: bytes
    sender: bytes


def deploy(anvil: Anvil, code: bytes, sender: str) -> bytes:
    receipt = anvil.transact({"from": sender, "data": "0x" + code.hex(), "gas": hex(15_000_000)})
    return bytes.fromhex(receipt["contractAddress"][2:])


def deploy_corpus(anvil: Anvil, evm_version: str) -> Deployment:
    out = compiled(evm_version)
    sender = anvil.rpc("eth_accounts")[0]
    token = deploy(anvil, out["Token"]["bytecode"] + encode(["address[]", "uint256"], [HOLDERS, 10**18]), sender)
    corpus = deploy(anvil, out["Corpus"]["bytecode"] + encode(["address"], [token]), sender)
    helper = deploy(anvil, out["Helper"]["bytecode"], sender)
    # Enough blocks that BLOCKHASH can reach past its 256-block window.
    anvil.rpc("anvil_mine", hex(300))
    return Deployment(token, corpus, helper, bytes.fromhex(sender[2:]))


def p256_vector(valid: bool) -> list[bytes]:
    key = ECC.construct(curve="P-256", d=int.from_bytes(hashlib.sha256(b"vlayer corpus key").digest(), "big") % 2**255)
    msg = b"vlayer preflight"
    h = SHA256.new(msg)
    sig = DSS.new(key, "deterministic-rfc6979").sign(h)
    r, s = sig[:32], sig[32:]
    if not valid:
        s = (int.from_bytes(s, "big") ^ 1).to_bytes(32, "big")
    x = int(key.pointQ.x).to_bytes(32, "big")
    y = int(key.pointQ.y).to_bytes(32, "big")
    return [h.digest(), r, s, x, y]


def modexp_input(base: bytes, exp: bytes, mod: bytes) -> bytes:
    return encode(["uint256", "uint256", "uint256"], [len(base), len(exp), len(mod)]) + base + exp + mod


@dataclass(frozen=True)
class CorpusCall:
    name: str
    to: bytes
    data: bytes
    forks: tuple[str, ...] = ("prague", "osaka")


def corpus_calls(d: Deployment) -> list[CorpusCall]:
    c = d.corpus
    calls = [
        CorpusCall("erc20-balanceOf", d.token, calldata("balanceOf(address)", ["address"], [HOLDERS[1]])),
        CorpusCall("erc20-allowance", d.token, calldata("allowance(address,address)", ["address", "address"],
                                                        [HOLDERS[0], d.token])),
        CorpusCall("erc20-long-name", d.token, selector("name()")),
        CorpusCall("cross-contract-balance", c, calldata("balanceOf(address)", ["address"], [HOLDERS[2]])),
        CorpusCall("cross-contract-sum", c, calldata("sumBalances(address[])", ["address[]"], [HOLDERS])),
        CorpusCall("cross-contract-string", c, selector("tokenName()")),
        CorpusCall("struct-mapping", c, calldata("position(address)", ["address"], [ALICE])),
        CorpusCall("struct-mapping-absent", c, calldata("position(address)", ["address"], [ABSENT])),
        CorpusCall("dynamic-array", c, selector("seriesSum()")),
        CorpusCall("revert-reason", c, selector("failWithReason()")),
        CorpusCall("revert-custom-error", c, selector("failCustom()")),
        CorpusCall("revert-panic", c, calldata("failPanic(uint256)", ["uint256"], [0])),
        CorpusCall("modexp-small", c, calldata("modexp(bytes)", ["bytes"], [modexp_input(b"\x03", b"\x05", b"\x07")])),
        CorpusCall("modexp-long-exp", c, calldata("modexp(bytes)", ["bytes"],
                                                  [modexp_input(b"\x02" * 40, b"\x01" + b"\x00" * 39, b"\xfd" * 40)])),
        CorpusCall("modexp-zero-exp", c, calldata("modexp(bytes)", ["bytes"],
                                                  [modexp_input(b"\x05" * 8, b"\x00" * 33, b"\x09" * 8)])),
        CorpusCall("blockhash", c, calldata("hashes(uint256[])", ["uint256[]"], [[1, 2, 5, 0, 256, 257, 300]])),
        CorpusCall("loop-heavy", c, calldata("loop(uint256)", ["uint256"], [3000])),
        CorpusCall("absent-account-zero-slot", c, calldata("absent(address)", ["address"], [ABSENT])),
        CorpusCall("block-env", c, selector("env()")),
        CorpusCall("sstore-refund-transient", c, selector("writeAndRefund()")),
        CorpusCall("create-in-call", c, calldata("createChild(uint256)", ["uint256"], [31337])),
        CorpusCall("delegatecall", c, calldata("viaDelegate(address,uint256)", ["address", "uint256"], [d.helper, 14])),
        CorpusCall("wide-storage-40", c, calldata("wideSum(uint256)", ["uint256"], [40])),
        # Osaka-only behaviour: on Prague these hit no precompile / an invalid opcode, both checked too.
        CorpusCall("clz", c, calldata("clz(uint256)", ["uint256"], [1 << 200])),
        CorpusCall("p256-valid", c, calldata("p256(bytes32,bytes32,bytes32,bytes32,bytes32)", ["bytes32"] * 5,
                                             p256_vector(True))),
        CorpusCall("p256-invalid", c, calldata("p256(bytes32,bytes32,bytes32,bytes32,bytes32)", ["bytes32"] * 5,
                                               p256_vector(False))),
        CorpusCall("modexp-over-1024", c, calldata("modexp(bytes)", ["bytes"],
                                                   [modexp_input(b"\x02" * 1025, b"\x03", b"\x05")])),
    ]  # fmt: skip
    return calls


def checksum(addr: bytes) -> str:
    return to_checksum_address(addr)
