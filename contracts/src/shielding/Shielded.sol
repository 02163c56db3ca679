// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {PrecompileCall} from "../PrecompileCall.sol";
import {Precompiles} from "../PrecompilesAddresses.sol";
import {IShieldingKeys} from "./ShieldingKeys.sol";

/// @notice Opens a shielded request's args inside a prover (docs/requests.md "Shielded requests"). The args are an
///         envelope `abi.encode(uint32 keyVersion, bytes sealed)`, `sealed` being HPKE's `enc || ciphertext` sealed
///         to the registry's key of `keyVersion` with `aad = abi.encode(block.chainid, address(keys), keyVersion)`.
/// @dev The key is read from the registry here, in the proven call, so it is the key registered at the settle block:
///      a retired or unknown version fails before any secret is used. The `ShieldedOpen` precompile then decrypts
///      with the prover's secret for that public key; it aborts the execution itself (with its own message) when it
///      holds no such secret or the ciphertext does not open, so it never returns a failure here.
library Shielded {
    function open(IShieldingKeys keys, bytes memory envelope) internal view returns (bytes memory plaintext) {
        (uint32 keyVersion, bytes memory sealedArgs) = _decodeEnvelope(envelope);
        // A call to an address without code returns no data, which would fail the decoding without a reason.
        require(address(keys).code.length > 0, "Shielded: no contract at the key registry address");
        (bytes32 publicKey, bool retired) = keys.keyOf(keyVersion);
        if (publicKey == bytes32(0)) {
            revert(string.concat("Shielded: unknown key version ", _decimal(keyVersion)));
        }
        if (retired) {
            revert(string.concat("Shielded: key version ", _decimal(keyVersion), " is retired"));
        }
        // The aad binds the ciphertext to this chain, this registry and this version: a ciphertext posted elsewhere,
        // or relabelled with another version of the same registry, does not open.
        bytes memory aad = abi.encode(block.chainid, address(keys), keyVersion);
        bytes memory output = PrecompileCall.call(Precompiles.SHIELDED_OPEN, abi.encode(publicKey, aad, sealedArgs));
        return abi.decode(output, (bytes));
    }

    /// @dev `abi.decode` reverts without a reason on bytes that are not an encoding, so the canonical layout (what
    ///      `abi.encode` writes: version word, offset 0x40, length, data padded to 32 bytes) is checked first.
    function _decodeEnvelope(bytes memory envelope) private pure returns (uint32 keyVersion, bytes memory sealedArgs) {
        bool canonical = envelope.length >= 0x60;
        if (canonical) {
            uint256 version;
            uint256 offset;
            uint256 length;
            assembly ("memory-safe") {
                version := mload(add(envelope, 0x20))
                offset := mload(add(envelope, 0x40))
                length := mload(add(envelope, 0x60))
            }
            uint256 room = envelope.length - 0x60;
            canonical =
                version <= type(uint32).max && offset == 0x40 && length <= room && room == (length + 31) / 32 * 32;
        }
        require(canonical, "Shielded: malformed envelope: want abi.encode(uint32 keyVersion, bytes sealed)");
        return abi.decode(envelope, (uint32, bytes));
    }

    function _decimal(uint256 value) private pure returns (string memory) {
        if (value == 0) {
            return "0";
        }
        uint256 digits;
        for (uint256 rest = value; rest > 0; rest /= 10) {
            ++digits;
        }
        bytes memory text = new bytes(digits);
        for (; value > 0; value /= 10) {
            // casting to 'uint8' is safe because value % 10 < 10: the digit's ASCII code, 48 to 57, fits a byte
            // forge-lint: disable-next-line(unsafe-typecast)
            text[--digits] = bytes1(uint8(48 + value % 10));
        }
        return string(text);
    }
}
