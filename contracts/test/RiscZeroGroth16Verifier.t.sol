// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IRiscZeroVerifier, Receipt, SelectorMismatch, VerificationFailed} from "../src/risc0/IRiscZeroVerifier.sol";
import {ReceiptClaimLib} from "../src/risc0/ReceiptClaim.sol";
import {RiscZeroGroth16Verifier} from "../src/risc0/RiscZeroGroth16Verifier.sol";
import {ReceiptVector, Test} from "./lib/Test.sol";

contract RiscZeroGroth16VerifierTest is Test {
    ReceiptVector.Receipt internal r;
    RiscZeroGroth16Verifier internal verifier;

    function setUp() public {
        r = ReceiptVector.load(vm);
        verifier = new RiscZeroGroth16Verifier(r.controlRoot, r.bn254ControlId);
    }

    function _verifyCall(bytes memory seal, bytes32 imageId, bytes memory journal)
        internal
        pure
        returns (bytes memory)
    {
        return abi.encodeCall(IRiscZeroVerifier.verify, (seal, imageId, sha256(journal)));
    }

    function test_selectorIsDerivedAsRiscZeroDoes() public view {
        assertEq(bytes32(verifier.SELECTOR()), bytes32(bytes4(r.seal)), "selector vs the receipt's seal");
        assertEq(bytes32(verifier.SELECTOR()), bytes32(bytes4(0x73c457ba)), "RISC Zero 3.0 Groth16 selector");
    }

    function test_realReceiptVerifies() public view {
        verifier.verify(r.seal, r.imageId, sha256(r.journal));
        bytes32 claim = ReceiptClaimLib.ok(r.imageId, sha256(r.journal));
        verifier.verifyIntegrity(Receipt(r.seal, claim));
    }

    function test_flippingAnySealByteFails() public {
        for (uint256 i = 0; i < r.seal.length; i++) {
            for (uint256 m = 0; m < 2; m++) {
                bytes memory seal = bytes.concat(r.seal);
                // One low bit, then every bit of the byte.
                seal[i] = seal[i] ^ (m == 0 ? bytes1(0x01) : bytes1(0xff));
                // The selector is the seal's first four bytes by definition.
                // forge-lint: disable-next-line(unsafe-typecast)
                bytes4 tag = bytes4(seal);
                bytes memory expected = i < 4
                    ? abi.encodeWithSelector(SelectorMismatch.selector, tag, verifier.SELECTOR())
                    : abi.encodeWithSelector(VerificationFailed.selector);
                assertRevertsWith(
                    address(verifier),
                    _verifyCall(seal, r.imageId, r.journal),
                    expected,
                    string.concat("seal byte ", vm.toString(i))
                );
            }
        }
    }

    function test_flippingAnyJournalByteFails() public {
        for (uint256 i = 0; i < r.journal.length; i++) {
            bytes memory journal = bytes.concat(r.journal);
            journal[i] = journal[i] ^ bytes1(0x01);
            assertRevertsWith(
                address(verifier),
                _verifyCall(r.seal, r.imageId, journal),
                abi.encodeWithSelector(VerificationFailed.selector),
                string.concat("journal byte ", vm.toString(i))
            );
        }
        bytes memory longer = bytes.concat(r.journal, hex"00");
        assertRevertsWith(
            address(verifier),
            _verifyCall(r.seal, r.imageId, longer),
            abi.encodeWithSelector(VerificationFailed.selector),
            "journal with one more byte"
        );
    }

    function test_flippingAnyImageIdByteFails() public {
        for (uint256 i = 0; i < 32; i++) {
            bytes32 imageId = r.imageId ^ bytes32(uint256(1) << (8 * i));
            assertRevertsWith(
                address(verifier),
                _verifyCall(r.seal, imageId, r.journal),
                abi.encodeWithSelector(VerificationFailed.selector),
                string.concat("image id byte ", vm.toString(31 - i))
            );
        }
    }

    /// @dev RISC Zero 2.2's real receipt and parameters: same verifying key and BN254 control id, another control
    ///      root. Each release's verifier takes its own receipts and refuses the other's.
    function test_verifierForAnotherControlRootRejects() public {
        ReceiptVector.Receipt memory v22 = ReceiptVector.loadFrom(vm, ReceiptVector.PATH_V2_2);
        assertEq(v22.bn254ControlId, r.bn254ControlId, "2.2 and 3.0 share the BN254 control id");
        assertTrue(v22.controlRoot != r.controlRoot, "2.2 has its own control root");
        RiscZeroGroth16Verifier other = new RiscZeroGroth16Verifier(v22.controlRoot, v22.bn254ControlId);
        assertEq(bytes32(other.SELECTOR()), bytes32(bytes4(v22.seal)), "2.2 selector vs its receipt's seal");
        assertEq(bytes32(other.SELECTOR()), bytes32(bytes4(0xbb001d44)), "RISC Zero 2.2 Groth16 selector");
        other.verify(v22.seal, v22.imageId, sha256(v22.journal));

        assertRevertsWith(
            address(verifier),
            _verifyCall(v22.seal, v22.imageId, v22.journal),
            abi.encodeWithSelector(SelectorMismatch.selector, other.SELECTOR(), verifier.SELECTOR()),
            "2.2 receipt, 3.0 verifier"
        );
        assertRevertsWith(
            address(other),
            _verifyCall(r.seal, r.imageId, r.journal),
            abi.encodeWithSelector(SelectorMismatch.selector, verifier.SELECTOR(), other.SELECTOR()),
            "3.0 receipt, 2.2 verifier"
        );
        // Retagged for the other verifier, each seal reaches the pairing check, which binds the control root too.
        assertRevertsWith(
            address(verifier),
            _verifyCall(bytes.concat(verifier.SELECTOR(), _body(v22.seal)), v22.imageId, v22.journal),
            abi.encodeWithSelector(VerificationFailed.selector),
            "2.2 receipt retagged for 3.0"
        );
        assertRevertsWith(
            address(other),
            _verifyCall(bytes.concat(other.SELECTOR(), _body(r.seal)), r.imageId, r.journal),
            abi.encodeWithSelector(VerificationFailed.selector),
            "3.0 receipt retagged for 2.2"
        );
    }

    function test_verifierForAnotherControlIdRejects() public {
        RiscZeroGroth16Verifier other = new RiscZeroGroth16Verifier(r.controlRoot, r.bn254ControlId ^ bytes32(uint256(1)));
        bytes memory retagged = bytes.concat(other.SELECTOR(), _body(r.seal));
        assertRevertsWith(
            address(other),
            _verifyCall(retagged, r.imageId, r.journal),
            abi.encodeWithSelector(VerificationFailed.selector),
            "the receipt retagged"
        );
    }

    function test_sealOfAnotherLengthIsRejected() public {
        bytes memory short = _slice(r.seal, 0, r.seal.length - 1);
        assertRevertsWith(
            address(verifier),
            _verifyCall(short, r.imageId, r.journal),
            abi.encodeWithSelector(RiscZeroGroth16Verifier.SealLengthMismatch.selector, short.length, r.seal.length),
            "seal one byte short"
        );
    }

    function test_controlIdOutsideTheScalarFieldIsRefused() public {
        bytes32 tooBig = bytes32(type(uint256).max);
        try new RiscZeroGroth16Verifier(r.controlRoot, tooBig) {
            revert("deployed with a control id outside the field");
        } catch (bytes memory err) {
            assertEq(
                err, abi.encodeWithSelector(RiscZeroGroth16Verifier.ControlIdOutOfField.selector, tooBig), "revert"
            );
        }
    }

    function test_splitDigestTakesLittleEndianHalves() public view {
        (uint256 lo, uint256 hi) = verifier.splitDigest(bytes32(uint256(0x0102) << 240 | 0xaabb));
        assertEq(lo, 0x0201, "low half: the first 16 bytes read little-endian");
        assertEq(hi, 0xbbaa << 112, "high half: the last 16 bytes read little-endian");
    }

    /// @dev The call alone (cold verifier account included); benches/verifier_gas.py measures whole transactions.
    function test_gasOfASuccessfulVerification() public {
        (bytes memory seal, bytes32 imageId, bytes32 journalDigest) = (r.seal, r.imageId, sha256(r.journal));
        uint256 before = gasleft();
        verifier.verify(seal, imageId, journalDigest);
        emit log_named_uint("RiscZeroGroth16Verifier.verify gas, external call", before - gasleft());
    }

    function _body(bytes memory seal) private pure returns (bytes memory) {
        return _slice(seal, 4, seal.length);
    }

    function _slice(bytes memory b, uint256 from, uint256 to) private pure returns (bytes memory out) {
        out = new bytes(to - from);
        for (uint256 i = from; i < to; i++) {
            out[i - from] = b[i];
        }
    }
}
