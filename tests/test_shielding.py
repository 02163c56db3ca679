"""vlayer.shielding without a chain: the key pair and its file (mode, refusals, no secret in any message or repr),
the envelope's layout against eth_abi and Shielded.sol's associated data, sealing and opening through the native
module, the ShieldedOpen precompile's exact messages, and the `vlayer worker keygen | pubkey` commands."""

from __future__ import annotations

import copy
import json
import os
import pickle
import stat
from pathlib import Path

import pytest
from click.testing import CliRunner
from eth_abi import decode, encode

from vlayer.cli import main
from vlayer.guest import native_module
from vlayer.sdk import Local
from vlayer.shielding import (
    ShieldingError,
    ShieldingKeyFileError,
    ShieldingKeyPair,
    decode_envelope,
    generate,
    load_key_file,
    load_keys,
    open_envelope,
    seal_args,
    shielding_aad,
    write_key_file,
)
from vlayer.shielding.keys import KEY_FILE_FORMAT, public_key_of

#: RFC 7748 §6.1: Alice's and Bob's X25519 key pairs.
RFC7748 = [
    (
        "77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a",
        "8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a",
    ),
    (
        "5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb",
        "de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f",
    ),
]
KEYS_ADDRESS = "0x5FbDB2315678afecb367f642d7d6E3A2aAb0eB01"
CHAIN_ID = 31337
PLAIN = encode(["bytes32", "uint256"], [b"k" * 32, 987_654_321])
#: ShieldedOpen's address: vlayer's precompile base + 0x40.
SHIELDED_OPEN = bytes.fromhex("F4E4FdcA9d5D55e64525e314391996a15f7EC640")


def pair_of(n: int) -> ShieldingKeyPair:
    return ShieldingKeyPair.from_secret(bytes([n]) * 32)


@pytest.fixture
def pair() -> ShieldingKeyPair:
    return pair_of(7)


def key_file(tmp_path: Path, pair: ShieldingKeyPair, name: str = "key.json") -> Path:
    path = tmp_path / name
    write_key_file(path, pair)
    return path


# --- the key pair --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("secret", "public"), RFC7748)
def test_the_public_key_is_rfc_7748s(secret: str, public: str) -> None:
    assert public_key_of(bytes.fromhex(secret)).hex() == public
    assert ShieldingKeyPair.from_secret(bytes.fromhex(secret)).public.hex() == public


def test_generated_pairs_are_x25519_pairs_and_differ() -> None:
    a, b = generate(), generate()
    assert len(a.secret) == len(a.public) == 32
    assert public_key_of(a.secret) == a.public  # the native DeriveKeyPair and RFC 7748 agree
    assert a.public != b.public and a.secret != b.secret


def test_the_native_keypair_is_deterministic_in_its_seed() -> None:
    derive = native_module().shielding_keypair
    assert derive(b"\x03" * 32) == derive(b"\x03" * 32) != derive(b"\x04" * 32)
    secret, public = derive(b"\x03" * 32)
    assert ShieldingKeyPair(bytes(secret), bytes(public)).public == public_key_of(bytes(secret))


def test_repr_str_and_containers_show_the_public_key_only(pair: ShieldingKeyPair) -> None:
    secret = pair.secret.hex()
    assert repr(pair) == str(pair) == f"ShieldingKeyPair(public=0x{pair.public.hex()})"
    for shown in (repr(pair), str(pair), f"{pair}", repr([pair]), repr((pair, pair)), repr({"k": pair})):
        assert secret not in shown
    # Local keeps the secrets of the pairs handed to it out of its repr too.
    local = Local(dev=True, shielding_keys=(pair.secret,))
    assert secret not in repr(local) and pair.secret.hex() not in str(local)


def test_a_pair_is_not_pickled_and_copies_are_itself(pair: ShieldingKeyPair) -> None:
    with pytest.raises(TypeError, match="not pickled: its secret key stays in the process"):
        pickle.dumps(pair)
    assert copy.copy(pair) is pair and copy.deepcopy(pair) is pair


