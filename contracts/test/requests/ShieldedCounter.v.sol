// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Proof} from "../../src/Proof.sol";
import {RequestBook} from "../../src/requests/RequestBook.sol";
import {RequestProver} from "../../src/requests/RequestProver.sol";
import {Read} from "../../src/requests/VersionedStore.sol";
import {Shielded} from "../../src/shielding/Shielded.sol";
import {IShieldingKeys} from "../../src/shielding/ShieldingKeys.sol";

/// @notice `CounterProver` with shielded args: the request's args are the envelope `abi.encode(uint32 keyVersion,
///         bytes sealed)`, whose plaintext is `abi.encode(bytes32 key, uint256 delta)`. The answer is CounterProver's
///         (one read of `key`, `result = abi.encode(key, value + delta)`), so `Counter` takes it as it is.
contract ShieldedCounterProver is RequestProver {
    IShieldingKeys public immutable KEYS;

    constructor(RequestBook book, IShieldingKeys keys) RequestProver(book) {
        KEYS = keys;
    }

    function increment(uint256 id, bytes calldata args, address payee)
        public
        view
        returns (Proof memory, uint256, bytes32, address, Read[] memory, bytes memory)
    {
        // The hash binds the ciphertext the requester posted; the plaintext never leaves this call but in `result`.
        bytes32 argsHash = _checkedArgsHash(id, args);
        (Read[] memory reads, bytes memory result) = _answer(Shielded.open(KEYS, args));
        return (proof(), id, argsHash, payee, reads, result);
    }

    /// @dev Apart from `increment` so that its locals fit the stack.
    function _answer(bytes memory plain) private view returns (Read[] memory reads, bytes memory result) {
        (bytes32 key, uint256 delta) = abi.decode(plain, (bytes32, uint256));
        reads = new Read[](1);
        bytes32 value;
        (value, reads[0]) = _read(key);
        result = abi.encode(key, uint256(value) + delta);
    }
}
