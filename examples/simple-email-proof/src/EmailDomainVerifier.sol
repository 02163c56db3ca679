// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Proof} from "vlayer/Proof.sol";
import {Verifier} from "vlayer/Verifier.sol";
import {IProofVerifier} from "vlayer/proof_verifier/IProofVerifier.sol";
import {EmailDomainProver} from "./EmailDomainProver.v.sol";

/// @notice Mints a domain NFT (a minimal non-transferable ERC721) to the wallet a verified email asked for, once
///         per sender: the sender, the wallet and the domain come from a verified `EmailDomainProver.main` call.
contract EmailDomainVerifier is Verifier {
    string public constant name = "Email Domain NFT";
    string public constant symbol = "EDNFT";

    address public immutable PROVER;

    mapping(bytes32 emailHash => bool) public taken;
    mapping(uint256 tokenId => address) public ownerOf;
    mapping(uint256 tokenId => string) public domainOf;
    mapping(address owner => uint256) public balanceOf;
    uint256 public totalSupply;

    event Transfer(address indexed from, address indexed to, uint256 indexed tokenId);

    error EmailAlreadyUsed(bytes32 emailHash);
    error MintToZeroAddress();

    constructor(IProofVerifier proofVerifier, address prover) Verifier(proofVerifier) {
        PROVER = prover;
    }

    function verify(Proof calldata, bytes32 emailHash, address wallet, string calldata domain)
        external
        onlyVerified(PROVER, EmailDomainProver.main.selector)
    {
        if (taken[emailHash]) {
            revert EmailAlreadyUsed(emailHash);
        }
        if (wallet == address(0)) {
            revert MintToZeroAddress();
        }
        taken[emailHash] = true;
        uint256 tokenId = ++totalSupply;
        ownerOf[tokenId] = wallet;
        domainOf[tokenId] = domain;
        balanceOf[wallet] += 1;
        emit Transfer(address(0), wallet, tokenId);
    }
}
