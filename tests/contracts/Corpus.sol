// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// A small ERC20: balances, allowances and a long name, enough to prove real token reads.
contract Token {
    string public name = "vlayer preflight corpus token with a name longer than thirty-one bytes";
    uint256 public totalSupply;
    mapping(address => uint256) public balanceOf;
    mapping(address => mapping(address => uint256)) public allowance;

    constructor(address[] memory holders, uint256 amount) {
        for (uint256 i = 0; i < holders.length; i++) {
            balanceOf[holders[i]] = amount * (i + 1);
            totalSupply += amount * (i + 1);
        }
        allowance[holders[0]][address(this)] = 7;
    }

    function transfer(address to, uint256 value) external returns (bool) {
        balanceOf[msg.sender] -= value;
        balanceOf[to] += value;
        return true;
    }
}

contract Helper {
    function triple(uint256 x) external pure returns (uint256) {
        return 3 * x;
    }
}

contract Child {
    uint256 public v;

    constructor(uint256 x) {
        v = x;
    }
}

/// One function per behaviour the preflight must reproduce exactly.
contract Corpus {
    struct Position {
        uint128 amount;
        uint64 since;
        bool active;
        bytes32 tag;
    }

    error Unauthorized(address who, uint256 code);

    Token public token;
    mapping(address => Position) public positions;
    uint256[] public series;
    mapping(uint256 => uint256) public wide;
    uint256 public counter;

    constructor(Token t) {
        token = t;
        positions[address(0xA11CE)] = Position(123456789, 42, true, keccak256("alice"));
        positions[address(0xB0B)] = Position(1, 7, false, bytes32(uint256(5)));
        for (uint256 i = 0; i < 12; i++) {
            series.push(i * i + 1);
        }
        for (uint256 i = 0; i < 300; i++) {
            wide[i] = i + 1;
        }
        counter = 5;
    }

    function balanceOf(address who) external view returns (uint256) {
        return token.balanceOf(who);
    }

    function sumBalances(address[] calldata who) external view returns (uint256 total) {
        for (uint256 i = 0; i < who.length; i++) {
            total += token.balanceOf(who[i]);
        }
    }

    function position(address who) external view returns (Position memory) {
        return positions[who];
    }

    function seriesSum() external view returns (uint256 s, uint256 n) {
        n = series.length;
        for (uint256 i = 0; i < n; i++) {
            s += series[i];
        }
    }

    function wideSum(uint256 n) external view returns (uint256 s) {
        for (uint256 i = 0; i < n; i++) {
            s += wide[i];
        }
    }

    function tokenName() external view returns (string memory) {
        return token.name();
    }

    function failWithReason() external pure {
        require(false, "corpus: not allowed");
    }

    function failCustom() external view {
        revert Unauthorized(msg.sender, 77);
    }

    function failPanic(uint256 d) external pure returns (uint256) {
        return 10 / d;
    }

    function clz(uint256 x) external pure returns (uint256 r) {
        assembly {
            r := clz(x)
        }
    }

    function p256(bytes32 h, bytes32 r, bytes32 s, bytes32 x, bytes32 y) external view returns (bool ok, uint256 len) {
        (bool success, bytes memory out) = address(0x100).staticcall(abi.encode(h, r, s, x, y));
        ok = success && out.length == 32 && abi.decode(out, (uint256)) == 1;
        len = out.length;
    }

    function modexp(bytes calldata input) external view returns (bool ok, bytes memory out, uint256 gasSpent) {
        uint256 before = gasleft();
        (ok, out) = address(0x05).staticcall{gas: 200000}(input);
        gasSpent = before - gasleft();
    }

    function hashes(uint256[] calldata back) external view returns (bytes32[] memory out) {
        out = new bytes32[](back.length);
        for (uint256 i = 0; i < back.length; i++) {
            out[i] = blockhash(block.number - back[i]);
        }
    }

    function loop(uint256 n) external pure returns (bytes32 h) {
        for (uint256 i = 0; i < n; i++) {
            h = keccak256(abi.encode(h, i));
        }
    }

    function absent(address a) external view returns (uint256 bal, bytes32 codeHash, uint256 size, uint256 zeroSlot) {
        bal = a.balance;
        codeHash = a.codehash;
        size = a.code.length;
        zeroSlot = wide[1_000_000];
    }

    function env()
        external
        view
        returns (uint256, uint256, uint256, address, uint256, uint256, uint256, uint256)
    {
        return (
            block.number, block.timestamp, block.basefee, block.coinbase, block.prevrandao, block.chainid,
            block.gaslimit, block.blobbasefee
        );
    }

    function writeAndRefund() external returns (uint256) {
        counter = 0; // refund for clearing a slot
        wide[5] = 99;
        uint256 v = wide[5];
        assembly {
            tstore(0, 11)
        }
        uint256 t;
        assembly {
            t := tload(0)
        }
        return v + t;
    }

    function createChild(uint256 x) external returns (uint256) {
        Child c = new Child(x);
        return c.v() + address(c).code.length;
    }

    function viaDelegate(Helper h, uint256 x) external returns (uint256) {
        (bool ok, bytes memory out) = address(h).delegatecall(abi.encodeCall(Helper.triple, (x)));
        require(ok, "delegatecall failed");
        return abi.decode(out, (uint256));
    }

    function selfBalance() external view returns (uint256, uint256) {
        return (address(this).balance, msg.sender.balance);
    }
}
