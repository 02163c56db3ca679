//! Receipts after proving: compression into one succinct receipt, the Groth16 split flow, and the verifier
//! parameters RISC Zero's deployed verifiers expect.
//!
//! Groth16 runs in three steps so that the middle one, RISC Zero's shrink-wrap (a circom witness generator and a
//! Groth16 prover with its proving key, shipped only in RISC Zero's docker image or its rzup files), can run
//! wherever those are: (1) a succinct receipt becomes an `identity_p254` receipt whose seal is written as the
//! shrink-wrap's `input.json` (RISC Zero's own `to_json`); (2) a backend turns `input.json` into `proof.json`;
//! (3) `proof.json` becomes a `Groth16Receipt` for the claim, verified before it is returned.

use risc0_groth16::{ProofJson, Seal};
use risc0_zkvm::{
    get_prover_server, sha::Digestible, Digest, Groth16Receipt, Groth16ReceiptVerifierParameters,
    InnerReceipt, ProverOpts, Receipt, ReceiptClaim, SuccinctReceiptVerifierParameters,
};

use crate::zkvm::{decode_receipt, encode_receipt, refuse_dev_mode_env, ZkvmError};

/// Words of an `identity_p254` seal: what RISC Zero's `to_json` reads (it panics on any other length).
const P254_SEAL_BYTES: usize = 4 * 55_667;

/// The parameters this build verifies receipts with, as RISC Zero's deployed 3.0 verifiers do.
#[derive(Debug, Clone)]
pub struct VerifierParameters {
    pub succinct_control_root: Digest,
    pub succinct_digest: Digest,
    pub groth16_control_root: Digest,
    pub groth16_bn254_control_id: Digest,
    pub groth16_digest: Digest,
}

pub fn verifier_parameters() -> VerifierParameters {
    let succinct = SuccinctReceiptVerifierParameters::default();
    let groth16 = Groth16ReceiptVerifierParameters::default();
    VerifierParameters {
        succinct_control_root: succinct.control_root,
        succinct_digest: succinct.digest(),
        groth16_control_root: groth16.control_root,
        groth16_bn254_control_id: groth16.bn254_control_id,
        groth16_digest: groth16.digest(),
    }
}

fn prove_err(what: &str) -> impl Fn(anyhow::Error) -> ZkvmError + '_ {
    move |err| ZkvmError::Prove(format!("{what}: {err:#}"))
}

fn verified(bytes: &[u8], image_id: Digest) -> Result<Receipt, ZkvmError> {
    refuse_dev_mode_env()?;
    let receipt = decode_receipt(bytes)?;
    receipt
        .verify(image_id)
        .map_err(|err| ZkvmError::Verify(err.to_string()))?;
    Ok(receipt)
}

/// One succinct receipt for the same claim (lift and join of a composite receipt's segments); a succinct receipt
/// comes back as it is. The input must verify against `image_id` first, and so must the result.
pub fn compress_succinct(bytes: &[u8], image_id: Digest) -> Result<Vec<u8>, ZkvmError> {
    let receipt = verified(bytes, image_id)?;
    let succinct = match &receipt.inner {
        InnerReceipt::Composite(_) => {
            let prover = get_prover_server(&ProverOpts::succinct()).map_err(prove_err("prover"))?;
            prover
                .compress(&ProverOpts::succinct(), &receipt)
                .map_err(prove_err("lift and join"))?
        }
        InnerReceipt::Succinct(_) => receipt,
        _ => {
            return Err(ZkvmError::Verify(
                "only a composite or succinct receipt can be compressed into a succinct one".into(),
            ))
        }
    };
    succinct
        .verify(image_id)
        .map_err(|err| ZkvmError::Prove(format!("the succinct receipt does not verify: {err}")))?;
    encode_receipt(&succinct)
}

/// Step 1 of Groth16: the shrink-wrap's `input.json` for a verified succinct (or composite) receipt.
pub fn groth16_input(bytes: &[u8], image_id: Digest) -> Result<String, ZkvmError> {
    let succinct = decode_receipt(&compress_succinct(bytes, image_id)?)?;
    let InnerReceipt::Succinct(inner) = &succinct.inner else {
        return Err(ZkvmError::Prove(
            "compression did not give a succinct receipt".into(),
        ));
    };
    let prover = get_prover_server(&ProverOpts::succinct()).map_err(prove_err("prover"))?;
    let p254 = prover
        .identity_p254(inner)
        .map_err(prove_err("identity_p254"))?;
    let seal = p254.get_seal_bytes();
    if seal.len() != P254_SEAL_BYTES {
        return Err(ZkvmError::Prove(format!(
            "identity_p254 gave a {}-byte seal, not {P254_SEAL_BYTES}",
            seal.len()
        )));
    }
    risc0_groth16::prove::to_json(&seal).map_err(prove_err("input.json"))
}

/// A decimal (or 0x-hex) field element of `proof.json` that RISC Zero's parser can take without panicking: at most
/// 32 bytes. Whether it is on the curve is for the verifier to say.
fn check_number(value: &str, field: &str) -> Result<(), ZkvmError> {
    let ok = match value.strip_prefix("0x") {
        Some(hex) => {
            !hex.is_empty() && hex.len() <= 64 && hex.bytes().all(|b| b.is_ascii_hexdigit())
        }
        None => !value.is_empty() && value.len() <= 77 && value.bytes().all(|b| b.is_ascii_digit()),
    };
    if ok {
        Ok(())
    } else {
        Err(ZkvmError::Verify(format!(
            "proof.json: {field} is not a field element: {:?}",
            value.chars().take(80).collect::<String>()
        )))
    }
}

