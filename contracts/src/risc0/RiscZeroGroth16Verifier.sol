// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Groth16} from "./Groth16.sol";
import {IRiscZeroSelectable, IRiscZeroVerifier, Receipt, SelectorMismatch, VerificationFailed} from "./IRiscZeroVerifier.sol";
import {ByteOrder, ReceiptClaimLib, StructHash} from "./ReceiptClaim.sol";

/// @notice Verifies RISC Zero zkVM Groth16 receipts; accepts the seals RISC Zero's `RiscZeroGroth16Verifier` accepts.
/// @dev The seal is `SELECTOR || abi.encode(uint256[2] a, uint256[2][2] b, uint256[2] c)`. The circuit's five
///      public inputs are the control root and the claim digest, each split into two 128-bit halves of its
///      little-endian value, and the BN254 control id. Each deployment accepts one zkVM release: the one whose
///      recursion circuits `controlRoot` commits to.
contract RiscZeroGroth16Verifier is IRiscZeroVerifier, IRiscZeroSelectable {
    uint256 private constant SEAL_LENGTH = 4 + 8 * 32;

    bytes32 public immutable CONTROL_ROOT;
    /// @dev In the byte order RISC Zero's Solidity contracts use (reversed from the risc0 Rust crate's).
    bytes32 public immutable BN254_CONTROL_ID;
    /// @notice Leading bytes of the digest of the verifier parameters (control root, control id, verifying key):
    ///         a prover for another zkVM release tags its seals differently, so a mismatch is reported as such.
    bytes4 public immutable SELECTOR;

    uint256 private immutable CONTROL_ROOT_LO;
    uint256 private immutable CONTROL_ROOT_HI;

    error ControlIdOutOfField(bytes32 bn254ControlId);
    error SealLengthMismatch(uint256 received, uint256 expected);

    constructor(bytes32 controlRoot, bytes32 bn254ControlId) {
        if (uint256(bn254ControlId) >= Groth16.R) {
            revert ControlIdOutOfField(bn254ControlId);
        }
        CONTROL_ROOT = controlRoot;
        BN254_CONTROL_ID = bn254ControlId;
        (CONTROL_ROOT_LO, CONTROL_ROOT_HI) = splitDigest(controlRoot);
        bytes32 params = StructHash.tagged(
            "risc0.Groth16ReceiptVerifierParameters",
            StructHash.triple(
                controlRoot, bytes32(ByteOrder.reverse256(uint256(bn254ControlId))), RiscZeroGroth16Key.digest()
            )
        );
        // The selector is by definition the digest's first four bytes.
        // forge-lint: disable-next-line(unsafe-typecast)
        SELECTOR = bytes4(params);
    }

    function verify(bytes calldata seal, bytes32 imageId, bytes32 journalDigest) external view {
        _verify(seal, ReceiptClaimLib.ok(imageId, journalDigest));
    }

    function verifyIntegrity(Receipt calldata receipt) external view {
        _verify(receipt.seal, receipt.claimDigest);
    }

    /// @notice The two 128-bit public inputs a digest becomes: low and high half of its little-endian value.
    function splitDigest(bytes32 digest) public pure returns (uint256 lo, uint256 hi) {
        uint256 le = ByteOrder.reverse256(uint256(digest));
        // Truncation is the point: the low 128 bits are one public input, the high 128 bits the other.
        // forge-lint: disable-next-line(unsafe-typecast)
        return (uint128(le), le >> 128);
    }

    function _verify(bytes calldata seal, bytes32 claimDigest) private view {
        if (seal.length != SEAL_LENGTH) {
            revert SealLengthMismatch(seal.length, SEAL_LENGTH);
        }
        if (bytes4(seal[:4]) != SELECTOR) {
            revert SelectorMismatch(bytes4(seal[:4]), SELECTOR);
        }
        (uint256[2] memory a, uint256[2][2] memory b, uint256[2] memory c) =
            abi.decode(seal[4:], (uint256[2], uint256[2][2], uint256[2]));
        (uint256 claimLo, uint256 claimHi) = splitDigest(claimDigest);
        uint256[] memory inputs = new uint256[](5);
        inputs[0] = CONTROL_ROOT_LO;
        inputs[1] = CONTROL_ROOT_HI;
        inputs[2] = claimLo;
        inputs[3] = claimHi;
        inputs[4] = uint256(BN254_CONTROL_ID);
        if (!Groth16.verify(RiscZeroGroth16Key.get(), a, b, c, inputs)) {
            revert VerificationFailed();
        }
    }
}

