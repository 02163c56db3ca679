"""Off-chain verification of RISC Zero Groth16 receipts: the checks `RiscZeroGroth16Verifier.sol` runs, in Python.

The CLI verifies a proof without a chain with it. The seal is RISC Zero's on-chain seal, `selector ||
abi.encode(uint256[2] a, uint256[2][2] b, uint256[2] c)`; G2 coordinates are in EIP-197 order (imaginary part
first). The five public inputs are the control root and the claim digest, each split into two 128-bit halves of
their little-endian value, and the BN254 control id (in the byte order RISC Zero's Solidity contracts use).
"""

from __future__ import annotations

from dataclasses import dataclass

from py_ecc.fields import optimized_bn128_FQ as FQ
from py_ecc.fields import optimized_bn128_FQ2 as FQ2
from py_ecc.fields import optimized_bn128_FQ12 as FQ12
from py_ecc.optimized_bn128.optimized_curve import (
    add,
    b,
    b2,
    curve_order,
    field_modulus,
    is_inf,
    is_on_curve,
    multiply,
    neg,
)
from py_ecc.optimized_bn128.optimized_pairing import final_exponentiate, pairing

from vlayer.errors import VlayerError
from vlayer.receipts.claim import ok_claim_digest, sha256, tagged_list, tagged_struct

SEAL_LENGTH = 4 + 8 * 32

G1Point = tuple[int, int]
#: (x_im, x_re, y_im, y_re): the order the pairing precompile and RISC Zero's seals use.
G2Point = tuple[int, int, int, int]


class ReceiptVerificationError(VlayerError):
    """A receipt does not verify: wrong verifier, malformed seal, or a proof of something else."""

    exit_code = 9


class SelectorMismatchError(ReceiptVerificationError):
    """The seal is tagged for another verifier (another zkVM release or parameters)."""


class MalformedSealError(ReceiptVerificationError):
    """The seal is not a Groth16 seal: wrong length, coordinates outside the field, points off their curves."""


class ProofRejectedError(ReceiptVerificationError):
    """The pairing check fails: the seal does not prove this claim."""


@dataclass(frozen=True)
class VerifyingKey:
    alpha: G1Point
    beta: G2Point
    gamma: G2Point
    delta: G2Point
    ic: tuple[G1Point, ...]

    def digest(self) -> bytes:
        """RISC Zero's verifying key digest (part of the verifier selector)."""
        ic = [sha256(_words(*p)) for p in self.ic]
        down = [
            sha256(_words(*self.alpha)),
            sha256(_words(*self.beta)),
            sha256(_words(*self.gamma)),
            sha256(_words(*self.delta)),
            tagged_list("risc0_groth16.VerifyingKey.IC", ic),
        ]
        return tagged_struct("risc0_groth16.VerifyingKey", down)


#: The verifying key of RISC Zero's stark-to-snark Groth16 circuit, as RISC Zero publishes it for its on-chain
#: verifier. contracts/src/risc0/RiscZeroGroth16Verifier.sol carries the same numbers (a test compares them).
RISC0_VERIFYING_KEY = VerifyingKey(
    alpha=(
        20491192805390485299153009773594534940189261866228447918068658471970481763042,
        9383485363053290200918347156157836566562967994039712273449902621266178545958,
    ),
    beta=(
        4252822878758300859123897981450591353533073413197771768651442665752259397132,
        6375614351688725206403948262868962793625744043794305715222011528459656738731,
        21847035105528745403288232691147584728191162732299865338377159692350059136679,
        10505242626370262277552901082094356697409835680220590971873171140371331206856,
    ),
    gamma=(
        11559732032986387107991004021392285783925812861821192530917403151452391805634,
        10857046999023057135944570762232829481370756359578518086990519993285655852781,
        4082367875863433681332203403145435568316851327593401208105741076214120093531,
        8495653923123431417604973247489272438418190587263600148770280649306958101930,
    ),
    delta=(
        1668323501672964604911431804142266013250380587483576094566949227275849579036,
        12043754404802191763554326994664886008979042643626290185762540825416902247219,
        7710631539206257456743780535472368339139328733484942210876916214502466455394,
        13740680757317479711909903993315946540841369848973133181051452051592786724563,
    ),
    ic=(
        (
            8446592859352799428420270221449902464741693648963397251242447530457567083492,
            1064796367193003797175961162477173481551615790032213185848276823815288302804,
        ),
        (
            3179835575189816632597428042194253779818690147323192973511715175294048485951,
            20895841676865356752879376687052266198216014795822152491318012491767775979074,
        ),
        (
            5332723250224941161709478398807683311971555792614491788690328996478511465287,
            21199491073419440416471372042641226693637837098357067793586556692319371762571,
        ),
        (
            12457994489566736295787256452575216703923664299075106359829199968023158780583,
            19706766271952591897761291684837117091856807401404423804318744964752784280790,
        ),
        (
            19617808913178163826953378459323299110911217259216006187355745713323154132237,
            21663537384585072695701846972542344484111393047775983928357046779215877070466,
        ),
        (
            6834578911681792552110317589222010969491336870276623105249474534788043166867,
            15060583660288623605191393599883223885678013570733629274538391874953353488393,
        ),
    ),
)


def _words(*values: int) -> bytes:
    return b"".join(v.to_bytes(32, "big") for v in values)


def split_digest(digest: bytes) -> tuple[int, int]:
    """The two 128-bit public inputs a digest becomes: low and high half of its little-endian value."""
    le = int.from_bytes(digest, "little")
    return le & ((1 << 128) - 1), le >> 128


