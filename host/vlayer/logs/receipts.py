"""A node's JSON receipt as the consensus bytes a receipts root commits to."""

from __future__ import annotations

from typing import Any

import rlp

from vlayer.hexutil import parse_hex_bytes, parse_hex_int

#: OP-stack deposit transactions' receipt type: two more fields after the logs.
DEPOSIT_TYPE = 0x7E


def encode_receipt(receipt: dict[str, Any]) -> bytes:
    """`type || rlp([status, cumulativeGasUsed, logsBloom, logs])` (no type byte for a legacy receipt), with a
    deposit receipt's nonce and version appended when the node gives them. The shape was checked on arrival
    (`vlayer.rpc.answers`); whether the bytes are the chain's is for the receipts root to say."""
    kind = parse_hex_int(receipt.get("type") or "0x0", "receipt type")
    logs = [
        [
            parse_hex_bytes(log["address"], "log address"),
            [parse_hex_bytes(t, "log topic") for t in log["topics"]],
            parse_hex_bytes(log["data"], "log data"),
        ]
        for log in receipt["logs"]
    ]
    fields: list[Any] = [
        parse_hex_int(receipt["status"], "status"),
        parse_hex_int(receipt["cumulativeGasUsed"], "cumulativeGasUsed"),
        parse_hex_bytes(receipt["logsBloom"], "logsBloom"),
        logs,
    ]
    if kind == DEPOSIT_TYPE:
        for name in ("depositNonce", "depositReceiptVersion"):
            if receipt.get(name) is not None:
                fields.append(parse_hex_int(receipt[name], name))
    body = bytes(rlp.encode(fields))
    return body if kind == 0 else bytes([kind]) + body
