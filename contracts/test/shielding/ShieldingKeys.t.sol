// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Owned} from "../../src/access/Owned.sol";
import {IShieldingKeys, ShieldingKeys} from "../../src/shielding/ShieldingKeys.sol";
import {Test} from "../lib/Test.sol";

contract ShieldingKeysTest is Test {
    bytes32 internal constant KEY1 = keccak256("shielding key 1");
    bytes32 internal constant KEY2 = keccak256("shielding key 2");
    bytes32 internal constant KEY3 = keccak256("shielding key 3");
    address internal constant STRANGER = address(0xbad);

    ShieldingKeys internal keys;

    event ShieldingKeyAdded(uint32 version, bytes32 publicKey);
    event ShieldingKeyRetired(uint32 version);

    function setUp() public {
        keys = new ShieldingKeys(address(this));
    }

    function _current() internal view returns (uint256 version, bytes32 publicKey) {
        return keys.currentKey();
    }

    function _assertKey(uint32 version, bytes32 publicKey, bool retired, string memory what) internal view {
        (bytes32 gotKey, bool gotRetired) = keys.keyOf(version);
        assertEq(gotKey, publicKey, string.concat(what, ": key"));
        assertTrue(gotRetired == retired, string.concat(what, ": retired flag"));
    }

    function test_emptyRegistryHasNoCurrentKey() public {
        assertEq(keys.keyCount(), 0, "no versions");
        assertRevertsWith(
            address(keys),
            abi.encodeCall(IShieldingKeys.currentKey, ()),
            abi.encodeWithSelector(ShieldingKeys.NoShieldingKey.selector),
            "current key of an empty registry"
        );
        _assertKey(0, bytes32(0), false, "version 0");
        _assertKey(1, bytes32(0), false, "version 1 before any add");
    }

    function test_addNumbersVersionsFromOneWithEvents() public {
        vm.expectEmit(address(keys));
        emit ShieldingKeyAdded(1, KEY1);
        assertEq(keys.addKey(KEY1), 1, "first version");
        vm.expectEmit(address(keys));
        emit ShieldingKeyAdded(2, KEY2);
        assertEq(keys.addKey(KEY2), 2, "second version");
        assertEq(keys.keyCount(), 2, "key count");
        _assertKey(1, KEY1, false, "version 1");
        _assertKey(2, KEY2, false, "version 2");
        _assertKey(3, bytes32(0), false, "version 3, never added");
        assertEq(keys.versionOf(KEY1), 1, "version of key 1");
        assertEq(keys.versionOf(KEY2), 2, "version of key 2");
        assertEq(keys.versionOf(KEY3), 0, "version of a key never added");
        (uint256 version, bytes32 publicKey) = _current();
        assertEq(version, 2, "the newest version is current");
        assertEq(publicKey, KEY2, "current key");
    }

    function test_rotationKeepsOldVersionsUntilRetired() public {
        keys.addKey(KEY1);
        keys.addKey(KEY2);
        // Clients moved to version 2; version 1 still opens the requests sealed to it.
        _assertKey(1, KEY1, false, "old version before retiring");
        vm.expectEmit(address(keys));
        emit ShieldingKeyRetired(1);
        keys.retireKey(1);
        _assertKey(1, KEY1, true, "old version after retiring keeps its key");
        (uint256 version, bytes32 publicKey) = _current();
        assertEq(version, 2, "current after retiring the old version");
        assertEq(publicKey, KEY2, "current key after retiring the old version");
        // Retiring the newest falls back to the newest not retired.
        keys.addKey(KEY3);
        keys.retireKey(3);
        (version, publicKey) = _current();
        assertEq(version, 2, "current after retiring the newest");
        assertEq(publicKey, KEY2, "current key after retiring the newest");
        keys.retireKey(2);
        assertRevertsWith(
            address(keys),
            abi.encodeCall(IShieldingKeys.currentKey, ()),
            abi.encodeWithSelector(ShieldingKeys.NoShieldingKey.selector),
            "every version retired"
        );
        assertEq(keys.keyCount(), 3, "retired versions still count");
    }

    function test_refusesZeroAndDuplicateKeys() public {
        assertRevertsWith(
            address(keys),
            abi.encodeCall(IShieldingKeys.addKey, (bytes32(0))),
            abi.encodeWithSelector(ShieldingKeys.ZeroShieldingKey.selector),
            "zero key"
        );
        keys.addKey(KEY1);
        assertRevertsWith(
            address(keys),
            abi.encodeCall(IShieldingKeys.addKey, (KEY1)),
            abi.encodeWithSelector(ShieldingKeys.ShieldingKeyAlreadyAdded.selector, KEY1),
            "same key twice"
        );
        keys.retireKey(1);
        assertRevertsWith(
            address(keys),
            abi.encodeCall(IShieldingKeys.addKey, (KEY1)),
            abi.encodeWithSelector(ShieldingKeys.ShieldingKeyAlreadyAdded.selector, KEY1),
            "a retired key again"
        );
        assertEq(keys.keyCount(), 1, "nothing added by the refusals");
    }

    function test_refusesUnknownAndRetiredVersions() public {
        keys.addKey(KEY1);
        assertRevertsWith(
            address(keys),
            abi.encodeCall(IShieldingKeys.retireKey, (0)),
            abi.encodeWithSelector(ShieldingKeys.UnknownShieldingKey.selector, uint32(0)),
            "version 0"
        );
        assertRevertsWith(
            address(keys),
            abi.encodeCall(IShieldingKeys.retireKey, (2)),
            abi.encodeWithSelector(ShieldingKeys.UnknownShieldingKey.selector, uint32(2)),
            "a version not added yet"
        );
        keys.retireKey(1);
        assertRevertsWith(
            address(keys),
            abi.encodeCall(IShieldingKeys.retireKey, (1)),
            abi.encodeWithSelector(ShieldingKeys.ShieldingKeyAlreadyRetired.selector, uint32(1)),
            "retiring twice"
        );
    }

    function test_onlyTheOwnerAddsAndRetires() public {
        vm.prank(STRANGER);
        (bool ok, bytes memory err) = address(keys).call(abi.encodeCall(IShieldingKeys.addKey, (KEY1)));
        assertTrue(!ok, "stranger added a key");
        assertEq(err, abi.encodeWithSelector(Owned.NotOwner.selector, STRANGER), "add revert");
        assertEq(keys.keyCount(), 0, "nothing added");
        keys.addKey(KEY1);
        vm.prank(STRANGER);
        (ok, err) = address(keys).call(abi.encodeCall(IShieldingKeys.retireKey, (1)));
        assertTrue(!ok, "stranger retired a key");
        assertEq(err, abi.encodeWithSelector(Owned.NotOwner.selector, STRANGER), "retire revert");
        _assertKey(1, KEY1, false, "still live");
    }

    function test_zeroOwnerIsRefused() public {
        try new ShieldingKeys(address(0)) {
            revert("deployed without an owner");
        } catch (bytes memory err) {
            assertEq(err, abi.encodeWithSelector(Owned.ZeroOwner.selector), "revert");
        }
    }
}
