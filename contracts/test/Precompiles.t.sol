// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {JsonLib} from "../src/Json.sol";
import {PrecompileCall} from "../src/PrecompileCall.sol";
import {Precompiles} from "../src/PrecompilesAddresses.sol";
import {RegexLib} from "../src/Regex.sol";
import {URLPatternLib} from "../src/URLPattern.sol";
import {Web, WebLib} from "../src/WebProof.sol";
import {PrecompileStub, PrecompileStubs} from "./lib/PrecompileStub.sol";
import {Test} from "./lib/Test.sol";

/// @dev The libraries' internal functions, callable from tests, so that their reverts are caught as revert data.
contract PrecompilesHarness {
    function matches(string calldata source, string calldata pattern) external view returns (bool) {
        return RegexLib.matches(source, pattern);
    }

    function capture(string calldata source, string calldata pattern) external view returns (string[] memory) {
        return RegexLib.capture(source, pattern);
    }

    function urlTest(string calldata url, string calldata pattern) external view returns (bool) {
        return URLPatternLib.test(url, pattern);
    }

    function getString(string calldata json, string calldata path) external view returns (string memory) {
        return JsonLib.getString(json, path);
    }

    function getInt(string calldata json, string calldata path) external view returns (int256) {
        return JsonLib.getInt(json, path);
    }

    function getBool(string calldata json, string calldata path) external view returns (bool) {
        return JsonLib.getBool(json, path);
    }

    function getFloatAsInt(string calldata json, string calldata path, uint8 precision) external view returns (int256) {
        return JsonLib.getFloatAsInt(json, path, precision);
    }

    function webString(Web calldata web, string calldata path) external view returns (string memory) {
        return WebLib.jsonGetString(web, path);
    }

    function webInt(Web calldata web, string calldata path) external view returns (int256) {
        return WebLib.jsonGetInt(web, path);
    }

    function webBool(Web calldata web, string calldata path) external view returns (bool) {
        return WebLib.jsonGetBool(web, path);
    }

    function webFloatAsInt(Web calldata web, string calldata path, uint8 precision) external view returns (int256) {
        return WebLib.jsonGetFloatAsInt(web, path, precision);
    }
}

