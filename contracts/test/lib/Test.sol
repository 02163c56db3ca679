// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @notice The forge cheatcodes these tests use. forge-std is not installed (the build is offline and npm only
///         carries an outdated copy), and cheatcodes need nothing but this interface at their fixed address.
interface Vm {
    function readFile(string calldata path) external view returns (string memory);
    function parseJsonBytes(string calldata json, string calldata key) external pure returns (bytes memory);
    function parseJsonBytes32(string calldata json, string calldata key) external pure returns (bytes32);
    function toString(uint256 value) external pure returns (string memory);
    function toString(bytes32 value) external pure returns (string memory);
    function toString(bytes calldata value) external pure returns (string memory);
    function toString(address value) external pure returns (string memory);
    function expectRevert(bytes calldata revertData) external;
    function expectEmit(address emitter) external;
    function roll(uint256 blockNumber) external;
    function warp(uint256 timestamp) external;
    function chainId(uint256 newChainId) external;
    function prank(address sender) external;
    function setBlockhash(uint256 blockNumber, bytes32 blockHash) external;
    function etch(address target, bytes calldata code) external;
    function store(address target, bytes32 slot, bytes32 value) external;
}

/// @notice EIP-2935's history contract as Prague chains (and anvil from Prague on) deploy it, which `forge test`
///         does not: tests place it with `install` and fill its ring buffer with `record`.
library History {
    address internal constant ADDRESS = 0x0000F90827F1C53a10cb7A02335B175320002935;
    /// @dev Its runtime code, as anvil 1.7.1 (Prague) serves it at ADDRESS (eth_getCode); EIP-2935's final code.
    bytes internal constant CODE =
        hex"3373fffffffffffffffffffffffffffffffffffffffe14604657602036036042575f35600143038111604257611fff81430311604257611fff9006545f5260205ff35b5f5ffd5b5f35611fff60014303065500";

    function install(Vm vm) internal {
        vm.etch(ADDRESS, CODE);
    }

    /// @dev What the system call at the start of block `number + 1` writes: the hash of block `number`.
    function record(Vm vm, uint256 number, bytes32 blockHash) internal {
        vm.store(ADDRESS, bytes32(number % 8191), blockHash);
    }
}

/// @notice Minimal test base: forge runs every `test*` function and fails it when it reverts.
abstract contract Test {
    Vm internal constant vm = Vm(address(uint160(uint256(keccak256("hevm cheat code")))));

    /// @dev forge prints these events with -vv (DSTest's log format).
    event log_named_uint(string key, uint256 val);

    function assertTrue(bool condition, string memory what) internal pure {
        if (!condition) {
            revert(string.concat("assertion failed: ", what));
        }
    }

    function assertEq(uint256 a, uint256 b, string memory what) internal pure {
        if (a != b) {
            revert(string.concat(what, ": ", vm.toString(a), " != ", vm.toString(b)));
        }
    }

    function assertEq(bytes32 a, bytes32 b, string memory what) internal pure {
        if (a != b) {
            revert(string.concat(what, ": ", vm.toString(a), " != ", vm.toString(b)));
        }
    }

    function assertEq(address a, address b, string memory what) internal pure {
        if (a != b) {
            revert(string.concat(what, ": ", vm.toString(a), " != ", vm.toString(b)));
        }
    }

    function assertEq(bytes memory a, bytes memory b, string memory what) internal pure {
        if (keccak256(a) != keccak256(b)) {
            revert(string.concat(what, ": ", vm.toString(a), " != ", vm.toString(b)));
        }
    }

    /// @notice Asserts that `target.call(data)` reverts with exactly `expected` as revert data.
    function assertRevertsWith(address target, bytes memory data, bytes memory expected, string memory what) internal {
        (bool ok, bytes memory got) = target.call(data);
        if (ok) {
            revert(string.concat(what, ": call succeeded, expected revert ", vm.toString(expected)));
        }
        assertEq(got, expected, what);
    }
}

/// @notice Real RISC Zero Groth16 receipts (`test/vectors/`, sources in its README): 3.0, the release this project
///         verifies, and 2.2, whose control root differs.
library ReceiptVector {
    string internal constant PATH = "test/vectors/risc0_groth16_receipt_v3_0.json";
    string internal constant PATH_V2_2 = "test/vectors/risc0_groth16_receipt_v2_2.json";

    struct Receipt {
        bytes seal;
        bytes journal;
        bytes32 imageId;
        bytes32 controlRoot;
        bytes32 bn254ControlId;
    }

    function load(Vm vm) internal view returns (Receipt memory r) {
        return loadFrom(vm, PATH);
    }

    function loadFrom(Vm vm, string memory path) internal view returns (Receipt memory r) {
        string memory json = vm.readFile(path);
        r.seal = vm.parseJsonBytes(json, ".seal");
        r.journal = vm.parseJsonBytes(json, ".journal");
        r.imageId = vm.parseJsonBytes32(json, ".image_id");
        r.controlRoot = vm.parseJsonBytes32(json, ".control_root");
        r.bn254ControlId = vm.parseJsonBytes32(json, ".bn254_control_id");
    }
}
