"""schemathesis against the prove service's own OpenAPI schema, on a real process and a real anvil: whatever it
sends, the service answers with a documented status and body, never a 500.

JSON-RPC 2.0 answers a malformed request with HTTP 200 and an error object (codes -32700/-32600/-32602), so
schemathesis' REST expectation that invalid data gets a 4xx (negative_data_rejection) does not apply; nor does
positive_data_acceptance, since schema-valid calls can still name unknown chains or jobs.
The schemathesis CLI runs in a subprocess (its pytest plugin does not support this pytest's API)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.support.service import Serve
from vlayer.devnet import Anvil


def test_schemathesis_finds_no_server_error(tmp_path: Path) -> None:
    with Anvil(hardfork="osaka") as anvil:
        anvil.rpc("anvil_mine", "0x2")
        with Serve(anvil.url, tmp_path / "jobs.db", "osaka") as serve:
            st = Path(sys.executable).with_name("schemathesis")
            p = subprocess.run(
                [
                    str(st),
                    "run",
                    serve.url + "openapi.json",
                    "--checks",
                    "all",
                    "--max-examples",
                    "80",
                    "--seed",
                    "1",
                    "--no-color",
                    "--exclude-checks",
                    "positive_data_acceptance,negative_data_rejection",
                ],
                cwd=tmp_path,  # schemathesis writes its .schemathesis/ state here, not in the checkout
                capture_output=True,
                text=True,
                timeout=900,
                check=False,
            )
            assert '"level": "error"' not in serve.logs()
    assert p.returncode == 0, p.stdout[-6000:] + p.stderr[-2000:]
    assert "No issues found" in p.stdout or "passed" in p.stdout, p.stdout[-3000:]