def test_a_pair_whose_halves_do_not_match_is_refused_without_the_secret(pair: ShieldingKeyPair) -> None:
    other = pair_of(8)
    with pytest.raises(ShieldingError) as refused:
        ShieldingKeyPair(pair.secret, other.public)
    message = str(refused.value)
    assert message == (
        f"public key 0x{other.public.hex()} is not the secret key's (its public key is 0x{pair.public.hex()})"
    )
    assert pair.secret.hex() not in message
    with pytest.raises(ShieldingError, match="a shielding secret key is 32 bytes"):
        ShieldingKeyPair(pair.secret[:31], pair.public)
    with pytest.raises(ShieldingError, match="a shielding public key is 32 bytes"):
        ShieldingKeyPair(pair.secret, pair.public + b"\x00")


# --- the key file ----------------------------------------------------------------------------------------------------


def test_the_key_file_is_0600_json_and_loads_back(tmp_path: Path, pair: ShieldingKeyPair) -> None:
    old = os.umask(0)  # a permissive umask must not widen the file's mode
    try:
        path = key_file(tmp_path, pair)
    finally:
        os.umask(old)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert json.loads(path.read_text()) == {
        "version": KEY_FILE_FORMAT,
        "secret": "0x" + pair.secret.hex(),
        "public": "0x" + pair.public.hex(),
    }
    assert load_key_file(path) == pair


def test_keygen_never_overwrites(tmp_path: Path, pair: ShieldingKeyPair) -> None:
    path = key_file(tmp_path, pair)
    before = path.read_bytes()
    with pytest.raises(ShieldingKeyFileError) as refused:
        write_key_file(path, pair_of(9))
    assert str(refused.value) == f"{path} already exists: keygen does not overwrite a key"
    assert path.read_bytes() == before


@pytest.mark.parametrize("mode", [0o640, 0o604, 0o644, 0o620, 0o602])
def test_a_key_file_open_to_others_is_refused(tmp_path: Path, pair: ShieldingKeyPair, mode: int) -> None:
    path = key_file(tmp_path, pair)
    path.chmod(mode)
    with pytest.raises(ShieldingKeyFileError) as refused:
        load_key_file(path)
    assert str(refused.value) == (
        f"{path} is open to its group or others (mode {mode:04o}): a shielding secret key must be readable by its "
        f"owner only; run `chmod 600 {path}`"
    )


def _write(path: Path, text: str) -> Path:
    path.write_text(text)
    path.chmod(0o600)
    return path


def test_bad_key_files_are_refused_naming_what_is_wrong_never_the_secret(
    tmp_path: Path, pair: ShieldingKeyPair
) -> None:
    secret = "0x" + pair.secret.hex()
    public = "0x" + pair.public.hex()
    other = "0x" + pair_of(8).public.hex()
    bad_hex = "0x" + "zz" + pair.secret.hex()[2:]
    cases = {
        "not JSON": ("{" + secret, "is not JSON: not a vlayer shielding key file"),
        "other format": (
            json.dumps({"version": "vlayer-shielding-key-0", "secret": secret, "public": public}),
            f'is not a vlayer shielding key file ({{"version": "{KEY_FILE_FORMAT}"}})',
        ),
        "no secret": (json.dumps({"version": KEY_FILE_FORMAT, "public": public}), "no 'secret' key"),
        "short secret": (
            json.dumps({"version": KEY_FILE_FORMAT, "secret": secret[:-2], "public": public}),
            "'secret' is not 0x and 64 hex digits",
        ),
        "bad hex": (
            json.dumps({"version": KEY_FILE_FORMAT, "secret": bad_hex, "public": public}),
            "'secret' is not 0x and 64 hex digits",
        ),
        "other public key": (
            json.dumps({"version": KEY_FILE_FORMAT, "secret": secret, "public": other}),
            f"its public key {other} is not its secret key's ({public}): the file was changed or put together "
            "from two keys",
        ),
    }
    for name, (text, expected) in cases.items():
        path = _write(tmp_path / f"{name}.json", text)
        with pytest.raises(ShieldingKeyFileError) as refused:
            load_key_file(path)
        message = str(refused.value)
        assert expected in message, (name, message)
        assert pair.secret.hex() not in message and pair.secret.hex()[2:] not in message, name
    with pytest.raises(ShieldingKeyFileError, match=r"cannot read the shielding key file .*No such file"):
        load_key_file(tmp_path / "missing.json")


