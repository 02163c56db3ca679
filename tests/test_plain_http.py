"""The plain-HTTP path of `HttpTransport` (`vlayer.rpc.plain_http`): framing, keep-alive and refusals, byte for byte.

The node here is a socket server that answers each request with bytes a test scripts, so every framing the parser
meets (a length, chunks, a body that ends at close) and every way a connection ends is exact. Deadlines, trickling,
oversized and cut-off answers against a node in front of anvil are in tests/test_hostile.py and tests/test_errors.py,
which run on this path too.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Callable, Iterator

import pytest

from vlayer.errors import RpcResponseError, RpcUnreachableError
from vlayer.rpc import HttpTransport, RpcClient

#: A method whose answer the client does not check: these tests are about HTTP, not about answers.
METHOD = "web3_clientVersion"

#: Answers one request: the request's bytes in, (the bytes to send, or parts sent apart, and whether to close the
#: connection after) out.
Script = Callable[[bytes], tuple[bytes | list[bytes], bool]]


def rpc_id(request: bytes) -> int:
    return int(json.loads(request.split(b"\r\n\r\n", 1)[1])["id"])


def answer(result: str, *, extra: bytes = b"") -> Script:
    """An answer of `result` to whatever request comes, with `extra` header lines."""

    def script(request: bytes) -> tuple[bytes, bool]:
        body = json.dumps({"jsonrpc": "2.0", "id": rpc_id(request), "result": result}).encode()
        head = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n" % len(body)
        return head + extra + b"\r\n" + body, False

    return script


def closing(script: Script) -> Script:
    return lambda request: (script(request)[0], True)


class ScriptedNode:
    """Accepts connections; each request read on any of them is answered by the next script in `scripts`."""

    def __init__(self, scripts: list[Script]) -> None:
        self.scripts = scripts
        self.requests: list[bytes] = []
        self.accepted = 0
        self.srv = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.srv.getsockname()[1]}"
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.srv.accept()
            except OSError:
                return
            self.accepted += 1
            threading.Thread(target=self._connection, args=(conn,), daemon=True).start()

    def _connection(self, conn: socket.socket) -> None:
        with conn:
            buf = b""
            while True:
                while b"\r\n\r\n" not in buf:
                    data = conn.recv(65536)
                    if not data:
                        return
                    buf += data
                head, _, rest = buf.partition(b"\r\n\r\n")
                length = next(
                    int(line.split(b":", 1)[1])
                    for line in head.split(b"\r\n")
                    if line.lower().startswith(b"content-length:")
                )
                while len(rest) < length:
                    rest += conn.recv(65536)
                self.requests.append(head + b"\r\n\r\n" + rest[:length])
                buf = rest[length:]
                out, close = self.scripts.pop(0)(self.requests[-1])
                for i, part in enumerate([out] if isinstance(out, bytes) else out):
                    if i:
                        time.sleep(0.05)  # the client reads each part on its own
                    conn.sendall(part)
                if close:
                    return

    def close(self) -> None:
        self.srv.close()


MakeNode = Callable[[list[Script]], ScriptedNode]


@pytest.fixture()
def scripted() -> Iterator[MakeNode]:
    nodes: list[ScriptedNode] = []

    def make(scripts: list[Script]) -> ScriptedNode:
        nodes.append(ScriptedNode(scripts))
        return nodes[-1]

    yield make
    for n in nodes:
        n.close()


def rpc(url: str, **kw: object) -> RpcClient:
    transport = HttpTransport(url, retries=0, **kw)  # type: ignore[arg-type]
    assert transport._plain is not None
    return RpcClient(transport)


def test_one_connection_carries_every_request_and_the_request_is_ours(scripted: MakeNode) -> None:
    node = scripted([answer(hex(i)) for i in range(3)])
    client = rpc(node.url, headers={"Authorization": "Bearer t0ken"})
    assert [client.call(METHOD, []) for _ in range(3)] == ["0x0", "0x1", "0x2"]
    assert node.accepted == 1
    head = node.requests[0].split(b"\r\n\r\n")[0].lower()
    assert head.startswith(b"post / http/1.1\r\n")
    assert b"authorization: bearer t0ken" in head and b"content-type: application/json" in head
    assert b"accept-encoding" not in head  # nothing compressed is asked for, so none may come back


def test_a_connection_the_node_closed_while_idle_is_replaced(scripted: MakeNode) -> None:
    node = scripted([closing(answer("0x1")), answer("0x2")])
    client = rpc(node.url)
    assert client.call(METHOD, []) == "0x1"
    assert client.call(METHOD, []) == "0x2"
    assert (node.accepted, client.stats.http_requests) == (2, 2)


def test_a_reused_connection_closed_as_the_request_goes_out_is_tried_once_on_a_new_one(scripted: MakeNode) -> None:
    node = scripted([answer("0x1"), lambda req: (b"", True), answer("0x3")])
    client = rpc(node.url)
    assert client.call(METHOD, []) == "0x1"
    assert client.call(METHOD, []) == "0x3"  # no retry of the transport's own (retries=0)
    assert (node.accepted, len(node.requests)) == (2, 3)


def test_a_new_connection_closed_without_an_answer_is_unreachable(scripted: MakeNode) -> None:
    node = scripted([lambda req: (b"", True)])
    with pytest.raises(RpcUnreachableError, match=r"unreachable: the node closed the connection before answering$"):
        rpc(node.url).call(METHOD, [])


def test_a_body_without_a_length_ends_where_the_connection_closes(scripted: MakeNode) -> None:
    def until_close(request: bytes) -> tuple[bytes, bool]:
        body = json.dumps({"jsonrpc": "2.0", "id": rpc_id(request), "result": "0x7a69"}).encode()
        return b"HTTP/1.0 200 OK\r\nContent-Type: application/json\r\n\r\n" + body, True

    node = scripted([until_close, until_close])
    client = rpc(node.url)
    assert client.call(METHOD, []) == "0x7a69"
    assert client.call(METHOD, []) == "0x7a69"
    assert node.accepted == 2  # that connection was not kept


def test_a_chunked_answer_is_read_whole(scripted: MakeNode) -> None:
    def chunked(request: bytes) -> tuple[bytes, bool]:
        body = json.dumps({"jsonrpc": "2.0", "id": rpc_id(request), "result": "0x" + "ab" * 5000}).encode()
        parts = [body[i : i + 999] for i in range(0, len(body), 999)]
        chunks = b"".join(b"%x\r\n%s\r\n" % (len(part), part) for part in parts)
        return b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" + chunks + b"0\r\n\r\n", False

    node = scripted([chunked, answer("0x1")])
    client = rpc(node.url)
    assert client.call(METHOD, []) == "0x" + "ab" * 5000
    assert client.call(METHOD, []) == "0x1"
    assert node.accepted == 1


def test_an_interim_answer_is_skipped(scripted: MakeNode) -> None:
    node = scripted([lambda req: ([b"HTTP/1.1 100 Continue\r\n\r\n", bytes(answer("0x64")(req)[0])], False)])
    assert rpc(node.url).call(METHOD, []) == "0x64"


def test_a_compressed_answer_is_refused(scripted: MakeNode) -> None:
    node = scripted([answer("0x1", extra=b"Content-Encoding: gzip\r\n")])
    with pytest.raises(
        RpcResponseError, match=r"^http failed: the node's answer is compressed \(gzip\), which was not asked for$"
    ):
        rpc(node.url).call(METHOD, [])


def test_an_answer_that_is_not_http_is_refused(scripted: MakeNode) -> None:
    node = scripted([lambda req: (b"SSH-2.0-OpenSSH_9.6\r\n\r\n", True)])
    with pytest.raises(RpcUnreachableError, match=r"did not answer in HTTP: "):
        rpc(node.url).call(METHOD, [])


def test_an_error_status_with_a_json_rpc_body_is_the_nodes_error(scripted: MakeNode) -> None:
    def refused(request: bytes) -> tuple[bytes, bool]:
        body = b'{"jsonrpc":"2.0","id":%d,"error":{"code":-32000,"message":"rate limited"}}' % rpc_id(request)
        return b"HTTP/1.1 403 Forbidden\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body), False

    node = scripted([refused])
    with pytest.raises(RpcResponseError, match=r"^web3_clientVersion failed: rate limited"):
        rpc(node.url).call(METHOD, [])


def test_only_a_direct_plain_http_node_takes_this_path(monkeypatch: pytest.MonkeyPatch) -> None:
    for key in (
        "HTTP_PROXY",
        "http_proxy",
        "HTTPS_PROXY",
        "https_proxy",
        "ALL_PROXY",
        "all_proxy",
        "NO_PROXY",
        "no_proxy",
    ):
        monkeypatch.delenv(key, raising=False)
    assert HttpTransport("http://127.0.0.1:8545")._plain is not None
    assert HttpTransport("http://127.0.0.1:8545/rpc/v1?key=k")._plain is not None
    assert HttpTransport("https://127.0.0.1:8545")._plain is None  # TLS: requests
    assert HttpTransport("http://user:pw@127.0.0.1:8545")._plain is None  # credentials: requests' basic auth
    monkeypatch.setenv("HTTP_PROXY", "http://proxy.invalid:3128")
    assert HttpTransport("http://127.0.0.1:8545")._plain is None  # through the proxy: requests
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    assert HttpTransport("http://127.0.0.1:8545")._plain is not None  # the proxy is bypassed for this host
