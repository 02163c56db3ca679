// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {EmailProofLib, UnverifiedEmail, VerifiedEmail} from "vlayer/EmailProof.sol";
import {Proof} from "vlayer/Proof.sol";
import {Prover} from "vlayer/Prover.sol";
import {RegexLib} from "vlayer/Regex.sol";

/// @notice Proves that the holder of an email address at some domain asked, in a DKIM-signed email, for a domain NFT
///         to be minted to a wallet: the wallet comes from the subject, the domain from the sender's address.
contract EmailDomainProver is Prover {
    using EmailProofLib for UnverifiedEmail;
    using RegexLib for string;

    string public constant SUBJECT_PATTERN = "^Mint my domain NFT at address: (0x[a-fA-F0-9]{40})$";
    /// @dev Explicit classes rather than `\w`: a regex's compiled size is what it costs to prove.
    string public constant FROM_PATTERN = "^[a-zA-Z0-9._%+-]+@([a-zA-Z0-9.-]+\\.[a-zA-Z]{2,})$";

    error NotAnAddress(string text);

    /// @return A hash of the sender's address (one NFT per sender), the wallet to mint to and the sender's domain.
    /// @dev `verify()` trusts the dev DNS notary, on dev chains only; elsewhere a prover passes the repository of
    ///      trusted notary keys: `unverifiedEmail.verify(repository)`.
    function main(UnverifiedEmail calldata unverifiedEmail)
        public
        view
        returns (Proof memory, bytes32, address, string memory)
    {
        VerifiedEmail memory email = unverifiedEmail.verify();
        string[] memory wallet = email.subject.capture(SUBJECT_PATTERN);
        string[] memory domain = email.from.capture(FROM_PATTERN);
        return (proof(), sha256(bytes(email.from)), _parseAddress(wallet[1]), domain[1]);
    }

    /// @dev `0x` and 40 hex digits (the subject pattern admits nothing else), either case.
    function _parseAddress(string memory text) internal pure returns (address) {
        bytes memory b = bytes(text);
        if (b.length != 42 || b[0] != "0" || b[1] != "x") {
            revert NotAnAddress(text);
        }
        uint160 value;
        for (uint256 i = 2; i < 42; i++) {
            value = (value << 4) | _hexDigit(b[i], text);
        }
        return address(value);
    }

    function _hexDigit(bytes1 c, string memory text) private pure returns (uint160) {
        uint8 v = uint8(c);
        if (v >= 0x30 && v <= 0x39) return v - 0x30;
        if (v >= 0x61 && v <= 0x66) return v - 0x61 + 10;
        if (v >= 0x41 && v <= 0x46) return v - 0x41 + 10;
        revert NotAnAddress(text);
    }
}
