// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Proof} from "vlayer/Proof.sol";
import {Verifier} from "vlayer/Verifier.sol";
import {IProofVerifier} from "vlayer/proof_verifier/IProofVerifier.sol";
import {PositionProver} from "./PositionProver.v.sol";

/// @notice Grants a membership tier from a verified position (wallet + vault), read on the proving chain, never
///         from this contract's own view of the token.
contract PositionVerifier is Verifier {
    address public immutable PROVER;
    uint256 public immutable SILVER;
    uint256 public immutable GOLD;

    mapping(address holder => uint8) public tierOf;
    mapping(address holder => uint256) public provenBlock;

    event TierGranted(address indexed holder, uint8 tier, uint256 total, uint256 blockNumber);

    error NothingHeld(address holder);
    error StaleProof(address holder, uint256 provenAt, uint256 alreadyAt);

    constructor(IProofVerifier proofVerifier, address prover, uint256 silver, uint256 gold) Verifier(proofVerifier) {
        PROVER = prover;
        SILVER = silver;
        GOLD = gold;
    }

    function claimTier(Proof calldata proof, address holder, uint256 wallet, uint256 inVault)
        external
        onlyVerified(PROVER, PositionProver.position.selector)
    {
        uint256 settled = proof.callAssumptions.settleBlockNumber;
        if (settled <= provenBlock[holder]) {
            revert StaleProof(holder, settled, provenBlock[holder]);
        }
        uint256 total = wallet + inVault;
        if (total == 0) {
            revert NothingHeld(holder);
        }
        uint8 tier = total >= GOLD ? 2 : total >= SILVER ? 1 : 0;
        tierOf[holder] = tier;
        provenBlock[holder] = settled;
        emit TierGranted(holder, tier, total, settled);
    }
}
