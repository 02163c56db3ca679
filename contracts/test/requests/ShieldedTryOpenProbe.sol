// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Shielded} from "../../src/shielding/Shielded.sol";
import {IShieldingKeys} from "../../src/shielding/ShieldingKeys.sol";

/// @notice Opens a list of envelopes with `Shielded.tryOpen`, as a prover that opens entries posted by different
///         people does (tests/test_shielded_try_open.py runs it through the preflight, the native guest and the
///         zkVM executor): the answer for each, with no entry able to stop the others.
contract ShieldedTryOpenProbe {
    IShieldingKeys public immutable KEYS;

    constructor(IShieldingKeys keys) {
        KEYS = keys;
    }

    function tryOpenAll(bytes[] calldata envelopes)
        external
        view
        returns (bool[] memory opened, bytes[] memory plaintexts)
    {
        opened = new bool[](envelopes.length);
        plaintexts = new bytes[](envelopes.length);
        for (uint256 i = 0; i < envelopes.length; i++) {
            (opened[i], plaintexts[i]) = Shielded.tryOpen(KEYS, envelopes[i]);
        }
    }
}
