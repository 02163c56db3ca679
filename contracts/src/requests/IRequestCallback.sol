// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @notice What a `RequestBook` calls when a request is answered. It is called with exactly the request's
///         `callbackGas`; a revert (or running out of that gas) leaves the request `CallbackFailed`, and anyone may
///         then call `RequestBook.retryCallback`.
interface IRequestCallback {
    /// @param id The request answered.
    /// @param result The prover's `result` output, as proven; its encoding is the prover's and the dApp's business.
    function onVlayerResult(uint256 id, bytes calldata result) external;
}