contract PrecompilesTest is Test {
    /// @dev `string[2]` ["abc", "^a.c$"] as eth_abi encodes it: the pair layout every two-string precompile takes.
    bytes internal constant PAIR_INPUT = hex"0000000000000000000000000000000000000000000000000000000000000020"
        hex"0000000000000000000000000000000000000000000000000000000000000040"
        hex"0000000000000000000000000000000000000000000000000000000000000080"
        hex"0000000000000000000000000000000000000000000000000000000000000003"
        hex"6162630000000000000000000000000000000000000000000000000000000000"
        hex"0000000000000000000000000000000000000000000000000000000000000005"
        hex"5e612e6324000000000000000000000000000000000000000000000000000000";
    /// @dev The tuple (string json, string path, uint8 precision) ('{"p":1.5}', "p", 2) as eth_abi encodes it: the
    ///      float-as-int input.
    bytes internal constant FLOAT_INPUT = hex"0000000000000000000000000000000000000000000000000000000000000020"
        hex"0000000000000000000000000000000000000000000000000000000000000060"
        hex"00000000000000000000000000000000000000000000000000000000000000a0"
        hex"0000000000000000000000000000000000000000000000000000000000000002"
        hex"0000000000000000000000000000000000000000000000000000000000000009"
        hex"7b2270223a312e357d0000000000000000000000000000000000000000000000"
        hex"0000000000000000000000000000000000000000000000000000000000000001"
        hex"7000000000000000000000000000000000000000000000000000000000000000";

    PrecompilesHarness internal harness;

    function setUp() public {
        harness = new PrecompilesHarness();
    }

    function _pair(string memory a, string memory b) internal pure returns (bytes memory) {
        string[2] memory pair = [a, b];
        return abi.encode(pair);
    }

    function test_addressesAreVlayersV1() public pure {
        bytes32 slot = keccak256(abi.encode(uint256(keccak256("vlayer.precompiles")) - 1));
        address base = address(uint160(uint256(slot) >> 96) & ~uint160(0xff));
        assertEq(Precompiles.BASE, base, "base: the slot's first 19 bytes");
        assertEq(Precompiles.BASE, 0xF4E4FdcA9d5D55e64525e314391996a15f7EC600, "base");
        assertEq(Precompiles.VERIFY_EMAIL, 0xF4E4fdca9D5d55e64525e314391996a15f7EC601, "verify email");
        assertEq(Precompiles.JSON_GET_STRING, 0xf4E4fDCA9D5D55e64525E314391996A15F7eC602, "json string");
        assertEq(Precompiles.JSON_GET_INT, 0xf4E4fdCa9D5d55e64525E314391996A15f7eC603, "json int");
        assertEq(Precompiles.JSON_GET_BOOL, 0xF4E4fdcA9d5d55E64525e314391996a15F7eC604, "json bool");
        assertEq(Precompiles.JSON_GET_FLOAT_AS_INT, 0xF4e4fDCa9D5d55E64525e314391996a15F7EC605, "json float");
        assertEq(Precompiles.REGEX_MATCH, 0xf4E4FDcA9d5d55E64525E314391996a15f7Ec610, "regex match");
        assertEq(Precompiles.REGEX_CAPTURE, 0xF4E4FDca9d5D55E64525E314391996A15F7ec611, "regex capture");
        assertEq(Precompiles.URL_PATTERN_TEST, 0xF4e4FDca9d5d55e64525e314391996a15f7Ec620, "url pattern");
    }

    function test_inputLayoutsAreVlayersV1() public pure {
        assertEq(_pair("abc", "^a.c$"), PAIR_INPUT, "string[2]");
        assertEq(abi.encode(JsonLib.FloatInput('{"p":1.5}', "p", 2)), FLOAT_INPUT, "float input");
    }

    function test_regexMatchSendsThePairAndReadsABool() public {
        PrecompileStub stub = PrecompileStubs.install(vm, Precompiles.REGEX_MATCH);
        stub.answer(PAIR_INPUT, abi.encode(true));
        stub.answer(_pair("abd", "^a.c$"), abi.encode(false));
        assertTrue(harness.matches("abc", "^a.c$"), "abc matches");
        assertTrue(!harness.matches("abd", "^a.c$"), "abd does not");
    }

    function test_regexCaptureReadsTheGroups() public {
        PrecompileStub stub = PrecompileStubs.install(vm, Precompiles.REGEX_CAPTURE);
        string[] memory groups = new string[](3);
        (groups[0], groups[1], groups[2]) = ("user@example.com", "example.com", "");
        stub.answer(_pair("user@example.com", "^[a-z]+@([a-z.]+)(x)?$"), abi.encode(groups));
        string[] memory got = harness.capture("user@example.com", "^[a-z]+@([a-z.]+)(x)?$");
        assertEq(got.length, 3, "whole match and two groups");
        assertEq(bytes(got[0]), "user@example.com", "whole match");
        assertEq(bytes(got[1]), "example.com", "group 1");
        assertEq(bytes(got[2]), "", "unmatched group 2");
    }

    function test_urlPatternSendsThePairAndReadsABool() public {
        PrecompileStub stub = PrecompileStubs.install(vm, Precompiles.URL_PATTERN_TEST);
        stub.answer(_pair("https://api.example.com/v1/x", "https://api.example.com/v1/*"), abi.encode(true));
        assertTrue(harness.urlTest("https://api.example.com/v1/x", "https://api.example.com/v1/*"), "matches");
    }

    function test_jsonGettersDecodeTheirTypes() public {
        string memory json = '{"a":{"s":"hi","i":-42,"b":true}}';
        PrecompileStubs.install(vm, Precompiles.JSON_GET_STRING).answer(_pair(json, "a.s"), abi.encode("hi"));
        // The engine's int64, sign-extended to a word as abi.encode(int64) does.
        PrecompileStubs.install(vm, Precompiles.JSON_GET_INT).answer(_pair(json, "a.i"), abi.encode(int64(-42)));
        PrecompileStubs.install(vm, Precompiles.JSON_GET_BOOL).answer(_pair(json, "a.b"), abi.encode(true));
        PrecompileStubs.install(vm, Precompiles.JSON_GET_FLOAT_AS_INT).answer(FLOAT_INPUT, abi.encode(int64(150)));
        assertEq(bytes(harness.getString(json, "a.s")), "hi", "string");
        assertTrue(harness.getInt(json, "a.i") == -42, "int");
        assertTrue(harness.getBool(json, "a.b"), "bool");
        assertTrue(harness.getFloatAsInt('{"p":1.5}', "p", 2) == 150, "float as int");
    }

    function test_webGettersReadTheBody() public {
        Web memory web = Web('{"p":1.5}', "notary key", "https://example.com/");
        PrecompileStubs.install(vm, Precompiles.JSON_GET_STRING).answer(_pair(web.body, "q"), abi.encode("x"));
        PrecompileStubs.install(vm, Precompiles.JSON_GET_INT).answer(_pair(web.body, "q"), abi.encode(int64(7)));
        PrecompileStubs.install(vm, Precompiles.JSON_GET_BOOL).answer(_pair(web.body, "q"), abi.encode(false));
        PrecompileStubs.install(vm, Precompiles.JSON_GET_FLOAT_AS_INT).answer(FLOAT_INPUT, abi.encode(int64(-1)));
        assertEq(bytes(harness.webString(web, "q")), "x", "string");
        assertTrue(harness.webInt(web, "q") == 7, "int");
        assertTrue(!harness.webBool(web, "q"), "bool");
        assertTrue(harness.webFloatAsInt(web, "p", 2) == -1, "float as int");
    }

    function test_webGettersRefuseAnEmptyBody() public {
        Web memory web = Web("", "notary key", "https://example.com/");
        bytes memory empty = abi.encodeWithSignature("Error(string)", "Body is empty");
        bytes4[4] memory getters = [
            PrecompilesHarness.webString.selector,
            PrecompilesHarness.webInt.selector,
            PrecompilesHarness.webBool.selector,
            PrecompilesHarness.webFloatAsInt.selector
        ];
        for (uint256 i = 0; i < 3; i++) {
            assertRevertsWith(address(harness), abi.encodeWithSelector(getters[i], web, "q"), empty, "getter");
        }
        assertRevertsWith(
            address(harness), abi.encodeWithSelector(getters[3], web, "q", uint8(2)), empty, "float getter"
        );
    }

    function test_aRevertingPrecompilesDataIsBubbledAsIs() public {
        bytes memory custom = abi.encodeWithSignature("Custom(uint256)", 7);
        PrecompileStubs.install(vm, Precompiles.REGEX_MATCH).refuse(PAIR_INPUT, custom);
        assertRevertsWith(
            address(harness), abi.encodeCall(PrecompilesHarness.matches, ("abc", "^a.c$")), custom, "bubbled"
        );
    }

    function test_aFailedCallWithoutDataIsFailedInnerCall() public {
        PrecompileStubs.install(vm, Precompiles.JSON_GET_STRING).refuse(_pair("{}", "a"), "");
        assertRevertsWith(
            address(harness),
            abi.encodeCall(PrecompilesHarness.getString, ("{}", "a")),
            abi.encodeWithSelector(PrecompileCall.FailedInnerCall.selector),
            "no revert data"
        );
        assertEq(bytes.concat(PrecompileCall.FailedInnerCall.selector), hex"1425ea42", "OpenZeppelin's selector");
    }

    function test_outOfGasIsFailedInnerCall() public {
        PrecompileStubs.install(vm, Precompiles.REGEX_MATCH).exhaust(PAIR_INPUT);
        assertRevertsWith(
            address(harness),
            abi.encodeCall(PrecompilesHarness.matches, ("abc", "^a.c$")),
            abi.encodeWithSelector(PrecompileCall.FailedInnerCall.selector),
            "out of gas"
        );
    }

    function test_aPlainNodeSaysThePrecompileIsMissing() public {
        // Nothing etched: the address is empty, as on any chain, and a call to it returns nothing.
        assertRevertsWith(
            address(harness),
            abi.encodeCall(PrecompilesHarness.capture, ("a", "^a$")),
            abi.encodeWithSelector(PrecompileCall.PrecompileNotAvailable.selector, Precompiles.REGEX_CAPTURE),
            "missing precompile"
        );
    }
}