fn check_proof_json(doc: &serde_json::Value) -> Result<(), ZkvmError> {
    let point = |name: &str, len: usize| -> Result<Vec<serde_json::Value>, ZkvmError> {
        match doc.get(name).and_then(|v| v.as_array()) {
            Some(items) if items.len() >= len => Ok(items.clone()),
            _ => Err(ZkvmError::Verify(format!(
                "proof.json: {name} must be a list of at least {len} coordinates"
            ))),
        }
    };
    let number = |value: &serde_json::Value, field: String| -> Result<(), ZkvmError> {
        match value.as_str() {
            Some(text) => check_number(text, &field),
            None => Err(ZkvmError::Verify(format!(
                "proof.json: {field} must be a string"
            ))),
        }
    };
    for name in ["pi_a", "pi_c"] {
        for (i, value) in point(name, 2)?.iter().take(2).enumerate() {
            number(value, format!("{name}[{i}]"))?;
        }
    }
    for (i, pair) in point("pi_b", 2)?.iter().take(2).enumerate() {
        match pair.as_array() {
            Some(items) if items.len() >= 2 => {
                for (j, value) in items.iter().take(2).enumerate() {
                    number(value, format!("pi_b[{i}][{j}]"))?;
                }
            }
            _ => {
                return Err(ZkvmError::Verify(format!(
                    "proof.json: pi_b[{i}] must be a list of 2 coordinates"
                )))
            }
        }
    }
    Ok(())
}

/// Step 3 of Groth16: the shrink-wrap's `proof.json` as a Groth16 receipt of the claim (image ID, journal), with
/// this build's verifier parameters. Refused unless it verifies.
pub fn groth16_receipt(
    proof_json: &str,
    image_id: Digest,
    journal: &[u8],
) -> Result<Vec<u8>, ZkvmError> {
    refuse_dev_mode_env()?;
    let doc: serde_json::Value = serde_json::from_str(proof_json)
        .map_err(|err| ZkvmError::Verify(format!("proof.json is not JSON: {err}")))?;
    check_proof_json(&doc)?;
    let proof: ProofJson = serde_json::from_value(doc)
        .map_err(|err| ZkvmError::Verify(format!("proof.json: {err}")))?;
    let seal =
        Seal::try_from(proof).map_err(|err| ZkvmError::Verify(format!("proof.json: {err:#}")))?;
    let claim = ReceiptClaim::ok(image_id, journal.to_vec());
    let inner = Groth16Receipt::new(
        seal.to_vec(),
        claim.into(),
        Groth16ReceiptVerifierParameters::default().digest(),
    );
    let receipt = Receipt::new(InnerReceipt::Groth16(inner), journal.to_vec());
    receipt.verify(image_id).map_err(|err| {
        ZkvmError::Verify(format!(
            "the Groth16 proof does not prove this claim (image ID, journal): {err}"
        ))
    })?;
    encode_receipt(&receipt)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What RISC Zero 3.0's deployed verifiers (risc0-ethereum v3.0.x, selector 0x73c457ba) were built from: a
    /// receipt this build makes must verify there, so these may only change together with a new verifier.
    const CONTROL_ROOT: &str = "a54dc85ac99f851c92d7c96d7318af41dbe7c0194edfcc37eb4d422a998c1f56";
    const BN254_CONTROL_ID: &str =
        "c07a65145c3cb48b6101962ea607a4dd93c753bb26975cb47feb00d3666e4404";

    #[test]
    fn verifier_parameters_are_risc_zero_3_0s() {
        let p = verifier_parameters();
        assert_eq!(hex::encode(p.succinct_control_root), CONTROL_ROOT);
        assert_eq!(hex::encode(p.groth16_control_root), CONTROL_ROOT);
        assert_eq!(hex::encode(p.groth16_bn254_control_id), BN254_CONTROL_ID);
        assert_eq!(hex::encode(&p.groth16_digest.as_bytes()[..4]), "73c457ba");
    }

    #[test]
    fn malformed_proof_json_is_refused_not_panicking() {
        let id = Digest::ZERO;
        for (doc, msg) in [
            ("[]", "pi_a must be a list"),
            (
                r#"{"pi_a":["1","2"],"pi_b":[["1","2"],["3"]],"pi_c":["1","2"]}"#,
                "pi_b[1] must be",
            ),
            (
                r#"{"pi_a":["1",2],"pi_b":[["1","2"],["3","4"]],"pi_c":["1","2"]}"#,
                "pi_a[1] must be a string",
            ),
            (
                &format!(
                    r#"{{"pi_a":["1","{}"],"pi_b":[["1","2"],["3","4"]],"pi_c":["1","2"]}}"#,
                    "9".repeat(90)
                ),
                "pi_a[1] is not a field element",
            ),
            ("not json", "not JSON"),
        ] {
            let err = groth16_receipt(doc, id, b"").unwrap_err().to_string();
            assert!(err.contains(msg), "{doc}: {err}");
        }
    }
}
