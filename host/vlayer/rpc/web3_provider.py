"""web3.py's HTTP provider with vlayer's bounded JSON parser, for the parts of vlayer that talk to a node through
web3.py (the request worker, the example apps): a hostile node's deeply nested answer is an error, not a crash."""

from __future__ import annotations

from typing import cast

from web3 import HTTPProvider
from web3.types import RPCResponse

from vlayer import jsonsafe


class BoundedHTTPProvider(HTTPProvider):
    @staticmethod
    def decode_rpc_response(raw_response: bytes) -> RPCResponse:
        return cast(RPCResponse, jsonsafe.loads(raw_response))
