// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @notice Groth16 verification over BN254 with the EVM precompiles (ecAdd 0x06, ecMul 0x07, pairing 0x08).
/// @dev G2 coordinates are in the precompile's order (EIP-197): each Fp2 element as (imaginary, real).
library Groth16 {
    /// @dev Base field modulus.
    uint256 internal constant Q = 21888242871839275222246405745257275088696311157297823662689037894645226208583;
    /// @dev Scalar field modulus: public inputs must be below it.
    uint256 internal constant R = 21888242871839275222246405745257275088548364400416034343698204186575808495617;
    /// @dev The twist's curve constant b' = 3 / (9 + u) in Fp2 (real, imaginary): G2 is on y^2 = x^3 + b'.
    uint256 private constant TWIST_B_RE = 19485874751759354771024239261021720505790618469301721065564631296452457478373;
    uint256 private constant TWIST_B_IM = 266929791119991161246907387137283842545076965332900288569378510910307636690;

    struct VerifyingKey {
        uint256[2] alpha;
        uint256[4] beta;
        uint256[4] gamma;
        uint256[4] delta;
        uint256[2][] ic;
    }

    /// @notice True iff e(A, B) = e(alpha, beta) * e(vk_x, gamma) * e(C, delta), where vk_x = ic[0] + sum(x_i *
    ///         ic[i+1]). Malformed points or inputs make it false, never revert: a bad seal is a failed proof.
    /// @dev A precompile given an invalid point fails and burns all the gas passed to it, so points are checked to
    ///      be on their curves first: a corrupted seal then costs what a valid one costs and reports a failed
    ///      proof. Only a G2 point on the curve but outside the subgroup still reaches the precompile's own check.
    function verify(
        VerifyingKey memory vk,
        uint256[2] memory a,
        uint256[2][2] memory b,
        uint256[2] memory c,
        uint256[] memory inputs
    ) internal view returns (bool) {
        if (inputs.length + 1 != vk.ic.length || !_onG1(a) || !_onG2(b) || !_onG1(c)) {
            return false;
        }
        uint256[2] memory vkX = vk.ic[0];
        for (uint256 i = 0; i < inputs.length; i++) {
            if (inputs[i] >= R) {
                return false;
            }
            (bool mulOk, uint256[2] memory term) = _call(address(7), abi.encode(vk.ic[i + 1], inputs[i]));
            (bool addOk, uint256[2] memory sum) = _call(address(6), abi.encode(vkX, term));
            if (!mulOk || !addOk) {
                return false;
            }
            vkX = sum;
        }
        // The pairing precompile checks prod e(P_i, Q_i) == 1, so A is negated: e(-A, B) e(alpha, beta) ... == 1.
        bytes memory pairs = abi.encodePacked(
            abi.encodePacked(a[0], (Q - a[1]) % Q, b[0], b[1]),
            abi.encodePacked(vk.alpha, vk.beta),
            abi.encodePacked(vkX, vk.gamma),
            abi.encodePacked(c, vk.delta)
        );
        (bool ok, bytes memory out) = address(8).staticcall(pairs);
        return ok && out.length == 32 && abi.decode(out, (uint256)) == 1;
    }

    /// @dev y^2 = x^3 + 3 with canonical coordinates; (0, 0) is the precompile's point at infinity.
    function _onG1(uint256[2] memory p) private pure returns (bool) {
        (uint256 x, uint256 y) = (p[0], p[1]);
        if (x >= Q || y >= Q) {
            return false;
        }
        return (x == 0 && y == 0) || mulmod(y, y, Q) == addmod(mulmod(x, mulmod(x, x, Q), Q), 3, Q);
    }

    /// @dev y^2 = x^3 + b' over Fp2 with canonical coordinates; p is ((x_im, x_re), (y_im, y_re)).
    function _onG2(uint256[2][2] memory p) private pure returns (bool) {
        (uint256 xIm, uint256 xRe, uint256 yIm, uint256 yRe) = (p[0][0], p[0][1], p[1][0], p[1][1]);
        if (xIm >= Q || xRe >= Q || yIm >= Q || yRe >= Q) {
            return false;
        }
        if (xIm == 0 && xRe == 0 && yIm == 0 && yRe == 0) {
            return true;
        }
        (uint256 y2Re, uint256 y2Im) = _fp2Mul(yRe, yIm, yRe, yIm);
        (uint256 x2Re, uint256 x2Im) = _fp2Mul(xRe, xIm, xRe, xIm);
        (uint256 x3Re, uint256 x3Im) = _fp2Mul(x2Re, x2Im, xRe, xIm);
        return y2Re == addmod(x3Re, TWIST_B_RE, Q) && y2Im == addmod(x3Im, TWIST_B_IM, Q);
    }

    /// @dev (a + b u)(c + d u) with u^2 = -1.
    function _fp2Mul(uint256 a, uint256 b, uint256 c, uint256 d) private pure returns (uint256, uint256) {
        return (addmod(mulmod(a, c, Q), Q - mulmod(b, d, Q), Q), addmod(mulmod(a, d, Q), mulmod(b, c, Q), Q));
    }

    function _call(address precompile, bytes memory input) private view returns (bool, uint256[2] memory point) {
        (bool ok, bytes memory out) = precompile.staticcall(input);
        if (!ok || out.length != 64) {
            return (false, point);
        }
        return (true, abi.decode(out, (uint256[2])));
    }
}
