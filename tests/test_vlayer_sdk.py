"""vlayer v1's own TypeScript SDK (npm `@vlayer/sdk` 1.3.0, with the viem it pins) against our prove service on a
real anvil, unchanged but for the URL: `createVlayerClient().prove` -> `waitForProvingResult` -> viem
`writeContract` to the verifier with the SDK's result, with the SDK's default gas limit and with an explicit one."""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from eth_abi import encode

from tests.support.contracts import HARDFORK, App, compiled, deploy_app, selector, send
from tests.support.service import Serve
from vlayer.devnet import REPO_ROOT, Anvil
from vlayer.guest import call_guest_id

SDK_DIR = REPO_ROOT / "tests" / "js"
SCRIPT = SDK_DIR / "prove_with_sdk.mjs"


def checksummed(address: bytes) -> str:
    from eth_utils import to_checksum_address

    return str(to_checksum_address(address))


@pytest.fixture(scope="module")
def sdk_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[App, Serve]]:
    if not (SDK_DIR / "node_modules" / "@vlayer" / "sdk").is_dir():
        pytest.fail("vlayer's SDK is not installed: bash/test.sh installs it (npm ci in tests/js)")
    with Anvil(hardfork=HARDFORK) as anvil:
        app = deploy_app(anvil)
        send(anvil, app.owner, app.repository, selector("addImageIdSupport(bytes32)") + call_guest_id())
        app.mine(2)
        with Serve(anvil.url, tmp_path_factory.mktemp("sdk") / "jobs.db", HARDFORK) as serve:
            yield app, serve


def run_sdk(app: App, serve: Serve, tmp: Path, owner: bytes, **extra: Any) -> dict[str, Any]:
    contracts = compiled()
    config = {
        "serviceUrl": serve.url.rstrip("/"),
        "rpcUrl": app.anvil.url,
        # As a user writes it: EIP-55 checksummed, which v1's server accepts.
        "prover": checksummed(app.prover),
        "proverAbi": contracts["TokenBalanceProver"]["abi"],
        "functionName": "balance",
        "args": [checksummed(owner)],
        "verifier": checksummed(app.verifier),
        "verifierAbi": contracts["TokenBalanceVerifier"]["abi"],
        "verifierFunction": "claim",
        "account": app.owner,
        **extra,
    }
    path = tmp / "sdk.json"
    path.write_text(json.dumps(config))
    node = shutil.which("node")
    assert node, "node is required"
    out = subprocess.run([node, str(SCRIPT), str(path)], cwd=SDK_DIR, capture_output=True, text=True, timeout=300)
    lines = [line for line in out.stdout.splitlines() if line.startswith("{")]
    assert lines, out.stdout[-2000:] + out.stderr[-2000:]
    doc: dict[str, Any] = json.loads(lines[-1])
    return doc


@pytest.mark.parametrize("gas_limit", [None, 1_000], ids=["sdk-default-gas-limit", "explicit-gas-limit"])
def test_sdk_prove_wait_write_contract(sdk_app: tuple[App, Serve], tmp_path: Path, gas_limit: int | None) -> None:
    app, serve = sdk_app
    # A fresh holder per case, so each claim is a new on-chain effect.
    owner = (0xA11CE + (gas_limit or 0)).to_bytes(20, "big")
    amount = 7 * 10**18 + (gas_limit or 0)
    send(app.anvil, app.owner, app.token, selector("transfer(address,uint256)") + encode(["address", "uint256"],
                                                                                         [owner, amount]))  # fmt: skip
    app.mine(1)
    extra = {} if gas_limit is None else {"gasLimit": gas_limit}
    doc = run_sdk(app, serve, tmp_path, owner, **extra)
    assert "error" not in doc, doc
    assert doc["status"] == "success"
    proof, proven_owner, proven_amount = doc["result"]
    assert proof["seal"]["mode"] == 1 and proof["seal"]["verifierSelector"] == "0xdeafbeef"
    assert proven_owner.lower() == "0x" + owner.hex() and int(proven_amount) == amount
    assert app.proven_balance(owner) == amount


def test_sdk_reports_a_failed_job_by_its_stage(sdk_app: tuple[App, Serve], tmp_path: Path) -> None:
    """A budget below the call's cycles: v1's `estimating_vgas` failure, surfaced by the SDK with v1's message."""
    app, serve = sdk_app
    doc = run_sdk(app, serve, tmp_path, app.holder, gasLimit=1)
    assert "Insufficient vgas_limit: provided 1, estimated vgas:" in doc["error"], doc
    assert doc["error"].startswith("Vgas estimation failed with error:"), doc
