// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {CallAssumptions} from "../../src/CallAssumptions.sol";
import {ImageIdRepository} from "../../src/ImageIdRepository.sol";
import {Proof} from "../../src/Proof.sol";
import {FakeProofVerifier} from "../../src/proof_verifier/FakeProofVerifier.sol";
import {ProofVerifierBase} from "../../src/proof_verifier/ProofVerifierBase.sol";
import {VerificationFailed} from "../../src/risc0/IRiscZeroVerifier.sol";
import {Request, RequestBook, RequestStatus} from "../../src/requests/RequestBook.sol";
import {RequestProver} from "../../src/requests/RequestProver.sol";
import {IVersionedStore, VersionedStore} from "../../src/requests/VersionedStore.sol";
import {DevProofs} from "../lib/DevProofs.sol";
import {History, Test} from "../lib/Test.sol";
import {Counter, GasGauge, GasProbe, RefusingPayee} from "./Counter.sol";
import {CounterProver, SloppyProver} from "./Counter.v.sol";

/// @dev Cheatcodes these tests need beyond `test/lib/Test.sol`'s interface (same address).
interface VmExtra {
    function deal(address account, uint256 balance) external;
}

contract RequestBookTest is Test {
    VmExtra internal constant vmx = VmExtra(address(uint160(uint256(keccak256("hevm cheat code")))));

    address internal constant ALICE = address(0xa11ce);
    address internal constant WORKER = address(0x3e3e3e);
    address internal constant MALLORY = address(0xbad);
    uint64 internal constant POSTED = 100;
    uint16 internal constant CONFIRMATIONS = 2;
    /// @dev The earliest settle block of a request posted at POSTED, where the tests settle their proofs.
    uint64 internal constant SETTLE = POSTED + CONFIRMATIONS;
    uint64 internal constant DEADLINE = 150;
    uint32 internal constant CALLBACK_GAS = 200_000;
    uint256 internal constant FEE = 1 ether;
    bytes32 internal constant KEY = keccak256("counter");
    bytes32 internal constant SETTLE_HASH = keccak256("block 102");

    ImageIdRepository internal repository;
    FakeProofVerifier internal fakeVerifier;
    VersionedStore internal store;
    RequestBook internal book;
    CounterProver internal prover;
    Counter internal counter;

    function setUp() public {
        repository = new ImageIdRepository(address(this));
        repository.addImageIdSupport(DevProofs.TEST_IMAGE_ID);
        fakeVerifier = new FakeProofVerifier(repository);
        store = new VersionedStore(address(this));
        book = new RequestBook(fakeVerifier, store);
        prover = new CounterProver(book);
        counter = new Counter(book, store);
        store.setWriter(address(counter), true);
        store.setWriter(address(this), true);
        store.write(KEY, bytes32(uint256(41)));
        vmx.deal(ALICE, 10 ether);
        vm.roll(POSTED);
    }

    // --- helpers ---------------------------------------------------------------------------------------------

    function _args(uint256 delta) internal pure returns (bytes memory) {
        return abi.encode(KEY, delta);
    }

    /// @dev ALICE posts an increment request for `counter`, with a fee.
    function _post(address proverAddress, bytes memory args, uint64 deadline) internal returns (uint256 id) {
        vm.prank(ALICE);
        id = book.post{value: FEE}(
            proverAddress,
            CounterProver.increment.selector,
            args,
            address(counter),
            CALLBACK_GAS,
            CONFIRMATIONS,
            deadline
        );
    }

    function _post(bytes memory args) internal returns (uint256) {
        return _post(address(prover), args, DEADLINE);
    }

    function tailAfterPlaceholder(bytes calldata returnData) external pure returns (bytes memory) {
        return returnData[544:];
    }

    /// @dev Runs `increment(id, args, payee)` on `proverAddress` in the current state and proves it (dev mode) as
    ///      settled on `settle`; moves to `settle + 1` first so that the settle block has a hash.
    function _proveAt(address proverAddress, uint256 id, bytes memory args, address payee, uint256 settle)
        internal
        returns (Proof memory proof, bytes memory outputs)
    {
        if (block.number <= settle) {
            vm.roll(settle + 1);
        }
        vm.setBlockhash(settle, SETTLE_HASH);
        (bool ok, bytes memory returnData) =
            proverAddress.staticcall(abi.encodeCall(CounterProver.increment, (id, args, payee)));
        assertTrue(ok, "prover call");
        CallAssumptions memory assumptions =
            CallAssumptions(proverAddress, CounterProver.increment.selector, block.chainid, settle, blockhash(settle));
        proof = DevProofs.fakeProof(assumptions, returnData, DevProofs.TEST_IMAGE_ID);
        outputs = this.tailAfterPlaceholder(returnData);
    }

    function _prove(uint256 id, bytes memory args) internal returns (Proof memory, bytes memory) {
        return _proveAt(address(prover), id, args, WORKER, SETTLE);
    }

    function _fulfilCall(uint256 id, Proof memory proof, bytes memory outputs) internal pure returns (bytes memory) {
        return abi.encodeCall(RequestBook.fulfil, (id, proof, outputs));
    }

    function _expectFulfilReverts(
        uint256 id,
        Proof memory proof,
        bytes memory outputs,
        bytes memory err,
        string memory what
    ) internal {
        assertRevertsWith(address(book), _fulfilCall(id, proof, outputs), err, what);
    }

    function _status(uint256 id) internal view returns (uint256) {
        return uint256(book.statusOf(id));
    }

    // --- post ------------------------------------------------------------------------------------------------

    function test_postStoresACompactRequestAndEmitsTheArgs() public {
        bytes memory args = _args(1);
        vm.expectEmit(address(book));
        emit RequestBook.RequestPosted(
            1,
            ALICE,
            address(prover),
            CounterProver.increment.selector,
            args,
            address(counter),
            CALLBACK_GAS,
            SETTLE,
            DEADLINE,
            FEE
        );
        uint256 id = _post(args);
        assertEq(id, 1, "first id");
        Request memory r = book.requestOf(id);
        assertEq(r.requester, ALICE, "requester");
        assertEq(r.prover, address(prover), "prover");
        assertEq(bytes32(r.selector), bytes32(CounterProver.increment.selector), "selector");
        assertEq(r.callback, address(counter), "callback");
        assertEq(r.callbackGas, CALLBACK_GAS, "callback gas");
        assertEq(r.minSettleBlock, SETTLE, "min settle block = posted + confirmations");
        assertEq(r.deadline, DEADLINE, "deadline");
        assertEq(r.fee, FEE, "fee");
        assertEq(book.argsHashOf(id), keccak256(args), "args hash");
        assertEq(_status(id), uint256(RequestStatus.Open), "status");
        assertEq(address(book).balance, FEE, "fee escrowed");
        assertEq(_status(2), uint256(RequestStatus.None), "unposted id");
        assertEq(book.argsHashOf(2), bytes32(0), "unposted args hash");
    }

    function test_postRefusesADeadlineThatCannotBeMet() public {
        assertRevertsWith(
            address(book),
            abi.encodeCall(
                RequestBook.post,
                (address(prover), CounterProver.increment.selector, _args(1), address(counter), 1, 2, SETTLE)
            ),
            abi.encodeWithSelector(RequestBook.DeadlineTooSoon.selector, SETTLE, SETTLE + 1),
            "deadline on the min settle block"
        );
    }

    function test_constructorRefusesNoStore() public {
        try new RequestBook(fakeVerifier, IVersionedStore(address(0))) {
            revert("deployed without a store");
        } catch (bytes memory err) {
            assertEq(err, abi.encodeWithSelector(RequestBook.ZeroStore.selector), "revert");
        }
    }

    // --- fulfil: accepted ------------------------------------------------------------------------------------

    function test_fulfilAppliesTheResultAndPaysTheProvenPayee() public {
        uint256 id = _post(_args(1));
        (Proof memory proof, bytes memory outputs) = _prove(id, _args(1));
        vm.expectEmit(address(book));
        emit RequestBook.RequestFulfilled(id, address(this), WORKER, SETTLE, true);
        assertTrue(book.fulfil(id, proof, outputs), "callback ok");
        assertEq(_status(id), uint256(RequestStatus.Fulfilled), "status");
        assertEq(store.valueOf(KEY), bytes32(uint256(42)), "counter applied");
        assertEq(store.versionOf(KEY), 2, "version bumped by the callback's write");
        assertEq(WORKER.balance, FEE, "payee paid");
        assertEq(address(book).balance, 0, "escrow released");
    }

    function test_feeGoesToTheProvenPayeeWhoeverSubmits() public {
        uint256 id = _post(_args(1));
        (Proof memory proof, bytes memory outputs) = _prove(id, _args(1));
        // MALLORY copies WORKER's pending transaction: the proof names WORKER, so WORKER is paid.
        vm.expectEmit(address(book));
        emit RequestBook.RequestFulfilled(id, MALLORY, WORKER, SETTLE, true);
        vm.prank(MALLORY);
        book.fulfil(id, proof, outputs);
        assertEq(WORKER.balance, FEE, "proven payee paid");
        assertEq(MALLORY.balance, 0, "submitter paid nothing");
    }

    function test_payeeCannotBeSwappedInTheOutputs() public {
        uint256 id = _post(_args(1));
        (Proof memory proof, bytes memory outputs) = _prove(id, _args(1));
        // outputs = id, argsHash, payee, ...: the payee is the third word.
        bytes32 mallory = bytes32(uint256(uint160(MALLORY)));
        assembly ("memory-safe") {
            mstore(add(outputs, 0x60), mallory)
        }
        _expectFulfilReverts(id, proof, outputs, abi.encodeWithSelector(VerificationFailed.selector), "payee swapped");
    }

    function test_aPayeeRefusingEthIsCreditedAndWithdraws() public {
        RefusingPayee payee = new RefusingPayee();
        uint256 id = _post(_args(1));
        (Proof memory proof, bytes memory outputs) = _proveAt(address(prover), id, _args(1), address(payee), SETTLE);
        vm.expectEmit(address(book));
        emit RequestBook.Credited(address(payee), FEE);
        assertTrue(book.fulfil(id, proof, outputs), "fulfilled despite the payee");
        assertEq(book.credit(address(payee)), FEE, "credited");
        payee.withdrawFrom(book, WORKER);
        assertEq(WORKER.balance, FEE, "withdrawn elsewhere");
        assertEq(book.credit(address(payee)), 0, "credit cleared");
        assertRevertsWith(
            address(book),
            abi.encodeCall(RequestBook.withdraw, (WORKER)),
            abi.encodeWithSelector(RequestBook.NothingToWithdraw.selector, address(this)),
            "nothing to withdraw"
        );
    }

    // --- fulfil: each refusal --------------------------------------------------------------------------------

    function test_refusesAnUnknownRequest() public {
        uint256 id = _post(_args(1));
        (Proof memory proof, bytes memory outputs) = _prove(id, _args(1));
        _expectFulfilReverts(
            7, proof, outputs, abi.encodeWithSelector(RequestBook.NotOpen.selector, 7, RequestStatus.None), "id 7"
        );
    }

    function test_refusesAfterTheDeadline() public {
        uint256 id = _post(_args(1));
        (Proof memory proof, bytes memory outputs) = _prove(id, _args(1));
        vm.roll(uint256(DEADLINE) + 1);
        _expectFulfilReverts(
            id,
            proof,
            outputs,
            abi.encodeWithSelector(RequestBook.Expired.selector, id, DEADLINE, uint256(DEADLINE) + 1),
            "one block after the deadline"
        );
        vm.roll(DEADLINE);
        assertTrue(book.fulfil(id, proof, outputs), "on the deadline block");
    }

    function test_refusesASettleBlockBeforeTheMinimum() public {
        uint256 id = _post(_args(1));
        (Proof memory proof, bytes memory outputs) = _proveAt(address(prover), id, _args(1), WORKER, SETTLE - 1);
        _expectFulfilReverts(
            id,
            proof,
            outputs,
            abi.encodeWithSelector(RequestBook.SettleTooEarly.selector, SETTLE - 1, SETTLE),
            "one confirmation short"
        );
    }

    function test_refusesASettleBlockOutsideTheBlockhashWindow() public {
        uint256 id = _post(address(prover), _args(1), 1000);
        (Proof memory proof, bytes memory outputs) = _prove(id, _args(1));
        vm.roll(SETTLE);
        _expectFulfilReverts(
            id,
            proof,
            outputs,
            abi.encodeWithSelector(RequestBook.SettleFromFuture.selector, SETTLE, SETTLE),
            "fulfilled in its own settle block"
        );
        vm.roll(SETTLE + 257);
        _expectFulfilReverts(
            id,
            proof,
            outputs,
            abi.encodeWithSelector(RequestBook.SettleTooOld.selector, SETTLE, SETTLE + 257),
            "257 blocks later"
        );
        vm.roll(SETTLE + 256);
        assertTrue(book.fulfil(id, proof, outputs), "256 blocks later, the last block with the settle block's hash");
    }

    function test_withTheHistoryContractTheWindowIs8191Blocks() public {
        uint256 id = _post(address(prover), _args(1), uint64(SETTLE + 9000));
        (Proof memory proof, bytes memory outputs) = _prove(id, _args(1));
        assertEq(book.settlementWindow(), 256, "window without the history contract");
        History.install(vm);
        History.record(vm, SETTLE, SETTLE_HASH);
        assertEq(book.settlementWindow(), 8191, "window with the history contract");
        vm.roll(SETTLE + 8192);
        _expectFulfilReverts(
            id,
            proof,
            outputs,
            abi.encodeWithSelector(RequestBook.SettleTooOld.selector, SETTLE, SETTLE + 8192),
            "8,192 blocks later"
        );
        vm.roll(SETTLE + 300);
        History.record(vm, SETTLE, keccak256("a fork's block 102"));
        _expectFulfilReverts(
            id,
            proof,
            outputs,
            abi.encodeWithSelector(
                RequestBook.BlockHashMismatch.selector, SETTLE, keccak256("a fork's block 102"), SETTLE_HASH
            ),
            "a hash the history contract does not hold"
        );
        History.record(vm, SETTLE, SETTLE_HASH);
        vm.roll(SETTLE + 8191);
        assertTrue(book.fulfil(id, proof, outputs), "8,191 blocks later, through the history contract");
    }

    function test_refusesABlockHashTheChainDoesNotHave() public {
        uint256 id = _post(_args(1));
        (Proof memory proof, bytes memory outputs) = _prove(id, _args(1));
        bytes32 canonical = keccak256("canonical block 102");
        vm.setBlockhash(SETTLE, canonical);
        _expectFulfilReverts(
            id,
            proof,
            outputs,
            abi.encodeWithSelector(RequestBook.BlockHashMismatch.selector, SETTLE, canonical, SETTLE_HASH),
            "settled on a fork"
        );
    }

    function test_refusesAJournalLengthOtherThanTheOutputs() public {
        uint256 id = _post(_args(1));
        (Proof memory proof, bytes memory outputs) = _prove(id, _args(1));
        uint256 journalLength = proof.length;
        proof.length += 32;
        _expectFulfilReverts(
            id,
            proof,
            outputs,
            abi.encodeWithSelector(RequestBook.JournalLengthMismatch.selector, journalLength + 32, journalLength),
            "length of a longer journal"
        );
    }

    function test_refusesTamperedOutputsAndOtherProvers() public {
        uint256 id = _post(_args(1));
        (Proof memory proof, bytes memory outputs) = _prove(id, _args(1));
        bytes memory tampered = bytes.concat(outputs);
        tampered[tampered.length - 1] ^= 0x01;
        _expectFulfilReverts(id, proof, tampered, abi.encodeWithSelector(VerificationFailed.selector), "result + 1");

        // The prover and selector come from the request, not from the worker.
        CounterProver other = new CounterProver(book);
        (Proof memory otherProof, bytes memory otherOutputs) = _proveAt(address(other), id, _args(1), WORKER, SETTLE);
        _expectFulfilReverts(
            id,
            otherProof,
            otherOutputs,
            abi.encodeWithSelector(ProofVerifierBase.InvalidProver.selector, address(prover), address(other)),
            "proof of another prover"
        );
    }

    function test_refusesTheAnswerToAnotherRequest() public {
        uint256 first = _post(_args(1));
        uint256 second = _post(_args(1));
        bytes32 argsHash = keccak256(_args(1));
        (Proof memory proof, bytes memory outputs) = _prove(second, _args(1));
        _expectFulfilReverts(
            first,
            proof,
            outputs,
            abi.encodeWithSelector(RequestBook.WrongRequest.selector, first, argsHash, second, argsHash),
            "same args, other id"
        );
    }

    function test_argsNotMatchingTheirHashCannotBeAnswered() public {
        uint256 id = _post(_args(1));
        // An honest prover refuses to run on other args, so there is no proof to submit...
        (bool ok, bytes memory err) =
            address(prover).staticcall(abi.encodeCall(CounterProver.increment, (id, _args(1000), WORKER)));
        assertTrue(!ok, "prover ran on other args");
        assertEq(
            err,
            abi.encodeWithSelector(
                RequestProver.ArgsMismatch.selector, id, keccak256(_args(1)), keccak256(_args(1000))
            ),
            "prover revert"
        );
        // ...and a prover that skips the check gets its answer refused by the book.
        SloppyProver sloppy = new SloppyProver(book);
        uint256 sloppyId = _post(address(sloppy), _args(1), DEADLINE);
        (Proof memory proof, bytes memory outputs) = _proveAt(address(sloppy), sloppyId, _args(1000), WORKER, SETTLE);
        _expectFulfilReverts(
            sloppyId,
            proof,
            outputs,
            abi.encodeWithSelector(
                RequestBook.WrongRequest.selector, sloppyId, keccak256(_args(1)), sloppyId, keccak256(_args(1000))
            ),
            "answer to other args"
        );
    }

    function test_refusesStaleReads() public {
        uint256 id = _post(_args(1));
        (Proof memory proof, bytes memory outputs) = _prove(id, _args(1));
        // A write lands between proving and fulfilment.
        store.write(KEY, bytes32(uint256(100)));
        _expectFulfilReverts(
            id, proof, outputs, abi.encodeWithSelector(RequestBook.StaleRead.selector, KEY, 1, 2), "write after proving"
        );
    }

    function test_twoAnswersOverTheSameReadsOnlyOneApplies() public {
        uint256 first = _post(_args(1));
        uint256 second = _post(_args(5));
        (Proof memory proof1, bytes memory outputs1) = _prove(first, _args(1));
        (Proof memory proof2, bytes memory outputs2) = _prove(second, _args(5));
        assertTrue(book.fulfil(first, proof1, outputs1), "first answer");
        _expectFulfilReverts(
            first,
            proof1,
            outputs1,
            abi.encodeWithSelector(RequestBook.NotOpen.selector, first, RequestStatus.Fulfilled),
            "the same answer again"
        );
        _expectFulfilReverts(
            second,
            proof2,
            outputs2,
            abi.encodeWithSelector(RequestBook.StaleRead.selector, KEY, 1, 2),
            "second answer over the value the first replaced"
        );
        assertEq(store.valueOf(KEY), bytes32(uint256(42)), "only the first applied");
        // Proven again over the current version, the second request is answered.
        (proof2, outputs2) = _proveAt(address(prover), second, _args(5), WORKER, SETTLE + 1);
        assertTrue(book.fulfil(second, proof2, outputs2), "second answer, fresh proof");
        assertEq(store.valueOf(KEY), bytes32(uint256(47)), "both applied in turn");
    }

    function test_refusesToStarveTheCallback() public {
        uint256 id = _post(_args(1));
        (Proof memory proof, bytes memory outputs) = _prove(id, _args(1));
        // Enough for everything before the callback, not for CALLBACK_GAS after the 1/64 EIP-150 keeps back.
        (bool ok, bytes memory err) = address(book).call{gas: CALLBACK_GAS}(_fulfilCall(id, proof, outputs));
        assertTrue(!ok, "fulfilled with too little gas");
        assertEq(err, abi.encodeWithSelector(RequestBook.InsufficientGas.selector, CALLBACK_GAS), "revert");
        assertEq(_status(id), uint256(RequestStatus.Open), "still open");
    }

    function tailAfterSelector(bytes calldata revertData) external pure returns (bytes memory) {
        return revertData[4:];
    }

    /// @dev fulfil(data) under `gasLimit`, rolled back: whether it succeeded and its return or revert data.
    function _fulfilWithGas(GasProbe probe, bytes memory data, uint256 gasLimit)
        internal
        returns (bool ok, bytes memory returnData)
    {
        (bool probeOk, bytes memory outcome) =
            address(probe).call(abi.encodeCall(GasProbe.tryCall, (address(book), data, gasLimit)));
        assertTrue(!probeOk, "the probe always reverts");
        (ok, returnData) = abi.decode(this.tailAfterSelector(outcome), (bool, bytes));
        assertEq(outcome, abi.encodeWithSelector(GasProbe.Outcome.selector, ok, returnData), "probe outcome");
    }

    function test_theSmallestGasLimitPastTheCheckStillGivesTheCallbackAllItsGas() public {
        // Large enough that the 1/64 left after the callback pays for the rest of fulfil, whichever way it went.
        uint32 callbackGas = 30_000_000;
        // The callee's own dispatch spends a little of its gas before it can measure it: measure that first, so
        // the gauge fails if the book forwards even a few gas less than callbackGas.
        (bool measureOk, bytes memory measured) = address(new GasGauge(type(uint256).max)).call{gas: callbackGas}(
            abi.encodeCall(Counter.onVlayerResult, (1, abi.encode(KEY, uint256(42))))
        );
        assertTrue(!measureOk, "a gauge needing all gas reverts");
        uint256 entryGas = abi.decode(this.tailAfterSelector(measured), (uint256));
        assertEq(measured, abi.encodeWithSelector(GasGauge.TooLittleGas.selector, entryGas), "gauge revert");
        GasGauge gauge = new GasGauge(entryGas);
        vm.prank(ALICE);
        uint256 id = book.post(
            address(prover),
            CounterProver.increment.selector,
            _args(1),
            address(gauge),
            callbackGas,
            CONFIRMATIONS,
            DEADLINE
        );
        (Proof memory proof, bytes memory outputs) = _prove(id, _args(1));
        bytes memory data = _fulfilCall(id, proof, outputs);
        GasProbe probe = new GasProbe();
        bytes memory starved = abi.encodeWithSelector(RequestBook.InsufficientGas.selector, callbackGas);

        // Binary search for the smallest gas limit the check lets through.
        uint256 low = callbackGas; // refused
        uint256 high = 2 * uint256(callbackGas); // let through
        while (high - low > 1) {
            uint256 mid = (low + high) / 2;
            (, bytes memory returnData) = _fulfilWithGas(probe, data, mid);
            if (keccak256(returnData) == keccak256(starved)) {
                low = mid;
            } else {
                high = mid;
            }
        }
        (bool ok, bytes memory result) = _fulfilWithGas(probe, data, high);
        assertTrue(ok, string.concat("fulfil at the smallest gas limit let through: ", vm.toString(result)));
        assertTrue(abi.decode(result, (bool)), "callback got all its gas");
        emit log_named_uint("smallest gas limit for a 30M-gas callback", high);
    }

    // --- callbacks -------------------------------------------------------------------------------------------

    function test_callbackOutOfGasThenRetried() public {
        uint256 id = _post(_args(1));
        (Proof memory proof, bytes memory outputs) = _prove(id, _args(1));
        counter.setMode(Counter.Mode.BurnGas);
        vm.expectEmit(address(book));
        emit RequestBook.CallbackFailed(id, "");
        assertTrue(!book.fulfil(id, proof, outputs), "callback ran out of gas");
        assertEq(_status(id), uint256(RequestStatus.CallbackFailed), "status");
        assertEq(WORKER.balance, FEE, "fee paid all the same");
        assertEq(store.versionOf(KEY), 1, "nothing applied");
        _expectFulfilReverts(
            id,
            proof,
            outputs,
            abi.encodeWithSelector(RequestBook.NotOpen.selector, id, RequestStatus.CallbackFailed),
            "answered again"
        );

        // Still broken: the retry fails and changes nothing.
        vm.prank(MALLORY);
        assertTrue(!book.retryCallback(id), "retry while broken");
        assertEq(_status(id), uint256(RequestStatus.CallbackFailed), "status after a failed retry");

        counter.setMode(Counter.Mode.Ok);
        vm.expectEmit(address(book));
        emit RequestBook.CallbackRetried(id);
        vm.prank(MALLORY);
        assertTrue(book.retryCallback(id), "retry by anyone");
        assertEq(_status(id), uint256(RequestStatus.Fulfilled), "status after the retry");
        assertEq(store.valueOf(KEY), bytes32(uint256(42)), "applied by the retry");
        assertRevertsWith(
            address(book),
            abi.encodeCall(RequestBook.retryCallback, (id)),
            abi.encodeWithSelector(RequestBook.CallbackNotFailed.selector, id, RequestStatus.Fulfilled),
            "retry of a fulfilled request"
        );
    }

    function test_callbackRevertReasonIsReported() public {
        uint256 id = _post(_args(1));
        (Proof memory proof, bytes memory outputs) = _prove(id, _args(1));
        counter.setMode(Counter.Mode.Revert);
        vm.expectEmit(address(book));
        emit RequestBook.CallbackFailed(id, abi.encodeWithSelector(Counter.Broken.selector, id));
        assertTrue(!book.fulfil(id, proof, outputs), "callback reverted");
        assertEq(_status(id), uint256(RequestStatus.CallbackFailed), "status");
    }

    function test_callbackWithoutCodeFailsAndIsRetriedOnceDeployed() public {
        address nowhere = address(0xC0FFEE);
        vm.prank(ALICE);
        uint256 id = book.post{value: FEE}(
            address(prover), CounterProver.increment.selector, _args(1), nowhere, CALLBACK_GAS, CONFIRMATIONS, DEADLINE
        );
        (Proof memory proof, bytes memory outputs) = _prove(id, _args(1));
        vm.expectEmit(address(book));
        emit RequestBook.CallbackFailed(id, abi.encodeWithSelector(RequestBook.CallbackNotContract.selector, nowhere));
        assertTrue(!book.fulfil(id, proof, outputs), "a codeless callback fails");
        assertEq(_status(id), uint256(RequestStatus.CallbackFailed), "status");
        assertEq(WORKER.balance, FEE, "the worker answered: fee paid");
        assertEq(store.versionOf(KEY), 1, "nothing applied");

        // The consumer is deployed there later (as a CREATE2 address would be).
        vm.etch(nowhere, address(counter).code);
        store.setWriter(nowhere, true);
        assertTrue(book.retryCallback(id), "retried once the callback has code");
        assertEq(_status(id), uint256(RequestStatus.Fulfilled), "status after the retry");
    }

    function test_retryRefusesReadsThatWentStale() public {
        uint256 id = _post(_args(1));
        (Proof memory proof, bytes memory outputs) = _prove(id, _args(1));
        counter.setMode(Counter.Mode.Revert);
        book.fulfil(id, proof, outputs);
        counter.setMode(Counter.Mode.Ok);
        store.write(KEY, bytes32(uint256(7)));
        assertRevertsWith(
            address(book),
            abi.encodeCall(RequestBook.retryCallback, (id)),
            abi.encodeWithSelector(RequestBook.StaleRead.selector, KEY, 1, 2),
            "retry over a value written since"
        );
    }

    function test_retryRefusesRequestsWhoseCallbackDidNotFail() public {
        uint256 id = _post(_args(1));
        assertRevertsWith(
            address(book),
            abi.encodeCall(RequestBook.retryCallback, (id)),
            abi.encodeWithSelector(RequestBook.CallbackNotFailed.selector, id, RequestStatus.Open),
            "retry of an open request"
        );
    }

    // --- cancel ----------------------------------------------------------------------------------------------

    function test_cancelOnlyByTheRequesterAfterTheDeadline() public {
        uint256 id = _post(_args(1));
        uint256 aliceBefore = ALICE.balance;
        bytes memory cancel = abi.encodeCall(RequestBook.cancel, (id));

        vm.prank(ALICE);
        (bool ok, bytes memory err) = address(book).call(cancel);
        assertTrue(!ok, "cancelled before the deadline");
        assertEq(
            err,
            abi.encodeWithSelector(RequestBook.NotExpired.selector, id, DEADLINE, POSTED),
            "requester before the deadline"
        );
        vm.roll(DEADLINE);
        vm.prank(ALICE);
        (ok, err) = address(book).call(cancel);
        assertEq(
            err,
            abi.encodeWithSelector(RequestBook.NotExpired.selector, id, DEADLINE, DEADLINE),
            "requester on the deadline block"
        );

        vm.roll(uint256(DEADLINE) + 1);
        assertRevertsWith(
            address(book),
            cancel,
            abi.encodeWithSelector(RequestBook.NotRequester.selector, id, address(this)),
            "stranger after the deadline"
        );
        vm.expectEmit(address(book));
        emit RequestBook.RequestCancelled(id);
        vm.prank(ALICE);
        book.cancel(id);
        assertEq(_status(id), uint256(RequestStatus.Cancelled), "status");
        assertEq(ALICE.balance, aliceBefore + FEE, "fee refunded");
        vm.prank(ALICE);
        (ok, err) = address(book).call(cancel);
        assertEq(
            err, abi.encodeWithSelector(RequestBook.NotOpen.selector, id, RequestStatus.Cancelled), "cancelled twice"
        );
    }

    function test_aFulfilledRequestCannotBeCancelled() public {
        uint256 id = _post(_args(1));
        (Proof memory proof, bytes memory outputs) = _prove(id, _args(1));
        book.fulfil(id, proof, outputs);
        vm.roll(uint256(DEADLINE) + 1);
        vm.prank(ALICE);
        (bool ok, bytes memory err) = address(book).call(abi.encodeCall(RequestBook.cancel, (id)));
        assertTrue(!ok, "cancelled after fulfilment");
        assertEq(err, abi.encodeWithSelector(RequestBook.NotOpen.selector, id, RequestStatus.Fulfilled), "revert");
    }

    // --- the store -------------------------------------------------------------------------------------------

    function test_storeVersionsEveryWriteAndOnlyFromWriters() public {
        bytes32 key = keccak256("fresh");
        assertEq(store.versionOf(key), 0, "absent key");
        assertEq(store.write(key, bytes32(uint256(1))), 1, "first write");
        assertEq(store.write(key, bytes32(uint256(1))), 2, "same value, new version");
        assertEq(store.valueOf(key), bytes32(uint256(1)), "value");
        vm.prank(MALLORY);
        (bool ok, bytes memory err) = address(store).call(abi.encodeCall(VersionedStore.write, (key, bytes32(0))));
        assertTrue(!ok, "stranger wrote");
        assertEq(err, abi.encodeWithSelector(VersionedStore.NotWriter.selector, MALLORY), "revert");
        store.setWriter(address(this), false);
        assertRevertsWith(
            address(store),
            abi.encodeCall(VersionedStore.write, (key, bytes32(0))),
            abi.encodeWithSelector(VersionedStore.NotWriter.selector, address(this)),
            "writer removed"
        );
        assertEq(store.versionOf(key), 2, "refused writes bump nothing");
    }
}
