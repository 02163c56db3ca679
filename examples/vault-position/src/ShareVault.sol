// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

interface IERC20 {
    function balanceOf(address owner) external view returns (uint256);
    function transferFrom(address from, address to, uint256 value) external returns (bool);
}

/// @notice A minimal share vault: deposits mint shares; a holder's assets are their share of the vault's token
///         balance, which the vault reads from the token (the second hop of the prover's call chain).
contract ShareVault {
    IERC20 public immutable TOKEN;
    uint256 public totalShares;
    mapping(address => uint256) public sharesOf;

    event Deposit(address indexed owner, uint256 assets, uint256 shares);

    constructor(IERC20 token) {
        TOKEN = token;
    }

    function deposit(uint256 assets) external returns (uint256 shares) {
        uint256 held = TOKEN.balanceOf(address(this));
        shares = totalShares == 0 || held == 0 ? assets : assets * totalShares / held;
        require(TOKEN.transferFrom(msg.sender, address(this), assets), "ShareVault: transfer failed");
        totalShares += shares;
        sharesOf[msg.sender] += shares;
        emit Deposit(msg.sender, assets, shares);
    }

    function assetsOf(address owner) external view returns (uint256) {
        if (totalShares == 0) {
            return 0;
        }
        return sharesOf[owner] * TOKEN.balanceOf(address(this)) / totalShares;
    }
}
