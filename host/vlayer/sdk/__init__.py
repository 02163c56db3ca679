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
"""

from vlayer.sdk.backends import Local
from vlayer.sdk.client import AsyncClient, Client
from vlayer.sdk.result import ProofResult
from vlayer.sdk.submit import explain, readable_reverts, submit

__all__ = ["AsyncClient", "Client", "Local", "ProofResult", "explain", "readable_reverts", "submit"]
