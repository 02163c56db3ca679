"""vlayer for web3.py users: prove a prover contract's function, hand the result to its verifier.

    client = Client("http://127.0.0.1:3000/")              # a prove service (token=... for a bearer token)
    client = Client(Local(dev=True, hardfork="osaka"))      # or in this process, on the contract's RPC node
    result = client.prove(prover.functions.balance(owner))
    verifier.functions.claim(*result.verifier_args()).transact({"from": owner})

Failures are `vlayer.errors.VlayerError`s: `ProveError` (with the JSON-RPC `code` and `data`) when no proof came,
`ProverRevertedError` with the revert reason, `UnknownChainError`, `RpcUnreachableError` for a service that does not
answer, `InputError` for a function that is not a bound prover function.
"""

from vlayer.sdk.backends import Local
from vlayer.sdk.client import AsyncClient, Client
from vlayer.sdk.result import ProofResult

__all__ = ["AsyncClient", "Client", "Local", "ProofResult"]
