// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {CallAssumptions} from "../src/CallAssumptions.sol";
import {Proof, ProofLib} from "../src/Proof.sol";
import {Prover} from "../src/Prover.sol";
import {ProofMode, Seal, SealLib} from "../src/Seal.sol";
import {ByteOrder, ReceiptClaimLib} from "../src/risc0/ReceiptClaim.sol";
import {Test} from "./lib/Test.sol";

/// @dev Exposes the calldata-only seal conversion.
contract SealHarness {
    function toReceiptSeal(Seal calldata seal) external pure returns (bytes memory) {
        return SealLib.toReceiptSeal(seal);
    }
}

/// @dev Answers the traveler's calls with a fixed value, as the host would. The answer is immutable so that it is
///      part of the code `vm.etch` copies to the traveler address.
contract StubTraveler {
    bool private immutable ANSWER;

    constructor(bool answer) {
        ANSWER = answer;
    }

    fallback(bytes calldata) external returns (bytes memory) {
        return abi.encode(ANSWER);
    }
}

contract TravelingProver is Prover {
    function travel() external returns (bool) {
        setBlock(1);
        setChain(10, 2);
        return true;
    }
}

contract LayoutTest is Test {
    function test_abiSizesMatchVlayerV1() public pure {
        assertEq(abi.encode(ProofLib.emptyProof()).length, 544, "Proof");
        assertEq(ProofLib.ENCODED_LENGTH, 544, "ProofLib.ENCODED_LENGTH");
        CallAssumptions memory ca;
        assertEq(abi.encode(ca).length, 160, "CallAssumptions");
        Seal memory seal;
        assertEq(abi.encode(seal).length, SealLib.ENCODED_LENGTH, "Seal");
        assertEq(SealLib.ENCODED_LENGTH, 320, "SealLib.ENCODED_LENGTH");
    }

    function test_callAssumptionsSitAtTheirOffset() public pure {
        CallAssumptions memory ca = CallAssumptions(address(0xabc), bytes4(0x11223344), 31337, 42, keccak256("b"));
        Proof memory proof;
        proof.callGuestId = keccak256("image");
        proof.length = 777;
        proof.callAssumptions = ca;
        bytes memory encoded = abi.encode(proof);
        bytes memory tail = new bytes(160);
        for (uint256 i = 0; i < 160; i++) {
            tail[i] = encoded[ProofLib.CALL_ASSUMPTIONS_OFFSET + i];
        }
        assertEq(tail, abi.encode(ca), "call assumptions at offset 384");
    }

    function test_sealBytesPerMode() public {
        SealHarness harness = new SealHarness();
        bytes32[8] memory words;
        for (uint256 i = 0; i < 8; i++) {
            words[i] = bytes32(i + 1);
        }
        Seal memory groth16 = Seal(bytes4(0x73c457ba), words, ProofMode.GROTH16);
        assertEq(harness.toReceiptSeal(groth16), abi.encodePacked(bytes4(0x73c457ba), words), "groth16 seal");
        Seal memory fake = Seal(bytes4(0xdeafbeef), words, ProofMode.FAKE);
        assertEq(harness.toReceiptSeal(fake), abi.encodePacked(bytes4(0xdeafbeef), words[0]), "fake seal");
    }

    function test_systemStateZeroDigestIsDerived() public pure {
        assertEq(ReceiptClaimLib.SYSTEM_STATE_ZERO_DIGEST, ReceiptClaimLib.systemStateDigest(0, bytes32(0)), "digest");
    }

    function test_byteOrderReversal() public pure {
        assertEq(ByteOrder.reverse256(0x0102), 0x0201 << 240, "uint256");
        assertEq(ByteOrder.reverse32(0x01020304), 0x04030201, "uint32");
    }

    function test_proofPlaceholderIsAllZero() public {
        TravelingProver prover = new TravelingProver();
        assertEq(abi.encode(prover.proof()), new bytes(544), "placeholder");
    }

    function test_travelHooksFailClearlyWithoutAHost() public {
        TravelingProver prover = new TravelingProver();
        assertRevertsWith(
            address(prover),
            abi.encodeCall(Prover.setBlock, (1)),
            abi.encodeWithSignature("Error(string)", "vlayer: setBlock (time travel) is not supported by this executor"),
            "setBlock"
        );
        assertRevertsWith(
            address(prover),
            abi.encodeCall(Prover.setChain, (10, 2)),
            abi.encodeWithSignature("Error(string)", "vlayer: setChain (teleport) is not supported by this executor"),
            "setChain"
        );
    }

    function test_travelHooksFollowTheTravelersAnswer() public {
        TravelingProver prover = new TravelingProver();
        address traveler = address(uint160(uint256(keccak256("vlayer.traveler"))));
        vm.etch(traveler, address(new StubTraveler(true)).code);
        assertTrue(prover.travel(), "host answered true");
        // A host that refuses the hop must stop the call too.
        vm.etch(traveler, address(new StubTraveler(false)).code);
        assertRevertsWith(
            address(prover),
            abi.encodeCall(TravelingProver.travel, ()),
            abi.encodeWithSignature("Error(string)", "vlayer: setBlock (time travel) is not supported by this executor"),
            "host answered false"
        );
    }
}
