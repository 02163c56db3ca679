"""Receipt -> chain, one stage of the data flow: the embedded zkVM's execute/prove/verify and proof modes
(`zkvm`), succinct compression and the Groth16 split flow with its shrink-wrap backends (`groth16`, `shrink_wrap`,
`cli`), receipt claims (`claim`), the on-chain `Proof` struct, seals and verifier calldata (`proof_encoding`), the
off-chain Groth16 pairing check (`pairing`) and `vlayer verify` (`verify`)."""