/// @notice The verifying key of RISC Zero's Groth16 circuit (stark-to-snark wrapper), as RISC Zero publishes it for
///         its on-chain verifier; G2 points in EIP-197 order (x_im, x_re, y_im, y_re).
library RiscZeroGroth16Key {
    function get() internal pure returns (Groth16.VerifyingKey memory vk) {
        vk.alpha = [
            20491192805390485299153009773594534940189261866228447918068658471970481763042,
            9383485363053290200918347156157836566562967994039712273449902621266178545958
        ];
        vk.beta = [
            4252822878758300859123897981450591353533073413197771768651442665752259397132,
            6375614351688725206403948262868962793625744043794305715222011528459656738731,
            21847035105528745403288232691147584728191162732299865338377159692350059136679,
            10505242626370262277552901082094356697409835680220590971873171140371331206856
        ];
        vk.gamma = [
            11559732032986387107991004021392285783925812861821192530917403151452391805634,
            10857046999023057135944570762232829481370756359578518086990519993285655852781,
            4082367875863433681332203403145435568316851327593401208105741076214120093531,
            8495653923123431417604973247489272438418190587263600148770280649306958101930
        ];
        vk.delta = [
            1668323501672964604911431804142266013250380587483576094566949227275849579036,
            12043754404802191763554326994664886008979042643626290185762540825416902247219,
            7710631539206257456743780535472368339139328733484942210876916214502466455394,
            13740680757317479711909903993315946540841369848973133181051452051592786724563
        ];
        vk.ic = new uint256[2][](6);
        vk.ic[0] = [
            8446592859352799428420270221449902464741693648963397251242447530457567083492,
            1064796367193003797175961162477173481551615790032213185848276823815288302804
        ];
        vk.ic[1] = [
            3179835575189816632597428042194253779818690147323192973511715175294048485951,
            20895841676865356752879376687052266198216014795822152491318012491767775979074
        ];
        vk.ic[2] = [
            5332723250224941161709478398807683311971555792614491788690328996478511465287,
            21199491073419440416471372042641226693637837098357067793586556692319371762571
        ];
        vk.ic[3] = [
            12457994489566736295787256452575216703923664299075106359829199968023158780583,
            19706766271952591897761291684837117091856807401404423804318744964752784280790
        ];
        vk.ic[4] = [
            19617808913178163826953378459323299110911217259216006187355745713323154132237,
            21663537384585072695701846972542344484111393047775983928357046779215877070466
        ];
        vk.ic[5] = [
            6834578911681792552110317589222010969491336870276623105249474534788043166867,
            15060583660288623605191393599883223885678013570733629274538391874953353488393
        ];
    }

    /// @notice RISC Zero's digest of the verifying key: a tagged struct of the points' hashes and the IC list.
    function digest() internal pure returns (bytes32) {
        Groth16.VerifyingKey memory vk = get();
        bytes32[] memory ic = new bytes32[](vk.ic.length);
        for (uint256 i = 0; i < ic.length; i++) {
            ic[i] = sha256(abi.encodePacked(vk.ic[i]));
        }
        bytes32[] memory down = new bytes32[](5);
        down[0] = sha256(abi.encodePacked(vk.alpha));
        down[1] = sha256(abi.encodePacked(vk.beta));
        down[2] = sha256(abi.encodePacked(vk.gamma));
        down[3] = sha256(abi.encodePacked(vk.delta));
        down[4] = StructHash.taggedList("risc0_groth16.VerifyingKey.IC", ic);
        return StructHash.tagged("risc0_groth16.VerifyingKey", down);
    }
}
