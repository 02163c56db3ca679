"""Shared fixtures: real anvil instances (one per hardfork) with the corpus deployed by real solc output."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.support.corpus import Deployment, deploy_corpus
from vlayer.devnet import Anvil
from vlayer.rpc import RpcClient

FORKS = ("cancun", "prague", "osaka")


class Chain:
    def __init__(self, anvil: Anvil, hardfork: str, deployment: Deployment) -> None:
        self.anvil = anvil
        self.hardfork = hardfork
        self.d = deployment
        self.block = int(anvil.rpc("eth_blockNumber"), 16)

    def client(self, **kwargs: object) -> RpcClient:
        return RpcClient.http(self.anvil.url, **kwargs)  # type: ignore[arg-type]


@pytest.fixture(scope="session", params=FORKS)
def chain(request: pytest.FixtureRequest) -> Iterator[Chain]:
    with Anvil(hardfork=request.param) as anvil:
        yield Chain(anvil, request.param, deploy_corpus(anvil, "osaka"))


@pytest.fixture(scope="session")
def osaka_chain() -> Iterator[Chain]:
    with Anvil(hardfork="osaka") as anvil:
        yield Chain(anvil, "osaka", deploy_corpus(anvil, "osaka"))


@pytest.fixture()
def anvil() -> Iterator[Anvil]:
    with Anvil() as a:
        yield a
