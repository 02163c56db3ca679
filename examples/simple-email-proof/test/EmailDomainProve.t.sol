// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {DnsRecord, UnverifiedEmail, VerificationData} from "vlayer/EmailProof.sol";
import {ImageID} from "vlayer/ImageID.sol";
import {ImageIdRepository} from "vlayer/ImageIdRepository.sol";
import {Proof} from "vlayer/Proof.sol";
import {FakeProofVerifier} from "vlayer/proof_verifier/FakeProofVerifier.sol";
import {DevProofs} from "vlayer-test/DevProofs.sol";
import {VTest} from "vlayer-test/VTest.sol";
import {EmailDomainProver} from "../src/EmailDomainProver.v.sol";
import {EmailDomainVerifier} from "../src/EmailDomainVerifier.sol";

/// @dev The JSON cheatcodes this test reads its prepared email with (not in vlayer-test/Test.sol's interface).
interface VmJson {
    function readFile(string calldata path) external view returns (string memory);
    function parseJsonString(string calldata json, string calldata key) external pure returns (string memory);
    function parseJsonUint(string calldata json, string calldata key) external pure returns (uint256);
    function parseJsonBytes(string calldata json, string calldata key) external pure returns (bytes memory);
}

/// @notice The prover with the real engine: VTest proves `main` on this test's state through the preflight and the
///         guest (dev mode), so the email's DKIM signature, the notary's signature and the regex captures run in
///         vlayer's precompiles, and the proof goes to the verifier. The input is `testdata/mint_request.unverified.json`,
///         written by `vlayer email prepare testdata/mint_request.eml --dns-record-file testdata/dkim_record.txt
///         --valid-until 4102444800 --out testdata/mint_request.unverified.json` (signed by the dev DNS notary).
contract EmailDomainProveTest is VTest {
    VmJson internal constant JSON = VmJson(address(uint160(uint256(keccak256("hevm cheat code")))));
    address internal constant WALLET = 0x90F79bf6EB2c4f870365E785982E1f101E93b906;
    bytes1 internal constant LETTER_A = "a";
    bytes1 internal constant LETTER_B = "b";

    EmailDomainProver internal prover;
    EmailDomainVerifier internal verifier;

    function setUp() public {
        prover = new EmailDomainProver();
        ImageIdRepository repository = new ImageIdRepository(address(this));
        repository.addImageIdSupport(ImageID.RISC0_CALL_GUEST_ID);
        verifier = new EmailDomainVerifier(new FakeProofVerifier(repository), address(prover));
    }

    function _email() internal view returns (UnverifiedEmail memory) {
        string memory json = JSON.readFile("testdata/mint_request.unverified.json");
        return UnverifiedEmail(
            JSON.parseJsonString(json, ".email"),
            DnsRecord(
                JSON.parseJsonString(json, ".dnsRecord.name"),
                uint8(JSON.parseJsonUint(json, ".dnsRecord.recordType")),
                JSON.parseJsonString(json, ".dnsRecord.data"),
                uint64(JSON.parseJsonUint(json, ".dnsRecord.ttl"))
            ),
            VerificationData(
                uint64(JSON.parseJsonUint(json, ".verificationData.validUntil")),
                JSON.parseJsonBytes(json, ".verificationData.signature"),
                JSON.parseJsonBytes(json, ".verificationData.pubKey")
            )
        );
    }

    function test_aSignedEmailMintsToTheWalletInItsSubject() public {
        (bytes memory returnData, Proof memory proof) =
            vprove(address(prover), abi.encodeCall(prover.main, (_email())));
        (, , address wallet, string memory domain) = abi.decode(returnData, (Proof, bytes32, address, string));
        assertEq(wallet, WALLET, "the wallet captured from the subject");
        assertEq(keccak256(bytes(domain)), keccak256("vlayer-test.example"), "the sender's domain");
        (bool ok,) = address(verifier).call(DevProofs.verifierCall(verifier.verify.selector, proof, returnData));
        assertTrue(ok, "the verifier accepts the proof");
        assertEq(verifier.ownerOf(1), WALLET, "NFT #1 minted to the wallet");
    }

    function test_anEditedBodyFailsWithTheEnginesMessage() public {
        UnverifiedEmail memory email = _email();
        bytes memory text = bytes(email.email);
        // The body's last character: the DKIM body hash no longer matches.
        text[text.length - 3] = text[text.length - 3] == LETTER_A ? LETTER_B : LETTER_A;
        vm.expectRevert(bytes("vlayer: precompile EmailProof: Error verifying DKIM: body hash did not verify"));
        this.vproveCall(address(prover), abi.encodeCall(prover.main, (email)));
    }

    function test_anExpiredRecordIsRefusedByTheLibrary() public {
        UnverifiedEmail memory email = _email();
        vm.warp(uint256(email.verificationData.validUntil) + 1);
        vm.expectRevert(bytes("vlayer: prover reverted: EmailProof: expired DNS verification"));
        this.vproveCall(address(prover), abi.encodeCall(prover.main, (email)));
    }
}
