// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {CallAssumptions} from "vlayer/CallAssumptions.sol";
import {DnsRecord, UnverifiedEmail, VerificationData, VerifiedEmail} from "vlayer/EmailProof.sol";
import {ImageIdRepository} from "vlayer/ImageIdRepository.sol";
import {Precompiles} from "vlayer/PrecompilesAddresses.sol";
import {Proof} from "vlayer/Proof.sol";
import {FakeProofVerifier} from "vlayer/proof_verifier/FakeProofVerifier.sol";
import {VerificationFailed} from "vlayer/risc0/IRiscZeroVerifier.sol";
import {DevProofs} from "vlayer-test/DevProofs.sol";
import {PrecompileStubs} from "vlayer-test/PrecompileStub.sol";
import {Test} from "vlayer-test/Test.sol";
import {EmailDomainProver} from "../src/EmailDomainProver.v.sol";
import {EmailDomainVerifier} from "../src/EmailDomainVerifier.sol";

/// @notice The verifier with hand-made dev proofs of the prover's real return data. forge runs no vlayer engine, so
///         the email precompile and the regex captures are stubs answering what the engine would (the engine's own
///         tests check DKIM and the regexes; vlayer/app.py runs the real thing).
contract EmailDomainTest is Test {
    address internal constant WALLET = 0x90F79bf6EB2c4f870365E785982E1f101E93b906;
    string internal constant FROM = "alice@vlayer-test.example";
    string internal constant SUBJECT = "Mint my domain NFT at address: 0x90F79bf6EB2c4f870365E785982E1f101E93b906";
    uint256 internal constant SETTLE = 500;
    /// @dev The dev DNS notary's public key (SubjectPublicKeyInfo DER): the key dev chains trust.
    bytes internal constant DEV_KEY = hex"30820122300d06092a864886f70d01010105000382010f003082010a028201010099142ffa2dd2c7481f05b59e92451976b0"
        hex"9308fc1726dd963c3a50a26782ce0351607867e73cb16015289a08907732cbe75a640da8a05e35f34d83edf26b9e2f9c4a"
        hex"c37a3bd0f0c9bc857efbc6aa2f7da7ed3809201161f1062d7fe70163a1082adc4516aa32d6fd95c77c269e8ffcacd135de"
        hex"218d91a15b8a5b9c437aa7b3abbf2742361cb534c096e66771a32c9974540601a589b42ed75695c43d0442605f77b7f450"
        hex"a0678b7a53d8d8435c58d5c01753710b6e314d6bd567259579a11a227a6862f8e250ebf28d8211d34965448d1f0ce82dfb"
        hex"030a9d63d0050585bed35f204e32e46353e0b36c2a1f3ccf85170908145d1d135b3283e2454a0f32b7629d0203010001";

    EmailDomainProver internal prover;
    EmailDomainVerifier internal verifier;

    function setUp() public {
        vm.chainId(31337);
        vm.warp(1_767_348_000);
        prover = new EmailDomainProver();
        ImageIdRepository repository = new ImageIdRepository(address(this));
        repository.addImageIdSupport(DevProofs.TEST_IMAGE_ID);
        verifier = new EmailDomainVerifier(new FakeProofVerifier(repository), address(prover));
        vm.roll(SETTLE + 1);
        vm.setBlockhash(SETTLE, keccak256("settle"));
    }

    function _pair(string memory a, string memory b) internal pure returns (bytes memory) {
        string[2] memory pair = [a, b];
        return abi.encode(pair);
    }

    function _captures(string memory whole, string memory group) internal pure returns (bytes memory) {
        string[] memory captures = new string[](2);
        (captures[0], captures[1]) = (whole, group);
        return abi.encode(captures);
    }

    /// @dev An email (its text is no matter to the stub) that the stubbed engine verifies as sent by `from` with
    ///      `subject`.
    function _stubEngine(string memory email, string memory from, string memory subject)
        internal
        returns (UnverifiedEmail memory unverified)
    {
        unverified = UnverifiedEmail(
            email,
            DnsRecord("s2026._domainkey.vlayer-test.example", 16, "v=DKIM1; k=rsa; p=MIIB", 3600),
            VerificationData(uint64(block.timestamp + 1 days), hex"01", DEV_KEY)
        );
        PrecompileStubs.install(vm, Precompiles.VERIFY_EMAIL)
            .answer(abi.encode(unverified), abi.encode(VerifiedEmail(from, "bob@receiver.example", subject, "hi")));
        PrecompileStubs.install(vm, Precompiles.REGEX_CAPTURE)
            .answer(
                _pair(subject, prover.SUBJECT_PATTERN()),
                _captures(subject, "0x90F79bf6EB2c4f870365E785982E1f101E93b906")
            );
        PrecompileStubs.install(vm, Precompiles.REGEX_CAPTURE)
            .answer(_pair(from, prover.FROM_PATTERN()), _captures(from, "vlayer-test.example"));
    }

    function _claim(UnverifiedEmail memory email) internal view returns (bytes memory) {
        (Proof memory placeholder, bytes32 emailHash, address wallet, string memory domain) = prover.main(email);
        bytes memory returnData = abi.encode(placeholder, emailHash, wallet, domain);
        CallAssumptions memory ca = CallAssumptions(
            address(prover), EmailDomainProver.main.selector, block.chainid, SETTLE, keccak256("settle")
        );
        Proof memory proof = DevProofs.fakeProof(ca, returnData, DevProofs.TEST_IMAGE_ID);
        return DevProofs.verifierCall(EmailDomainVerifier.verify.selector, proof, returnData);
    }

    function test_theProverReadsTheWalletAndTheDomain() public {
        UnverifiedEmail memory email = _stubEngine("raw email", FROM, SUBJECT);
        (, bytes32 emailHash, address wallet, string memory domain) = prover.main(email);
        assertEq(emailHash, sha256(bytes(FROM)), "sha256 of the sender's address");
        assertEq(wallet, WALLET, "wallet from the subject");
        assertEq(bytes(domain), "vlayer-test.example", "domain");
    }

    function test_aVerifiedEmailMintsOnceToItsWallet() public {
        bytes memory claim = _claim(_stubEngine("raw email", FROM, SUBJECT));
        (bool ok,) = address(verifier).call(claim);
        assertTrue(ok, "mint accepted");
        assertEq(verifier.ownerOf(1), WALLET, "owner of token 1");
        assertEq(verifier.balanceOf(WALLET), 1, "balance");
        assertEq(bytes(verifier.domainOf(1)), "vlayer-test.example", "domain of token 1");
        assertRevertsWith(
            address(verifier),
            claim,
            abi.encodeWithSelector(EmailDomainVerifier.EmailAlreadyUsed.selector, sha256(bytes(FROM))),
            "second mint"
        );
        // Another email from the same sender is the same sender: no second NFT.
        bytes memory again = _claim(_stubEngine("another raw email", FROM, SUBJECT));
        assertRevertsWith(
            address(verifier),
            again,
            abi.encodeWithSelector(EmailDomainVerifier.EmailAlreadyUsed.selector, sha256(bytes(FROM))),
            "same sender"
        );
    }

    function test_aTamperedClaimIsRejected() public {
        bytes memory claim = _claim(_stubEngine("raw email", FROM, SUBJECT));
        // As vlayer/app.py does: the last bit of the calldata, in the domain's padding.
        claim[claim.length - 1] ^= 0x01;
        assertRevertsWith(address(verifier), claim, abi.encodeWithSelector(VerificationFailed.selector), "padding");
        claim = _claim(_stubEngine("raw email", FROM, SUBJECT));
        // The wallet: the address word right after the proof and the email hash.
        claim[4 + 544 + 32 + 31] ^= 0x01;
        assertRevertsWith(address(verifier), claim, abi.encodeWithSelector(VerificationFailed.selector), "wallet");
        assertEq(verifier.totalSupply(), 0, "nothing minted");
    }

    function test_aZeroWalletIsRefused() public {
        string memory subject = "Mint my domain NFT at address: 0x0000000000000000000000000000000000000000";
        UnverifiedEmail memory email = _stubEngine("raw email", FROM, subject);
        PrecompileStubs.install(vm, Precompiles.REGEX_CAPTURE)
            .answer(
                _pair(subject, prover.SUBJECT_PATTERN()),
                _captures(subject, "0x0000000000000000000000000000000000000000")
            );
        assertRevertsWith(
            address(verifier),
            _claim(email),
            abi.encodeWithSelector(EmailDomainVerifier.MintToZeroAddress.selector),
            "zero wallet"
        );
    }
}
