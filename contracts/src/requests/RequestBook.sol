// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Proof, ProofLib} from "../Proof.sol";
import {IProofVerifier} from "../proof_verifier/IProofVerifier.sol";
import {SettleBlock} from "../SettleBlock.sol";
import {IRequestCallback} from "./IRequestCallback.sol";
import {IVersionedStore, Read} from "./VersionedStore.sol";

/// @dev Each request has its own status and nothing waits on another request: there is no queue head, so one
///      request nobody can answer (or whose callback keeps failing) blocks nothing else.
enum RequestStatus {
    None,
    Open,
    Fulfilled,
    CallbackFailed,
    Cancelled
}

/// @notice A request as stored: five slots. The args are not stored, only their hash; they travel in
///         `RequestPosted` and are checked by the prover against `argsHash` at the settle block.
/// @dev `minSettleBlock` and `deadline` are block numbers (not timestamps), the unit of settle blocks and of the
///      settlement window (`settlementWindow()`: 256 blocks, or 8,191 with EIP-2935).
struct Request {
    address requester;
    uint64 minSettleBlock;
    uint32 callbackGas;
    address prover;
    uint64 deadline;
    bytes4 selector;
    address callback;
    RequestStatus status;
    uint256 fee;
    bytes32 argsHash;
}

/// @notice Request–response coprocessor: a dApp posts a request for a vlayer prover to answer (optionally with a
///         fee); any worker proves the prover's answer and calls `fulfil`; the book verifies the proof, checks that
///         the state the answer read is still current, and calls the dApp back with the result.
/// @dev The prover's function takes `(uint256 id, bytes args, address payee)` and returns
///      `(Proof, uint256 id, bytes32 argsHash, address payee, Read[] reads, bytes result)` (see `RequestProver`).
///      `fulfil`'s `outputs` is the prover's return data after the 544-byte placeholder, byte for byte, so the
///      journal is rebuilt as `Verifier.sol` does: `abi.encode(callAssumptions) || abi.encode(emptyProof) ||
///      outputs`; the dynamic offsets inside `outputs` count from the placeholder, as in the return data.
contract RequestBook {
    /// @dev BLOCKHASH answers for the 256 most recent blocks; `settlementWindow()` is the window this chain offers
    ///      now, up to 8,191 blocks through EIP-2935's history contract (`SettleBlock`).
    uint256 public constant AVAILABLE_HISTORICAL_BLOCKS = 256;

    /// @notice How old (in blocks) a fulfilment's settle block may be on this chain now: 256, or 8,191 where the
    ///         EIP-2935 history contract is deployed (Prague and later).
    function settlementWindow() external view returns (uint256) {
        return SettleBlock.window();
    }
    /// @dev Gas spent between the gas check and the callback's CALL (a cold account access is 2600), so that the
    ///      callback still receives all of `callbackGas` after EIP-150 keeps 1/64 back.
    uint256 public constant CALLBACK_GAS_MARGIN = 5000;
    /// @dev Gas for paying a fee or refund: enough for a smart wallet's receive, too little to do harm. A payee
    ///      that needs more (or refuses) is credited instead; the payment never makes a fulfilment revert.
    uint256 public constant PAYOUT_GAS = 10_000;
    /// @dev How much of a failing callback's revert data `CallbackFailed` carries: a callback could return
    ///      megabytes to make copying them cost the fulfilment more than the gas it was promised.
    uint256 public constant MAX_REASON_LENGTH = 256;

    IProofVerifier public immutable PROOF_VERIFIER;
    IVersionedStore public immutable STORE;

    /// @notice The last id given out; ids start at 1, so id 0 is never a request.
    uint256 public requestCount;
    mapping(uint256 id => Request) private requests;

    /// @dev What a CallbackFailed request needs for `retryCallback`, kept only until the callback succeeds.
    struct FailedCallback {
        Read[] reads;
        bytes result;
    }

    mapping(uint256 id => FailedCallback) private failedCallbacks;

    /// @notice Fees and refunds a payee did not accept when they were paid; `withdraw` sends them.
    mapping(address payee => uint256) public credit;

    event RequestPosted(
        uint256 indexed id,
        address indexed requester,
        address indexed prover,
        bytes4 selector,
        bytes args,
        address callback,
        uint32 callbackGas,
        uint64 minSettleBlock,
        uint64 deadline,
        uint256 fee
    );
    event RequestFulfilled(
        uint256 indexed id, address indexed worker, address indexed payee, uint256 settleBlock, bool callbackOk
    );
    event CallbackFailed(uint256 indexed id, bytes reason);
    event CallbackRetried(uint256 indexed id);
    event RequestCancelled(uint256 indexed id);
    event Credited(address indexed payee, uint256 amount);
    event Withdrawn(address indexed payee, address to, uint256 amount);

    error ZeroStore();
    error DeadlineTooSoon(uint64 deadline, uint256 earliest);
    error NotOpen(uint256 id, RequestStatus status);
    error Expired(uint256 id, uint64 deadline, uint256 blockNumber);
    error SettleTooEarly(uint256 settleBlock, uint256 minSettleBlock);
    error SettleFromFuture(uint256 settleBlock, uint256 blockNumber);
    error SettleTooOld(uint256 settleBlock, uint256 blockNumber);
    error BlockHashMismatch(uint256 settleBlock, bytes32 expected, bytes32 received);
    error JournalLengthMismatch(uint256 proofLength, uint256 journalLength);
    error WrongRequest(uint256 id, bytes32 argsHash, uint256 provenId, bytes32 provenArgsHash);
    error StaleRead(bytes32 key, uint256 proven, uint256 current);
    error InsufficientGas(uint256 callbackGas);
    /// @notice Not a revert: the reason `CallbackFailed` carries when the callback address has no code (a CALL
    ///         to it would "succeed" and apply nothing).
    error CallbackNotContract(address callback);
    error CallbackNotFailed(uint256 id, RequestStatus status);
    error NotRequester(uint256 id, address caller);
    error NotExpired(uint256 id, uint64 deadline, uint256 blockNumber);
    error NothingToWithdraw(address payee);
    error WithdrawFailed(address to, uint256 amount);

    constructor(IProofVerifier proofVerifier, IVersionedStore store) {
        // Without a store every read would be checked against nothing: a misconfiguration, not a mode.
        if (address(store) == address(0)) {
            revert ZeroStore();
        }
        PROOF_VERIFIER = proofVerifier;
        STORE = store;
    }

    // --- requests --------------------------------------------------------------------------------------------

    /// @notice Posts a request for `prover.selector(id, args, payee)`, escrowing `msg.value` as the fee.
    /// @param minConfirmations Blocks after this one before the answer may be settled: the proof's settle block
    ///        must be at least `block.number + minConfirmations`, so a reorg of that many blocks cannot undo the
    ///        request under a proof.
    /// @param deadline Last block number in which `fulfil` is accepted; after it the requester may `cancel`.
    /// @param callbackGas Exactly the gas `callback` is called with; a request whose callback needs more than a
    ///        block can give is never fulfilled, and is cancelled after its deadline.
    function post(
        address prover,
        bytes4 selector,
        bytes calldata args,
        address callback,
        uint32 callbackGas,
        uint16 minConfirmations,
        uint64 deadline
    ) external payable returns (uint256 id) {
        // Block numbers stay far below 2**64, so the cast loses nothing.
        uint64 minSettleBlock = uint64(block.number) + minConfirmations;
        // The proof must settle on minSettleBlock or later and be verified in a later block: a deadline before
        // minSettleBlock + 1 could never be met.
        if (deadline <= minSettleBlock) {
            revert DeadlineTooSoon(deadline, uint256(minSettleBlock) + 1);
        }
        id = ++requestCount;
        requests[id] = Request({
            requester: msg.sender,
            minSettleBlock: minSettleBlock,
            callbackGas: callbackGas,
            prover: prover,
            deadline: deadline,
            selector: selector,
            callback: callback,
            status: RequestStatus.Open,
            fee: msg.value,
            argsHash: keccak256(args)
        });
        _emitPosted(id, args);
    }

    /// @notice Answers request `id` with a proof of its prover's call and that call's outputs after the proof
    ///         placeholder. The fee goes to the payee the proof names, whoever sends the transaction.
    /// @return callbackOk Whether the callback succeeded; when it did not the request is CallbackFailed and the
    ///         answer still stands (see `retryCallback`).
    function fulfil(uint256 id, Proof calldata proof, bytes calldata outputs) external returns (bool callbackOk) {
        Request storage request = requests[id];
        _checkFulfillable(id, request, proof);
        (address payee, Read[] memory reads, bytes memory result) = _verifiedOutputs(id, request, proof, outputs);
        _checkReads(reads);

        // Effects before the callback: while it runs the request is already answered, so it cannot be answered,
        // cancelled or retried again from inside the callback.
        request.status = RequestStatus.Fulfilled;
        bytes memory reason;
        (callbackOk, reason) = _callBack(id, request, result);
        if (!callbackOk) {
            request.status = RequestStatus.CallbackFailed;
            FailedCallback storage failed = failedCallbacks[id];
            for (uint256 i = 0; i < reads.length; i++) {
                failed.reads.push(reads[i]);
            }
            failed.result = result;
            emit CallbackFailed(id, reason);
        }
        emit RequestFulfilled(id, msg.sender, payee, proof.callAssumptions.settleBlockNumber, callbackOk);
        _pay(payee, request.fee);
    }

    /// @notice Calls a CallbackFailed request's callback again with the proven result, as long as the reads the
    ///         answer was computed over are still current. Anyone may call it.
    /// @return ok Whether the callback succeeded (the request is then Fulfilled); if not it stays CallbackFailed.
    function retryCallback(uint256 id) external returns (bool ok) {
        Request storage request = requests[id];
        if (request.status != RequestStatus.CallbackFailed) {
            revert CallbackNotFailed(id, request.status);
        }
        FailedCallback storage failed = failedCallbacks[id];
        // Applying an answer computed over state that has changed since would break the guard fulfil enforced;
        // such a request cannot be retried and the requester posts a new one.
        _checkReads(failed.reads);
        bytes memory result = failed.result;
        request.status = RequestStatus.Fulfilled;
        bytes memory reason;
        (ok, reason) = _callBack(id, request, result);
        if (ok) {
            delete failedCallbacks[id];
            emit CallbackRetried(id);
        } else {
            request.status = RequestStatus.CallbackFailed;
            emit CallbackFailed(id, reason);
        }
    }

    /// @notice The requester takes back an Open request after its deadline, with its fee.
    function cancel(uint256 id) external {
        Request storage request = requests[id];
        if (request.status != RequestStatus.Open) {
            revert NotOpen(id, request.status);
        }
        if (msg.sender != request.requester) {
            revert NotRequester(id, msg.sender);
        }
        if (block.number <= request.deadline) {
            revert NotExpired(id, request.deadline, block.number);
        }
        request.status = RequestStatus.Cancelled;
        emit RequestCancelled(id);
        _pay(request.requester, request.fee);
    }

    /// @notice Sends the caller's credit (fees or refunds it did not accept when paid) to `to`, which may be
    ///         another address than the caller: a contract that refuses ETH can still collect its fees.
    function withdraw(address to) external {
        uint256 amount = credit[msg.sender];
        if (amount == 0) {
            revert NothingToWithdraw(msg.sender);
        }
        credit[msg.sender] = 0;
        (bool ok,) = to.call{value: amount}("");
        if (!ok) {
            revert WithdrawFailed(to, amount);
        }
        emit Withdrawn(msg.sender, to, amount);
    }

    // --- views -----------------------------------------------------------------------------------------------

    function statusOf(uint256 id) external view returns (RequestStatus) {
        return requests[id].status;
    }

    /// @notice keccak256 of the args request `id` was posted with; 0 for an id never posted. Provers read it
    ///         at the settle block.
    function argsHashOf(uint256 id) external view returns (bytes32) {
        return requests[id].argsHash;
    }

    function requestOf(uint256 id) external view returns (Request memory) {
        return requests[id];
    }

    // --- internals -------------------------------------------------------------------------------------------

    function _emitPosted(uint256 id, bytes calldata args) private {
        Request storage r = requests[id];
        emit RequestPosted(
            id, r.requester, r.prover, r.selector, args, r.callback, r.callbackGas, r.minSettleBlock, r.deadline, r.fee
        );
    }

    /// @dev The request's own conditions, then the settle block: the proof verifier checks the block window and
    ///      hash too, but the book's guarantees must not depend on which IProofVerifier it was given.
    function _checkFulfillable(uint256 id, Request storage request, Proof calldata proof) private view {
        if (request.status != RequestStatus.Open) {
            revert NotOpen(id, request.status);
        }
        if (block.number > request.deadline) {
            revert Expired(id, request.deadline, block.number);
        }
        uint256 settle = proof.callAssumptions.settleBlockNumber;
        if (settle < request.minSettleBlock) {
            revert SettleTooEarly(settle, request.minSettleBlock);
        }
        if (settle >= block.number) {
            revert SettleFromFuture(settle, block.number);
        }
        bytes32 canonical = SettleBlock.hashOf(settle);
        if (canonical == bytes32(0)) {
            revert SettleTooOld(settle, block.number);
        }
        if (proof.callAssumptions.settleBlockHash != canonical) {
            revert BlockHashMismatch(settle, canonical, proof.callAssumptions.settleBlockHash);
        }
    }

    /// @dev Verifies the proof of the request's prover and selector over the rebuilt journal, then decodes the
    ///      outputs and checks they answer this request.
    function _verifiedOutputs(uint256 id, Request storage request, Proof calldata proof, bytes calldata outputs)
        private
        view
        returns (address payee, Read[] memory reads, bytes memory result)
    {
        bytes memory returnData = bytes.concat(abi.encode(ProofLib.emptyProof()), outputs);
        bytes memory journal = bytes.concat(abi.encode(proof.callAssumptions), returnData);
        // The seal binds the journal's digest, not this field; a mismatch still means the worker sent outputs
        // other than the ones it proved, and saying so beats a failed seal check.
        if (proof.length != journal.length) {
            revert JournalLengthMismatch(proof.length, journal.length);
        }
        PROOF_VERIFIER.verify(proof, sha256(journal), request.prover, request.selector);

        uint256 provenId;
        bytes32 provenArgsHash;
        (, provenId, provenArgsHash, payee, reads, result) =
            abi.decode(returnData, (Proof, uint256, bytes32, address, Read[], bytes));
        // A valid proof of the right prover may still answer another request (or other args, from a prover that
        // does not check them): the outputs must name this one.
        if (provenId != id || provenArgsHash != request.argsHash) {
            revert WrongRequest(id, request.argsHash, provenId, provenArgsHash);
        }
    }

    /// @dev The concurrency guard: the answer stands only on the exact versions it read.
    function _checkReads(Read[] memory reads) private view {
        for (uint256 i = 0; i < reads.length; i++) {
            uint256 current = STORE.versionOf(reads[i].key);
            if (current != reads[i].version) {
                revert StaleRead(reads[i].key, reads[i].version, current);
            }
        }
    }

    /// @dev Calls the callback with exactly `callbackGas`. The caller must leave enough gas for that (EIP-150
    ///      forwards at most 63/64 of what is left); otherwise a worker could starve the callback on purpose to
    ///      turn a good request into CallbackFailed, so too little gas reverts the whole transaction instead.
    function _callBack(uint256 id, Request storage request, bytes memory result)
        private
        returns (bool ok, bytes memory reason)
    {
        uint256 callbackGas = request.callbackGas;
        address callback = request.callback;
        bytes memory data = abi.encodeCall(IRequestCallback.onVlayerResult, (id, result));
        uint256 available = gasleft();
        if (available - available / 64 < callbackGas + CALLBACK_GAS_MARGIN) {
            revert InsufficientGas(callbackGas);
        }
        // A codeless callback (a typo, or a contract not deployed yet) would take the result and do nothing: it
        // fails instead, so the answer is kept for `retryCallback` once code is there.
        if (callback.code.length == 0) {
            return (false, abi.encodeWithSelector(CallbackNotContract.selector, callback));
        }
        assembly ("memory-safe") {
            ok := call(callbackGas, callback, 0, add(data, 0x20), mload(data), 0, 0)
            let size := returndatasize()
            if gt(size, MAX_REASON_LENGTH) { size := MAX_REASON_LENGTH }
            reason := mload(0x40)
            mstore(reason, size)
            returndatacopy(add(reason, 0x20), 0, size)
            mstore(0x40, add(add(reason, 0x20), and(add(size, 31), not(31))))
        }
    }

    /// @dev Pays with bounded gas and without copying return data, so no payee can make the caller revert;
    ///      what it does not accept is credited to it for `withdraw`.
    function _pay(address payee, uint256 amount) private {
        if (amount == 0) {
            return;
        }
        bool ok;
        assembly ("memory-safe") {
            ok := call(PAYOUT_GAS, payee, amount, 0, 0, 0, 0)
        }
        if (!ok) {
            credit[payee] += amount;
            emit Credited(payee, amount);
        }
    }
}