def test_load_keys_keeps_order_and_refuses_the_same_key_twice(tmp_path: Path, pair: ShieldingKeyPair) -> None:
    old, new = key_file(tmp_path, pair, "old.json"), key_file(tmp_path, pair_of(8), "new.json")
    assert load_keys([old, new]) == (pair, pair_of(8))
    copied = _write(tmp_path / "copy.json", old.read_text())
    with pytest.raises(ShieldingKeyFileError) as refused:
        load_keys([old, copied])
    assert str(refused.value) == f"{copied} and {old} hold the same key 0x{pair.public.hex()}"


# --- the envelope --------------------------------------------------------------------------------------------------


def test_the_aad_is_shielded_sols() -> None:
    # Shielded.open: abi.encode(block.chainid, address(keys), keyVersion), a uint256, an address and a uint32.
    aad = shielding_aad(CHAIN_ID, KEYS_ADDRESS, 3)
    assert aad == encode(["uint256", "address", "uint32"], [CHAIN_ID, KEYS_ADDRESS, 3])
    assert len(aad) == 96 and aad[31] == CHAIN_ID & 0xFF and aad[-1] == 3
    assert shielding_aad(CHAIN_ID, bytes.fromhex(KEYS_ADDRESS[2:]), 3) == aad
    for bad in (0, 2**32, -1, True):
        with pytest.raises(ShieldingError, match="a key version is 1 to 4294967295"):
            shielding_aad(CHAIN_ID, KEYS_ADDRESS, bad)
    with pytest.raises(ShieldingError, match="is not an address"):
        shielding_aad(CHAIN_ID, "0x1234", 1)


def test_the_envelope_is_abi_encode_version_and_sealed(pair: ShieldingKeyPair) -> None:
    envelope = seal_args(pair.public, 2, CHAIN_ID, KEYS_ADDRESS, PLAIN)
    version, sealed = decode(["uint32", "bytes"], envelope)
    assert version == 2 and decode_envelope(envelope) == (2, sealed)
    assert len(sealed) == 32 + len(PLAIN) + 16  # enc, the ciphertext, Poly1305's tag
    assert envelope == encode(["uint32", "bytes"], [2, sealed])
    assert PLAIN not in envelope and PLAIN[32:] not in envelope and (987_654_321).to_bytes(32, "big") not in envelope
    # Each seal draws a new ephemeral key; a given seed seals to the same bytes.
    assert seal_args(pair.public, 2, CHAIN_ID, KEYS_ADDRESS, PLAIN) != envelope
    seed = b"\x05" * 32
    assert seal_args(pair.public, 2, CHAIN_ID, KEYS_ADDRESS, PLAIN, seed=seed) == seal_args(
        pair.public, 2, CHAIN_ID, KEYS_ADDRESS, PLAIN, seed=seed
    )


