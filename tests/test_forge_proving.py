"""Proving inside `forge test` (VTest.vprove -> `vlayer test-call`): the Solidity suite that proves and verifies on
the test's own state, with real forge, anvil, preflight and native guest; the command's refusals; what the private
chain is built from. The examples' proving suites run with the other forge suites (bash/test.sh)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from vlayer.devnet import REPO_ROOT, find_tool
from vlayer.errors import InputError
from vlayer.project.vtest_state import ProvingBlock, genesis, load_dump, project_hardfork

ANVIL_TMP = Path.home() / ".foundry" / "anvil" / "tmp"
TOKEN = "0x5615deb798bb3e4dfa0139dfa1b3d433cc23b72f"


def _anvil_state_dirs() -> set[str]:
    return {p.name for p in ANVIL_TMP.iterdir()} if ANVIL_TMP.is_dir() else set()


def _test_call(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "vlayer.cli", "test-call", *args], cwd=tmp_path,
                          capture_output=True, text=True, timeout=120, check=False)  # fmt: skip


def test_the_contracts_suite_proves_and_verifies_and_leaves_no_anvil_state(tmp_path: Path) -> None:
    before = _anvil_state_dirs()
    env = {**os.environ, "VLAYER_PYTHON": sys.executable}
    proc = subprocess.run(
        [find_tool("forge"), "test", "--offline", "--match-path", "test/VTest.t.sol"],
        cwd=REPO_ROOT / "contracts", env=env, capture_output=True, text=True, timeout=900, check=False,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]
    assert "9 passed; 0 failed" in proc.stdout
    # Every private anvil was stopped and kept its state in a folder of its own, removed with it.
    assert _anvil_state_dirs() <= before
    left = [p.name for p in (REPO_ROOT / "contracts" / "cache" / "vlayer-test").glob("0x*.json")]
    assert left == [], "state dumps are removed once read"


def test_without_vlayer_to_run_the_test_fails_saying_what_to_set() -> None:
    path = [p for p in os.environ.get("PATH", "").split(os.pathsep) if p and not Path(p, "vlayer").exists()]
    env = {**{k: v for k, v in os.environ.items() if k != "VLAYER_PYTHON"}, "PATH": os.pathsep.join(path)}
    proc = subprocess.run(
        [find_tool("forge"), "test", "--offline", "--match-path", "test/VTest.t.sol", "--match-test",
         "test_aProvenBalanceIsClaimed"],
        cwd=REPO_ROOT / "contracts", env=env, capture_output=True, text=True, timeout=900, check=False,
    )  # fmt: skip
    assert proc.returncode != 0
    assert (
        "[FAIL: vlayer: cannot run `vlayer test-call`; VTest needs `ffi = true` in foundry.toml and `vlayer` on "
        "PATH, or run the tests with `vlayer test`] test_aProvenBalanceIsClaimed()"
    ) in proc.stdout
    assert not list((REPO_ROOT / "contracts" / "cache" / "vlayer-test").glob("0x*.json")), "its dump is removed"


def test_a_missing_state_file_is_refused(tmp_path: Path) -> None:
    out = _test_call(tmp_path, "--state", "nope.json", "--to", TOKEN, "--block-number", "1", "--timestamp", "1")
    assert out.returncode == InputError.exit_code
    assert out.stderr.strip() == "error: state dump nope.json does not exist (did vm.dumpState write it?)"


def test_block_zero_and_foreign_chains_are_refused(tmp_path: Path) -> None:
    (tmp_path / "s.json").write_text("{}")
    zero = _test_call(tmp_path, "--state", "s.json", "--to", TOKEN, "--block-number", "0", "--timestamp", "1")
    assert zero.returncode == InputError.exit_code
    assert "block 0 cannot be proven" in zero.stderr and "vm.roll(1)" in zero.stderr
    mainnet = _test_call(tmp_path, "--state", "s.json", "--to", TOKEN, "--block-number", "5", "--timestamp", "9",
                         "--chain-id", "1")  # fmt: skip
    assert mainnet.returncode == InputError.exit_code
    assert "block.chainid is 1: dev-mode proofs are made only on the dev chain ids" in mainnet.stderr
    assert (tmp_path / "s.json").exists(), "nothing was read, so nothing was removed"


def test_a_malformed_dump_names_the_field(tmp_path: Path) -> None:
    path = tmp_path / "s.json"
    path.write_text(json.dumps({TOKEN: {"nonce": "0x1", "balance": "12", "code": "0x"}}))
    with pytest.raises(InputError, match=rf"state dump: {TOKEN}.balance is not 0x-hex: '12'"):
        load_dump(path)
    path.write_text("[1]")
    with pytest.raises(InputError, match="is not an object of accounts"):
        load_dump(path)


def test_the_genesis_is_the_parent_of_the_tests_block(tmp_path: Path) -> None:
    path = tmp_path / "s.json"
    account = {"nonce": "0x1", "balance": "0x0", "code": "0x6000", "storage": {"0x00": "0x07"}}
    path.write_text(json.dumps({TOKEN.upper().replace("0X", "0x"): account}))
    doc = genesis(load_dump(path), ProvingBlock(500, 1_000, 31337))
    assert (doc["number"], doc["timestamp"], doc["config"]["chainId"]) == ("0x1f3", "0x3e7", 31337)
    assert doc["alloc"] == {TOKEN: account}


def test_the_hardfork_follows_foundry_toml(tmp_path: Path) -> None:
    assert project_hardfork(tmp_path) == "osaka"
    (tmp_path / "foundry.toml").write_text('[profile.default]\nevm_version = "Prague"\n')
    assert project_hardfork(tmp_path) == "prague"
    assert project_hardfork(REPO_ROOT / "examples" / "simple") == "osaka"
