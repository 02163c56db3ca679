// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {ImageIdRepository} from "../../src/ImageIdRepository.sol";
import {PrecompileCall} from "../../src/PrecompileCall.sol";
import {Precompiles} from "../../src/PrecompilesAddresses.sol";
import {Proof} from "../../src/Proof.sol";
import {FakeProofVerifier} from "../../src/proof_verifier/FakeProofVerifier.sol";
import {RequestBook} from "../../src/requests/RequestBook.sol";
import {RequestProver} from "../../src/requests/RequestProver.sol";
import {Read, VersionedStore} from "../../src/requests/VersionedStore.sol";
import {Shielded} from "../../src/shielding/Shielded.sol";
import {IShieldingKeys, ShieldingKeys} from "../../src/shielding/ShieldingKeys.sol";
import {PrecompileStub, PrecompileStubs} from "../lib/PrecompileStub.sol";
import {Test} from "../lib/Test.sol";
import {Counter} from "../requests/Counter.sol";
import {ShieldedCounterProver} from "../requests/ShieldedCounter.v.sol";

/// @dev The library's internal function, callable from tests, so that its reverts are caught as revert data.
contract ShieldedHarness {
    function open(IShieldingKeys keys, bytes calldata envelope) external view returns (bytes memory) {
        return Shielded.open(keys, envelope);
    }

    function tryOpen(IShieldingKeys keys, bytes calldata envelope) external view returns (bool, bytes memory) {
        return Shielded.tryOpen(keys, envelope);
    }
}

/// @dev What both libraries' tests start from: a registry holding KEY1 as version 1, and the harness.
abstract contract ShieldedFixture is Test {
    bytes32 internal constant KEY1 = keccak256("shielding key 1");
    bytes32 internal constant KEY2 = keccak256("shielding key 2");
    /// @dev Stands for HPKE's `enc || ciphertext`: 50 bytes, so its encoding carries 14 bytes of padding.
    bytes internal constant SEALED = hex"0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f20"
        hex"a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2";
    bytes internal constant PLAIN = "the plaintext";

    ShieldingKeys internal keys;
    ShieldedHarness internal harness;

    function _setUpRegistry() internal {
        keys = new ShieldingKeys(address(this));
        keys.addKey(KEY1);
        harness = new ShieldedHarness();
    }
}

