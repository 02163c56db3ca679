"""The jobs dashboard in a real headless browser (Debian's chromium, driven through chromedriver by selenium) on a
real `vlayer serve` and a real anvil: jobs appear and move from queued to done without a reload, a failed job shows
its reason as text (never as markup), the page reads the same with JavaScript off, and with a token set it works
with the token as Basic credentials. `/jobs/{hash}` and the token rules are checked over HTTP.

"Queued" is made observable without sleeping: one worker, and a proxy in front of anvil that holds the preflight's
proof requests, so the first job waits in preflight while the others wait in the queue until the proxy lets go.
`VLAYER_WRITE_SCREENSHOT=1` writes the page as docs/img/dashboard.png."""

from __future__ import annotations

import base64
import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import requests
from eth_abi import encode
from eth_utils.crypto import keccak
from fastapi.testclient import TestClient
from selenium import webdriver
from selenium.common.exceptions import TimeoutException
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service as ChromeService
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.wait import WebDriverWait

from tests import test_service as svc
from tests.support.contracts import HARDFORK, App, selector
from tests.support.service import PausableProxy, Serve
from vlayer.devnet import REPO_ROOT
from vlayer.service.app import create_app
from vlayer.service.client import ProveClient

# test_service's app on an anvil of this module's own (the fixture is module-scoped).
app_chain = svc.app_chain

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
SCREENSHOT = REPO_ROOT / "docs" / "img" / "dashboard.png"
#: What a preflight asks the node for and a v_call never does (v_call reads the prover's code with eth_getProof):
#: holding it stalls a job in preflight only.
PREFLIGHT_METHODS = frozenset({"eth_createAccessList"})
#: Markup and quotes in a revert reason: the page must show them as they are.
REASON = 'Vault: <b>locked</b> until the "owner" & co. unlock it'


@contextmanager
def browser(javascript: bool = True) -> Iterator[WebDriver]:
    missing = [str(p) for p in (CHROMIUM, CHROMEDRIVER) if not p.exists()]
    if missing:
        pytest.fail(f"{', '.join(missing)} missing: bash/setup.sh installs Debian's chromium and chromium-driver")
    options = Options()
    options.binary_location = str(CHROMIUM)
    # --no-sandbox: chromium's sandbox refuses to run as root, and the tests and CI run as root.
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                "--window-size=1400,900", "--force-device-scale-factor=1", "--lang=en-US"):  # fmt: skip
        options.add_argument(arg)
    if not javascript:
        options.add_experimental_option("prefs", {"profile.managed_default_content_settings.javascript": 2})
    driver = webdriver.Chrome(service=ChromeService(executable_path=str(CHROMEDRIVER)), options=options)
    try:
        yield driver
    finally:
        driver.quit()  # ends chromium and chromedriver (selenium stops the driver by its process)


def until(page: WebDriver, what: str, check: Callable[[], bool], timeout: float = 60) -> None:
    """Poll the page until `check` holds, at most `timeout` seconds."""
    try:
        WebDriverWait(page, timeout, poll_frequency=0.1).until(lambda _d: check())
    except TimeoutException:
        shown = page.find_element(By.ID, "jobs").text
        raise AssertionError(f"the dashboard never showed {what}; it shows:\n{shown}") from None


def states(page: WebDriver) -> dict[str, str]:
    """Job hash -> state as the table shows it, read in one go (the script may redraw the table between reads)."""
    pairs = page.execute_script(
        "return Array.from(document.querySelectorAll('#jobs tbody tr[data-hash]'),"
        " (tr) => [tr.dataset.hash, tr.querySelector('.col-state .state').textContent]);"
    )
    return dict(pairs)


def row_cells(page: WebDriver, job: str) -> dict[str, str]:
    """A job's cells by column, read in one go (a redraw between reads would make an element stale)."""
    found = page.execute_script(
        'const tr = document.querySelector(`#jobs tbody tr[data-hash="${arguments[0]}"]`);'
        " return tr ? Array.from(tr.cells, (td) => [td.className.replace('col-', ''), td.textContent]) : [];",
        job,
    )
    return dict(found)


def cell(page: WebDriver, job: str, column: str) -> str:
    return row_cells(page, job)[column]


def deploy_reverter(app: App, reason: str) -> bytes:
    """A contract whose every call reverts with `Error(reason)`: 14 bytes of code copy the revert data after them
    into memory and revert with it."""
    data = selector("Error(string)") + encode(["string"], [reason])
    size = len(data).to_bytes(2, "big")
    code = b"\x61" + size + b"\x60\x0e\x60\x00\x39" + b"\x61" + size + b"\x60\x00\xfd" + data
    address = keccak(text="vlayer dashboard test reverter")[:20]
    app.anvil.rpc("anvil_setCode", "0x" + address.hex(), "0x" + code.hex())
    app.mine(1)  # the code is in the state of a block, so it can be proven
    return address


