// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {JsonLib} from "./Json.sol";

// Web proofs themselves are not here. vlayer v1's `WebProof` struct and `WebProofLib.verify*` check a TLSNotary
// presentation in a precompile (address suffix 0x00), and the crates that verify one (tlsn-core and its
// dependencies) are published in no package registry, so this project cannot build that verifier. A `WebProofLib`
// that accepted presentations without verifying them would prove nothing, so there is none: a v1 prover that calls
// `WebProofLib` does not compile here, rather than compiling and proving nothing. docs/precompiles.md.

/// @notice A web page's response as vlayer v1 gave it to provers (body, the notary's public key PEM, the URL).
///         Nothing here builds one from a proof (see above); `WebLib` reads JSON from one's body.
struct Web {
    string body;
    string notaryPubKey;
    string url;
}

/// @notice vlayer v1's JSON getters on a `Web`'s body; `JsonLib` has the same on a plain string.
library WebLib {
    function jsonGetString(Web memory web, string memory jsonPath) internal view returns (string memory) {
        return JsonLib.getString(_body(web), jsonPath);
    }

    function jsonGetInt(Web memory web, string memory jsonPath) internal view returns (int256) {
        return JsonLib.getInt(_body(web), jsonPath);
    }

    function jsonGetBool(Web memory web, string memory jsonPath) internal view returns (bool) {
        return JsonLib.getBool(_body(web), jsonPath);
    }

    function jsonGetFloatAsInt(Web memory web, string memory jsonPath, uint8 precision) internal view returns (int256) {
        return JsonLib.getFloatAsInt(_body(web), jsonPath, precision);
    }

    function _body(Web memory web) private pure returns (string memory) {
        require(bytes(web.body).length > 0, "Body is empty");
        return web.body;
    }
}
