"""Receipt -> chain: receipt kinds after proving (succinct compression, the Groth16 split flow and its
shrink-wrap backends); on-chain seal encoding and off-chain verification live beside them (`vlayer.proof_encoding`,
`vlayer.groth16`, `vlayer.receipt_check`)."""
