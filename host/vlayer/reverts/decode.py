"""Revert data as people read it: `Error(string)`'s message, `Panic(uint256)` with what its code means, and custom
errors by name with their arguments.

Custom errors are looked up in vlayer's own contracts' errors (`vlayer.reverts.vlayer_errors`, generated from
contracts/src: proof verifiers, `Verifier`, `RequestBook`, `VersionedStore`, `ImageIdRepository`...) and in any ABI
the caller adds: a prover's or verifier's web3.py contract ABI, a JSON ABI file, a Foundry artifact or a whole Foundry
project's `out/`. Revert data come from untrusted contracts, so decoding never raises: what matches no known error,
or does not decode as the error it names, is shown as its hex.

    decoder = RevertDecoder().with_abis(verifier.abi)
    str(decoder.decode(data))   # 'BlockFromFuture(settleBlockNumber=12, currentBlockNumber=12)'
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from eth_abi.abi import decode as abi_decode
from eth_abi.grammar import TupleType
from eth_abi.grammar import parse as parse_abi_type
from eth_utils.abi import collapse_if_tuple, function_signature_to_4byte_selector
from eth_utils.address import to_checksum_address

from vlayer.errors import InputError
from vlayer.reverts.vlayer_errors import ENUMS, ERRORS

ERROR_SELECTOR = bytes.fromhex("08c379a0")
PANIC_SELECTOR = bytes.fromhex("4e487b71")

#: What Solidity's `Panic(uint256)` codes mean (Solidity docs, "Panic via assert and Error via require").
PANIC_CODES = {
    0x00: "generic compiler panic",
    0x01: "assert failed",
    0x11: "arithmetic overflow or underflow",
    0x12: "division or modulo by zero",
    0x21: "invalid enum value",
    0x22: "bad storage byte array encoding",
    0x31: "pop on empty array",
    0x32: "array index out of bounds",
    0x41: "out of memory",
    0x51: "call to a zero-initialized function",
}

#: A JSON ABI: a list of entries as solc and web3.py write them.
Abi = Sequence[Mapping[str, Any]]


@dataclass(frozen=True)
class ErrorSpec:
    """One custom error of an ABI."""

    name: str
    #: Canonical ABI types, tuples collapsed to `(t1,t2)`: what the selector hashes and the data decode with.
    types: tuple[str, ...]
    #: The parameters' names; "" where the ABI names none.
    arg_names: tuple[str, ...]
    #: Each parameter's enum member names when it is one of vlayer's enums, else None.
    enums: tuple[tuple[str, ...] | None, ...]

    @property
    def signature(self) -> str:
        return f"{self.name}({','.join(self.types)})"

    @property
    def selector(self) -> bytes:
        return bytes(function_signature_to_4byte_selector(self.signature))


@dataclass(frozen=True)
class DecodedRevert:
    """Revert data and what they say. `str()` is the readable reason."""

    data: bytes
    #: "Error", "Panic", a custom error's name, or "" when the data match no known error (or are empty).
    name: str = ""
    args: tuple[Any, ...] = ()
    #: The error as decoded, for the names and enums of its arguments; None for Error, Panic and unknown data.
    spec: ErrorSpec | None = None

    @property
    def selector(self) -> bytes:
        return self.data[:4]

    @property
    def arguments(self) -> dict[str, Any]:
        """The arguments by name (`arg0`, `arg1`... where the ABI names none)."""
        names = self.spec.arg_names if self.spec else ()
        return {(names[i] if i < len(names) and names[i] else f"arg{i}"): v for i, v in enumerate(self.args)}

    def __str__(self) -> str:
        if not self.data:
            return "reverted without a reason"
        if self.name == "Error":
            return str(self.args[0])
        if self.name == "Panic":
            code = int(self.args[0])
            return f"panic 0x{code:02x} ({PANIC_CODES.get(code, 'unknown panic')})"
        if self.spec is None:
            return f"custom error 0x{self.data.hex()}"
        shown = []
        for i, value in enumerate(self.args):
            name = self.spec.arg_names[i]
            members = self.spec.enums[i]
            if members is not None and isinstance(value, int) and 0 <= value < len(members):
                text = members[value]
            else:
                text = show_value(value, self.spec.types[i])
            shown.append(f"{name}={text}" if name else text)
        return f"{self.name}({', '.join(shown)})"


def show_value(value: Any, abi_type: str | None = None) -> str:
    """An argument as Solidity people write it: 0x-hex bytes, checksummed addresses, quoted strings, `[...]` arrays
    and `(...)` structs (eth_abi decodes both as tuples: `abi_type` tells them apart)."""
    if abi_type is not None and isinstance(value, tuple | list):
        try:
            parsed = parse_abi_type(abi_type)
        except Exception:  # a type eth_abi decoded with always parses; shown untyped all the same if not
            parsed = None
        if parsed is not None and parsed.is_array:
            item = parsed.item_type.to_type_str()
            return "[" + ", ".join(show_value(v, item) for v in value) + "]"
        if isinstance(parsed, TupleType) and len(parsed.components) == len(value):
            shown = (show_value(v, c.to_type_str()) for v, c in zip(value, parsed.components, strict=True))
            return "(" + ", ".join(shown) + ")"
    if isinstance(value, bytes):
        return "0x" + value.hex()
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        if len(value) == 42 and value.startswith("0x"):
            try:
                return to_checksum_address(value)  # as block explorers and wallets show it
            except ValueError:
                pass
        return json.dumps(value)
    if isinstance(value, tuple):
        return "(" + ", ".join(show_value(v) for v in value) + ")"
    if isinstance(value, list):
        return "[" + ", ".join(show_value(v) for v in value) + "]"
    return str(value)


def error_specs(abi: Abi) -> list[ErrorSpec]:
    """The custom errors of a JSON ABI; entries that are not well-formed errors are skipped."""
    specs = []
    for entry in abi:
        if not isinstance(entry, Mapping) or entry.get("type") != "error" or not isinstance(entry.get("name"), str):
            continue
        try:
            inputs = list(entry.get("inputs") or [])
            types = tuple(collapse_if_tuple(dict(p)) for p in inputs)
        except (KeyError, TypeError, ValueError):
            continue
        names = tuple(str(p.get("name") or "") for p in inputs)
        enums = tuple(_enum_members(p.get("internalType")) for p in inputs)
        specs.append(ErrorSpec(entry["name"], types, names, enums))
    return specs


def _enum_members(internal_type: object) -> tuple[str, ...] | None:
    if not isinstance(internal_type, str) or not internal_type.startswith("enum "):
        return None
    return ENUMS.get(internal_type.removeprefix("enum ").rsplit(".", 1)[-1])


class RevertDecoder:
    """Decodes revert data with vlayer's own contracts' errors and the ABIs it was given (which win on a clash)."""

    def __init__(self, abis: Iterable[Abi] = ()) -> None:
        self._abis: tuple[Abi, ...] = tuple(abis)
        self._by_selector: dict[bytes, ErrorSpec] = {}
        for abi in (ERRORS, *self._abis):
            for spec in error_specs(abi):
                self._by_selector[spec.selector] = spec

    def with_abis(self, *abis: Abi) -> RevertDecoder:
        """A decoder that also knows these ABIs' errors."""
        return RevertDecoder((*self._abis, *abis))

    def spec(self, selector: bytes) -> ErrorSpec | None:
        return self._by_selector.get(selector)

    def decode(self, data: bytes) -> DecodedRevert:
        data = bytes(data)
        selector, body = data[:4], data[4:]
        if selector == ERROR_SELECTOR:
            message = _decoded(("string",), body)
            return DecodedRevert(data, "Error", message) if message is not None else DecodedRevert(data)
        if selector == PANIC_SELECTOR:
            code = _decoded(("uint256",), body)
            return DecodedRevert(data, "Panic", code) if code is not None else DecodedRevert(data)
        spec = self._by_selector.get(selector) if len(data) >= 4 else None
        if spec is None:
            return DecodedRevert(data)
        args = _decoded(spec.types, body)
        if args is None:
            return DecodedRevert(data)
        return DecodedRevert(data, spec.name, args, spec)


