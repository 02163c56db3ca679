"""P256VERIFY (EIP-7951) acceptance rules, against signatures made by an independent library."""

from __future__ import annotations

import hashlib

from Crypto.Hash import SHA256
from Crypto.PublicKey import ECC
from Crypto.Signature import DSS
from hypothesis import given, settings
from hypothesis import strategies as st

from vlayer.evm.p256 import N, P, p256verify_output, verify


def _signed(seed: bytes, msg: bytes) -> tuple[int, int, int, int, int]:
    d = int.from_bytes(hashlib.sha256(seed).digest(), "big") % (N - 1) + 1
    key = ECC.construct(curve="P-256", d=d)
    h = SHA256.new(msg)
    sig = DSS.new(key, "deterministic-rfc6979").sign(h)
    return (int.from_bytes(h.digest(), "big"), int.from_bytes(sig[:32], "big"), int.from_bytes(sig[32:], "big"),
            int(key.pointQ.x), int(key.pointQ.y))  # fmt: skip


@settings(max_examples=25, deadline=None)
@given(st.binary(min_size=1, max_size=16), st.binary(max_size=64))
def test_library_signatures_verify_and_tampered_ones_do_not(seed: bytes, msg: bytes) -> None:
    h, r, s, x, y = _signed(seed, msg)
    assert verify(h, r, s, x, y)
    assert not verify(h ^ 1, r, s, x, y)
    assert not verify(h, r, s ^ 1, x, y)
    # High-s signatures are valid: EIP-7951 has no malleability rule.
    assert verify(h, r, N - s, x, y)


def test_range_and_point_checks() -> None:
    h, r, s, x, y = _signed(b"k", b"m")
    assert not verify(h, 0, s, x, y)
    assert not verify(h, r, 0, x, y)
    assert not verify(h, N, s, x, y)
    assert not verify(h, r, s, x, (y + 1) % P)  # off the curve
    assert not verify(h, r, s, P + x, y)  # coordinate out of range
    assert not verify(h, r, s, 0, 0)


def test_output_encoding() -> None:
    h, r, s, x, y = _signed(b"k", b"m")
    data = b"".join(v.to_bytes(32, "big") for v in (h, r, s, x, y))
    assert p256verify_output(data) == (1).to_bytes(32, "big")
    assert p256verify_output(data[:-1]) == b""
    assert p256verify_output(data + b"\x00") == b""
