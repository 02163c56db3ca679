"""`vlayer test-call`: one prover call proved in dev mode on a forge test's own state, for `VTest.vprove`.

`VTest` (contracts/test/lib/VTest.sol) dumps the test's state with `vm.dumpState` and runs this command through
`vm.ffi`. It loads that state into a private anvil as the parent of the test's block (`vtest_state`), mines the
test's block, and proves the call there as `vlayer prove --dev` does (`prove_call`'s fake mode, step for step): the
real preflight, the real native guest, the host/guest journal check, a FAKE proof. anvil is stopped and its folder
removed before the command returns, also on failure. docs/forge-testing.md has the whole picture and its limits.

The answer is one line of 0x-hex on stdout, `abi.encode(uint8 status, bytes data, uint256 settleBlockNumber,
bytes32 settleBlockHash, Proof proof, string message)`, which VTest decodes:

- status 0, proven: `data` is the prover's return data, the settle block is the one to install with
  `vm.setBlockhash`, `proof` the dev-mode proof;
- status 1, the prover reverted: `data` is the revert data, `message` its reason, named with the project's ABIs;
- status 2, the call cannot be proven (the guest refused it, host and guest disagree, ...): `message` says why.

Anything that keeps the call from being tried (a bad state file, no anvil) is an error with its exit code, as in
every other command; VTest then shows its `error: ...` line.
"""

from __future__ import annotations

import enum
import json
import tempfile
from dataclasses import dataclass
from pathlib import Path

from eth_abi.abi import encode as abi_encode

from vlayer.chain.forks import ChainSpec, dev_chain_ids
from vlayer.devnet import Anvil
from vlayer.errors import (
    CallRevertedError,
    InputError,
    ReorgError,
    TravelError,
    TravelToFutureError,
    VlayerError,
)
from vlayer.guest import call_guest_id, run_and_check
from vlayer.hexutil import parse_hex_bytes
from vlayer.preflight.execute import CallRequest, PreflightResult, preflight
from vlayer.project.vtest_state import ProvingBlock, genesis, load_dump
from vlayer.prove import Pinned, ProofModeName, check_mode_allowed
from vlayer.receipts.proof_encoding import PROOF_TYPE, Proof, fake_proof
from vlayer.rpc import HttpTransport, RpcClient


class Status(enum.IntEnum):
    PROVEN = 0
    REVERTED = 1
    FAILED = 2


#: The ABI types of the answer, in order (VTest's `abi.decode` names the same).
ANSWER_TYPES = ["uint8", "bytes", "uint256", "bytes32", PROOF_TYPE, "string"]
_EMPTY_PROOF = ((b"\x00" * 4, [b"\x00" * 32] * 8, 0), b"\x00" * 32, 0, (b"\x00" * 20, b"\x00" * 4, 0, 0, b"\x00" * 32))

#: The private chain has the test's block and a genesis parent, no history: `setBlock` and `setChain` cannot be
#: answered there, whatever the test did to its own block number before.
_TRAVEL = (
    "time travel and teleport (setBlock, setChain) cannot be proven in a forge test: the chain vprove proves on "
    "holds the test's state in block {} only, with no history before it (docs/forge-testing.md): {}"
)


@dataclass(frozen=True)
class Answer:
    status: Status
    data: bytes = b""
    settle_number: int = 0
    settle_hash: bytes = b"\x00" * 32
    proof: Proof | None = None
    message: str = ""

    def encode(self) -> bytes:
        proof = _EMPTY_PROOF if self.proof is None else _proof_value(self.proof)
        values = [int(self.status), self.data, self.settle_number, self.settle_hash, proof, self.message]
        return bytes(abi_encode(ANSWER_TYPES, values))


def _proof_value(proof: Proof) -> tuple[object, ...]:
    return (proof.seal.abi_value(), proof.call_guest_id, proof.length, proof.call_assumptions.abi_value())


def _revert_reason(output: bytes, fallback: str, project: Path) -> str:
    """The revert named with the project's own ABIs (its custom errors) when it has been built, else vlayer's."""
    from vlayer.reverts.decode import VLAYER, project_abis

    if not output:
        return fallback
    try:
        decoder = VLAYER.with_abis(*project_abis(project))
    except InputError:
        decoder = VLAYER
    return str(decoder.decode(output))