def test_sealing_refuses_what_no_key_could_open(pair: ShieldingKeyPair) -> None:
    with pytest.raises(ShieldingError, match="the zero public key is no key"):
        seal_args(bytes(32), 1, CHAIN_ID, KEYS_ADDRESS, PLAIN)
    with pytest.raises(ShieldingError, match="a shielding public key is 32 bytes"):
        seal_args(pair.public[:31], 1, CHAIN_ID, KEYS_ADDRESS, PLAIN)
    with pytest.raises(ShieldingError, match="the sealing seed is 32 bytes"):
        seal_args(pair.public, 1, CHAIN_ID, KEYS_ADDRESS, PLAIN, seed=b"\x01")
    with pytest.raises(ShieldingError, match="the args to seal are bytes"):
        seal_args(pair.public, 1, CHAIN_ID, KEYS_ADDRESS, "0x00")  # type: ignore[arg-type]
    # u = 1 is a point of order 4: every shared secret with it is zero (RFC 9180 §7.1.4 refuses it).
    low_order = (1).to_bytes(32, "little")
    with pytest.raises(ShieldingError) as refused:
        seal_args(low_order, 1, CHAIN_ID, KEYS_ADDRESS, PLAIN)
    assert "low-order X25519 point" in str(refused.value)


def test_seal_then_open_and_what_does_not_open(pair: ShieldingKeyPair) -> None:
    envelope = seal_args(pair.public, 1, CHAIN_ID, KEYS_ADDRESS, PLAIN)
    assert open_envelope(pair, CHAIN_ID, KEYS_ADDRESS, envelope) == (1, PLAIN)
    does_not_open = "the ciphertext does not open under this key (sealed to another key, or changed)"
    version, sealed = decode_envelope(envelope)
    tampered = encode(["uint32", "bytes"], [version, sealed[:40] + bytes([sealed[40] ^ 1]) + sealed[41:]])
    relabelled = encode(["uint32", "bytes"], [2, sealed])
    for who, chain, keys, env in [
        (pair_of(8), CHAIN_ID, KEYS_ADDRESS, envelope),  # another key
        (pair, CHAIN_ID, KEYS_ADDRESS, tampered),  # a changed ciphertext
        (pair, 1, KEYS_ADDRESS, envelope),  # posted on another chain
        (pair, CHAIN_ID, "0x" + "11" * 20, envelope),  # another registry
        (pair, CHAIN_ID, KEYS_ADDRESS, relabelled),  # another key version of the same registry
    ]:
        with pytest.raises(ShieldingError) as refused:
            open_envelope(who, chain, keys, env)
        assert str(refused.value) == does_not_open
        assert who.secret.hex() not in str(refused.value)
    with pytest.raises(ShieldingError, match="shorter than HPKE's 48"):
        decode_envelope(encode(["uint32", "bytes"], [1, b"\x00" * 47]))
    with pytest.raises(ShieldingError, match=r"not a shielded envelope abi.encode\(uint32, bytes\)"):
        decode_envelope(b"\x01" * 40)


# --- the ShieldedOpen precompile, as preflight and guest run it ------------------------------------------------------


def _open(pair: ShieldingKeyPair, sealed: bytes, secrets: list[bytes], version: int = 1) -> tuple[str, bytes, str]:
    aad = shielding_aad(CHAIN_ID, KEYS_ADDRESS, version)
    data = encode(["bytes32", "bytes", "bytes"], [pair.public, aad, sealed])
    status, output, _gas, message = native_module().precompile_call(SHIELDED_OPEN, data, 10_000_000, False, secrets)
    return status, bytes(output), message


