// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {CallAssumptions} from "vlayer/CallAssumptions.sol";
import {ImageIdRepository} from "vlayer/ImageIdRepository.sol";
import {Precompiles} from "vlayer/PrecompilesAddresses.sol";
import {Proof} from "vlayer/Proof.sol";
import {FakeProofVerifier} from "vlayer/proof_verifier/FakeProofVerifier.sol";
import {RequestBook, RequestStatus} from "vlayer/requests/RequestBook.sol";
import {Read, VersionedStore} from "vlayer/requests/VersionedStore.sol";
import {ShieldingKeys} from "vlayer/shielding/ShieldingKeys.sol";
import {DevProofs} from "vlayer-test/DevProofs.sol";
import {PrecompileStub, PrecompileStubs} from "vlayer-test/PrecompileStub.sol";
import {Test} from "vlayer-test/Test.sol";
import {AuctionProver} from "../src/AuctionProver.v.sol";
import {SealedBidAuction} from "../src/SealedBidAuction.sol";

/// @dev Cheatcodes these tests need beyond `vlayer-test/Test.sol`'s interface (same address).
interface VmExtra {
    function deal(address account, uint256 balance) external;
}

/// @notice The auction's rules, and its settlement proven in dev mode as a worker proves it. Forge runs no vlayer
///         engine, so a `PrecompileStub` stands at the `ShieldedTryOpen` address and answers each sealed bid with
///         `(true, plaintext)` for the plaintext the test sealed, or `(false, "")` for one that does not open: the
///         prover's code, the envelope checks and the exact precompile input (public key, aad, sealed bytes) are the
///         real ones, only the HPKE decryption is the stub's.
contract SealedBidAuctionTest is Test {
    VmExtra internal constant vmx = VmExtra(address(uint160(uint256(keccak256("hevm cheat code")))));

    bytes32 internal constant PUBLIC_KEY = keccak256("the workers' shielding key");
    address internal constant SELLER = address(0x5e11e4);
    address internal constant ALICE = address(0xa11ce);
    address internal constant BOB = address(0xb0b);
    address internal constant CAROL = address(0xca501);
    address internal constant DAVE = address(0xda7e);
    address internal constant MALLORY = address(0xbad);
    address internal constant CLOSER = address(0xc105e4);
    address internal constant WORKER = address(0x3e3e3e);
    uint256 internal constant RESERVE = 1 ether;
    uint64 internal constant START = 100;
    uint64 internal constant END = 120;
    uint16 internal constant CONFIRMATIONS = 1;
    uint256 internal constant FEE = 0.01 ether;

    ShieldingKeys internal keys;
    RequestBook internal book;
    AuctionProver internal prover;
    SealedBidAuction internal auction;
    PrecompileStub internal stub;
    uint256 internal sealedCount;

    function setUp() public {
        vm.roll(START);
        ImageIdRepository repository = new ImageIdRepository(address(this));
        repository.addImageIdSupport(DevProofs.TEST_IMAGE_ID);
        book = new RequestBook(new FakeProofVerifier(repository), new VersionedStore(address(this)));
        keys = new ShieldingKeys(address(this));
        keys.addKey(PUBLIC_KEY);
        prover = new AuctionProver(book, keys);
        auction = new SealedBidAuction(book, prover, SELLER, RESERVE, END, CONFIRMATIONS);
        stub = PrecompileStubs.install(vm, Precompiles.SHIELDED_TRY_OPEN);
        address[6] memory funded = [ALICE, BOB, CAROL, DAVE, MALLORY, CLOSER];
        for (uint256 i = 0; i < funded.length; i++) {
            vmx.deal(funded[i], 100 ether);
        }
    }

    // --- helpers ---------------------------------------------------------------------------------------------

    function tailAfterPlaceholder(bytes calldata returnData) external pure returns (bytes memory) {
        return returnData[544:];
    }

    /// @dev 112 bytes standing for HPKE's `enc || ciphertext || tag` of a 64-byte plaintext, different each time.
    function _newSealed() internal returns (bytes memory) {
        bytes32 tag = keccak256(abi.encode("sealed bid", ++sealedCount));
        bytes memory words = bytes.concat(tag, keccak256(abi.encode(tag, 1)), keccak256(abi.encode(tag, 2)), tag);
        // 128 bytes cut to 112: the length word shrinks, the memory stays allocated.
        assembly ("memory-safe") {
            mstore(words, 112)
        }
        return words;
    }

    /// @dev An envelope sealed to key version `version` whose plaintext (as the stub opens it) is `plain`.
    function _seal(uint32 version, bytes memory plain) internal returns (bytes memory envelope) {
        bytes memory sealedBid = _newSealed();
        stub.answer(_precompileInput(version, sealedBid), abi.encode(true, plain));
        envelope = abi.encode(version, sealedBid);
    }

    /// @dev An envelope labelled with key version `version` whose ciphertext does not open under that version's key
    ///      (sealed to another key, or changed): `ShieldedTryOpen` answers `(false, "")`.
    function _garbage(uint32 version) internal returns (bytes memory envelope) {
        bytes memory sealedBid = _newSealed();
        stub.answer(_precompileInput(version, sealedBid), abi.encode(false, bytes("")));
        envelope = abi.encode(version, sealedBid);
    }

    /// @dev What `Shielded.tryOpen` sends the precompile for `sealedBid` under key version `version`.
    function _precompileInput(uint32 version, bytes memory sealedBid) internal view returns (bytes memory) {
        bytes memory aad = abi.encode(block.chainid, address(keys), version);
        (bytes32 publicKey,) = keys.keyOf(version);
        return abi.encode(publicKey, aad, sealedBid);
    }

    function _bidWith(address bidder, bytes memory plain, uint256 deposit) internal returns (bytes memory envelope) {
        envelope = _seal(1, plain);
        vm.prank(bidder);
        auction.bid{value: deposit}(envelope);
    }

    function _bid(address bidder, uint256 amount, uint256 deposit) internal returns (bytes memory) {
        return _bidWith(bidder, abi.encode(bidder, amount), deposit);
    }

    function _close() internal returns (uint256 id) {
        vm.roll(END + 1);
        vm.prank(CLOSER);
        id = auction.close{value: FEE}();
    }

    /// @dev What a worker does: runs the prover one block after the request's first settle block and proves it
    ///      (dev mode) as settled there.
    function _prove(uint256 id) internal returns (Proof memory proof, bytes memory outputs, bytes memory result) {
        uint256 settle = block.number + CONFIRMATIONS;
        vm.roll(settle + 1);
        vm.setBlockhash(settle, keccak256(abi.encode("block", settle)));
        (bool ok, bytes memory returnData) = address(prover)
            .staticcall(
                abi.encodeCall(AuctionProver.settle, (id, abi.encode(address(auction), auction.bidCount()), WORKER))
            );
        assertTrue(ok, "prover call");
        CallAssumptions memory assumptions =
            CallAssumptions(address(prover), AuctionProver.settle.selector, block.chainid, settle, blockhash(settle));
        proof = DevProofs.fakeProof(assumptions, returnData, DevProofs.TEST_IMAGE_ID);
        outputs = this.tailAfterPlaceholder(returnData);
        (,,,, Read[] memory reads, bytes memory answer) =
            abi.decode(returnData, (Proof, uint256, bytes32, address, Read[], bytes));
        assertEq(reads.length, 0, "the answer depends on no store key");
        result = answer;
    }

    /// @dev Closes, proves and fulfils; the proven result.
    function _settle() internal returns (bytes memory result) {
        uint256 id = _close();
        Proof memory proof;
        bytes memory outputs;
        (proof, outputs, result) = _prove(id);
        assertTrue(book.fulfil(id, proof, outputs), "the auction took the answer");
        assertEq(uint256(auction.phase()), uint256(SealedBidAuction.Phase.Settled), "settled");
    }

    function _withdraw(address account) internal returns (uint256 received) {
        uint256 before = account.balance;
        vm.prank(account);
        auction.withdraw();
        received = account.balance - before;
    }

    /// @dev `sender` calls the auction with `data` and `value`, which must revert with exactly `expected`.
    function _expectRevert(address sender, bytes memory data, bytes memory expected, uint256 value) internal {
        vm.prank(sender);
        (bool ok, bytes memory got) = address(auction).call{value: value}(data);
        assertTrue(!ok, "the call reverts");
        assertEq(got, expected, "revert data");
    }

    // --- bidding ---------------------------------------------------------------------------------------------

    function test_aBidIsStoredWithItsDepositAndEnvelope() public {
        bytes memory envelope = _bid(ALICE, 1.5 ether, 2 ether);
        assertEq(auction.bidCount(), 1, "one bid");
        (address bidder, uint256 deposit, bytes memory stored) = auction.bidAt(0);
        assertEq(bidder, ALICE, "bidder");
        assertEq(deposit, 2 ether, "deposit");
        assertEq(stored, envelope, "envelope");
        assertEq(address(auction).balance, 2 ether, "the deposit is held");
    }

    function test_bidsAreRefusedAfterTheEndBlock() public {
        vm.roll(END + 1);
        bytes memory envelope = _seal(1, abi.encode(ALICE, 1 ether));
        _expectRevert(
            ALICE,
            abi.encodeCall(SealedBidAuction.bid, (envelope)),
            abi.encodeWithSelector(SealedBidAuction.BiddingOver.selector, END, END + 1),
            2 ether
        );
    }

    function test_aDepositBelowTheReserveTheSellerAndASecondBidAreRefused() public {
        bytes memory envelope = _seal(1, abi.encode(ALICE, 1 ether));
        bytes memory call = abi.encodeCall(SealedBidAuction.bid, (envelope));
        _expectRevert(
            ALICE,
            call,
            abi.encodeWithSelector(SealedBidAuction.DepositBelowReserve.selector, RESERVE - 1, RESERVE),
            RESERVE - 1
        );
        vmx.deal(SELLER, 10 ether);
        _expectRevert(SELLER, call, abi.encodeWithSelector(SealedBidAuction.SellerCannotBid.selector, SELLER), 2 ether);
        _bid(ALICE, 1 ether, 2 ether);
        _expectRevert(ALICE, call, abi.encodeWithSelector(SealedBidAuction.AlreadyBid.selector, ALICE), 2 ether);
    }

    function test_envelopesOfAnotherShapeOrKeyAreRefused() public {
        bytes memory sealedBid = _newSealed();
        bytes memory short = abi.encode(uint32(1), bytes.concat(sealedBid, hex"00"));
        _expectRevert(
            ALICE,
            abi.encodeCall(SealedBidAuction.bid, (short)),
            abi.encodeWithSelector(SealedBidAuction.MalformedEnvelope.selector, short.length),
            2 ether
        );
        // The right length, but not the canonical layout: the offset word points elsewhere.
        bytes memory shifted = abi.encode(uint32(1), sealedBid);
        shifted[63] = 0x60;
        _expectRevert(
            ALICE,
            abi.encodeCall(SealedBidAuction.bid, (shifted)),
            abi.encodeWithSelector(SealedBidAuction.MalformedEnvelope.selector, shifted.length),
            2 ether
        );
        keys.addKey(keccak256("the next key"));
        bytes memory toOldKey = abi.encode(uint32(1), sealedBid);
        _expectRevert(
            ALICE,
            abi.encodeCall(SealedBidAuction.bid, (toOldKey)),
            abi.encodeWithSelector(SealedBidAuction.NotCurrentKey.selector, uint32(1), uint32(2)),
            2 ether
        );
    }

    function test_atMostSixteenBids() public {
        for (uint256 i = 0; i < auction.MAX_BIDS(); i++) {
            // casting to 'uint160' is safe because 0x1000 + i < 0x1010 fits 160 bits
            // forge-lint: disable-next-line(unsafe-typecast)
            address bidder = address(uint160(0x1000 + i));
            vmx.deal(bidder, 2 ether);
            _bid(bidder, 1 ether, 1 ether);
        }
        address late = address(0x2000);
        vmx.deal(late, 2 ether);
        bytes memory envelope = _seal(1, abi.encode(late, 1 ether));
        _expectRevert(
            late,
            abi.encodeCall(SealedBidAuction.bid, (envelope)),
            abi.encodeWithSelector(SealedBidAuction.TooManyBids.selector, 16),
            1 ether
        );
    }

    // --- closing and the callback ----------------------------------------------------------------------------

    function test_closingBeforeTheEndAndTwiceIsRefused() public {
        _bid(ALICE, 1 ether, 2 ether);
        vm.roll(END);
        _expectRevert(
            CLOSER,
            abi.encodeCall(SealedBidAuction.close, ()),
            abi.encodeWithSelector(SealedBidAuction.BiddingNotOver.selector, END, END),
            0
        );
        uint256 id = _close();
        assertEq(auction.requestId(), id, "request recorded");
        assertEq(uint256(book.statusOf(id)), uint256(RequestStatus.Open), "posted to the book");
        assertEq(book.argsHashOf(id), keccak256(abi.encode(address(auction), uint256(1))), "args: auction, 1 bid");
        _expectRevert(
            CLOSER,
            abi.encodeCall(SealedBidAuction.close, ()),
            abi.encodeWithSelector(SealedBidAuction.WrongPhase.selector, SealedBidAuction.Phase.Settling),
            0
        );
    }

    function test_closingWithoutBidsEndsWithNoWinnerAndTheFeeBack() public {
        assertEq(_close(), 0, "nothing posted");
        assertEq(uint256(auction.phase()), uint256(SealedBidAuction.Phase.Settled), "settled");
        assertEq(auction.winner(), address(0), "no winner");
        assertEq(_withdraw(CLOSER), FEE, "the fee back");
    }

    function test_onlyTheBookSettlesAndOnlyWithTheAuctionsRequest() public {
        _bid(ALICE, 1 ether, 2 ether);
        uint256 id = _close();
        bytes memory result = abi.encode(ALICE, RESERVE);
        _expectRevert(
            MALLORY,
            abi.encodeCall(SealedBidAuction.onVlayerResult, (id, result)),
            abi.encodeWithSelector(SealedBidAuction.NotBook.selector, MALLORY),
            0
        );
        _expectRevert(
            address(book),
            abi.encodeCall(SealedBidAuction.onVlayerResult, (id + 1, result)),
            abi.encodeWithSelector(SealedBidAuction.NotOurRequest.selector, id + 1),
            0
        );
        _expectRevert(
            address(book),
            abi.encodeCall(SealedBidAuction.onVlayerResult, (id, abi.encode(BOB, RESERVE))),
            abi.encodeWithSelector(SealedBidAuction.ImpossibleOutcome.selector, BOB, RESERVE),
            0
        );
        _expectRevert(
            address(book),
            abi.encodeCall(SealedBidAuction.onVlayerResult, (id, abi.encode(ALICE, 3 ether))),
            abi.encodeWithSelector(SealedBidAuction.ImpossibleOutcome.selector, ALICE, 3 ether),
            0
        );
        vm.prank(address(book));
        auction.onVlayerResult(id, result);
        assertEq(auction.winner(), ALICE, "winner");
        _expectRevert(
            address(book),
            abi.encodeCall(SealedBidAuction.onVlayerResult, (id, result)),
            abi.encodeWithSelector(SealedBidAuction.NotOurRequest.selector, id),
            0
        );
    }

    // --- the settlement, proven ------------------------------------------------------------------------------

    /// @dev The README's story: the highest valid bid wins at the second-highest valid amount; a bid above its
    ///      deposit and an envelope copied from another bidder count for nothing; every payment adds up.
    function test_theSecondPriceIsPaidAndEveryoneElseGetsTheirDepositBack() public {
        _bid(ALICE, 1.4 ether, 2 ether);
        bytes memory bobs = _bid(BOB, 2.7 ether, 3 ether);
        _bid(CAROL, 2.2 ether, 2.5 ether);
        _bid(DAVE, 5 ether, 4 ether); // more than its deposit: invalid
        vm.prank(MALLORY);
        auction.bid{value: 3 ether}(bobs); // opens to Bob's plaintext, which names Bob
        assertEq(_settle(), abi.encode(BOB, 2.2 ether), "Bob wins at Carol's 2.2");
        assertEq(auction.winner(), BOB, "winner");
        assertEq(auction.price(), 2.2 ether, "price");
        assertEq(WORKER.balance, FEE, "the worker's fee");
        assertEq(_withdraw(BOB), 0.8 ether, "bob: 3 - 2.2");
        assertEq(_withdraw(ALICE), 2 ether, "alice");
        assertEq(_withdraw(CAROL), 2.5 ether, "carol");
        assertEq(_withdraw(DAVE), 4 ether, "dave");
        assertEq(_withdraw(MALLORY), 3 ether, "mallory");
        assertEq(_withdraw(SELLER), 2.2 ether, "seller");
        assertEq(address(auction).balance, 0, "everything paid out");
        _expectRevert(
            BOB,
            abi.encodeCall(SealedBidAuction.withdraw, ()),
            abi.encodeWithSelector(SealedBidAuction.NothingToWithdraw.selector, BOB),
            0
        );
        _expectRevert(
            CLOSER,
            abi.encodeCall(SealedBidAuction.withdraw, ()),
            abi.encodeWithSelector(SealedBidAuction.NothingToWithdraw.selector, CLOSER),
            0
        );
    }

    function test_aSingleValidBidPaysTheReserve() public {
        _bid(ALICE, 1.7 ether, 2 ether);
        _bid(BOB, 0.5 ether, 2 ether); // below the reserve
        assertEq(_settle(), abi.encode(ALICE, RESERVE), "alice at the reserve");
        assertEq(_withdraw(ALICE), 2 ether - RESERVE, "alice");
        assertEq(_withdraw(BOB), 2 ether, "bob");
        assertEq(_withdraw(SELLER), RESERVE, "seller");
    }

    function test_aTieGoesToTheEarlierBidAtThatPrice() public {
        _bid(ALICE, 1.2 ether, 2 ether);
        _bid(BOB, 1.8 ether, 2 ether);
        _bid(CAROL, 1.8 ether, 2 ether);
        assertEq(_settle(), abi.encode(BOB, 1.8 ether), "bob, earlier, at 1.8");
    }

    function test_malformedPlaintextsCountForNothingAndStopNothing() public {
        _bidWith(ALICE, abi.encode(uint256(uint160(ALICE)) | (1 << 200), 1.5 ether), 2 ether); // bits above 160
        _bidWith(BOB, bytes.concat(abi.encode(BOB, 1.5 ether), hex"00"), 2 ether); // not 64 bytes
        _bidWith(CAROL, abi.encode(DAVE, 1.5 ether), 2 ether); // names another bidder
        _bid(DAVE, 1.3 ether, 2 ether);
        assertEq(_settle(), abi.encode(DAVE, RESERVE), "only dave's bid is valid");
    }

    /// @dev The reason for `tryOpen`: a ciphertext that does not open (posted by mistake, or to block the auction)
    ///      is one invalid bid, and the others settle as if it were not there.
    function test_aBidThatDoesNotOpenCountsForNothingAndStopsNothing() public {
        _bid(ALICE, 1.4 ether, 2 ether);
        bytes memory garbage = _garbage(1);
        vm.prank(MALLORY);
        auction.bid{value: 9 ether}(garbage);
        _bid(BOB, 2.7 ether, 3 ether);
        _bid(CAROL, 2.2 ether, 2.5 ether);
        assertEq(_settle(), abi.encode(BOB, 2.2 ether), "Bob wins at Carol's 2.2; Mallory's bid is ignored");
        assertEq(_withdraw(MALLORY), 9 ether, "mallory: the whole deposit back");
        assertEq(_withdraw(BOB), 0.8 ether, "bob: 3 - 2.2");
        assertEq(_withdraw(SELLER), 2.2 ether, "seller");
    }

    function test_onlyGarbageNoSale() public {
        bytes memory garbage = _garbage(1);
        vm.prank(MALLORY);
        auction.bid{value: 2 ether}(garbage);
        assertEq(_settle(), abi.encode(address(0), uint256(0)), "no winner");
        assertEq(_withdraw(MALLORY), 2 ether, "mallory");
    }

    /// @dev Bids sealed to a key version the registry's owner retires before the settlement no longer open: they
    ///      count for nothing, and the bids sealed to the newer key settle the auction.
    function test_bidsSealedToAKeyRetiredBeforeTheSettlementCountForNothing() public {
        _bid(ALICE, 2.5 ether, 3 ether);
        keys.addKey(keccak256("the next key"));
        bytes memory bobs = _seal(2, abi.encode(BOB, 1.5 ether));
        vm.prank(BOB);
        auction.bid{value: 2 ether}(bobs);
        bytes memory carols = _seal(2, abi.encode(CAROL, 1.2 ether));
        vm.prank(CAROL);
        auction.bid{value: 2 ether}(carols);
        keys.retireKey(1);
        assertEq(_settle(), abi.encode(BOB, 1.2 ether), "alice's version-1 bid is out: bob wins at carol's 1.2");
        assertEq(_withdraw(ALICE), 3 ether, "alice");
    }

    function test_noValidBidNoSale() public {
        _bid(ALICE, 0.2 ether, 2 ether);
        _bid(BOB, 9 ether, 2 ether);
        assertEq(_settle(), abi.encode(address(0), uint256(0)), "no winner");
        assertEq(_withdraw(ALICE), 2 ether, "alice");
        assertEq(_withdraw(BOB), 2 ether, "bob");
        _expectRevert(
            SELLER,
            abi.encodeCall(SealedBidAuction.withdraw, ()),
            abi.encodeWithSelector(SealedBidAuction.NothingToWithdraw.selector, SELLER),
            0
        );
    }

    function test_withdrawingBeforeTheOutcomeIsRefused() public {
        _bid(ALICE, 1 ether, 2 ether);
        _expectRevert(
            ALICE,
            abi.encodeCall(SealedBidAuction.withdraw, ()),
            abi.encodeWithSelector(SealedBidAuction.WrongPhase.selector, SealedBidAuction.Phase.Bidding),
            0
        );
        _close();
        _expectRevert(
            ALICE,
            abi.encodeCall(SealedBidAuction.withdraw, ()),
            abi.encodeWithSelector(SealedBidAuction.WrongPhase.selector, SealedBidAuction.Phase.Settling),
            0
        );
    }

    function test_theProverRefusesABidCountOtherThanTheAuctions() public {
        _bid(ALICE, 1 ether, 2 ether);
        vm.roll(END + 1);
        bytes memory args = abi.encode(address(auction), uint256(2));
        uint256 id =
            book.post(address(prover), AuctionProver.settle.selector, args, address(auction), 150_000, 0, END + 50);
        assertRevertsWith(
            address(prover),
            abi.encodeCall(AuctionProver.settle, (id, args, WORKER)),
            abi.encodeWithSelector(AuctionProver.BidCountMismatch.selector, 2, 1),
            "count mismatch"
        );
    }

    function test_theProverRefusesToSettleBeforeTheEnd() public {
        _bid(ALICE, 1 ether, 2 ether);
        bytes memory args = abi.encode(address(auction), uint256(1));
        uint256 id =
            book.post(address(prover), AuctionProver.settle.selector, args, address(auction), 150_000, 0, END + 50);
        assertRevertsWith(
            address(prover),
            abi.encodeCall(AuctionProver.settle, (id, args, WORKER)),
            abi.encodeWithSelector(AuctionProver.BiddingNotOver.selector, END, START),
            "before the end"
        );
    }

    // --- abandoning ------------------------------------------------------------------------------------------

    function test_anUnansweredSettlementIsAbandonedAfterItsDeadlineWithEverythingBack() public {
        _bid(ALICE, 1.5 ether, 2 ether);
        _bid(BOB, 1.2 ether, 3 ether);
        uint256 id = _close();
        uint64 deadline = book.requestOf(id).deadline;
        vm.roll(deadline);
        _expectRevert(
            MALLORY,
            abi.encodeCall(SealedBidAuction.abandon, ()),
            abi.encodeWithSelector(SealedBidAuction.SettlementOpen.selector, deadline, deadline),
            0
        );
        vm.roll(deadline + 1);
        vm.prank(MALLORY);
        auction.abandon();
        assertEq(uint256(book.statusOf(id)), uint256(RequestStatus.Cancelled), "request cancelled");
        assertEq(_withdraw(ALICE), 2 ether, "alice");
        assertEq(_withdraw(BOB), 3 ether, "bob");
        assertEq(_withdraw(CLOSER), FEE, "the closer's fee");
        assertEq(address(auction).balance, 0, "everything paid out");
        _expectRevert(
            MALLORY,
            abi.encodeCall(SealedBidAuction.abandon, ()),
            abi.encodeWithSelector(SealedBidAuction.WrongPhase.selector, SealedBidAuction.Phase.Abandoned),
            0
        );
    }

    function test_onlyTheBookSendsEther() public {
        _expectRevert(MALLORY, "", abi.encodeWithSelector(SealedBidAuction.NotBook.selector, MALLORY), 1 ether);
    }
}
