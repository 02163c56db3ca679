// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IRiscZeroVerifier, Receipt, SelectorMismatch, VerificationFailed} from "../src/risc0/IRiscZeroVerifier.sol";
import {ReceiptClaimLib} from "../src/risc0/ReceiptClaim.sol";
import {RiscZeroMockVerifier} from "../src/risc0/RiscZeroMockVerifier.sol";
import {Test} from "./lib/Test.sol";

contract RiscZeroMockVerifierTest is Test {
    bytes4 internal constant SELECTOR = bytes4(0xdeafbeef);
    bytes32 internal constant IMAGE_ID = keccak256("image");
    bytes32 internal constant JOURNAL_DIGEST = sha256("journal");

    RiscZeroMockVerifier internal mock;

    function setUp() public {
        mock = new RiscZeroMockVerifier(SELECTOR);
    }

    function _verify(bytes memory seal) internal pure returns (bytes memory) {
        return abi.encodeCall(IRiscZeroVerifier.verify, (seal, IMAGE_ID, JOURNAL_DIGEST));
    }

    function test_sealIsSelectorThenClaimDigest() public view {
        bytes32 claim = ReceiptClaimLib.ok(IMAGE_ID, JOURNAL_DIGEST);
        bytes memory seal = mock.mockSeal(IMAGE_ID, JOURNAL_DIGEST);
        assertEq(seal, abi.encodePacked(SELECTOR, claim), "mock seal");
        mock.verify(seal, IMAGE_ID, JOURNAL_DIGEST);
        mock.verifyIntegrity(Receipt(seal, claim));
    }

    function test_rejectsOtherSealsClaimsAndSelectors() public {
        bytes32 claim = ReceiptClaimLib.ok(IMAGE_ID, JOURNAL_DIGEST);
        bytes memory otherClaim = abi.encodePacked(SELECTOR, ReceiptClaimLib.ok(IMAGE_ID, sha256("other")));
        assertRevertsWith(
            address(mock), _verify(otherClaim), abi.encodeWithSelector(VerificationFailed.selector), "other journal"
        );
        bytes memory longer = abi.encodePacked(SELECTOR, claim, bytes1(0));
        assertRevertsWith(
            address(mock), _verify(longer), abi.encodeWithSelector(VerificationFailed.selector), "trailing byte"
        );
        bytes memory otherSelector = abi.encodePacked(bytes4(0xffffffff), claim);
        assertRevertsWith(
            address(mock),
            _verify(otherSelector),
            abi.encodeWithSelector(SelectorMismatch.selector, bytes4(0xffffffff), SELECTOR),
            "other selector"
        );
        assertRevertsWith(
            address(mock),
            _verify(hex"dead"),
            abi.encodeWithSelector(SelectorMismatch.selector, bytes4(0), SELECTOR),
            "seal shorter than a selector"
        );
    }

    function test_refusesToDeployOnMainnets() public {
        uint256[18] memory mainnets = [
            uint256(1), 10, 56, 100, 137, 324, 480, 747, 1101, 5000, 8453, 34443, 42161, 42170, 43114, 59144, 81457,
            534352
        ];
        for (uint256 i = 0; i < mainnets.length; i++) {
            vm.chainId(mainnets[i]);
            try new RiscZeroMockVerifier(SELECTOR) {
                revert(string.concat("deployed on chain ", vm.toString(mainnets[i])));
            } catch (bytes memory err) {
                assertEq(
                    err, abi.encodeWithSelector(RiscZeroMockVerifier.MockVerifierOnMainnet.selector, mainnets[i]), "revert"
                );
            }
        }
    }

    function test_deploysOnDevAndTestChains() public {
        uint256[4] memory chains = [uint256(31337), 11155111, 84532, 17000];
        for (uint256 i = 0; i < chains.length; i++) {
            vm.chainId(chains[i]);
            assertEq(bytes32(new RiscZeroMockVerifier(SELECTOR).SELECTOR()), bytes32(SELECTOR), "deployed");
        }
    }
}
