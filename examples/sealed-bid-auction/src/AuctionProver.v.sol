// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Proof} from "vlayer/Proof.sol";
import {RequestBook} from "vlayer/requests/RequestBook.sol";
import {RequestProver} from "vlayer/requests/RequestProver.sol";
import {Read} from "vlayer/requests/VersionedStore.sol";
import {Shielded} from "vlayer/shielding/Shielded.sol";
import {IShieldingKeys} from "vlayer/shielding/ShieldingKeys.sol";
import {BID_PLAINTEXT_SIZE, ISealedBids} from "./SealedBids.sol";

/// @notice Settles a `SealedBidAuction` in one proof: at the settle block it reads every bid from the auction's
///         state, opens each envelope with the workers' shielding key (inside the proven call, so no plaintext
///         leaves it) and returns only `result = abi.encode(address winner, uint256 price)`: the highest valid bid
///         wins (the earlier of equal ones), at the second-highest valid amount, or at the reserve when it is the
///         only valid bid; `(address(0), 0)` when no bid is valid.
///
///         A bid is valid when its envelope opens (`Shielded.tryOpen`: sealed to the registry's key of a version not
///         retired at the settle block, unchanged), its plaintext `abi.encode(address bidder, uint256 amount)` names
///         the address that posted it (an envelope copied from another bidder's transaction names that bidder, so
///         the copy counts for nothing) and `RESERVE <= amount <= deposit`.
/// @dev The answer returns no `Read`: it depends on the bids, the reserve and the end block, none of which can
///      change once bidding is over (the settle block is after the end: the request is posted after it), and on
///      the key registry, read at the settle block like any proven state. Nothing in the book's store is involved,
///      so there is nothing a later write could make stale.
contract AuctionProver is RequestProver {
    IShieldingKeys public immutable KEYS;

    error BiddingNotOver(uint64 endBlock, uint256 settleBlock);
    error BidCountMismatch(uint256 posted, uint256 onChain);

    constructor(RequestBook book, IShieldingKeys keys) RequestProver(book) {
        KEYS = keys;
    }

    /// @param args `abi.encode(address auction, uint256 bidCount)`, as `SealedBidAuction.close` posts them.
    function settle(uint256 id, bytes calldata args, address payee)
        public
        view
        returns (Proof memory, uint256, bytes32, address, Read[] memory, bytes memory)
    {
        bytes32 argsHash = _checkedArgsHash(id, args);
        (address auction, uint256 count) = abi.decode(args, (address, uint256));
        bytes memory result = _outcome(ISealedBids(auction), count);
        return (proof(), id, argsHash, payee, new Read[](0), result);
    }

    function _outcome(ISealedBids auction, uint256 count) private view returns (bytes memory) {
        uint64 endBlock = auction.END_BLOCK();
        // Before the end more bids could come: an answer over part of them must not exist.
        if (block.number <= endBlock) {
            revert BiddingNotOver(endBlock, block.number);
        }
        uint256 onChain = auction.bidCount();
        if (onChain != count) {
            revert BidCountMismatch(count, onChain);
        }
        uint256 reserve = auction.RESERVE();
        address winner;
        uint256 best;
        uint256 second;
        uint256 valid;
        for (uint256 i = 0; i < count; i++) {
            (bool ok, address bidder, uint256 amount) = _openBid(auction, i, reserve);
            if (!ok) {
                continue;
            }
            if (valid == 0) {
                (winner, best) = (bidder, amount);
            } else if (amount > best) {
                (second, winner, best) = (best, bidder, amount);
            } else if (amount > second) {
                // A later bid equal to the best one loses the tie and sets the price to that amount.
                second = amount;
            }
            valid++;
        }
        if (valid == 0) {
            return abi.encode(address(0), uint256(0));
        }
        return abi.encode(winner, valid == 1 ? reserve : second);
    }

    /// @dev Whether bid `index` is valid, its bidder and amount. An envelope that does not open and a plaintext of
    ///      another shape are invalid bids, not reverts: one bidder's garbage must not stop the settlement of all the
    ///      others. (A worker without the key cannot pass a good bid off as garbage: `ShieldedTryOpen` aborts the
    ///      proof when the prover holds no secret for the bid's key.)
    function _openBid(ISealedBids auction, uint256 index, uint256 reserve)
        private
        view
        returns (bool ok, address bidder, uint256 amount)
    {
        uint256 deposit;
        bytes memory envelope;
        (bidder, deposit, envelope) = auction.bidAt(index);
        (bool opened, bytes memory plain) = Shielded.tryOpen(KEYS, envelope);
        if (!opened || plain.length != BID_PLAINTEXT_SIZE) {
            return (false, bidder, 0);
        }
        uint256 sealedBidder;
        (sealedBidder, amount) = abi.decode(plain, (uint256, uint256));
        // Compared as words: a plaintext with bits above an address's 160 never equals a bidder.
        ok = sealedBidder == uint256(uint160(bidder)) && amount >= reserve && amount <= deposit;
    }
}