def _prove_fake(client: RpcClient, call: CallRequest, pinned: Pinned, spec: ChainSpec) -> tuple[PreflightResult, Proof]:
    """`prove_call`'s fake mode, step for step: preflight, revert check, native guest checked against the host,
    fake proof."""
    check_mode_allowed(ProofModeName.FAKE, pinned.chain_id, dev_mode=True)
    result = preflight(client, call, pinned.block_number, chain_spec=spec)
    if result.block_hash != pinned.block_hash:
        raise ReorgError(f"block {pinned.block_number} changed under the proof (0x{result.block_hash.hex()})")
    if not result.success:
        raise CallRevertedError(result.revert_reason or "no reason", result.return_data, result.gas_used)
    run = run_and_check(result)
    return result, fake_proof(call_guest_id(), run.journal)


def prove_on_test_state(
    state: Path, to: bytes, data: bytes, block: ProvingBlock, hardfork: str, project: Path, *, keep_state: bool = False
) -> Answer:
    """Prove `to.call(data)` on the dumped state at the test's block; the call's own failures are answers. The
    state file is removed once read unless `keep_state` (each `vprove` writes a new one)."""
    if block.chain_id not in dev_chain_ids():
        raise InputError(
            f"block.chainid is {block.chain_id}: dev-mode proofs are made only on the dev chain ids "
            f"({', '.join(map(str, sorted(dev_chain_ids())))}); leave the test's chain id alone (vm.chainId)"
        )
    spec = ChainSpec.dev(hardfork, block.chain_id)
    alloc = load_dump(state)
    if not keep_state:
        state.unlink()
    with tempfile.TemporaryDirectory(prefix="vlayer-test-call-") as tmp:
        genesis_file = Path(tmp) / "genesis.json"
        genesis_file.write_text(json.dumps(genesis(alloc, block)))
        # No state ever goes to disk (--prune-history), and anvil's cache folder is this temporary one, so an anvil
        # that dies anyway leaves nothing in ~/.foundry/anvil/tmp.
        extra = ("--init", str(genesis_file), "--prune-history", "--cache-path", tmp)
        with Anvil(hardfork=hardfork, chain_id=block.chain_id, extra_args=extra) as anvil:
            anvil.rpc("evm_mine", block.timestamp)
            head = anvil.rpc("eth_getBlockByNumber", "latest", False)
            number, timestamp = int(head["number"], 16), int(head["timestamp"], 16)
            if (number, timestamp) != (block.number, block.timestamp):
                raise InputError(
                    f"anvil mined block {number} at {timestamp}, not the test's block {block.number} at "
                    f"{block.timestamp}"
                )
            settle_hash = parse_hex_bytes(head["hash"], "block hash")
            client = RpcClient(HttpTransport(anvil.url, timeout=60.0))
            try:
                pinned = Pinned(block.chain_id, number, settle_hash)
                result, proof = _prove_fake(client, CallRequest(to=to, data=data), pinned, spec)
            except CallRevertedError as exc:
                reason = _revert_reason(exc.output, exc.reason, project)
                return Answer(Status.REVERTED, exc.output, number, settle_hash, message=reason)
            except TravelError as exc:
                if isinstance(exc, TravelToFutureError):
                    return Answer(Status.FAILED, b"", number, settle_hash, message=str(exc))
                return Answer(Status.FAILED, b"", number, settle_hash, message=_TRAVEL.format(number, exc))
            except VlayerError as exc:
                return Answer(Status.FAILED, b"", number, settle_hash, message=str(exc))
            finally:
                client.close()
    access = result.access
    if access.travelled_accounts:
        # The genesis parent holds the test's state as of now, not as of the test's earlier blocks: a proof that
        # read it would pass the test's present off as its past.
        travelled = min(access.travelled_accounts)
        why = f"the call travelled to block {travelled}, the private chain's genesis, which holds the test's state now"
        return Answer(Status.FAILED, b"", number, settle_hash, message=_TRAVEL.format(number, why))
    return Answer(Status.PROVEN, result.return_data, number, settle_hash, proof)
