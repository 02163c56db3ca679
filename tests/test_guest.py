"""The native guest (Rust, via pyo3): agrees with preflight and anvil, pins the wire format, refuses bad input."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pytest
import rlp
from eth_utils import keccak, to_checksum_address
from hypothesis import given, settings
from hypothesis import strategies as st
from trie import HexaryTrie

from tests.conftest import Chain
from tests.support.corpus import HOLDERS, calldata, corpus_calls
from tests.test_corpus import CALL_NAMES, run
from tests.vectors.make_vectors import VECTORS, replayed
from vlayer import _native
from vlayer.errors import GuestError, HostGuestMismatchError
from vlayer.guest import check_guest, execute_native, run_and_check
from vlayer.guest_input import MAGIC, expected_journal, input_for

VECTOR_DIR = Path(__file__).resolve().parent / "vectors" / "guest"


@pytest.mark.parametrize("name", CALL_NAMES)
def test_native_guest_matches_preflight(chain: Chain, name: str) -> None:
    call = next(c for c in corpus_calls(chain.d) if c.name == name)
    result = run(chain, call.to, call.data)
    if result.success:
        guest = run_and_check(result)
        assert guest.return_data == result.return_data
        return
    with pytest.raises(GuestError) as err:
        execute_native(input_for(result))
    if result.halted:
        assert str(err.value).startswith("call halted: ")
    else:
        assert str(err.value) == f"call reverted: 0x{result.return_data.hex()}"


@pytest.mark.parametrize("name", VECTORS)
def test_golden_vectors(name: str) -> None:
    """The encoder still writes the committed bytes, and the guest still commits the committed journal."""
    data = (VECTOR_DIR / f"{name}.input.bin").read_bytes()
    journal = bytes.fromhex((VECTOR_DIR / f"{name}.journal.hex").read_text().strip())
    result = replayed(name)
    assert input_for(result) == data
    assert expected_journal(result) == journal
    assert execute_native(data).journal == journal


def test_mismatch_is_a_typed_error() -> None:
    result = replayed("erc20_balance_osaka")
    good = execute_native(input_for(result))
    tampered = type(good)(good.journal[:-1] + b"\x01", good.return_data, good.gas_used)
    with pytest.raises(HostGuestMismatchError, match="guest journal differs from preflight"):
        check_guest(result, tampered)
    with pytest.raises(HostGuestMismatchError, match="gas"):
        check_guest(result, type(good)(good.journal, good.return_data, good.gas_used + 1))


# --- corruption: mutate one field of a good input, expect the guest's exact message ----------------------------

Body = list[Any]
H, ANCESTORS, NODES, CODES, ACCOUNTS = 4, 5, 6, 7, 8


def _body(name: str = "erc20_balance_osaka") -> Body:
    data = (VECTOR_DIR / f"{name}.input.bin").read_bytes()
    return rlp.decode(data[len(MAGIC) :])  # type: ignore[no-any-return]


def _run(body: Body) -> str:
    with pytest.raises(GuestError) as err:
        execute_native(MAGIC + rlp.encode(body))
    return str(err.value)


def _addr(raw: bytes) -> str:
    return to_checksum_address(raw)


def _header_fields(body: Body) -> list[bytes]:
    return rlp.decode(body[H])  # type: ignore[no-any-return]


def _account_with_storage(body: Body) -> list[Any]:
    return next(a for a in body[ACCOUNTS] if a[6])


def _node_index(body: Body, node_hash: bytes) -> int:
    return next(i for i, n in enumerate(body[NODES]) if keccak(n) == node_hash)


def _flip(b: bytes, at: int = -1) -> bytes:
    x = bytearray(b)
    x[at] ^= 1
    return bytes(x)


def test_header_field() -> None:
    body = _body()
    fields = _header_fields(body)
    fields[10] = b"\x01" + fields[10]  # gasUsed
    body[H] = rlp.encode(fields)
    assert (
        _run(body)
        == f"header hash mismatch: keccak(header) is 0x{keccak(body[H]).hex()} but the input names 0x{body[3].hex()}"
    )


def test_account_proof_node() -> None:
    body = _body()
    state_root = _header_fields(body)[3]
    i = _node_index(body, state_root)
    body[NODES][i] = _flip(body[NODES][i])
    first = body[ACCOUNTS][0][0]
    assert _run(body) == f"invalid account proof for {_addr(first)}: trie node 0x{state_root.hex()} missing from input"


def test_storage_proof_node() -> None:
    body = _body()
    acc = _account_with_storage(body)
    storage_root, slot = acc[4], acc[6][0][0]
    i = _node_index(body, storage_root)
    body[NODES][i] = _flip(body[NODES][i])
    assert _run(body) == (
        f"invalid storage proof for slot 0x{slot.hex()} of {_addr(acc[0])}: "
        f"trie node 0x{storage_root.hex()} missing from input"
    )


def test_storage_value() -> None:
    body = _body()
    acc = _account_with_storage(body)
    slot, value = acc[6][0]
    proven = int.from_bytes(value, "big")
    acc[6][0] = [slot, (proven + 1).to_bytes(32, "big").lstrip(b"\x00")]
    assert _run(body) == (
        f"storage slot 0x{slot.hex()} of {_addr(acc[0])}: input value {proven + 1} differs from proven value {proven}"
    )


def test_account_field() -> None:
    body = _body()
    acc = body[ACCOUNTS][0]
    acc[3] = (int.from_bytes(acc[3], "big") + 1).to_bytes(32, "big").lstrip(b"\x00")  # balance
    assert _run(body) == f"account {_addr(acc[0])} differs from its proof"


def test_code() -> None:
    body = _body()
    acc = next(a for a in body[ACCOUNTS] if a[5] != keccak(b""))
    i = next(i for i, c in enumerate(body[CODES]) if keccak(c) == acc[5])
    body[CODES][i] = _flip(body[CODES][i], 0)
    # Code is looked up by hash when it runs: the proven account's code is then not in the input.
    assert _run(body) == f"code 0x{acc[5].hex()} not in input"


def test_ancestor_header() -> None:
    body = _body("blockhash_osaka")
    fields = rlp.decode(body[ANCESTORS][1])
    fields[12] = b"tampered"
    body[ANCESTORS][1] = rlp.encode(fields)
    number = int.from_bytes(_header_fields(body)[8], "big")
    assert _run(body) == f"ancestor chain broken at block {number - 2}"


def test_missing_block_hash() -> None:
    body = _body("blockhash_osaka")
    body[ANCESTORS] = body[ANCESTORS][:1]  # BLOCKHASH(n-3) now has no header to prove it
    number = int.from_bytes(_header_fields(body)[8], "big")
    assert _run(body) == f"block hash of {number - 3} not in input"


def test_missing_slot() -> None:
    body = _body()
    acc = _account_with_storage(body)
    slot = acc[6].pop()[0]
    assert _run(body) == f"storage slot 0x{slot.hex()} of {_addr(acc[0])} not in input"


def test_missing_account() -> None:
    body = _body()
    token = next(a for a in body[ACCOUNTS] if a[0] != body[9][1] and a[6])  # the token behind the corpus
    body[ACCOUNTS].remove(token)
    assert _run(body) == f"account {_addr(token[0])} not in input"


def test_bad_magic_and_version() -> None:
    data = (VECTOR_DIR / "erc20_balance_osaka.input.bin").read_bytes()
    with pytest.raises(GuestError, match=r"^input: bad magic$"):
        execute_native(b"XXXX" + data[4:])
    for version in (3, 5):  # v3 lacked the logs field; a later layout is not ours to guess
        body = _body()
        body[0] = version
        assert _run(body) == f"input: unsupported version {version}"


def test_unsupported_chain() -> None:
    body = _body()
    body[1] = 5
    assert _run(body) == "unsupported chain: chain id 5 has no schedule in the guest"


# --- MPT verifier vs an independent trie implementation (py-trie) ----------------------------------------------


@settings(max_examples=60, deadline=None)
@given(
    st.dictionaries(st.binary(min_size=1, max_size=8), st.binary(min_size=1, max_size=40), min_size=1, max_size=40),
    st.binary(min_size=1, max_size=8),
)
def test_mpt_matches_py_trie(entries: dict[bytes, bytes], probe: bytes) -> None:
    t = HexaryTrie({})
    hashed = {hashlib.sha3_256(k).digest(): v for k, v in entries.items()}
    for k, v in hashed.items():
        t[k] = v
    for key in [*list(hashed)[:5], hashlib.sha3_256(probe).digest()]:
        proof = [rlp.encode(node) for node in t.get_proof(key)]
        nodes = [n for n in proof if len(n) >= 32]  # embedded nodes travel inside their parents
        assert _native.mpt_get(nodes, t.root_hash, key) == (hashed.get(key) or None)
        if len(nodes) > 1:
            with pytest.raises(_native.GuestFailure, match="missing from input"):
                _native.mpt_get(nodes[:-1], t.root_hash, key)


def test_guest_refuses_a_different_call_than_the_proofs_cover(osaka_chain: Chain) -> None:
    """Proofs for one holder's balance cannot serve a call for another holder."""
    r = run(osaka_chain, osaka_chain.d.corpus, calldata("balanceOf(address)", ["address"], [HOLDERS[1]]))
    body = rlp.decode(input_for(r)[4:])
    body[9][2] = calldata("balanceOf(address)", ["address"], [HOLDERS[4]])
    message = _run(body)
    assert message.startswith("storage slot 0x") and message.endswith(f"of {_addr(osaka_chain.d.token)} not in input")


