// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IRequestCallback} from "../../src/requests/IRequestCallback.sol";
import {RequestBook} from "../../src/requests/RequestBook.sol";
import {VersionedStore} from "../../src/requests/VersionedStore.sol";

/// @notice Example consumer: applies a proven counter value by writing it through the versioned store, which
///         makes every other pending answer over the old value stale. `mode` breaks the callback for the tests.
contract Counter is IRequestCallback {
    enum Mode {
        Ok,
        Revert,
        BurnGas
    }

    RequestBook public immutable BOOK;
    VersionedStore public immutable STORE;
    Mode public mode;
    uint256 public applied;

    error NotBook(address caller);
    error Broken(uint256 id);

    constructor(RequestBook book, VersionedStore store) {
        BOOK = book;
        STORE = store;
    }

    function setMode(Mode newMode) external {
        mode = newMode;
    }

    function onVlayerResult(uint256 id, bytes calldata result) external {
        if (msg.sender != address(BOOK)) {
            revert NotBook(msg.sender);
        }
        if (mode == Mode.Revert) {
            revert Broken(id);
        }
        if (mode == Mode.BurnGas) {
            // Spins until the call runs out of gas.
            while (gasleft() > 0) {
                applied++;
            }
        }
        (bytes32 key, uint256 value) = abi.decode(result, (bytes32, uint256));
        STORE.write(key, bytes32(value));
        applied++;
    }
}

/// @notice A payee whose receive refuses ETH: its fee must be credited, not block the fulfilment.
contract RefusingPayee {
    error NoThanks();

    receive() external payable {
        revert NoThanks();
    }

    function withdrawFrom(RequestBook book, address to) external {
        book.withdraw(to);
    }
}

/// @notice A callback that fails unless it was given at least `NEED` gas: shows whether the book forwarded all of
///         a request's `callbackGas`.
contract GasGauge is IRequestCallback {
    uint256 public immutable NEED;

    error TooLittleGas(uint256 left);

    constructor(uint256 need) {
        NEED = need;
    }

    function onVlayerResult(uint256, bytes calldata) external view {
        uint256 left = gasleft();
        if (left < NEED) {
            revert TooLittleGas(left);
        }
    }
}

/// @notice Makes a call with a given gas limit and reverts with its outcome, so a test can try many gas limits
///         on the same state.
contract GasProbe {
    error Outcome(bool ok, bytes returnData);

    function tryCall(address target, bytes calldata data, uint256 gasLimit) external {
        (bool ok, bytes memory returnData) = target.call{gas: gasLimit}(data);
        revert Outcome(ok, returnData);
    }
}