contract ShieldedTest is ShieldedFixture {
    PrecompileStub internal stub;

    function setUp() public {
        _setUpRegistry();
        stub = PrecompileStubs.install(vm, Precompiles.SHIELDED_OPEN);
    }

    function _envelope(uint32 version, bytes memory sealedArgs) internal pure returns (bytes memory) {
        return abi.encode(version, sealedArgs);
    }

    /// @dev The precompile input for KEY1, version 1 and SEALED on `chainId`, word by word (not through abi.encode,
    ///      so the layout itself is pinned): publicKey, offset of aad, offset of sealed, aad (length 0x60: chain id,
    ///      registry address, version), sealed (length 50, padded).
    function _input(uint256 chainId) internal view returns (bytes memory) {
        return bytes.concat(
            abi.encodePacked(KEY1, uint256(0x60), uint256(0xe0)),
            abi.encodePacked(uint256(0x60), chainId, uint256(uint160(address(keys))), uint256(1)),
            abi.encodePacked(uint256(50), SEALED, bytes14(0))
        );
    }

    function _error(string memory message) internal pure returns (bytes memory) {
        return abi.encodeWithSignature("Error(string)", message);
    }

    function _assertOpenReverts(
        IShieldingKeys registry,
        bytes memory envelope,
        bytes memory expected,
        string memory what
    ) internal {
        assertRevertsWith(address(harness), abi.encodeCall(ShieldedHarness.open, (registry, envelope)), expected, what);
    }

    function test_addressIsBasePlus0x40() public pure {
        assertEq(Precompiles.SHIELDED_OPEN, 0xF4E4fdca9D5d55E64525e314391996a15f7EC640, "ShieldedOpen");
    }

    function test_sendsKeyAadAndSealedAndReturnsThePlaintext() public {
        bytes memory input = _input(block.chainid);
        bytes memory aad = abi.encode(block.chainid, address(keys), uint32(1));
        assertEq(input, abi.encode(KEY1, aad, SEALED), "the pinned layout is abi.encode(bytes32, bytes, bytes)");
        stub.answer(input, abi.encode(PLAIN));
        assertEq(harness.open(keys, _envelope(1, SEALED)), PLAIN, "plaintext");
    }

    function test_aadFollowsTheChain() public {
        stub.answer(_input(block.chainid), abi.encode(PLAIN));
        vm.chainId(10);
        // Another chain id makes another aad, which the stub was not told to answer: the sealed args would not open.
        _assertOpenReverts(
            keys,
            _envelope(1, SEALED),
            abi.encodeWithSelector(PrecompileStub.UnexpectedInput.selector, _input(10)),
            "on chain 10"
        );
    }

    function test_rotationSendsTheVersionsKeyAndAad() public {
        assertEq(keys.addKey(KEY2), 2, "version 2");
        bytes memory aad2 = abi.encode(block.chainid, address(keys), uint32(2));
        stub.answer(abi.encode(KEY2, aad2, SEALED), abi.encode("sealed to version 2"));
        stub.answer(_input(block.chainid), abi.encode("sealed to version 1"));
        assertEq(harness.open(keys, _envelope(2, SEALED)), bytes("sealed to version 2"), "version 2");
        assertEq(harness.open(keys, _envelope(1, SEALED)), bytes("sealed to version 1"), "version 1, not retired");
    }

    function test_unknownVersionsAreRefused() public {
        _assertOpenReverts(keys, _envelope(0, SEALED), _error("Shielded: unknown key version 0"), "version 0");
        _assertOpenReverts(keys, _envelope(2, SEALED), _error("Shielded: unknown key version 2"), "version 2");
        _assertOpenReverts(
            keys,
            _envelope(type(uint32).max, SEALED),
            _error("Shielded: unknown key version 4294967295"),
            "the largest version"
        );
    }

    function test_retiredVersionsAreRefused() public {
        stub.answer(_input(block.chainid), abi.encode(PLAIN));
        keys.addKey(KEY2);
        keys.retireKey(1);
        _assertOpenReverts(keys, _envelope(1, SEALED), _error("Shielded: key version 1 is retired"), "version 1");
    }

    function test_precompileFailuresBubble() public {
        bytes memory input = _input(block.chainid);
        bytes memory reason = _error("Shielded: the ciphertext does not open");
        stub.refuse(input, reason);
        _assertOpenReverts(keys, _envelope(1, SEALED), reason, "revert data as is");
        stub.exhaust(input);
        _assertOpenReverts(
            keys, _envelope(1, SEALED), abi.encodeWithSelector(PrecompileCall.FailedInnerCall.selector), "out of gas"
        );
        vm.etch(Precompiles.SHIELDED_OPEN, "");
        _assertOpenReverts(
            keys,
            _envelope(1, SEALED),
            abi.encodeWithSelector(PrecompileCall.PrecompileNotAvailable.selector, Precompiles.SHIELDED_OPEN),
            "a plain node"
        );
    }

    function test_malformedEnvelopesAreRefused() public {
        bytes memory malformed =
            _error("Shielded: malformed envelope: want abi.encode(uint32 keyVersion, bytes sealed)");
        bytes memory good = _envelope(1, SEALED);
        _assertOpenReverts(keys, "", malformed, "empty");
        _assertOpenReverts(keys, SEALED, malformed, "raw sealed bytes");
        _assertOpenReverts(keys, abi.encode(uint256(1) << 32, SEALED), malformed, "a version beyond uint32");
        _assertOpenReverts(keys, abi.encode(uint256(1), uint256(0x60), SEALED), malformed, "another offset");
        bytes memory truncated = new bytes(good.length - 32);
        for (uint256 i = 0; i < truncated.length; ++i) {
            truncated[i] = good[i];
        }
        _assertOpenReverts(keys, truncated, malformed, "truncated");
        _assertOpenReverts(keys, bytes.concat(good, bytes32(0)), malformed, "a trailing word");
    }

    function test_aRegistryWithoutCodeIsRefused() public {
        _assertOpenReverts(
            IShieldingKeys(address(0xdead)),
            _envelope(1, SEALED),
            _error("Shielded: no contract at the key registry address"),
            "no code"
        );
    }
}

