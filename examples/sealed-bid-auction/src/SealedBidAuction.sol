// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IRequestCallback} from "vlayer/requests/IRequestCallback.sol";
import {RequestBook, RequestStatus} from "vlayer/requests/RequestBook.sol";
import {IShieldingKeys} from "vlayer/shielding/ShieldingKeys.sol";
import {AuctionProver} from "./AuctionProver.v.sol";
import {ISealedBids, SEALED_BID_SIZE} from "./SealedBids.sol";

/// @notice A sealed-bid second-price (Vickrey) auction of one item. Each bid is an envelope sealed to the workers'
///         shielding key (docs/requests.md, "Shielded requests"), its plaintext `abi.encode(address bidder, uint256
///         amount)`, posted with a deposit that masks the amount: a bid is valid only if `RESERVE <= amount <=
///         deposit`. After `END_BLOCK`, `close` posts ONE request to the `RequestBook`; a worker holding the key
///         proves `AuctionProver.settle`, which opens every bid inside the proven call and returns only the winner
///         and the price (the second-highest valid amount, or the reserve for a single valid bid). No bid's amount
///         is ever on chain, the winner's included; the price shows the runner-up's, as any second-price auction
///         does.
/// @dev Payments are pulled (`withdraw`) once the auction is settled or abandoned: the winner gets its deposit less
///      the price, every other bidder its deposit, the seller the price.
contract SealedBidAuction is ISealedBids, IRequestCallback {
    enum Phase {
        Bidding,
        Settling,
        Settled,
        Abandoned
    }

    struct Bid {
        address bidder;
        uint256 deposit;
        bytes envelope;
    }

    /// @notice At most this many bids: the settlement opens every one inside a single proof.
    uint256 public constant MAX_BIDS = 16;
    /// @notice Gas the book gives `onVlayerResult`: three fresh storage slots and an event, with room to spare.
    uint32 public constant CALLBACK_GAS = 150_000;
    /// @notice Blocks the settlement request stays open after its first settle block; after that `abandon` ends an
    ///         auction nobody could settle.
    uint64 public constant SETTLE_BLOCKS = 100;

    RequestBook public immutable BOOK;
    AuctionProver public immutable PROVER;
    /// @notice The registry whose current key bids are sealed to; the prover's own, so that it opens them.
    IShieldingKeys public immutable KEYS;
    address public immutable SELLER;
    uint256 public immutable RESERVE;
    uint64 public immutable END_BLOCK;
    /// @notice Blocks after `close` before the settlement may settle (`RequestBook.post`'s minConfirmations).
    uint16 public immutable CONFIRMATIONS;

    Bid[] private bids;
    /// @dev 1-based position in `bids`; 0 for an address that did not bid.
    mapping(address bidder => uint256) private bidPosition;
    mapping(address account => bool) public withdrawn;

    Phase public phase;
    /// @notice The settlement request in the book; 0 before `close` (and when there was nothing to settle).
    uint256 public requestId;
    /// @notice Who closed the auction, and the part of the fee they paid that comes back to them.
    address public closer;
    uint256 public closerRefund;
    /// @notice The outcome: no winner (address 0, price 0) when no bid was valid.
    address public winner;
    uint256 public price;

    event BidPlaced(uint256 indexed index, address indexed bidder, uint256 deposit);
    event AuctionClosed(uint256 indexed requestId, uint256 bids);
    event AuctionSettled(address indexed winner, uint256 price);
    event AuctionAbandoned(uint256 indexed requestId);
    event Withdrawn(address indexed account, uint256 amount);

    error ProverOfAnotherBook(address prover);
    error ZeroSeller();
    error EndNotInFuture(uint64 endBlock, uint256 blockNumber);
    error BiddingOver(uint64 endBlock, uint256 blockNumber);
    error BiddingNotOver(uint64 endBlock, uint256 blockNumber);
    error TooManyBids(uint256 max);
    error AlreadyBid(address bidder);
    error SellerCannotBid(address seller);
    error DepositBelowReserve(uint256 deposit, uint256 reserve);
    /// @notice The envelope is not `abi.encode(uint32 keyVersion, bytes sealed)` with `SEALED_BID_SIZE` sealed bytes.
    error MalformedEnvelope(uint256 length);
    /// @notice Bids are sealed to the registry's current key, which the workers hold.
    error NotCurrentKey(uint32 keyVersion, uint32 currentVersion);
    error WrongPhase(Phase phase);
    error NotBook(address caller);
    error NotOurRequest(uint256 id);
    /// @notice A result no valid bid could give: a winner that did not bid, or a price outside its deposit and the
    ///         reserve. The prover never returns one; the book keeps such an answer as CallbackFailed.
    error ImpossibleOutcome(address winner, uint256 price);
    error SettlementOpen(uint64 deadline, uint256 blockNumber);
    error NothingToWithdraw(address account);
    error WithdrawFailed(address account, uint256 amount);

    constructor(
        RequestBook book,
        AuctionProver prover,
        address seller,
        uint256 reserve,
        uint64 endBlock,
        uint16 confirmations
    ) {
        // The prover checks the request's args through its own book: over another book it answers nothing here.
        if (address(prover.BOOK()) != address(book)) {
            revert ProverOfAnotherBook(address(prover));
        }
        if (seller == address(0)) {
            revert ZeroSeller();
        }
        if (endBlock <= block.number) {
            revert EndNotInFuture(endBlock, block.number);
        }
        BOOK = book;
        PROVER = prover;
        KEYS = prover.KEYS();
        SELLER = seller;
        RESERVE = reserve;
        END_BLOCK = endBlock;
        CONFIRMATIONS = confirmations;
    }

    // --- bidding ---------------------------------------------------------------------------------------------

    /// @notice Places the caller's sealed bid with `msg.value` as its deposit, which must cover the amount sealed.
    ///         One bid per address; a bid cannot be changed or withdrawn before the auction ends.
    function bid(bytes calldata envelope) external payable {
        if (block.number > END_BLOCK) {
            revert BiddingOver(END_BLOCK, block.number);
        }
        if (bids.length >= MAX_BIDS) {
            revert TooManyBids(MAX_BIDS);
        }
        if (msg.sender == SELLER) {
            revert SellerCannotBid(msg.sender);
        }
        if (bidPosition[msg.sender] != 0) {
            revert AlreadyBid(msg.sender);
        }
        // No amount this deposit covers could reach the reserve.
        if (msg.value < RESERVE) {
            revert DepositBelowReserve(msg.value, RESERVE);
        }
        _checkEnvelope(envelope);
        bids.push(Bid(msg.sender, msg.value, envelope));
        bidPosition[msg.sender] = bids.length;
        emit BidPlaced(bids.length - 1, msg.sender, msg.value);
    }

    /// @dev What the chain can check of a ciphertext: its layout and length, and that it names the current key
    ///      version. The prover's `Shielded.tryOpen` would only count such an envelope as an invalid bid; refusing
    ///      it here tells its bidder at once, and keeps every stored bid the same length (so a length says nothing).
    ///      Whether the ciphertext opens only the prover can tell: one that does not is an invalid bid there.
    function _checkEnvelope(bytes calldata envelope) private view {
        // abi.encode(uint32, bytes) of SEALED_BID_SIZE bytes: version word, offset 0x40, length, data padded.
        if (envelope.length != 0x60 + (SEALED_BID_SIZE + 31) / 32 * 32) {
            revert MalformedEnvelope(envelope.length);
        }
        (uint256 version, uint256 offset, uint256 length) = abi.decode(envelope[:0x60], (uint256, uint256, uint256));
        if (version > type(uint32).max || offset != 0x40 || length != SEALED_BID_SIZE) {
            revert MalformedEnvelope(envelope.length);
        }
        (uint32 current,) = KEYS.currentKey();
        if (version != current) {
            // casting to 'uint32' is safe because version <= type(uint32).max was checked above
            // forge-lint: disable-next-line(unsafe-typecast)
            revert NotCurrentKey(uint32(version), current);
        }
    }

    // --- settling --------------------------------------------------------------------------------------------

    /// @notice After `END_BLOCK`, anyone closes the auction: it posts the settlement request to the book, with
    ///         `msg.value` as the fee of the worker that answers it. With no bid there is nothing to prove: the
    ///         auction ends with no winner and the fee is the closer's to withdraw.
    function close() external payable returns (uint256 id) {
        if (block.number <= END_BLOCK) {
            revert BiddingNotOver(END_BLOCK, block.number);
        }
        if (phase != Phase.Bidding) {
            revert WrongPhase(phase);
        }
        closer = msg.sender;
        if (bids.length == 0) {
            closerRefund = msg.value;
            phase = Phase.Settled;
            emit AuctionSettled(address(0), 0);
            return 0;
        }
        phase = Phase.Settling;
        // The args name the auction and its bid count in clear: the bids the prover opens are read from this
        // contract's state at the settle block, where they can no longer change.
        id = BOOK.post{value: msg.value}(
            address(PROVER),
            AuctionProver.settle.selector,
            abi.encode(address(this), bids.length),
            address(this),
            CALLBACK_GAS,
            CONFIRMATIONS,
            _deadline()
        );
        requestId = id;
        emit AuctionClosed(id, bids.length);
    }

    /// @notice The book's callback with the proven `abi.encode(address winner, uint256 price)`.
    function onVlayerResult(uint256 id, bytes calldata result) external {
        if (msg.sender != address(BOOK)) {
            revert NotBook(msg.sender);
        }
        // The book calls back whatever callback a request names, with that request's prover: only the request this
        // auction posted settles it.
        if (id != requestId || phase != Phase.Settling) {
            revert NotOurRequest(id);
        }
        (address won, uint256 paid) = abi.decode(result, (address, uint256));
        if (won != address(0)) {
            uint256 position = bidPosition[won];
            if (position == 0 || paid > bids[position - 1].deposit || paid < RESERVE) {
                revert ImpossibleOutcome(won, paid);
            }
        } else if (paid != 0) {
            revert ImpossibleOutcome(won, paid);
        }
        winner = won;
        price = paid;
        phase = Phase.Settled;
        emit AuctionSettled(won, paid);
    }

    /// @notice A settlement nobody answered by its deadline (e.g. no worker holding the shielding key was running,
    ///         see README): anyone ends the auction with no sale. Every deposit goes back in full, and so does the fee,
    ///         to the closer, when the book still held it.
    function abandon() external {
        if (phase != Phase.Settling) {
            revert WrongPhase(phase);
        }
        uint64 deadline = _requestDeadline();
        if (block.number <= deadline) {
            revert SettlementOpen(deadline, block.number);
        }
        phase = Phase.Abandoned;
        emit AuctionAbandoned(requestId);
        if (BOOK.statusOf(requestId) == RequestStatus.Open) {
            // The book pays the refund back here; what arrived is what the closer gets.
            uint256 before = address(this).balance;
            BOOK.cancel(requestId);
            closerRefund = address(this).balance - before;
        }
    }

    /// @notice The fee of a cancelled settlement comes back here from the book.
    receive() external payable {
        if (msg.sender != address(BOOK)) {
            revert NotBook(msg.sender);
        }
    }

    // --- payments --------------------------------------------------------------------------------------------

    /// @notice Sends the caller what the outcome owes it, once.
    function withdraw() external {
        if (phase != Phase.Settled && phase != Phase.Abandoned) {
            revert WrongPhase(phase);
        }
        uint256 amount = withdrawable(msg.sender);
        if (amount == 0) {
            revert NothingToWithdraw(msg.sender);
        }
        withdrawn[msg.sender] = true;
        emit Withdrawn(msg.sender, amount);
        (bool ok,) = msg.sender.call{value: amount}("");
        if (!ok) {
            revert WithdrawFailed(msg.sender, amount);
        }
    }

    /// @notice What `account` may withdraw now: its deposit (less the price for the winner), the price for the
    ///         seller, the fee refund for the closer; 0 before the outcome and after a withdrawal.
    function withdrawable(address account) public view returns (uint256 amount) {
        if ((phase != Phase.Settled && phase != Phase.Abandoned) || withdrawn[account]) {
            return 0;
        }
        uint256 position = bidPosition[account];
        if (position != 0) {
            amount = bids[position - 1].deposit;
        }
        if (phase == Phase.Settled && winner != address(0)) {
            if (account == winner) {
                amount -= price;
            }
            if (account == SELLER) {
                amount += price;
            }
        }
        if (account == closer) {
            amount += closerRefund;
        }
    }

    // --- views -----------------------------------------------------------------------------------------------

    function bidCount() external view returns (uint256) {
        return bids.length;
    }

    function bidAt(uint256 index) external view returns (address bidder, uint256 deposit, bytes memory envelope) {
        Bid storage b = bids[index];
        return (b.bidder, b.deposit, b.envelope);
    }

    function _deadline() private view returns (uint64) {
        // Block numbers stay far below 2**64, so the cast loses nothing.
        return uint64(block.number) + CONFIRMATIONS + SETTLE_BLOCKS;
    }

    function _requestDeadline() private view returns (uint64) {
        return BOOK.requestOf(requestId).deadline;
    }
}
