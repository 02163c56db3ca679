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
///
///      `tryOpen` is for a prover that opens many envelopes posted by different people (the bids of an auction):
///      one that does not open, or names an unknown or retired key version, or does not decode, comes back as
///      `(false, "")` instead of stopping the proof of all the others. Its precompile, `ShieldedTryOpen`, still
///      aborts when the prover holds no secret for the key, so "does not open" is only ever said by a prover that
///      tried the right key.
library Shielded {
    /// @notice The plaintext of `envelope`; reverts (or the precompile aborts the execution) when there is none.
    function open(IShieldingKeys keys, bytes memory envelope) internal view returns (bytes memory plaintext) {
        (uint32 keyVersion, bytes memory sealedArgs) = _decodeEnvelope(envelope);
        _requireRegistry(keys);
        (bytes32 publicKey, bool retired) = keys.keyOf(keyVersion);
        if (publicKey == bytes32(0)) {
            revert(string.concat("Shielded: unknown key version ", _decimal(keyVersion)));
        }
        if (retired) {
            revert(string.concat("Shielded: key version ", _decimal(keyVersion), " is retired"));
        }
        bytes memory output =
            PrecompileCall.call(Precompiles.SHIELDED_OPEN, _precompileInput(keys, keyVersion, publicKey, sealedArgs));
        return abi.decode(output, (bytes));
    }

    /// @notice `(true, plaintext)` when `envelope` opens; `(false, "")`, without reverting, when it does not decode,
    ///         names a key version the registry does not know or has retired (facts anyone reads on chain), or its
    ///         ciphertext does not open under that version's key (sealed to another key, changed, or too short).
    /// @dev Still reverts when `keys` has no code or the precompile is not there (a plain node), and the precompile
    ///      still aborts the execution when the prover holds no secret for the key: those are the prover's faults,
    ///      not the envelope's.
    function tryOpen(IShieldingKeys keys, bytes memory envelope)
        internal
        view
        returns (bool opened, bytes memory plaintext)
    {
        _requireRegistry(keys);
        if (!_isCanonicalEnvelope(envelope)) {
            return (false, "");
        }
        (uint32 keyVersion, bytes memory sealedArgs) = abi.decode(envelope, (uint32, bytes));
        (bytes32 publicKey, bool retired) = keys.keyOf(keyVersion);
        if (publicKey == bytes32(0) || retired) {
            return (false, "");
        }
        bytes memory output = PrecompileCall.call(
            Precompiles.SHIELDED_TRY_OPEN, _precompileInput(keys, keyVersion, publicKey, sealedArgs)
        );
        return abi.decode(output, (bool, bytes));
    }

    /// @dev A call to an address without code returns no data, which would fail the decoding without a reason.
    function _requireRegistry(IShieldingKeys keys) private view {
        require(address(keys).code.length > 0, "Shielded: no contract at the key registry address");
    }

    /// @dev `abi.encode(bytes32 publicKey, bytes aad, bytes sealed)`. The aad binds the ciphertext to this chain,
    ///      this registry and this version: a ciphertext posted elsewhere, or relabelled with another version of the
    ///      same registry, does not open.
    function _precompileInput(IShieldingKeys keys, uint32 keyVersion, bytes32 publicKey, bytes memory sealedArgs)
        private
        view
        returns (bytes memory)
    {
        bytes memory aad = abi.encode(block.chainid, address(keys), keyVersion);
        return abi.encode(publicKey, aad, sealedArgs);
    }

    function _decodeEnvelope(bytes memory envelope) private pure returns (uint32 keyVersion, bytes memory sealedArgs) {
        require(
            _isCanonicalEnvelope(envelope),
            "Shielded: malformed envelope: want abi.encode(uint32 keyVersion, bytes sealed)"
        );
        return abi.decode(envelope, (uint32, bytes));
    }

    /// @dev `abi.decode` reverts without a reason on bytes that are not an encoding, so the canonical layout (what
    ///      `abi.encode` writes: version word, offset 0x40, length, data padded to 32 bytes) is checked first.
    function _isCanonicalEnvelope(bytes memory envelope) private pure returns (bool canonical) {
        canonical = envelope.length >= 0x60;
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