/// @dev `Shielded.tryOpen`: the same key, aad and input as `open`, sent to `ShieldedTryOpen`; what the chain shows
///      about an envelope (its layout, its version unknown or retired) makes `(false, "")` without asking the
///      precompile. Both precompiles are stubbed, so a call that reached the wrong one would fail.
contract ShieldedTryOpenTest is ShieldedFixture {
    PrecompileStub internal tryStub;

    function setUp() public {
        _setUpRegistry();
        tryStub = PrecompileStubs.install(vm, Precompiles.SHIELDED_TRY_OPEN);
        // Programmed with nothing: `tryOpen` must never call ShieldedOpen.
        PrecompileStubs.install(vm, Precompiles.SHIELDED_OPEN);
    }

    function _input(uint32 version, bytes32 publicKey) internal view returns (bytes memory) {
        return abi.encode(publicKey, abi.encode(block.chainid, address(keys), version), SEALED);
    }

    function _assertNotOpened(bytes memory envelope, string memory what) internal view {
        (bool opened, bytes memory plaintext) = harness.tryOpen(keys, envelope);
        assertTrue(!opened, what);
        assertEq(plaintext, "", what);
    }

    function test_addressIsBasePlus0x41() public pure {
        assertEq(Precompiles.SHIELDED_TRY_OPEN, 0xf4E4fdca9d5D55E64525e314391996a15f7ec641, "ShieldedTryOpen");
    }

    function test_opensWithTheSameInputAsOpen() public {
        tryStub.answer(_input(1, KEY1), abi.encode(true, PLAIN));
        (bool opened, bytes memory plaintext) = harness.tryOpen(keys, abi.encode(uint32(1), SEALED));
        assertTrue(opened, "opened");
        assertEq(plaintext, PLAIN, "plaintext");
    }

    function test_aCiphertextThatDoesNotOpenIsFalseNotARevert() public {
        tryStub.answer(_input(1, KEY1), abi.encode(false, bytes("")));
        _assertNotOpened(abi.encode(uint32(1), SEALED), "the precompile's (false, \"\")");
    }

    function test_rotationSendsTheVersionsKey() public {
        keys.addKey(KEY2);
        tryStub.answer(_input(2, KEY2), abi.encode(true, bytes("sealed to version 2")));
        tryStub.answer(_input(1, KEY1), abi.encode(true, bytes("sealed to version 1")));
        (bool opened, bytes memory plaintext) = harness.tryOpen(keys, abi.encode(uint32(2), SEALED));
        assertTrue(opened, "version 2 opened");
        assertEq(plaintext, "sealed to version 2", "version 2");
        (opened, plaintext) = harness.tryOpen(keys, abi.encode(uint32(1), SEALED));
        assertTrue(opened, "version 1 opened");
        assertEq(plaintext, "sealed to version 1", "version 1, not retired");
    }

    function test_unknownAndRetiredVersionsAreFalseWithoutAskingThePrecompile() public {
        _assertNotOpened(abi.encode(uint32(0), SEALED), "version 0");
        _assertNotOpened(abi.encode(uint32(2), SEALED), "version 2");
        _assertNotOpened(abi.encode(type(uint32).max, SEALED), "the largest version");
        tryStub.answer(_input(1, KEY1), abi.encode(true, PLAIN));
        keys.addKey(KEY2);
        keys.retireKey(1);
        _assertNotOpened(abi.encode(uint32(1), SEALED), "version 1, retired");
    }

    function test_malformedEnvelopesAreFalse() public {
        bytes memory good = abi.encode(uint32(1), SEALED);
        tryStub.answer(_input(1, KEY1), abi.encode(true, PLAIN));
        _assertNotOpened("", "empty");
        _assertNotOpened(SEALED, "raw sealed bytes");
        _assertNotOpened(abi.encode(uint256(1) << 32, SEALED), "a version beyond uint32");
        _assertNotOpened(abi.encode(uint256(1), uint256(0x60), SEALED), "another offset");
        bytes memory truncated = new bytes(good.length - 32);
        for (uint256 i = 0; i < truncated.length; ++i) {
            truncated[i] = good[i];
        }
        _assertNotOpened(truncated, "truncated");
        _assertNotOpened(bytes.concat(good, bytes32(0)), "a trailing word");
        (bool opened,) = harness.tryOpen(keys, good);
        assertTrue(opened, "the control opens");
    }

    function test_theProversFaultsStillRevert() public {
        bytes memory envelope = abi.encode(uint32(1), SEALED);
        bytes memory call = abi.encodeCall(ShieldedHarness.tryOpen, (IShieldingKeys(address(0xdead)), envelope));
        bytes memory noRegistry =
            abi.encodeWithSignature("Error(string)", "Shielded: no contract at the key registry address");
        assertRevertsWith(address(harness), call, noRegistry, "no code at the registry");
        call = abi.encodeCall(ShieldedHarness.tryOpen, (IShieldingKeys(address(0xdead)), bytes("")));
        assertRevertsWith(address(harness), call, noRegistry, "no code, even with a malformed envelope");
        call = abi.encodeCall(ShieldedHarness.tryOpen, (keys, envelope));
        tryStub.exhaust(_input(1, KEY1));
        assertRevertsWith(
            address(harness), call, abi.encodeWithSelector(PrecompileCall.FailedInnerCall.selector), "out of gas"
        );
        vm.etch(Precompiles.SHIELDED_TRY_OPEN, "");
        assertRevertsWith(
            address(harness),
            call,
            abi.encodeWithSelector(PrecompileCall.PrecompileNotAvailable.selector, Precompiles.SHIELDED_TRY_OPEN),
            "a plain node"
        );
    }
}