def test_the_precompile_opens_with_the_matching_secret_only(pair: ShieldingKeyPair) -> None:
    _, sealed = decode_envelope(seal_args(pair.public, 1, CHAIN_ID, KEYS_ADDRESS, PLAIN))
    other = pair_of(8)
    status, output, message = _open(pair, sealed, [other.secret, pair.secret])  # held among others: found
    assert (status, message) == ("ok", "")
    assert decode(["bytes"], output) == (PLAIN,)
    status, _, message = _open(pair, sealed, [other.secret])
    assert (status, message) == (
        "fatal",
        f"precompile ShieldedOpen: Shielded: this prover holds no secret key for public key 0x{pair.public.hex()}",
    )
    changed = sealed[:-1] + bytes([sealed[-1] ^ 0x80])
    status, _, message = _open(pair, changed, [pair.secret])
    assert (status, message) == (
        "fatal",
        f"precompile ShieldedOpen: Shielded: the ciphertext does not open under public key 0x{pair.public.hex()} "
        "(sealed to another key, or changed)",
    )
    assert pair.secret.hex() not in message
    # The precompile is refused on blocks reached by time travel: the registry must be read at the settle block.
    aad = shielding_aad(CHAIN_ID, KEYS_ADDRESS, 1)
    data = encode(["bytes32", "bytes", "bytes"], [pair.public, aad, sealed])
    status, _, _, message = native_module().precompile_call(SHIELDED_OPEN, data, 10_000_000, True, [pair.secret])
    assert (status, message) == (
        "fatal",
        "precompile ShieldedOpen: Precompile `ShieldedOpen` is not allowed for travel calls",
    )


# --- the commands --------------------------------------------------------------------------------------------------


def test_keygen_writes_a_0600_file_and_prints_its_public_key(tmp_path: Path) -> None:
    out = tmp_path / "shielding.json"
    result = CliRunner().invoke(main, ["worker", "keygen", str(out)])
    assert result.exit_code == 0, result.output
    pair = load_key_file(out)
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    assert result.stdout == pair.public_hex + "\n"
    assert f"ShieldingKeys.addKey({pair.public_hex})" in result.stderr
    assert pair.secret.hex() not in result.output
    again = CliRunner().invoke(main, ["worker", "keygen", str(out)])
    assert again.exit_code == 2
    assert again.stderr == f"error: {out} already exists: keygen does not overwrite a key\n"
    shown = CliRunner().invoke(main, ["worker", "pubkey", str(out)])
    assert (shown.exit_code, shown.stdout) == (0, pair.public_hex + "\n")
    out.chmod(0o644)
    refused = CliRunner().invoke(main, ["worker", "pubkey", str(out)])
    assert refused.exit_code == 2 and "is open to its group or others (mode 0644)" in refused.stderr


def test_the_worker_refuses_a_shielding_key_with_a_prove_service(tmp_path: Path, pair: ShieldingKeyPair) -> None:
    path = key_file(tmp_path, pair)
    argv = ["worker", "--rpc-url", "http://127.0.0.1:1", "--book", "0x" + "11" * 20, "--function", "increment",
            "--private-key", "0x" + "22" * 32, "--service", "http://127.0.0.1:2/",
            "--shielding-key", str(path)]  # fmt: skip
    result = CliRunner().invoke(main, argv)
    assert result.exit_code == 2
    assert result.stderr == (
        "error: --shielding-key applies to local proving: a prove service would receive the secret key (and keep "
        "the call's segments); run this worker without --service\n"
    )


def test_the_worker_refuses_a_bad_key_file_before_anything_runs(tmp_path: Path, pair: ShieldingKeyPair) -> None:
    path = key_file(tmp_path, pair)
    path.chmod(0o640)
    argv = ["worker", "--rpc-url", "http://127.0.0.1:1", "--book", "0x" + "11" * 20, "--function", "increment",
            "--private-key", "0x" + "22" * 32, "--dev", "--shielding-key", str(path)]  # fmt: skip
    result = CliRunner().invoke(main, argv)
    assert result.exit_code == 2
    assert "is open to its group or others (mode 0640)" in result.stderr
    assert pair.secret.hex() not in result.output


def test_the_worker_options_are_the_workers_alone(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["worker", "--dev", "keygen", str(tmp_path / "k.json")])
    assert result.exit_code == 2
    assert "--dev: the worker's options go with `vlayer worker` alone, not with `vlayer worker keygen`" in (
        result.stderr
    )
    assert not (tmp_path / "k.json").exists()
    missing = CliRunner().invoke(main, ["worker", "--book", "0x" + "11" * 20])
    assert (missing.exit_code, missing.stderr) == (2, "error: --rpc-url is required\n")
