"""Logs as inputs: a prover's `Logs.get(LogQuery)` answered in the preflight from receipts checked against each
block's receipts root (docs/logs.md). The rules (which blocks need receipts, the answer, its gas) are the guest's,
called through the native module; this package fetches and checks what the node gives."""