/// @dev `ShieldedCounterProver` against a real book, store and registry, the precompile stubbed.
contract ShieldedCounterProverTest is Test {
    bytes32 internal constant PUBLIC_KEY = keccak256("shielding key");
    bytes32 internal constant KEY = keccak256("counter");
    bytes internal constant SEALED = hex"5ea1ed";
    address internal constant ALICE = address(0xa11ce);
    address internal constant PAYEE = address(0x9a7ee);

    ShieldingKeys internal keys;
    VersionedStore internal store;
    RequestBook internal book;
    ShieldedCounterProver internal prover;
    Counter internal counter;
    PrecompileStub internal stub;

    function setUp() public {
        ImageIdRepository repository = new ImageIdRepository(address(this));
        store = new VersionedStore(address(this));
        book = new RequestBook(new FakeProofVerifier(repository), store);
        keys = new ShieldingKeys(address(this));
        keys.addKey(PUBLIC_KEY);
        prover = new ShieldedCounterProver(book, keys);
        counter = new Counter(book, store);
        store.setWriter(address(counter), true);
        store.setWriter(address(this), true);
        store.write(KEY, bytes32(uint256(41)));
        stub = PrecompileStubs.install(vm, Precompiles.SHIELDED_OPEN);
        vm.roll(100);
    }

    function _post(bytes memory args) internal returns (uint256 id) {
        vm.prank(ALICE);
        id = book.post(
            address(prover), ShieldedCounterProver.increment.selector, args, address(counter), 200_000, 1, 150
        );
    }

    function test_answersFromThePlaintextAndCounterTakesIt() public {
        bytes memory envelope = abi.encode(uint32(1), SEALED);
        uint256 id = _post(envelope);
        bytes memory aad = abi.encode(block.chainid, address(keys), uint32(1));
        stub.answer(abi.encode(PUBLIC_KEY, aad, SEALED), abi.encode(abi.encode(KEY, uint256(5))));
        (, uint256 provenId, bytes32 argsHash, address payee, Read[] memory reads, bytes memory result) =
            prover.increment(id, envelope, PAYEE);
        assertEq(provenId, id, "id");
        assertEq(argsHash, keccak256(envelope), "argsHash binds the envelope");
        assertEq(payee, PAYEE, "payee");
        assertEq(reads.length, 1, "one read");
        assertEq(reads[0].key, KEY, "read key");
        assertEq(reads[0].version, store.versionOf(KEY), "read version");
        assertEq(result, abi.encode(KEY, uint256(46)), "41 + 5");
        vm.prank(address(book));
        counter.onVlayerResult(id, result);
        assertEq(store.valueOf(KEY), bytes32(uint256(46)), "Counter applied the answer");
    }

    function test_otherArgsFailBeforeOpening() public {
        bytes memory envelope = abi.encode(uint32(1), SEALED);
        uint256 id = _post(envelope);
        bytes memory other = abi.encode(uint32(1), hex"5ea1ee");
        // No stub answer is programmed: the args check comes first, so the precompile is never asked.
        assertRevertsWith(
            address(prover),
            abi.encodeCall(ShieldedCounterProver.increment, (id, other, PAYEE)),
            abi.encodeWithSelector(RequestProver.ArgsMismatch.selector, id, keccak256(envelope), keccak256(other)),
            "args mismatch"
        );
    }
}
