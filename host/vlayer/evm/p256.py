"""secp256r1 (P-256) ECDSA verification with the exact acceptance rules of EIP-7951's P256VERIFY.

Written out rather than delegated to a crypto library because the precompile's edge cases (no low-s rule, r/s and
point range checks, the point at infinity, x-coordinate reduction mod n) must match the EIP bit for bit.
"""

from __future__ import annotations

P = 0xFFFFFFFF00000001000000000000000000000000FFFFFFFFFFFFFFFFFFFFFFFF
A = P - 3
B = 0x5AC635D8AA3A93E7B3EBBD55769886BC651D06B0CC53B0F63BCE3C3E27D2604B
N = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551
G = (
    0x6B17D1F2E12C4247F8BCE6E563A440F277037D812DEB33A0F4A13945D898C296,
    0x4FE342E2FE1A7F9B8EE7EB4A7C0F9E162BCE33576B315ECECBB6406837BF51F5,
)

# Jacobian coordinates (X, Y, Z) represent (X/Z^2, Y/Z^3); Z == 0 is the point at infinity.
Jacobian = tuple[int, int, int]
INFINITY: Jacobian = (1, 1, 0)


def _double(p: Jacobian) -> Jacobian:
    x, y, z = p
    if z == 0 or y == 0:
        return INFINITY
    ysq = y * y % P
    s = 4 * x * ysq % P
    zsq = z * z % P
    m = (3 * x * x + A * zsq * zsq) % P
    nx = (m * m - 2 * s) % P
    ny = (m * (s - nx) - 8 * ysq * ysq) % P
    nz = 2 * y * z % P
    return nx, ny, nz


def _add(p: Jacobian, q: Jacobian) -> Jacobian:
    if p[2] == 0:
        return q
    if q[2] == 0:
        return p
    x1, y1, z1 = p
    x2, y2, z2 = q
    z1sq, z2sq = z1 * z1 % P, z2 * z2 % P
    u1, u2 = x1 * z2sq % P, x2 * z1sq % P
    s1, s2 = y1 * z2sq * z2 % P, y2 * z1sq * z1 % P
    if u1 == u2:
        return _double(p) if s1 == s2 else INFINITY
    h, r = (u2 - u1) % P, (s2 - s1) % P
    hsq = h * h % P
    hcu = hsq * h % P
    nx = (r * r - hcu - 2 * u1 * hsq) % P
    ny = (r * (u1 * hsq - nx) - s1 * hcu) % P
    nz = h * z1 * z2 % P
    return nx, ny, nz


def _mul2(a: int, p: Jacobian, b: int, q: Jacobian) -> Jacobian:
    """a*P + b*Q with one shared double-and-add pass (Shamir's trick)."""
    pq = _add(p, q)
    acc = INFINITY
    for bit in range(max(a.bit_length(), b.bit_length()) - 1, -1, -1):
        acc = _double(acc)
        ab, bb = (a >> bit) & 1, (b >> bit) & 1
        if ab and bb:
            acc = _add(acc, pq)
        elif ab:
            acc = _add(acc, p)
        elif bb:
            acc = _add(acc, q)
    return acc


def on_curve(x: int, y: int) -> bool:
    return (y * y - (x * x * x + A * x + B)) % P == 0


def verify(h: int, r: int, s: int, qx: int, qy: int) -> bool:
    """EIP-7951 verification of signature (r, s) over message hash h by public key (qx, qy)."""
    if not (0 < r < N and 0 < s < N):
        return False
    if not (0 <= qx < P and 0 <= qy < P):
        return False
    if (qx, qy) == (0, 0) or not on_curve(qx, qy):
        return False
    w = pow(s, -1, N)
    u1, u2 = h * w % N, r * w % N
    x, _, z = _mul2(u1, (G[0], G[1], 1), u2, (qx, qy, 1))
    if z == 0:
        return False
    affine_x = x * pow(z * z % P, -1, P) % P
    return affine_x % N == r


def p256verify_output(data: bytes) -> bytes:
    """What the precompile returns for `data`: a 32-byte 1 on success, empty on any failure."""
    if len(data) != 160:
        return b""
    h, r, s, qx, qy = (int.from_bytes(data[i : i + 32], "big") for i in range(0, 160, 32))
    return (1).to_bytes(32, "big") if verify(h, r, s, qx, qy) else b""
