// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {DnsRecord, EmailProofLib, UnverifiedEmail, VerificationData, VerifiedEmail} from "../src/EmailProof.sol";
import {IDnsKeyRepository, ImageIdRepository} from "../src/ImageIdRepository.sol";
import {Precompiles} from "../src/PrecompilesAddresses.sol";
import {PrecompileStub, PrecompileStubs} from "./lib/PrecompileStub.sol";
import {Test} from "./lib/Test.sol";

/// @dev EmailProofLib's two entry points, callable from tests.
contract EmailHarness {
    function verify(UnverifiedEmail calldata email) external view returns (VerifiedEmail memory) {
        return EmailProofLib.verify(email);
    }

    function verifyWith(UnverifiedEmail calldata email, IDnsKeyRepository repository)
        external
        view
        returns (VerifiedEmail memory)
    {
        return EmailProofLib.verify(email, repository);
    }
}

/// @notice The Solidity side of email proofs: expiry, which notary keys each chain trusts, the precompile's input
///         and output. The precompile is a stub here (DKIM and the notary signature are checked by the engine).
contract EmailProofTest is Test {
    /// @dev The dev DNS notary's public key, SubjectPublicKeyInfo DER (of host/vlayer/email/dev_notary_key.pem).
    bytes internal constant DEV_KEY = hex"30820122300d06092a864886f70d01010105000382010f003082010a028201010099142ffa2dd2c7481f05b59e92451976b0"
        hex"9308fc1726dd963c3a50a26782ce0351607867e73cb16015289a08907732cbe75a640da8a05e35f34d83edf26b9e2f9c4a"
        hex"c37a3bd0f0c9bc857efbc6aa2f7da7ed3809201161f1062d7fe70163a1082adc4516aa32d6fd95c77c269e8ffcacd135de"
        hex"218d91a15b8a5b9c437aa7b3abbf2742361cb534c096e66771a32c9974540601a589b42ed75695c43d0442605f77b7f450"
        hex"a0678b7a53d8d8435c58d5c01753710b6e314d6bd567259579a11a227a6862f8e250ebf28d8211d34965448d1f0ce82dfb"
        hex"030a9d63d0050585bed35f204e32e46353e0b36c2a1f3ccf85170908145d1d135b3283e2454a0f32b7629d0203010001";
    bytes internal constant OTHER_KEY = hex"3082012230";
    uint64 internal constant NOW = 1_750_000_000;
    string internal constant EXPIRED = "EmailProof: expired DNS verification";
    string internal constant NEEDS_REPOSITORY =
        "EmailProof: no DNS notary key is trusted on this chain without a key repository; use EmailProofLib.verify(email, repository)";
    string internal constant NOT_DEV_KEY =
        "EmailProof: not the dev DNS notary key; use EmailProofLib.verify(email, repository) to trust others";
    string internal constant NOT_LISTED = "EmailProof: DNS notary key is not valid in the key repository";

    EmailHarness internal harness;
    ImageIdRepository internal repository;
    PrecompileStub internal precompile;

    function setUp() public {
        harness = new EmailHarness();
        repository = new ImageIdRepository(address(this));
        precompile = PrecompileStubs.install(vm, Precompiles.VERIFY_EMAIL);
        vm.warp(NOW);
        vm.chainId(31337);
    }

    function _email(bytes memory key, uint64 validUntil) internal pure returns (UnverifiedEmail memory) {
        return UnverifiedEmail(
            "From: alice@example.com\r\nTo: bob@example.org\r\nSubject: hi\r\n\r\nhello\r\n",
            DnsRecord("s1._domainkey.example.com", 16, "v=DKIM1; k=rsa; p=MIIB", 300),
            VerificationData(validUntil, hex"5167", key)
        );
    }

    function _verified() internal pure returns (VerifiedEmail memory) {
        return VerifiedEmail("alice@example.com", "bob@example.org", "hi", "hello\r\n");
    }

    /// @dev Programs the stub to verify `email`.
    function _accept(UnverifiedEmail memory email) internal {
        precompile.answer(abi.encode(email), abi.encode(_verified()));
    }

    function _error(string memory message) internal pure returns (bytes memory) {
        return abi.encodeWithSignature("Error(string)", message);
    }

    function _assertVerified(VerifiedEmail memory got) internal pure {
        assertEq(bytes(got.from), "alice@example.com", "from");
        assertEq(bytes(got.to), "bob@example.org", "to");
        assertEq(bytes(got.subject), "hi", "subject");
        assertEq(bytes(got.body), "hello\r\n", "body");
    }

    function test_devKeyHashIsTheDevKeys() public pure {
        assertEq(keccak256(DEV_KEY), EmailProofLib.DEV_DNS_NOTARY_KEY_HASH, "dev key hash");
        assertEq(DEV_KEY.length, 294, "RSA-2048 SubjectPublicKeyInfo DER");
    }

    function test_theDevKeyVerifiesOnDevChains() public {
        UnverifiedEmail memory email = _email(DEV_KEY, NOW + 1);
        _accept(email);
        _assertVerified(harness.verify(email));
        vm.chainId(31338);
        _assertVerified(harness.verify(email));
        // With a repository too, which a dev chain need not have deployed.
        _assertVerified(harness.verifyWith(email, IDnsKeyRepository(address(0xdead))));
    }

    function test_anExpiredRecordIsRefusedFirst() public {
        // validUntil must lie after the block's timestamp: equal is expired.
        UnverifiedEmail memory email = _email(DEV_KEY, NOW);
        _accept(email);
        bytes memory expired = _error(EXPIRED);
        assertRevertsWith(address(harness), abi.encodeCall(EmailHarness.verify, (email)), expired, "at validUntil");
        assertRevertsWith(
            address(harness),
            abi.encodeCall(EmailHarness.verifyWith, (email, repository)),
            expired,
            "at validUntil, with a repository"
        );
        // Before the key check: an expired record with an untrusted key on a mainnet reads as expired.
        vm.chainId(1);
        email = _email(OTHER_KEY, NOW - 1);
        assertRevertsWith(address(harness), abi.encodeCall(EmailHarness.verify, (email)), expired, "past, on chain 1");
        assertRevertsWith(
            address(harness), abi.encodeCall(EmailHarness.verifyWith, (email, repository)), expired, "with a repository"
        );
    }

    function test_otherChainsTrustNoKeyWithoutARepository() public {
        vm.chainId(1);
        UnverifiedEmail memory email = _email(DEV_KEY, NOW + 1);
        _accept(email);
        assertRevertsWith(
            address(harness), abi.encodeCall(EmailHarness.verify, (email)), _error(NEEDS_REPOSITORY), "chain 1"
        );
        vm.chainId(11155111);
        assertRevertsWith(
            address(harness), abi.encodeCall(EmailHarness.verify, (email)), _error(NEEDS_REPOSITORY), "sepolia"
        );
    }

    function test_aNotaryKeyNotAllowedOnChainIsRefused() public {
        UnverifiedEmail memory other = _email(OTHER_KEY, NOW + 1);
        _accept(other);
        assertRevertsWith(
            address(harness), abi.encodeCall(EmailHarness.verify, (other)), _error(NOT_DEV_KEY), "dev chain, other key"
        );
        assertRevertsWith(
            address(harness),
            abi.encodeCall(EmailHarness.verifyWith, (other, repository)),
            _error(NOT_LISTED),
            "dev chain, other key not listed"
        );
        // The dev key is public: off the dev chains it is trusted only if a repository lists it.
        vm.chainId(1);
        UnverifiedEmail memory dev = _email(DEV_KEY, NOW + 1);
        _accept(dev);
        assertRevertsWith(
            address(harness),
            abi.encodeCall(EmailHarness.verifyWith, (dev, repository)),
            _error(NOT_LISTED),
            "chain 1, dev key"
        );
    }

    function test_aRepositoryAddressWithoutCodeIsNamed() public {
        vm.chainId(1);
        UnverifiedEmail memory email = _email(DEV_KEY, NOW + 1);
        _accept(email);
        assertRevertsWith(
            address(harness),
            abi.encodeCall(EmailHarness.verifyWith, (email, IDnsKeyRepository(address(0)))),
            _error("EmailProof: no contract at the key repository address"),
            "no repository"
        );
    }

    function test_aRepositoryListsAndRevokesKeys() public {
        vm.chainId(1);
        UnverifiedEmail memory email = _email(OTHER_KEY, NOW + 1);
        _accept(email);
        bytes memory call = abi.encodeCall(EmailHarness.verifyWith, (email, repository));
        assertRevertsWith(address(harness), call, _error(NOT_LISTED), "before adding");
        repository.addDnsKey(OTHER_KEY);
        _assertVerified(harness.verifyWith(email, repository));
        repository.revokeDnsKey(OTHER_KEY);
        assertRevertsWith(address(harness), call, _error(NOT_LISTED), "after revoking");
    }

    function test_thePrecompileGetsTheWholeEmailAndItsFailureIsBubbled() public {
        UnverifiedEmail memory email = _email(DEV_KEY, NOW + 1);
        // The stub knows only this exact input, so a verification shows the library sent abi.encode(email); these
        // hashes are eth_abi's encodings of the tuples (string,(string,uint8,string,uint64),(uint64,bytes,bytes))
        // and (string,string,string,string), vlayer v1's layouts, with these values.
        assertEq(
            keccak256(abi.encode(email)), 0xc05850d7ed670f79a7ab90397f505c4199c3ca6f2df3348c0310e1d140e093b9, "input"
        );
        assertEq(
            keccak256(abi.encode(_verified())),
            0xd825489066cbe938460895660c59c92695e41ce5ba46413801a5d948204dcb5c,
            "output"
        );
        _accept(email);
        _assertVerified(harness.verify(email));
        bytes memory failure = abi.encodeWithSignature("Error(string)", "stub refused");
        precompile.refuse(abi.encode(email), failure);
        assertRevertsWith(address(harness), abi.encodeCall(EmailHarness.verify, (email)), failure, "bubbled");
    }
}
