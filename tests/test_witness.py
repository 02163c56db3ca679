"""What the witness holds (docs/wire-format.md): the transaction envelope's sender and coinbase are proven only
when the executed code reads them, and code only for accounts whose code runs or is read. Host (preflight) and
guest (native and the zkVM executor) follow the same rule; a read envelope account gets the chain's value."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from eth_abi import decode

from tests.support.corpus import HOLDERS, Deployment, calldata, deploy_corpus
from vlayer.chain.forks import ChainSpec
from vlayer.devnet import Anvil
from vlayer.guest import run_and_check
from vlayer.guest_input import expected_journal, input_for
from vlayer.preflight.execute import CallRequest, PreflightResult, preflight
from vlayer.receipts.zkvm import execute

SENDER = bytes.fromhex("5e" * 20)
COINBASE = bytes.fromhex("c0" * 20)
#: Returns (msg.sender.balance, block.coinbase.balance): CALLER BALANCE, COINBASE BALANCE, 64 bytes out.
ENVELOPE_READER = bytes.fromhex("3331600052413160205260406000f3")
#: Returns 42 and reads no account but its own.
NO_READS = bytes.fromhex("602a60005260206000f3")
READER_AT = bytes.fromhex("e1" * 20)
QUIET_AT = bytes.fromhex("e2" * 20)


class Env:
    def __init__(self, anvil: Anvil, d: Deployment) -> None:
        self.anvil, self.d = anvil, d
        self.block = int(anvil.rpc("eth_blockNumber"), 16)

    def preflight(self, to: bytes, data: bytes) -> PreflightResult:
        from vlayer.rpc import RpcClient

        call = CallRequest(to=to, data=data, sender=SENDER)
        return preflight(RpcClient.http(self.anvil.url), call, self.block, chain_spec=ChainSpec.dev("osaka"))

    def balance(self, who: bytes) -> int:
        return int(self.anvil.rpc("eth_getBalance", "0x" + who.hex(), hex(self.block)), 16)


@pytest.fixture(scope="module")
def env() -> Iterator[Env]:
    with Anvil(hardfork="osaka") as anvil:
        d = deploy_corpus(anvil, "osaka")
        anvil.rpc("anvil_setCode", "0x" + READER_AT.hex(), "0x" + ENVELOPE_READER.hex())
        anvil.rpc("anvil_setCode", "0x" + QUIET_AT.hex(), "0x" + NO_READS.hex())
        anvil.rpc("anvil_setBalance", "0x" + SENDER.hex(), hex(5 * 10**18))
        anvil.rpc("anvil_setBalance", "0x" + COINBASE.hex(), hex(7 * 10**18 + 3))
        anvil.rpc("anvil_setCoinbase", "0x" + COINBASE.hex())
        anvil.rpc("anvil_mine", "0x2")
        e = Env(anvil, d)
        header = anvil.rpc("eth_getBlockByNumber", hex(e.block), False)
        assert header["miner"] == "0x" + COINBASE.hex()
        yield e


def both_guests_agree(result: PreflightResult) -> None:
    assert run_and_check(result).return_data == result.return_data
    assert execute(input_for(result)).journal == expected_journal(result)


def test_erc20_balance_of_proves_only_the_token(env: Env) -> None:
    result = env.preflight(env.d.token, calldata("balanceOf(address)", ["address"], [HOLDERS[1]]))
    assert result.success and decode(["uint256"], result.return_data)[0] > 0
    assert list(result.access.accounts) == [env.d.token]
    assert [a.address for a in result.bundle.accounts] == [env.d.token]
    assert len(result.bundle.codes) == 1  # the token's: the only code that runs
    both_guests_agree(result)


def test_a_call_reading_no_envelope_account_proves_neither(env: Env) -> None:
    result = env.preflight(QUIET_AT, b"")
    assert decode(["uint256"], result.return_data)[0] == 42
    assert list(result.access.accounts) == [QUIET_AT]
    assert SENDER not in result.access.accounts and COINBASE not in result.access.accounts
    both_guests_agree(result)


def test_reading_sender_and_coinbase_balances_proves_them(env: Env) -> None:
    result = env.preflight(READER_AT, b"")
    sender_balance, coinbase_balance = decode(["uint256", "uint256"], result.return_data)
    assert (sender_balance, coinbase_balance) == (env.balance(SENDER), env.balance(COINBASE))
    assert (sender_balance, coinbase_balance) == (5 * 10**18, 7 * 10**18 + 3)
    assert set(result.access.accounts) == {READER_AT, SENDER, COINBASE}
    # BALANCE needs no code: only the reader's own code is in the witness.
    assert len(result.bundle.codes) == 1
    both_guests_agree(result)


def test_balance_of_a_contract_needs_no_code(env: Env) -> None:
    """`selfBalance()` reads the corpus's own balance and the sender's: neither needs code beyond the corpus's."""
    result = env.preflight(env.d.corpus, calldata("selfBalance()", [], []))
    assert decode(["uint256", "uint256"], result.return_data)[1] == 5 * 10**18
    assert set(result.access.accounts) == {env.d.corpus, SENDER}
    both_guests_agree(result)


def test_balance_of_another_contract_proves_its_account_without_its_code(env: Env) -> None:
    """BALANCE and EXTCODEHASH of a contract need its account, not its code (EXTCODESIZE/COPY and calls do)."""
    at = bytes.fromhex("e3" * 20)
    # PUSH20 token, BALANCE, PUSH20 token, EXTCODEHASH: both words returned.
    code = b"\x73" + env.d.token + b"\x31\x60\x00\x52" + b"\x73" + env.d.token + b"\x3f\x60\x20\x52\x60\x40\x60\x00\xf3"
    env.anvil.rpc("anvil_setCode", "0x" + at.hex(), "0x" + code.hex())
    env.anvil.rpc("anvil_mine", "0x1")
    env.block = int(env.anvil.rpc("eth_blockNumber"), 16)
    result = env.preflight(at, b"")
    balance, code_hash = decode(["uint256", "bytes32"], result.return_data)
    assert balance == env.balance(env.d.token) and code_hash != b"\x00" * 32
    assert set(result.access.accounts) == {at, env.d.token}
    assert len(result.bundle.codes) == 1  # the caller's own code only
    both_guests_agree(result)
