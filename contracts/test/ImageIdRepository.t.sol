// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Owned} from "../src/access/Owned.sol";
import {IImageIdRepository, ImageIdRepository} from "../src/ImageIdRepository.sol";
import {Test} from "./lib/Test.sol";

contract ImageIdRepositoryTest is Test {
    bytes32 internal constant IMAGE = keccak256("guest v1");
    address internal constant STRANGER = address(0xbad);
    address internal constant NEXT_OWNER = address(0x0e1);

    ImageIdRepository internal repository;

    event ImageIDAdded(bytes32 imageID);
    event ImageIDRevoked(bytes32 imageID);

    function setUp() public {
        repository = new ImageIdRepository(address(this));
    }

    function test_addQueryRevokeWithEvents() public {
        assertTrue(!repository.isImageSupported(IMAGE), "unknown before adding");
        vm.expectEmit(address(repository));
        emit ImageIDAdded(IMAGE);
        repository.addImageIdSupport(IMAGE);
        assertTrue(repository.isImageSupported(IMAGE), "supported after adding");
        vm.expectEmit(address(repository));
        emit ImageIDRevoked(IMAGE);
        repository.revokeImageIdSupport(IMAGE);
        assertTrue(!repository.isImageSupported(IMAGE), "unsupported after revoking");
    }

    function test_refusesDuplicatesAndUnknownRevocations() public {
        repository.addImageIdSupport(IMAGE);
        assertRevertsWith(
            address(repository),
            abi.encodeCall(IImageIdRepository.addImageIdSupport, (IMAGE)),
            abi.encodeWithSelector(ImageIdRepository.ImageIdAlreadySupported.selector, IMAGE),
            "adding twice"
        );
        bytes32 other = keccak256("guest v2");
        assertRevertsWith(
            address(repository),
            abi.encodeCall(IImageIdRepository.revokeImageIdSupport, (other)),
            abi.encodeWithSelector(ImageIdRepository.ImageIdNotSupported.selector, other),
            "revoking an unknown image"
        );
    }

    function test_onlyTheOwnerAddsAndRevokes() public {
        vm.prank(STRANGER);
        (bool ok, bytes memory err) = address(repository).call(abi.encodeCall(IImageIdRepository.addImageIdSupport, (IMAGE)));
        assertTrue(!ok, "stranger added an image");
        assertEq(err, abi.encodeWithSelector(Owned.NotOwner.selector, STRANGER), "revert");
        repository.addImageIdSupport(IMAGE);
        vm.prank(STRANGER);
        (ok, err) = address(repository).call(abi.encodeCall(IImageIdRepository.revokeImageIdSupport, (IMAGE)));
        assertTrue(!ok, "stranger revoked an image");
        assertTrue(repository.isImageSupported(IMAGE), "still supported");
    }

    function test_ownershipMovesInTwoSteps() public {
        repository.transferOwnership(NEXT_OWNER);
        assertEq(repository.owner(), address(this), "owner until accepted");
        vm.prank(STRANGER);
        (bool ok, bytes memory err) = address(repository).call(abi.encodeCall(Owned.acceptOwnership, ()));
        assertTrue(!ok, "stranger accepted");
        assertEq(err, abi.encodeWithSelector(Owned.NotPendingOwner.selector, STRANGER), "revert");
        vm.prank(NEXT_OWNER);
        repository.acceptOwnership();
        assertEq(repository.owner(), NEXT_OWNER, "new owner");
        (ok, err) = address(repository).call(abi.encodeCall(IImageIdRepository.addImageIdSupport, (IMAGE)));
        assertEq(err, abi.encodeWithSelector(Owned.NotOwner.selector, address(this)), "old owner is out");
    }

    function test_zeroOwnerIsRefused() public {
        try new ImageIdRepository(address(0)) {
            revert("deployed without an owner");
        } catch (bytes memory err) {
            assertEq(err, abi.encodeWithSelector(Owned.ZeroOwner.selector), "revert");
        }
    }
}