def _decoded(types: Sequence[str], body: bytes) -> tuple[Any, ...] | None:
    try:
        return tuple(abi_decode(list(types), body))
    # Revert data are whatever a contract returned: eth_abi raises DecodingError, but also OverflowError or
    # UnicodeDecodeError on some garbage; none of it may hide the revert itself.
    except Exception:
        return None


#: vlayer's own contracts' errors only.
VLAYER = RevertDecoder()


def function_names(abis: Iterable[Abi]) -> dict[str, str]:
    """`{"0x1234abcd": "claim"}`: the functions of `abis` by 4-byte selector (what the service's dashboard names a
    job's function by). Entries that do not parse as ABI functions are skipped: the ABIs are the operator's files."""
    names: dict[str, str] = {}
    for abi in abis:
        for entry in abi:
            if entry.get("type") != "function" or not isinstance(entry.get("name"), str):
                continue
            try:
                types = ",".join(collapse_if_tuple(dict(i)) for i in entry.get("inputs") or [])
            except (KeyError, TypeError, ValueError):
                continue
            selector = "0x" + function_signature_to_4byte_selector(f"{entry['name']}({types})").hex()
            names.setdefault(selector, entry["name"])
    return names


def decode_revert(data: bytes, *abis: Abi) -> DecodedRevert:
    """`data` decoded with vlayer's errors and those of `abis`."""
    return (VLAYER.with_abis(*abis) if abis else VLAYER).decode(data)


