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
from vlayer.chain.forks import ChainSpec, Fork, known_chains, spec_for_chain
from vlayer.devnet import REPO_ROOT
from vlayer.errors import InputError, UnsupportedForkError
from vlayer.guest import execute_native, native_module
from vlayer.guest_input import MAGIC

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
