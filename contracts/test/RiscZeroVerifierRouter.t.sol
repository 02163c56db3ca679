// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Owned} from "../src/access/Owned.sol";
import {IRiscZeroVerifier, VerificationFailed} from "../src/risc0/IRiscZeroVerifier.sol";
import {RiscZeroGroth16Verifier} from "../src/risc0/RiscZeroGroth16Verifier.sol";
import {RiscZeroMockVerifier} from "../src/risc0/RiscZeroMockVerifier.sol";
import {RiscZeroVerifierRouter} from "../src/risc0/RiscZeroVerifierRouter.sol";
import {ReceiptVector, Test} from "./lib/Test.sol";

contract RiscZeroVerifierRouterTest is Test {
    ReceiptVector.Receipt internal r;
    RiscZeroGroth16Verifier internal groth16;
    RiscZeroMockVerifier internal mock;
    RiscZeroVerifierRouter internal router;

    function setUp() public {
        r = ReceiptVector.load(vm);
        groth16 = new RiscZeroGroth16Verifier(r.controlRoot, r.bn254ControlId);
        mock = new RiscZeroMockVerifier(bytes4(0xdeafbeef));
        router = new RiscZeroVerifierRouter(address(this));
        router.addVerifier(groth16.SELECTOR(), groth16);
        router.addVerifier(mock.SELECTOR(), mock);
    }

    function test_routesBySealSelector() public view {
        router.verify(r.seal, r.imageId, sha256(r.journal));
        router.verify(mock.mockSeal(r.imageId, sha256("dev")), r.imageId, sha256("dev"));
        assertEq(address(router.getVerifier(groth16.SELECTOR())), address(groth16), "registered verifier");
    }

    function test_routedVerifierStillChecksTheProof() public {
        bytes memory call = abi.encodeCall(IRiscZeroVerifier.verify, (r.seal, r.imageId, sha256("another journal")));
        assertRevertsWith(address(router), call, abi.encodeWithSelector(VerificationFailed.selector), "wrong journal");
    }

    function test_unknownAndRemovedSelectorsAreRefused() public {
        bytes memory unknown = abi.encodePacked(bytes4(0x01020304), bytes32(0));
        assertRevertsWith(
            address(router),
            abi.encodeCall(IRiscZeroVerifier.verify, (unknown, r.imageId, bytes32(0))),
            abi.encodeWithSelector(RiscZeroVerifierRouter.SelectorUnknown.selector, bytes4(0x01020304)),
            "unknown selector"
        );
        router.removeVerifier(groth16.SELECTOR());
        assertRevertsWith(
            address(router),
            abi.encodeCall(IRiscZeroVerifier.verify, (r.seal, r.imageId, sha256(r.journal))),
            abi.encodeWithSelector(RiscZeroVerifierRouter.SelectorRemoved.selector, groth16.SELECTOR()),
            "removed selector"
        );
        // A removed selector never comes back, so it cannot be pointed at another implementation.
        assertRevertsWith(
            address(router),
            abi.encodeCall(RiscZeroVerifierRouter.addVerifier, (groth16.SELECTOR(), groth16)),
            abi.encodeWithSelector(RiscZeroVerifierRouter.SelectorRemoved.selector, groth16.SELECTOR()),
            "re-adding a removed selector"
        );
        assertRevertsWith(
            address(router),
            abi.encodeCall(IRiscZeroVerifier.verify, (hex"aabb", r.imageId, bytes32(0))),
            abi.encodeWithSelector(RiscZeroVerifierRouter.SealTooShort.selector, 2),
            "seal shorter than a selector"
        );
    }

    function test_registrationRules() public {
        assertRevertsWith(
            address(router),
            abi.encodeCall(RiscZeroVerifierRouter.addVerifier, (mock.SELECTOR(), groth16)),
            abi.encodeWithSelector(RiscZeroVerifierRouter.SelectorInUse.selector, mock.SELECTOR()),
            "selector in use"
        );
        assertRevertsWith(
            address(router),
            abi.encodeCall(RiscZeroVerifierRouter.addVerifier, (bytes4(0x01020304), IRiscZeroVerifier(address(0)))),
            abi.encodeWithSelector(RiscZeroVerifierRouter.VerifierAddressZero.selector),
            "zero verifier"
        );
        assertRevertsWith(
            address(router),
            abi.encodeCall(RiscZeroVerifierRouter.removeVerifier, (bytes4(0x01020304))),
            abi.encodeWithSelector(RiscZeroVerifierRouter.SelectorUnknown.selector, bytes4(0x01020304)),
            "removing an unknown selector"
        );
    }

    function test_onlyTheOwnerChangesRoutes() public {
        bytes memory remove = abi.encodeCall(RiscZeroVerifierRouter.removeVerifier, (mock.SELECTOR()));
        vm.prank(address(0xbad));
        (bool ok, bytes memory err) = address(router).call(remove);
        assertTrue(!ok, "stranger removed a verifier");
        assertEq(err, abi.encodeWithSelector(Owned.NotOwner.selector, address(0xbad)), "revert");
    }
}
