"""`Shielded.tryOpen` and the `ShieldedTryOpen` precompile on a real anvil: a prover that opens many envelopes posted
by different people (tests/contracts: `contracts/test/requests/ShieldedTryOpenProbe.sol`) gets `(false, "")` for each
one that does not open, is malformed, or names an unknown or retired key version, and the plaintext of the others,
with preflight = native guest = zkVM executor journal; a prover without the key still aborts with the exact message
(it must never be able to claim that a good ciphertext does not open).

Needs the native module built with `ShieldedTryOpen` (`vlayer._native`)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import pytest
from eth_abi import decode, encode
from web3 import Web3
from web3.contract import Contract

from tests.support.contracts import HARDFORK
from tests.test_worker import deploy
from vlayer.chain.forks import ChainSpec
from vlayer.devnet import Anvil
from vlayer.errors import PrecompileError
from vlayer.guest import run_and_check
from vlayer.guest_input import expected_journal, input_for
from vlayer.preflight.execute import CallRequest, PreflightResult, preflight
from vlayer.receipts import zkvm
from vlayer.rpc import RpcClient
from vlayer.shielding import ShieldingKeyPair, decode_envelope, generate, seal_args


@dataclass
class Setup:
    anvil: Anvil
    w3: Web3
    keys: Contract
    probe: Contract
    retired: ShieldingKeyPair
    current: ShieldingKeyPair

    def seal(self, pair: ShieldingKeyPair, version: int, clear: bytes) -> bytes:
        return seal_args(pair.public, version, int(self.w3.eth.chain_id), self.keys.address, clear)

    def run(self, envelopes: Sequence[bytes], secrets: Sequence[bytes]) -> PreflightResult:
        data = self.probe.functions.tryOpenAll(list(envelopes))._encode_transaction_data()
        call = CallRequest(to=bytes.fromhex(self.probe.address[2:]), data=bytes.fromhex(data[2:]))
        head = int(self.w3.eth.block_number)
        return preflight(RpcClient.http(self.anvil.url), call, head, chain_spec=ChainSpec.dev(HARDFORK),
                         shielding_keys=secrets)  # fmt: skip


@pytest.fixture(scope="module")
def setup() -> Iterator[Setup]:
    with Anvil(hardfork=HARDFORK) as anvil:
        w3 = Web3(Web3.HTTPProvider(anvil.url))
        owner = w3.eth.accounts[0]
        retired, current = generate(), generate()
        keys = deploy(w3, owner, "ShieldingKeys", owner)
        for call in (keys.functions.addKey(retired.public), keys.functions.addKey(current.public),
                     keys.functions.retireKey(1)):  # fmt: skip
            assert w3.eth.wait_for_transaction_receipt(call.transact({"from": owner}))["status"] == 1
        probe = deploy(w3, owner, "ShieldedTryOpenProbe", keys.address)
        yield Setup(anvil, w3, keys, probe, retired, current)


def clear(n: int) -> bytes:
    return encode(["string", "uint256"], [f"entry {n}", n])


def test_each_envelope_that_does_not_open_is_false_and_the_others_open(setup: Setup) -> None:
    good = setup.seal(setup.current, 2, clear(1))
    version, sealed = decode_envelope(setup.seal(setup.current, 2, clear(2)))
    changed = sealed[:40] + bytes([sealed[40] ^ 0x01]) + sealed[41:]
    entries = {
        "sealed to the current key": (good, (True, clear(1))),
        "sealed to a stranger's key": (setup.seal(generate(), 2, clear(3)), (False, b"")),
        "a byte changed": (encode(["uint32", "bytes"], [version, changed]), (False, b"")),
        "shorter than enc and tag": (encode(["uint32", "bytes"], [version, sealed[:47]]), (False, b"")),
        "an unknown version": (setup.seal(setup.current, 3, clear(4)), (False, b"")),
        "a retired version": (setup.seal(setup.retired, 1, clear(5)), (False, b"")),
        "not an envelope": (clear(6), (False, b"")),
        "another good one, after them": (setup.seal(setup.current, 2, clear(7)), (True, clear(7))),
    }
    envelopes = [envelope for envelope, _ in entries.values()]
    # The prover also holds the retired key: the version-1 entry is refused for its retirement, not for a key.
    secrets = [setup.retired.secret, setup.current.secret]
    result = setup.run(envelopes, secrets)
    assert result.success, result.revert_reason
    opened, plaintexts = decode(["bool[]", "bytes[]"], result.return_data)
    assert dict(zip(entries, zip(opened, plaintexts, strict=True), strict=True)) == {
        name: want for name, (_, want) in entries.items()
    }
    run_and_check(result, secrets)  # return data, gas and journal equal the native guest's
    assert zkvm.execute(input_for(result), secrets=secrets).journal == expected_journal(result)


@pytest.mark.parametrize("held", ["none", "another key"])
def test_a_prover_without_the_key_aborts_and_cannot_claim_does_not_open(setup: Setup, held: str) -> None:
    # A stranger's ciphertext first: without the current key even that one is not answered (false).
    envelopes = [setup.seal(generate(), 2, clear(1)), setup.seal(setup.current, 2, clear(2))]
    secrets = [] if held == "none" else [setup.retired.secret]
    with pytest.raises(PrecompileError) as refused:
        setup.run(envelopes, secrets)
    assert str(refused.value) == (
        "precompile ShieldedTryOpen: Shielded: this prover holds no secret key for public key "
        f"{setup.current.public_hex}"
    )
    assert setup.retired.secret.hex() not in str(refused.value)
