"""Built-in chains: one table (chains/chains.json) read by the host and compiled into the guest; what the host can
preflight the guest can prove, and a user-supplied chain spec works end to end or is refused up front."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import rlp

from tests.test_guest import VECTOR_DIR
from tests.test_p256 import _signed
from vlayer.chain.forks import ChainSpec, Fork, known_chains, spec_for_chain
from vlayer.devnet import REPO_ROOT, Anvil
from vlayer.errors import GuestError, InputError, UnsupportedForkError
from vlayer.evm import state_class
from vlayer.evm.op_stack import input_limited
from vlayer.guest import execute_native, native_module, run_and_check
from vlayer.guest_input import MAGIC, expected_journal, input_for
from vlayer.preflight.execute import CallRequest, preflight
from vlayer.receipts.zkvm import execute
from vlayer.rpc import RpcClient

TABLE = REPO_ROOT / "chains" / "chains.json"


def test_the_guest_was_built_from_the_table_in_the_tree() -> None:
    assert native_module().chain_table() == TABLE.read_text()


def test_built_in_chains_and_their_schedules() -> None:
    chains = {c.name: c for c in known_chains().values()}
    assert {name: c.chain_id for name, c in chains.items()} == {
        "mainnet": 1,
        "sepolia": 11155111,
        "holesky": 17000,
        "hoodi": 560048,
        "op-mainnet": 10,
        "base": 8453,
        "op-sepolia": 11155420,
        "base-sepolia": 84532,
    }
    sepolia = spec_for_chain(11155111)
    assert sepolia.fork_at(1_741_159_775) is Fork.CANCUN and sepolia.fork_at(1_741_159_776) is Fork.PRAGUE
    assert sepolia.fork_at(1_760_427_360) is Fork.OSAKA
    assert sepolia.blob_params_at(1_761_607_008).update_fraction == 11684671  # BPO2
    assert spec_for_chain(560048).fork_at(0) is Fork.CANCUN  # Hoodi: Cancun from genesis
    mainnet = spec_for_chain(1)
    # go-ethereum's MainnetChainConfig: BPO1 at 1765290071 (Prague's blob schedule until then).
    assert mainnet.blob_params_at(1_765_290_070).max == 9 and mainnet.blob_params_at(1_765_290_071).max == 15


def test_blocks_before_cancun_are_refused_naming_their_fork() -> None:
    with pytest.raises(UnsupportedForkError, match=r"holesky: block at timestamp 1700000000 predates cancun "):
        spec_for_chain(17000).fork_at(1_700_000_000)
    with pytest.raises(UnsupportedForkError, match="it runs shanghai; vlayer executes Cancun and later only"):
        spec_for_chain(11155111).fork_at(1_700_000_000)


def _spec_file(tmp_path: Path, doc: dict[str, object]) -> Path:
    path = tmp_path / "spec.json"
    path.write_text(json.dumps(doc))
    return path


def test_a_chain_spec_must_be_one_the_guest_proves(tmp_path: Path) -> None:
    table = json.loads(TABLE.read_text())
    sepolia = next(c for c in table["chains"] if c["name"] == "sepolia")
    schedules = table["blob_schedules"]
    as_spec = {
        "name": "my-sepolia",
        "chain_id": 11155111,
        "forks": {k: v for k, v in sepolia["forks"].items() if k in table["executable_forks"]},
        "blobs": [[ts, [schedules[n]["target"], schedules[n]["max"], schedules[n]["update_fraction"]]]
                  for n, ts in sepolia["blobs"].items()],
    }  # fmt: skip
    assert ChainSpec.from_json(_spec_file(tmp_path, as_spec)) is spec_for_chain(11155111)
    with pytest.raises(InputError, match="differs from sepolia's, which the zkVM guest enforces"):
        ChainSpec.from_json(_spec_file(tmp_path, {**as_spec, "forks": {"cancun": 0, "prague": 1}}))
    with pytest.raises(InputError, match="chain 5 has no schedule in the zkVM guest"):
        ChainSpec.from_json(_spec_file(tmp_path, {**as_spec, "chain_id": 5}))
    with pytest.raises(UnsupportedForkError, match="chain id 424242 has no built-in schedule"):
        spec_for_chain(424242)


def test_cli_refuses_an_unprovable_chain_spec_in_one_line(tmp_path: Path) -> None:
    spec = _spec_file(tmp_path, {"name": "x", "chain_id": 5, "forks": {"cancun": 0}, "blobs": [[0, [3, 6, 3338477]]]})
    done = subprocess.run(
        [sys.executable, "-m", "vlayer.cli", "preflight", "--rpc-url", "http://127.0.0.1:9", "--chain-spec", str(spec),
         "--to", "0x" + "11" * 20, "--data", "0x"],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    lines = done.stderr.strip().splitlines()
    assert done.returncode == InputError.exit_code, done.stderr
    assert len(lines) == 1 and "chain 5 has no schedule in the zkVM guest" in lines[0], done.stderr


def test_the_guest_proves_a_built_in_testnet() -> None:
    """The golden ERC20 input relabelled as a Sepolia block: the guest runs it under Sepolia's schedule (it refused
    every chain but mainnet and anvil before the shared table) and commits Sepolia as the settle chain."""
    body = rlp.decode((VECTOR_DIR / "erc20_balance_osaka.input.bin").read_bytes()[len(MAGIC) :])
    body[1], body[2] = 11155111, b""
    run = execute_native(MAGIC + rlp.encode(body))
    assert int.from_bytes(run.journal[64:96], "big") == 11155111  # CallAssumptions.settleChainId


# --- OP-stack chains ----------------------------------------------------------------------------------------------

P256 = b"\x00" * 18 + b"\x01\x00"


def test_op_stack_blocks_run_their_op_forks_l1_rules() -> None:
    """Base's schedule (superchain-registry): each OP fork runs an L1 rule set; Base's ends at Jovian."""
    base = spec_for_chain(8453)
    assert base.is_op_stack and not spec_for_chain(1).is_op_stack
    expected = [
        (1_710_374_401, Fork.CANCUN, "ecotone"),
        (1_720_627_201, Fork.CANCUN, "fjord"),
        (1_726_070_401, Fork.CANCUN, "granite"),
        (1_736_445_601, Fork.CANCUN, "holocene"),
        (1_746_806_400, Fork.CANCUN, "holocene"),
        (1_746_806_401, Fork.PRAGUE, "isthmus"),
        (1_764_691_201, Fork.PRAGUE, "jovian"),
        (1_900_000_000, Fork.PRAGUE, "jovian"),
    ]
    assert [(ts, base.fork_at(ts), base.op_fork_at(ts)) for ts, _, _ in expected] == expected
    op = spec_for_chain(10)  # OP Mainnet runs Karst (Osaka rules) from 1783526401
    assert (op.fork_at(1_783_526_401), op.op_fork_at(1_783_526_401)) == (Fork.OSAKA, "karst")
    assert spec_for_chain(11155420).op_fork_at(1_716_998_400) == "fjord"
    assert spec_for_chain(84532).op_fork_at(1_744_905_600) == "isthmus"
    assert spec_for_chain(1).op_fork_at(1_800_000_000) is None


def test_op_stack_blocks_before_ecotone_are_refused_naming_their_fork() -> None:
    with pytest.raises(
        UnsupportedForkError,
        match=r"base: block at timestamp 1710374400 predates ecotone \(active from 1710374401\): it runs canyon; "
        r"vlayer executes Ecotone \(Cancun rules\) and later on OP-stack chains",
    ):
        spec_for_chain(8453).fork_at(1_710_374_400)
    with pytest.raises(UnsupportedForkError, match="it runs regolith"):
        spec_for_chain(11155420).op_fork_at(1_695_000_000)


def test_a_pre_ecotone_op_block_is_refused_by_host_and_guest() -> None:
    """A Canyon block of Base (anvil's chain at a Canyon-era time): the host refuses it; an input made for it
    anyway (preflighted as a dev chain, then relabelled) is refused by the guest naming the same fork."""
    with Anvil(hardfork="cancun", chain_id=8453, timestamp=1_705_000_000) as anvil:
        anvil.rpc("evm_mine")
        client = RpcClient.http(anvil.url)
        call = CallRequest(to=P256, data=b"")
        with pytest.raises(UnsupportedForkError, match=r"predates ecotone .*: it runs canyon"):
            preflight(client, call, "latest")
        result = preflight(
            client, call, "latest", chain_spec=ChainSpec.dev("cancun", chain_id=8453), require_target_code=False
        )
    body = rlp.decode(input_for(result)[len(MAGIC) :])
    body[2] = b""  # no dev hardfork: Base's own schedule
    with pytest.raises(GuestError, match=r"base block at 1705000\d+ runs canyon; vlayer executes Ecotone"):
        execute_native(MAGIC + rlp.encode(body))


def _p256_call() -> bytes:
    h, r, s, x, y = _signed(b"op-stack", b"P256VERIFY on an OP-stack chain")
    return b"".join(v.to_bytes(32, "big") for v in (h, r, s, x, y))


def _gas(data: bytes, precompile_gas: int, floor: bool) -> int:
    zeros = data.count(0)
    intrinsic = 21000 + 16 * (len(data) - zeros) + 4 * zeros
    # EIP-7623's floor (Prague rules: Isthmus and later).
    return max(intrinsic + precompile_gas, 21000 + 10 * (zeros + 4 * (len(data) - zeros)) if floor else 0)


@pytest.mark.parametrize(
    ("chain_id", "timestamp", "op_fork", "gas"),
    [
        (8453, 1_715_000_000, "ecotone", None),  # before Fjord: nothing at 0x100
        (8453, 1_740_000_000, "holocene", 3450),  # RIP-7212
        (8453, 1_750_000_000, "isthmus", 3450),  # Prague rules, still RIP-7212's price
        (10, 1_790_000_000, "karst", 6900),  # Osaka rules: EIP-7951's price
    ],
)
def test_p256verify_on_op_stack_chains(chain_id: int, timestamp: int, op_fork: str, gas: int | None) -> None:
    """P256VERIFY at 0x100 from Fjord (3,450 gas, before L1's Osaka), priced as Osaka's from Karst, absent before
    Fjord: the host's preflight and the native guest agree on output and gas (anvil serves the state only)."""
    data = _p256_call()
    spec = spec_for_chain(chain_id)
    # anvil's headers must have the fields of the L1 rule set the OP fork runs (Cancun's for Ecotone to Holocene).
    hardfork = "cancun" if spec.fork_at(timestamp) is Fork.CANCUN else None
    with Anvil(hardfork=hardfork, chain_id=chain_id, timestamp=timestamp) as anvil:
        anvil.rpc("evm_mine")
        # anvil serves the state only: it does not run OP's precompile rules, so its eth_call is no second opinion.
        result = preflight(RpcClient.http(anvil.url), CallRequest(to=P256, data=data), "latest", node_check=False,
                           require_target_code=False)  # fmt: skip
    assert spec.op_fork_at(timestamp) == op_fork  # anvil's block 1 carries the genesis timestamp
    assert result.success
    assert result.return_data == ((1).to_bytes(32, "big") if gas else b"")
    assert result.gas_used == _gas(data, gas or 0, floor=spec.fork_at(timestamp) >= Fork.PRAGUE)
    run = run_and_check(result)  # the native guest: same journal, same gas
    assert run.gas_used == result.gas_used
    if op_fork == "holocene":
        assert execute(input_for(result)).journal == expected_journal(result)  # and the zkVM executor


def test_op_stack_precompile_sets() -> None:
    """Which precompiles each OP fork adds or limits, in the host's py-evm rule sets."""

    def precompiles(fork: Fork, op_fork: str | None) -> dict[bytes, object]:
        return dict(state_class(fork, op_fork).computation_class.get_precompiles())  # type: ignore[attr-defined]

    assert P256 not in precompiles(Fork.CANCUN, "ecotone") and P256 in precompiles(Fork.CANCUN, "fjord")
    assert P256 not in precompiles(Fork.CANCUN, None) and P256 not in precompiles(Fork.PRAGUE, None)
    ecpairing = b"\x00" * 19 + b"\x08"
    assert precompiles(Fork.CANCUN, "fjord")[ecpairing] is precompiles(Fork.CANCUN, None)[ecpairing]
    assert precompiles(Fork.CANCUN, "granite")[ecpairing] is not precompiles(Fork.CANCUN, None)[ecpairing]

    class Msg:
        def __init__(self, n: int) -> None:
            self.data_as_bytes = b"\x00" * n

    class Computation:
        def __init__(self, n: int) -> None:
            self.msg = Msg(n)

    limited = input_limited(lambda c: c, 112_687, "bn254 pairing")
    assert limited(Computation(112_687))  # type: ignore[arg-type]
    with pytest.raises(Exception, match="longer than 112687 bytes"):
        limited(Computation(112_688))  # type: ignore[arg-type]
