// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {ImageID} from "../../src/ImageID.sol";
import {Proof} from "../../src/Proof.sol";
import {Test} from "./Test.sol";

/// @notice The forge cheatcodes proving needs beyond `Vm` (Test.sol): state diff recording, state dumps, ffi.
interface VmProving {
    struct ChainInfo {
        uint256 forkId;
        uint256 chainId;
    }

    struct StorageAccess {
        address account;
        bytes32 slot;
        bool isWrite;
        bytes32 previousValue;
        bytes32 newValue;
        bool reverted;
    }

    /// @dev forge's `AccountAccess`; `kind` is its `AccountAccessKind` (0 Call, 3 StaticCall, 4 Create, ...).
    struct AccountAccess {
        ChainInfo chainInfo;
        uint8 kind;
        address account;
        address accessor;
        bool initialized;
        uint256 oldBalance;
        uint256 newBalance;
        bytes deployedCode;
        uint256 value;
        bytes data;
        bool reverted;
        StorageAccess[] storageAccesses;
        uint64 depth;
        uint64 oldNonce;
        uint64 newNonce;
    }

    struct FfiResult {
        int32 exitCode;
        bytes stdout;
        bytes stderr;
    }

    function startStateDiffRecording() external;
    function stopAndReturnStateDiff() external returns (AccountAccess[] memory accesses);
    function load(address target, bytes32 slot) external view returns (bytes32);
    function dumpState(string calldata pathToStateJson) external;
    function createDir(string calldata path, bool recursive) external;
    function removeFile(string calldata path) external;
    function tryFfi(string[] calldata commandInput) external returns (FfiResult memory);
    function projectRoot() external view returns (string memory);
    function envOr(string calldata name, string calldata defaultValue) external view returns (string memory);
    function unixTime() external returns (uint256);
    function randomUint() external returns (uint256);
}