def test_dashboard_follows_jobs_from_queued_to_done(app_chain: App, tmp_path: Path) -> None:
    reverter = deploy_reverter(app_chain, REASON)
    head = app_chain.head()
    proxy = PausableProxy(app_chain.anvil.url)
    try:
        with Serve(proxy.url, tmp_path / "jobs.db", HARDFORK, "--workers", "1") as serve, browser() as page:
            page.get(serve.url + "dashboard")
            assert page.find_element(By.CSS_SELECTOR, "#jobs tbody tr.empty").text == "No jobs yet."
            page.execute_script("window.notReloaded = true;")  # gone if the page were ever loaded again
            banner = page.find_element(By.ID, "fake-banner")
            assert banner.is_displayed() and banner.text.startswith("FAKE proofs (dev mode)")

            client = ProveClient(serve.url)
            proxy.pause(PREFLIGHT_METHODS)
            first = client.call(**svc.balance_call(app_chain), chain_id=31337, block_number=head)
            second = client.call(**svc.balance_call(app_chain, (0x5EC0).to_bytes(20, "big")), chain_id=31337,
                                 block_number=head)  # fmt: skip
            failing = client.call("0x" + reverter.hex(), "0x", 31337, head)
            waiting = {first: "preflight", second: "queued", failing: "queued"}
            until(page, f"{waiting}", lambda: states(page) == waiting)

            proxy.resume()
            finished = {first: "done", second: "done", failing: "failed"}
            until(page, f"{finished}", lambda: states(page) == finished)
            assert page.execute_script("return window.notReloaded === true;"), "the page was reloaded"
            assert list(states(page)) == [failing, second, first]  # newest first

            assert cell(page, failing, "error") == f"call reverted: {REASON}"
            assert not page.find_elements(By.CSS_SELECTOR, "td.col-error b"), "a reason was rendered as markup"
            assert cell(page, failing, "state") == "failed in preflight"
            assert cell(page, failing, "total") != "\u2014" and cell(page, failing, "proving") == "\u2014"
            call = svc.balance_call(app_chain)
            for job in (first, second):
                assert cell(page, job, "mode") == "fake" and cell(page, job, "function") == call["data"][:10]
                title = page.execute_script(
                    'return document.querySelector(`tr[data-hash="${arguments[0]}"] td.col-prover code`).title;', job
                )
                assert title == call["to"]
                assert cell(page, job, "prover") == f"{call['to'][:8]}\u2026{call['to'][-6:]}"
                assert cell(page, job, "chain") == "31337" and cell(page, job, "block") == str(head)
                assert all(cell(page, job, stage).endswith(("ms", " s")) for stage in ("preflight", "proving"))
                assert cell(page, job, "error") == ""
            link = page.find_element(By.CSS_SELECTOR, f'tr[data-hash="{second}"] td.col-job a')
            assert link.get_attribute("title") == second
            receipt = requests.get(str(link.get_attribute("href")), timeout=10)
            assert receipt.status_code == 200 and receipt.json() == client.receipt(second)
            assert receipt.json()["state"] == "done"
            if os.environ.get("VLAYER_WRITE_SCREENSHOT") == "1":
                SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
                page.find_element(By.TAG_NAME, "html").screenshot(str(SCREENSHOT))  # the page, not the window

            assert page.find_element(By.ID, "fake-banner").is_displayed()  # still there after the redraws
            with browser(javascript=False) as plain:
                plain.get(serve.url + "dashboard")
                assert plain.find_element(By.ID, "fake-banner").is_displayed()
                # With scripting off the browser parses <noscript> as markup: its refresh is an element now.
                assert plain.find_elements(By.CSS_SELECTOR, "noscript meta[http-equiv=refresh]")
                shown = {
                    str(tr.get_attribute("data-hash")): tr.find_element(By.CSS_SELECTOR, ".col-state .state").text
                    for tr in plain.find_elements(By.CSS_SELECTOR, "#jobs tbody tr[data-hash]")
                }
                assert shown == finished
                error = plain.find_element(By.CSS_SELECTOR, f'tr[data-hash="{failing}"] td.col-error')
                assert error.text == f"call reverted: {REASON}"
                assert not plain.find_elements(By.CSS_SELECTOR, "td.col-error b")
    finally:
        proxy.close()