def verifier_selector(control_root: bytes, bn254_control_id: bytes, vk: VerifyingKey = RISC0_VERIFYING_KEY) -> bytes:
    """First four bytes of the digest of the verifier parameters, as RISC Zero tags its Groth16 seals."""
    params = [control_root, bn254_control_id[::-1], vk.digest()]
    return tagged_struct("risc0.Groth16ReceiptVerifierParameters", params)[:4]


def _g1(x: int, y: int) -> tuple[FQ, FQ, FQ]:
    if x >= field_modulus or y >= field_modulus:
        raise MalformedSealError("G1 coordinate outside the base field")
    if x == 0 and y == 0:
        return (FQ.one(), FQ.one(), FQ.zero())  # the precompile's encoding of infinity
    point = (FQ(x), FQ(y), FQ.one())
    if not is_on_curve(point, b):
        raise MalformedSealError("G1 point not on the curve")
    return point


def _g2(x_im: int, x_re: int, y_im: int, y_re: int) -> tuple[FQ2, FQ2, FQ2]:
    if any(c >= field_modulus for c in (x_im, x_re, y_im, y_re)):
        raise MalformedSealError("G2 coordinate outside the base field")
    if x_im == x_re == y_im == y_re == 0:
        return (FQ2.one(), FQ2.one(), FQ2.zero())
    point = (FQ2([x_re, x_im]), FQ2([y_re, y_im]), FQ2.one())
    # G2 has a cofactor: a point on the twist can still lie outside the prime-order subgroup.
    if not is_on_curve(point, b2) or not is_inf(multiply(point, curve_order)):
        raise MalformedSealError("G2 point not in the prime-order subgroup")
    return point


def groth16_verify(vk: VerifyingKey, a: G1Point, b_point: G2Point, c: G1Point, inputs: tuple[int, ...]) -> None:
    """Raise unless e(A, B) = e(alpha, beta) e(vk_x, gamma) e(C, delta) with vk_x = ic0 + sum(x_i ic_{i+1})."""
    if len(inputs) + 1 != len(vk.ic):
        raise MalformedSealError(f"{len(inputs)} public inputs for a key that takes {len(vk.ic) - 1}")
    if any(x >= curve_order for x in inputs):
        raise MalformedSealError("public input outside the scalar field")
    point_a, point_b, point_c = _g1(*a), _g2(*b_point), _g1(*c)
    vk_x = _g1(*vk.ic[0])
    for x, ic in zip(inputs, vk.ic[1:], strict=True):
        vk_x = add(vk_x, multiply(_g1(*ic), x))
    pairs = [
        (point_b, neg(point_a)),
        (_g2(*vk.beta), _g1(*vk.alpha)),
        (_g2(*vk.gamma), vk_x),
        (_g2(*vk.delta), point_c),
    ]
    # One final exponentiation for the product of the four Miller loops: the check costs one pairing's worth.
    product = FQ12.one()
    for q, p in pairs:
        product = product * pairing(q, p, final_exponentiate=False)
    if final_exponentiate(product) != FQ12.one():
        raise ProofRejectedError("Groth16 pairing check failed: the seal does not prove this claim")


@dataclass(frozen=True)
class Groth16Verifier:
    """One zkVM release's verifier, as a `RiscZeroGroth16Verifier` deployed with the same parameters."""

    control_root: bytes
    bn254_control_id: bytes
    vk: VerifyingKey = RISC0_VERIFYING_KEY

    def __post_init__(self) -> None:
        if len(self.control_root) != 32 or len(self.bn254_control_id) != 32:
            raise ValueError("control root and BN254 control id must be 32 bytes")
        if int.from_bytes(self.bn254_control_id, "big") >= curve_order:
            raise ValueError("BN254 control id is outside the scalar field")

    @property
    def selector(self) -> bytes:
        return verifier_selector(self.control_root, self.bn254_control_id, self.vk)

    def verify(self, seal: bytes, image_id: bytes, journal: bytes) -> None:
        """Raise unless `seal` proves a successful run of `image_id` that committed exactly `journal`."""
        self.verify_integrity(seal, ok_claim_digest(image_id, journal))

    def verify_integrity(self, seal: bytes, claim_digest: bytes) -> None:
        if len(seal) != SEAL_LENGTH:
            raise MalformedSealError(f"Groth16 seal must be {SEAL_LENGTH} bytes, got {len(seal)}")
        if seal[:4] != self.selector:
            raise SelectorMismatchError(
                f"seal selector 0x{seal[:4].hex()} is not this verifier's 0x{self.selector.hex()}"
            )
        w = [int.from_bytes(seal[4 + 32 * i : 36 + 32 * i], "big") for i in range(8)]
        root_lo, root_hi = split_digest(self.control_root)
        claim_lo, claim_hi = split_digest(claim_digest)
        inputs = (root_lo, root_hi, claim_lo, claim_hi, int.from_bytes(self.bn254_control_id, "big"))
        groth16_verify(self.vk, (w[0], w[1]), (w[2], w[3], w[4], w[5]), (w[6], w[7]), inputs)


#: The Groth16 verifier parameters of RISC Zero zkVM 3.0 (the release our guest is built for): the recursion
#: circuit's control root and the BN254 control id, as RISC Zero's `ControlID.sol` publishes them for 3.0.
RISC0_3_0_CONTROL_ROOT = bytes.fromhex("a54dc85ac99f851c92d7c96d7318af41dbe7c0194edfcc37eb4d422a998c1f56")
RISC0_3_0_BN254_CONTROL_ID = bytes.fromhex("04446e66d300eb7fb45c9726bb53c793dda407a62e9601618bb43c5c14657ac0")


def risc0_3_0_verifier() -> Groth16Verifier:
    return Groth16Verifier(RISC0_3_0_CONTROL_ROOT, RISC0_3_0_BN254_CONTROL_ID)