/// @notice A test base that proves prover calls on the test's own state, as vlayer v1's `VTest` did, with stock
///         forge: `vprove(prover, callData)` returns the prover's return data and a dev-mode `Proof` that the
///         dev-chain verifier (`FakeProofVerifier`) accepts, on this test's chain, from the next block on.
/// @dev How (docs/forge-testing.md): from its first state variable on, this contract records every account and
///      storage slot the test touches (`startStateDiffRecording`), since `vm.dumpState` alone sees only what the
///      current transaction touched (nothing of `setUp`). `vprove` reads them all back into the transaction, dumps
///      the state, and runs `vlayer test-call` through `vm.ffi`: a private anvil holding that state mines the test's
///      block (same number and timestamp), and vlayer proves the call there with its real preflight and native
///      guest. The proof settles on the test's block `N`; `vprove` installs that block's hash (`vm.setBlockhash`) and
///      moves the test to block `N + 1` when it is still at `N`, as a verifier on chain runs after the proven block.
abstract contract VTest is Test {
    VmProving private constant VM_PROVING = VmProving(address(uint160(uint256(keccak256("hevm cheat code")))));
    /// @dev Where the state dumps go, under the project root (foundry.toml grants write access there).
    string private constant DUMP_DIR = "/cache/vlayer-test/";
    uint8 private constant STATUS_PROVEN = 0;
    uint8 private constant STATUS_REVERTED = 1;
    uint8 private constant KIND_CALL = 0;
    uint8 private constant KIND_STATICCALL = 3;
    uint8 private constant KIND_CREATE = 4;
    string private constant HOW_TO_RUN =
        "; VTest needs `ffi = true` in foundry.toml and `vlayer` on PATH, or run the tests with `vlayer test`";

    /// @dev Initialised before any state variable of a derived test (base first), so that their deployments are
    ///      recorded too.
    bool private _vtRecording = _vtStartRecording();
    address[] private _vtAccounts;
    mapping(address => bool) private _vtKnownAccount;
    mapping(address => bytes32[]) private _vtSlots;
    mapping(address => mapping(bytes32 => bool)) private _vtKnownSlot;
    uint256 private _vtCalls;
    /// @dev `block.number + 1` while a `callProver()` waits for its `getProof()`; zero otherwise.
    uint256 private _vtPendingBlock;

    function _vtStartRecording() private returns (bool) {
        VM_PROVING.startStateDiffRecording();
        return true;
    }

    /// @notice Proves `prover.call(callData)` on this test's state now. Reverts with `vlayer: prover reverted:
    ///         <reason>` when the prover reverts (reason named with the project's ABIs), and with `vlayer: <why>`
    ///         when the call cannot be proven (the guest refuses it, the host and guest disagree, ...).
    function vprove(address prover, bytes memory callData)
        internal
        returns (bytes memory returnData, Proof memory proof)
    {
        _vtCollect(VM_PROVING.stopAndReturnStateDiff());
        VM_PROVING.startStateDiffRecording();
        return _vtProve(prover, callData);
    }

    /// @notice `vprove` as an external call, for `vm.expectRevert` (which watches the next call, not an internal
    ///         function): `vm.expectRevert(...); this.vproveCall(prover, data);`.
    function vproveCall(address prover, bytes memory callData)
        external
        returns (bytes memory returnData, Proof memory proof)
    {
        return vprove(prover, callData);
    }

    /// @notice Carry `account` into every later proof although no call touched it: state recording sees calls,
    ///         not cheatcodes, so an account whose balance or code only `vm.deal` or `vm.etch` set needs this.
    function vtrack(address account) internal {
        _vtKnow(account);
    }

    /// @notice Carry `account`'s `slot` into every later proof: a slot only `vm.store` wrote needs this.
    function vtrack(address account, bytes32 slot) internal {
        _vtKnow(account);
        if (!_vtKnownSlot[account][slot]) {
            _vtKnownSlot[account][slot] = true;
            _vtSlots[account].push(slot);
        }
    }

    /// @notice vlayer v1's shape: `callProver(); prover.f(args); Proof memory p = getProof();`. The next call this
    ///         test makes (to a contract other than itself) is the one proven, on the state as it was when it ran.
    function callProver() internal {
        if (_vtPendingBlock != 0) {
            revert("vlayer: callProver() twice without getProof()");
        }
        _vtCollect(VM_PROVING.stopAndReturnStateDiff());
        VM_PROVING.startStateDiffRecording();
        _vtPendingBlock = block.number + 1;
    }

    /// @notice The proof of the call made after `callProver()`. Refused when that call, or anything after it,
    ///         changed state (the call is proven on the state as it is now, which must be the state it ran on).
    function getProof() internal returns (Proof memory proof) {
        if (_vtPendingBlock == 0) {
            revert("vlayer: getProof() without callProver() first");
        }
        if (_vtPendingBlock != block.number + 1) {
            revert("vlayer: the block changed between callProver() and getProof()");
        }
        _vtPendingBlock = 0;
        VmProving.AccountAccess[] memory accesses = VM_PROVING.stopAndReturnStateDiff();
        VM_PROVING.startStateDiffRecording();
        (address prover, bytes memory callData) = _vtProverCall(accesses);
        _vtRequireUnchanged(accesses);
        _vtCollect(accesses);
        (, proof) = _vtProve(prover, callData);
    }

    function _vtProverCall(VmProving.AccountAccess[] memory accesses)
        private
        view
        returns (address prover, bytes memory callData)
    {
        for (uint256 i = 0; i < accesses.length; i++) {
            VmProving.AccountAccess memory a = accesses[i];
            bool isCall = a.kind == KIND_CALL || a.kind == KIND_STATICCALL;
            if (isCall && a.accessor == address(this) && a.account != address(this)) {
                return (a.account, a.data);
            }
        }
        revert("vlayer: no call to a prover between callProver() and getProof()");
    }

    function _vtRequireUnchanged(VmProving.AccountAccess[] memory accesses) private view {
        for (uint256 i = 0; i < accesses.length; i++) {
            VmProving.AccountAccess memory a = accesses[i];
            if (a.reverted || a.account == address(this)) {
                continue;
            }
            bool changed = a.kind == KIND_CREATE || a.oldBalance != a.newBalance || a.oldNonce != a.newNonce;
            for (uint256 j = 0; j < a.storageAccesses.length && !changed; j++) {
                VmProving.StorageAccess memory s = a.storageAccesses[j];
                changed = s.isWrite && !s.reverted && s.previousValue != s.newValue && s.account != address(this);
            }
            if (changed) {
                revert(
                    string.concat(
                        "vlayer: the state changed between callProver() and getProof() (at ",
                        vm.toString(a.account),
                        "); only calls that change nothing can be proven this way: use vprove"
                    )
                );
            }
        }
    }

    /// @dev Remembers every account and slot in `accesses` (they outlive this transaction: `setUp` is another one)
    ///      and reads them all, which puts them in the current transaction's state for `vm.dumpState`.
    function _vtCollect(VmProving.AccountAccess[] memory accesses) private {
        for (uint256 i = 0; i < accesses.length; i++) {
            _vtKnow(accesses[i].account);
            _vtKnow(accesses[i].accessor);
            VmProving.StorageAccess[] memory slots = accesses[i].storageAccesses;
            for (uint256 j = 0; j < slots.length; j++) {
                address owner = slots[j].account;
                if (owner != address(this) && !_vtKnownSlot[owner][slots[j].slot]) {
                    _vtKnow(owner);
                    _vtKnownSlot[owner][slots[j].slot] = true;
                    _vtSlots[owner].push(slots[j].slot);
                }
            }
        }
        for (uint256 i = 0; i < _vtAccounts.length; i++) {
            address account = _vtAccounts[i];
            // EXTCODESIZE loads the code with the account (BALANCE alone leaves it out of the dump); the size is
            // used so that the optimizer keeps the read.
            if (account.code.length == type(uint256).max) {
                revert();
            }
            bytes32[] storage slots = _vtSlots[account];
            for (uint256 j = 0; j < slots.length; j++) {
                VM_PROVING.load(account, slots[j]);
            }
        }
    }

    function _vtKnow(address account) private {
        if (account != address(this) && account != address(VM_PROVING) && !_vtKnownAccount[account]) {
            _vtKnownAccount[account] = true;
            _vtAccounts.push(account);
        }
    }

    function _vtProve(address prover, bytes memory callData)
        private
        returns (bytes memory returnData, Proof memory proof)
    {
        string memory dir = string.concat(VM_PROVING.projectRoot(), DUMP_DIR);
        VM_PROVING.createDir(dir, true);
        bytes32 id =
            keccak256(abi.encode(msg.sig, _vtCalls++, gasleft(), VM_PROVING.unixTime(), VM_PROVING.randomUint()));
        string memory path = string.concat(dir, vm.toString(id), ".json");
        VM_PROVING.dumpState(path);
        VmProving.FfiResult memory run = _vtRun(path, prover, callData);
        if (run.exitCode != 0) {
            _vtRemove(path);
            revert(string.concat("vlayer: `vlayer test-call` failed: ", string(run.stderr)));
        }
        uint8 status;
        uint256 settleNumber;
        bytes32 settleHash;
        string memory message;
        (status, returnData, settleNumber, settleHash, proof, message) =
            abi.decode(run.stdout, (uint8, bytes, uint256, bytes32, Proof, string));
        if (status == STATUS_REVERTED) {
            revert(string.concat("vlayer: prover reverted: ", message));
        }
        if (status != STATUS_PROVEN) {
            revert(string.concat("vlayer: ", message));
        }
        // The proof carries the installed guest's image id; verifiers registered ImageID.sol's. Told apart here, a
        // stale ImageID.sol is named as such rather than as the verifier's UnsupportedImageId.
        if (proof.callGuestId != ImageID.RISC0_CALL_GUEST_ID) {
            revert(
                string.concat(
                    "vlayer: the installed guest's image id ",
                    vm.toString(proof.callGuestId),
                    " is not ImageID.RISC0_CALL_GUEST_ID ",
                    vm.toString(ImageID.RISC0_CALL_GUEST_ID),
                    ": ImageID.sol is from another guest build (vlayer init writes the installed guest's; in a "
                    "vlayer checkout `python -m vlayer.image_id check` says which)"
                )
            );
        }
        if (settleNumber != block.number) {
            revert("vlayer: the proof settled on another block than the test's");
        }
        vm.roll(settleNumber + 1);
        vm.setBlockhash(settleNumber, settleHash);
    }

    /// @dev `vlayer test-call` from PATH, or `$VLAYER_PYTHON -m vlayer.cli test-call` where `vlayer test` set it.
    function _vtRun(string memory path, address prover, bytes memory callData)
        private
        returns (VmProving.FfiResult memory)
    {
        string memory python = VM_PROVING.envOr("VLAYER_PYTHON", string(""));
        uint256 lead = bytes(python).length == 0 ? 1 : 3;
        string[] memory argv = new string[](lead + 15);
        if (lead == 1) {
            argv[0] = "vlayer";
        } else {
            (argv[0], argv[1], argv[2]) = (python, "-m", "vlayer.cli");
        }
        string[15] memory rest = [
            "test-call",
            "--state",
            path,
            "--to",
            vm.toString(prover),
            "--data",
            vm.toString(callData),
            "--block-number",
            vm.toString(block.number),
            "--timestamp",
            vm.toString(block.timestamp),
            "--chain-id",
            vm.toString(block.chainid),
            "--project",
            VM_PROVING.projectRoot()
        ];
        for (uint256 i = 0; i < rest.length; i++) {
            argv[lead + i] = rest[i];
        }
        try VM_PROVING.tryFfi(argv) returns (VmProving.FfiResult memory run) {
            return run;
        } catch Error(string memory why) {
            _vtRemove(path);
            revert(string.concat("vlayer: cannot run `vlayer test-call` (", why, ")", HOW_TO_RUN));
        } catch {
            _vtRemove(path);
            revert(string.concat("vlayer: cannot run `vlayer test-call`", HOW_TO_RUN));
        }
    }

    /// @dev `vlayer test-call` removes the dump once it has read it; this is for a run that failed before that.
    function _vtRemove(string memory path) private {
        try VM_PROVING.removeFile(path) {} catch {}
    }
}