def test_a_proving_job_shows_its_progress_and_no_fake_banner(app_chain: App, tmp_path: Path) -> None:
    """A real composite job (segments of 2^14 cycles, seconds each): once executed, the dashboard shows its segments
    and cycles from `metrics.progress` (they showed a dash until the job was done) and its time so far, on a
    service whose proofs are real (no banner). The service is then stopped (SIGTERM, by pid) mid-segment:
    tests/test_prove_ux.py checks what happens to the job."""
    extra = ("--proof-mode", "composite", "--segment-po2", "14", "--workers", "1", "--shutdown-grace", "0")
    with Serve(app_chain.anvil.url, tmp_path / "jobs.db", HARDFORK, *extra) as serve, browser() as page:
        page.get(serve.url + "dashboard")
        assert not page.find_element(By.ID, "fake-banner").is_displayed()
        job = ProveClient(serve.url).call(**svc.balance_call(app_chain), chain_id=31337)
        until(page, "the job's segments", lambda: row_cells(page, job).get("segments", "").startswith("0/"), 300)
        row = row_cells(page, job)
        total = int(row["segments"].split("/")[1])
        assert total > 1 and states(page)[job] == "proving", row
        assert row["cycles"].startswith("0/") and row["cycles"].endswith("M"), row
        assert row["mode"] == "composite" and row["total"].endswith(" so far"), row
        assert row["proving"].endswith((" ms", " s", " min")), row
        # The elapsed time moves while the page polls (no reload).
        until(page, "a later elapsed time", lambda: row_cells(page, job)["total"] != row["total"])
        assert not page.find_element(By.ID, "fake-banner").is_displayed()


def test_the_browser_sends_the_token_as_basic_credentials(app_chain: App, tmp_path: Path) -> None:
    """With a token set, a browser given it as Basic credentials (here in the address; a person types it into the
    browser's prompt) loads the page, and the page's own polling is authorized too: a new job shows up live."""
    guarded = Serve(app_chain.anvil.url, tmp_path / "jobs.db", HARDFORK, "--auth-token", "s3cret")
    with guarded as serve, browser() as page:
        page.get(serve.url.replace("http://", "http://ops:s3cret@") + "dashboard")
        assert page.find_element(By.CSS_SELECTOR, "#jobs tbody tr.empty").text == "No jobs yet."
        job = ProveClient(serve.url, token="s3cret").call(**svc.balance_call(app_chain), chain_id=31337)
        until(page, f"{job} done", lambda: states(page).get(job) == "done")


def basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


def test_jobs_endpoint_and_the_token(app_chain: App, tmp_path: Path) -> None:
    with TestClient(create_app(svc.settings(app_chain, tmp_path / "j.db", auth_token="s3cret"))) as c:
        token = {"authorization": "Bearer s3cret"}
        job = svc.rpc(c, "v_call", [svc.balance_call(app_chain), {"chain_id": 31337}], **token)["result"]
        for path in ("/dashboard", "/dashboard/jobs.json", f"/jobs/{job}"):
            denied = c.get(path)
            assert denied.status_code == 401 and denied.headers["www-authenticate"].startswith("Basic realm=")
            assert c.get(path, headers={"authorization": basic("ops", "wrong")}).status_code == 401
            assert c.get(path, headers={"authorization": "Basic %%%"}).status_code == 401
            assert c.get(path, headers={"authorization": basic("ops", "s3cret")}).status_code == 200
            assert c.get(path, headers=token).status_code == 200
        assert c.get("/health").status_code == 200

        # The receipt as v_getProofReceipt returns it, once the job is done; an unknown hash is a 404.
        deadline = time.monotonic() + 60
        while (receipt := c.get(f"/jobs/{job}", headers=token).json())["state"] != "done":
            assert receipt["status"] == 1 and time.monotonic() < deadline, receipt
            time.sleep(0.05)
        assert receipt == svc.rpc(c, "v_getProofReceipt", {"hash": job}, **token)["result"]
        unknown = c.get("/jobs/0x" + "ab" * 32, headers=token)
        assert unknown.status_code == 404 and "0x" + "ab" * 32 in unknown.json()["error"]["message"]

        page = c.get("/dashboard", headers=token)
        assert page.headers["content-type"].startswith("text/html") and page.headers["cache-control"] == "no-store"
        assert "script-src 'sha256-" in page.headers["content-security-policy"]
        assert f'<tr data-hash="{job}">' in page.text and "{{" not in page.text
        listed = c.get("/dashboard/jobs.json?limit=1", headers=token).json()
        assert [row["hash"] for row in listed["jobs"]] == [job] and listed["limit"] == 1
        assert c.get("/dashboard/jobs.json?limit=0", headers=token).status_code == 422
        # `/` is the JSON-RPC endpoint (POST only): no GET route beside it, so its Allow header stays true.
        assert c.get("/", headers=token).status_code == 405
