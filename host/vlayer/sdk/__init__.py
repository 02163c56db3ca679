"""vlayer for web3.py users: prove a prover contract's function, hand the result to its verifier.

    client = Client("http://127.0.0.1:3000/")              # a prove service (token=... for a bearer token)
    client = Client(Local(dev=True, hardfork="osaka"))      # or in this process, on the contract's RPC node
    result = client.prove(prover.functions.balance(owner))
    receipt = result.submit(verifier.functions.claim, {"from": owner})

`result.submit` (or `submit(call, tx)` for any call) estimates gas on the pending block, which a proof of the latest
block needs, and names a revert: `TransactionRevertedError("claim(...) to 0x... reverted: BlockTooOld(...)")` where
web3.py's `transact()` raises `ContractCustomError('0x...')`; `readable_reverts(abi)` does the same around any web3.py
code. Failures are `vlayer.errors.VlayerError`s: `ProveError` (with the JSON-RPC `code` and `data`) when no proof
came, `ProverRevertedError` with the revert reason (decoded with the prover's ABI), `UnknownChainError`,
`RpcUnreachableError` for a service that does not answer, `InputError` for a function that is not a bound prover
function.

Shielded requests: `post_shielded(book, keys, prover, selector, clear_args, ...)` seals a request's args to the
current key of a `ShieldingKeys` contract and posts them; `seal_args(public_key, version, chain_id, keys, clear_args)`
only seals; `shielding_key(w3, keys)` reads the current key (`vlayer.shielding`; docs/requests.md).

Email proofs: `prepare_email(raw_eml, dkim_txt_record)` gives the `UnverifiedEmail` a prover's `EmailProofLib.verify`
takes (`unverified.as_abi()` as the argument), its DNS record signed by the dev notary unless given a key
(`vlayer.email`).
"""

from typing import TYPE_CHECKING, Any

from vlayer.sdk.backends import Local
from vlayer.sdk.client import AsyncClient, Client
from vlayer.sdk.result import ProofResult
from vlayer.sdk.submit import explain, readable_reverts, submit

if TYPE_CHECKING:
    from vlayer.email import UnverifiedEmail, prepare_email
    from vlayer.sdk.shielded import ShieldedPost, post_shielded
    from vlayer.shielding.envelope import seal_args
    from vlayer.shielding.registry import shielding_key

__all__ = [
    "AsyncClient",
    "Client",
    "Local",
    "ProofResult",
    "ShieldedPost",
    "UnverifiedEmail",
    "explain",
    "post_shielded",
    "prepare_email",
    "readable_reverts",
    "seal_args",
    "shielding_key",
    "submit",
]

#: Loaded on first use, like the email tools: most users of this package never shield.
_SHIELDING = {
    "ShieldedPost": "vlayer.sdk.shielded",
    "post_shielded": "vlayer.sdk.shielded",
    "seal_args": "vlayer.shielding.envelope",
    "shielding_key": "vlayer.shielding.registry",
}


def __getattr__(name: str) -> Any:
    # The email tools load on first use: the CLI imports this package, and most commands never touch email.
    if name in ("UnverifiedEmail", "prepare_email"):
        import vlayer.email

        return getattr(vlayer.email, name)
    if name in _SHIELDING:
        import importlib

        return getattr(importlib.import_module(_SHIELDING[name]), name)
    raise AttributeError(f"module 'vlayer.sdk' has no attribute {name!r}")