# --- build_info: computed once per module build, kept in the user's cache ----------------------------------------


def test_build_info_is_computed_once_per_module_and_kept_in_the_users_cache(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from vlayer import guest

    real = dict(_native.build_info())
    calls: list[int] = []

    def counted() -> dict[str, object]:
        calls.append(1)
        return dict(real)

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    monkeypatch.setattr(_native, "build_info", counted)

    def fresh() -> dict[str, object]:
        guest._build_info.cache_clear()  # a new process
        return guest.build_info()

    assert fresh() == real and len(calls) == 1
    (cached,) = (tmp_path / "vlayer" / "build-info").glob("*.json")
    assert json.loads(cached.read_text())["build_info"] == real
    assert fresh() == real and len(calls) == 1
    # Another module file (rebuilt, reinstalled) is another key: computed again, and the file rewritten.
    doc = json.loads(cached.read_text())
    cached.write_text(json.dumps({**doc, "key": doc["key"] + "0"}))
    assert fresh() == real and len(calls) == 2
    assert json.loads(cached.read_text()) == doc
    # What this code did not write is not read: garbage, an image id that is no 32-byte hex.
    for bad in ("{", json.dumps({**doc, "build_info": {**real, "image_id": "0x" + "ab" * 32}}), "[]"):
        cached.write_text(bad)
        assert fresh() == real
    assert len(calls) == 5
    # A cache that cannot be written costs the computation every time, nothing else.
    cached.unlink()
    cached.parent.rmdir()
    cached.parent.write_text("not a folder")
    assert fresh() == real and fresh() == real and len(calls) == 7
    guest._build_info.cache_clear()
