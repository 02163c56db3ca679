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

    function test_verifierForAnotherControlRootRejects() public {
        RiscZeroGroth16Verifier other = new RiscZeroGroth16Verifier(r.controlRoot ^ bytes32(uint256(1)), r.bn254ControlId);
        assertTrue(other.SELECTOR() != verifier.SELECTOR(), "the control root is part of the selector");
        assertRevertsWith(
            address(other),
            _verifyCall(r.seal, r.imageId, r.journal),
            abi.encodeWithSelector(SelectorMismatch.selector, verifier.SELECTOR(), other.SELECTOR()),
            "the receipt as it is"
        );
        // Retagged for the other verifier, the seal reaches the pairing check, which binds the control root too.
        bytes memory retagged = bytes.concat(other.SELECTOR(), _body(r.seal));
        assertRevertsWith(
            address(other),
            _verifyCall(retagged, r.imageId, r.journal),
            abi.encodeWithSelector(VerificationFailed.selector),
            "the receipt retagged"
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
