"""vlayer: prove off-chain EVM calls with a RISC Zero zkVM.

The host half lives here: block pinning, py-evm preflight over a recording ProofDb, proof collection and checking.
"""

__version__ = "0.1.0"
