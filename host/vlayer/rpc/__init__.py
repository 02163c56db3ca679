"""JSON-RPC access to a node: transports (HTTP, record, replay) and the client."""

from vlayer.rpc.client import RpcClient
from vlayer.rpc.transport import HttpTransport, RecordingTransport, ReplayTransport, TransportStats

__all__ = ["HttpTransport", "RecordingTransport", "ReplayTransport", "RpcClient", "TransportStats"]
