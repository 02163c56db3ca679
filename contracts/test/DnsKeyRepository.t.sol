// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Owned} from "../src/access/Owned.sol";
import {IDnsKeyRepository, ImageIdRepository} from "../src/ImageIdRepository.sol";
import {Test} from "./lib/Test.sol";

/// @notice The DNS notary keys kept beside the image IDs: added and revoked by the owner, keyed by the key's hash.
contract DnsKeyRepositoryTest is Test {
    bytes internal constant KEY = hex"30820122300d06092a864886f70d0101010500";
    address internal constant STRANGER = address(0xbad);

    ImageIdRepository internal repository;

    event DnsKeyAdded(address who, bytes key);
    event DnsKeyRevoked(address who, bytes key);

    function setUp() public {
        repository = new ImageIdRepository(address(this));
    }

    function test_addQueryRevokeWithEvents() public {
        assertTrue(!repository.isDnsKeyValid(KEY), "unknown before adding");
        vm.expectEmit(address(repository));
        emit DnsKeyAdded(address(this), KEY);
        repository.addDnsKey(KEY);
        assertTrue(repository.isDnsKeyValid(KEY), "valid after adding");
        assertTrue(!repository.isDnsKeyValid(bytes.concat(KEY, hex"00")), "another key");
        vm.expectEmit(address(repository));
        emit DnsKeyRevoked(address(this), KEY);
        repository.revokeDnsKey(KEY);
        assertTrue(!repository.isDnsKeyValid(KEY), "invalid after revoking");
        // A revoked key can be trusted again.
        repository.addDnsKey(KEY);
        assertTrue(repository.isDnsKeyValid(KEY), "valid after adding again");
    }

    function test_keysAndImageIdsAreApart() public {
        repository.addDnsKey(KEY);
        assertTrue(!repository.isImageSupported(keccak256(KEY)), "a key is not an image id");
        repository.addImageIdSupport(keccak256(KEY));
        repository.revokeDnsKey(KEY);
        assertTrue(repository.isImageSupported(keccak256(KEY)), "revoking the key leaves the image id");
    }

    function test_refusesDuplicatesUnknownRevocationsAndEmptyKeys() public {
        repository.addDnsKey(KEY);
        assertRevertsWith(
            address(repository),
            abi.encodeCall(IDnsKeyRepository.addDnsKey, (KEY)),
            abi.encodeWithSelector(ImageIdRepository.DnsKeyAlreadyValid.selector, keccak256(KEY)),
            "adding twice"
        );
        bytes memory other = hex"3082";
        assertRevertsWith(
            address(repository),
            abi.encodeCall(IDnsKeyRepository.revokeDnsKey, (other)),
            abi.encodeWithSelector(ImageIdRepository.DnsKeyNotValid.selector, keccak256(other)),
            "revoking an unknown key"
        );
        assertRevertsWith(
            address(repository),
            abi.encodeCall(IDnsKeyRepository.addDnsKey, ("")),
            abi.encodeWithSelector(ImageIdRepository.EmptyDnsKey.selector),
            "empty key"
        );
    }

    function test_onlyTheOwnerAddsAndRevokes() public {
        bytes memory notOwner = abi.encodeWithSelector(Owned.NotOwner.selector, STRANGER);
        vm.prank(STRANGER);
        (bool ok, bytes memory err) = address(repository).call(abi.encodeCall(IDnsKeyRepository.addDnsKey, (KEY)));
        assertTrue(!ok, "stranger added a key");
        assertEq(err, notOwner, "add");
        repository.addDnsKey(KEY);
        vm.prank(STRANGER);
        (ok, err) = address(repository).call(abi.encodeCall(IDnsKeyRepository.revokeDnsKey, (KEY)));
        assertTrue(!ok, "stranger revoked a key");
        assertEq(err, notOwner, "revoke");
        assertTrue(repository.isDnsKeyValid(KEY), "still valid");
    }
}