def revert_data(error: object) -> bytes | None:
    """The revert data an exception carries: web3.py's `ContractLogicError` (`ContractCustomError`,
    `ContractPanicError`) and vlayer's RPC errors keep them in `data`, as hex, as `Reverted 0x...`, or in a dict's
    `data`/`output`. None when there are none."""
    data = getattr(error, "data", None)
    if isinstance(data, Mapping):
        data = data.get("data", data.get("output"))
    return hex_data(data)


def hex_data(value: object) -> bytes | None:
    """`0x...` (or `Reverted 0x...`) as bytes; None for anything else."""
    if not isinstance(value, str):
        return None
    text = value.removeprefix("Reverted ").strip()
    if not text.startswith(("0x", "0X")):
        return None
    try:
        return bytes.fromhex(text[2:])
    except ValueError:
        return None


def load_abi(path: Path) -> list[dict[str, Any]]:
    """A JSON ABI file (a list of entries) or a Foundry/Hardhat artifact (an object with an `abi` list)."""
    try:
        doc = json.loads(Path(path).read_text())
    except OSError as exc:
        raise InputError(f"cannot read ABI file {path}: {exc.strerror or exc}") from None
    except ValueError as exc:
        raise InputError(f"{path} is not JSON: {exc}") from None
    abi = doc.get("abi") if isinstance(doc, dict) else doc
    if not isinstance(abi, list) or not all(isinstance(e, dict) for e in abi):
        raise InputError(f"{path} is neither a JSON ABI (a list of entries) nor an artifact with an `abi` list")
    return abi


def project_abis(root: Path) -> list[list[dict[str, Any]]]:
    """The ABIs of a built Foundry project: every artifact under its `out/` (build-info excluded)."""
    out = Path(root) / "out"
    if not out.is_dir():
        raise InputError(f"{root} has no out/ folder of compiled artifacts; build it first (vlayer build {root})")
    artifacts = sorted(p for p in out.rglob("*.json") if "build-info" not in p.relative_to(out).parts)
    return [load_abi(p) for p in artifacts]
