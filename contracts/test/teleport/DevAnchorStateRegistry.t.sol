// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Owned} from "../../src/access/Owned.sol";
import {DevAnchorStateRegistry, IAnchorStateRegistry} from "../../src/teleport/DevAnchorStateRegistry.sol";
import {OutputRoot} from "../../src/teleport/OutputRoot.sol";
import {Test} from "../lib/Test.sol";

/// @dev Cheatcodes these tests need beyond `test/lib/Test.sol`'s interface (same address).
interface VmExtra {
    function load(address target, bytes32 slot) external view returns (bytes32);
    function store(address target, bytes32 slot, bytes32 value) external;
}

contract DevAnchorStateRegistryTest is Test {
    VmExtra internal constant vmx = VmExtra(address(uint160(uint256(keccak256("hevm cheat code")))));

    /// @dev Where vlayer's table puts the registry of the dev pair 31337 -> 31338 (chains/chains.json).
    address internal constant DEV_REGISTRY = 0x5FbDB2315678afecb367f032d93F642f64180aa3;
    address internal constant PROPOSER = address(0x9e0);
    address internal constant STRANGER = address(0xbad);
    /// @dev The slots `vlayer.teleport.dev_registry` writes when it installs the registry without its constructor.
    bytes32 internal constant OWNER_SLOT = bytes32(uint256(0));
    bytes32 internal constant PENDING_OWNER_SLOT = bytes32(uint256(1));
    bytes32 internal constant ROOT_SLOT = bytes32(uint256(2));
    bytes32 internal constant L2_BLOCK_SLOT = bytes32(uint256(3));

    bytes32 internal constant ROOT_A = keccak256("output root A");
    bytes32 internal constant ROOT_B = keccak256("output root B");

    DevAnchorStateRegistry internal registry;

    event AnchorUpdated(bytes32 indexed root, uint256 indexed l2BlockNumber);

    function setUp() public {
        registry = new DevAnchorStateRegistry(PROPOSER);
    }

    function test_nothingIsAnchoredAtFirst() public {
        assertRevertsWith(
            address(registry),
            abi.encodeCall(IAnchorStateRegistry.getAnchorRoot, ()),
            abi.encodeWithSelector(DevAnchorStateRegistry.NothingAnchored.selector),
            "empty registry"
        );
    }

    function test_getAnchorRootHasOpSelector() public pure {
        // What the host and guest call (vlayer.teleport.output_root.GET_ANCHOR_ROOT), as on OP's registry.
        assertEq(uint32(IAnchorStateRegistry.getAnchorRoot.selector), uint32(0xd83ef267), "selector");
    }

    function test_theOwnerAnchorsForwardWithEvents() public {
        vm.expectEmit(address(registry));
        emit AnchorUpdated(ROOT_A, 10);
        vm.prank(PROPOSER);
        registry.anchor(ROOT_A, 10);
        (bytes32 root, uint256 l2BlockNumber) = registry.getAnchorRoot();
        assertEq(root, ROOT_A, "root");
        assertEq(l2BlockNumber, 10, "L2 block");

        vm.expectEmit(address(registry));
        emit AnchorUpdated(ROOT_B, 11);
        vm.prank(PROPOSER);
        registry.anchor(ROOT_B, 11);
        (root, l2BlockNumber) = registry.getAnchorRoot();
        assertEq(root, ROOT_B, "newer root");
        assertEq(l2BlockNumber, 11, "newer L2 block");
    }

    function test_theAnchorNeverMovesBack() public {
        vm.prank(PROPOSER);
        registry.anchor(ROOT_A, 10);
        for (uint256 l2BlockNumber = 9; l2BlockNumber <= 10; l2BlockNumber++) {
            vm.prank(PROPOSER);
            assertRevertsWith(
                address(registry),
                abi.encodeCall(DevAnchorStateRegistry.anchor, (ROOT_B, l2BlockNumber)),
                abi.encodeWithSelector(DevAnchorStateRegistry.AnchorNotNewer.selector, l2BlockNumber, 10),
                "not newer"
            );
        }
        (bytes32 root, uint256 anchored) = registry.getAnchorRoot();
        assertEq(root, ROOT_A, "root kept");
        assertEq(anchored, 10, "L2 block kept");
    }

    function test_aZeroRootIsRefused() public {
        vm.prank(PROPOSER);
        assertRevertsWith(
            address(registry),
            abi.encodeCall(DevAnchorStateRegistry.anchor, (bytes32(0), 1)),
            abi.encodeWithSelector(DevAnchorStateRegistry.ZeroRoot.selector),
            "zero root"
        );
    }

    function test_onlyTheOwnerAnchors() public {
        vm.prank(STRANGER);
        assertRevertsWith(
            address(registry),
            abi.encodeCall(DevAnchorStateRegistry.anchor, (ROOT_A, 1)),
            abi.encodeWithSelector(Owned.NotOwner.selector, STRANGER),
            "stranger"
        );
    }

    /// @dev As `vlayer.teleport.dev_registry.install` puts it on an anvil: runtime code and the owner's slot only.
    function test_itWorksInstalledWithoutItsConstructor() public {
        vm.etch(DEV_REGISTRY, type(DevAnchorStateRegistry).runtimeCode);
        vmx.store(DEV_REGISTRY, OWNER_SLOT, bytes32(uint256(uint160(PROPOSER))));
        DevAnchorStateRegistry installed = DevAnchorStateRegistry(DEV_REGISTRY);
        assertEq(installed.owner(), PROPOSER, "owner");
        vm.prank(PROPOSER);
        installed.anchor(ROOT_A, 7);
        (bytes32 root, uint256 l2BlockNumber) = installed.getAnchorRoot();
        assertEq(root, ROOT_A, "root");
        assertEq(l2BlockNumber, 7, "L2 block");
    }

    function test_storageLayoutIsWhatTheInstallerWrites() public {
        vm.prank(PROPOSER);
        registry.transferOwnership(STRANGER);
        vm.prank(PROPOSER);
        registry.anchor(ROOT_A, 42);
        assertEq(vmx.load(address(registry), OWNER_SLOT), bytes32(uint256(uint160(PROPOSER))), "owner slot");
        assertEq(vmx.load(address(registry), PENDING_OWNER_SLOT), bytes32(uint256(uint160(STRANGER))), "pending");
        assertEq(vmx.load(address(registry), ROOT_SLOT), ROOT_A, "root slot");
        assertEq(vmx.load(address(registry), L2_BLOCK_SLOT), bytes32(uint256(42)), "L2 block slot");
    }
}

contract OutputRootTest is Test {
    /// @dev Computed by `vlayer.teleport.output_root.output_root` (the host; the guest agrees with it).
    bytes32 internal constant EMPTY_PASSER_VECTOR = 0x261d358521eeefaec0ca4a47de3aad28489a0a8b7047eadc358946139a234d19;
    bytes32 internal constant PASSER_VECTOR = 0xec12707fe53dc7d25c209d5a8edf74b7125f6c524067d17ecb112dce9a8970ba;

    function test_matchesTheHostsOutputRoot() public pure {
        bytes32 stateRoot = keccak256("l2 state");
        bytes32 blockHash = keccak256("l2 block");
        assertEq(OutputRoot.hash(stateRoot, OutputRoot.EMPTY_STORAGE_ROOT, blockHash), EMPTY_PASSER_VECTOR, "empty");
        assertEq(OutputRoot.hash(stateRoot, keccak256("withdrawals"), blockHash), PASSER_VECTOR, "withdrawals");
    }

    function test_emptyStorageRootIsTheEmptyTrie() public pure {
        // keccak256(rlp("")): the root of a trie with no entries.
        assertEq(OutputRoot.EMPTY_STORAGE_ROOT, keccak256(hex"80"), "empty trie root");
    }
}
