//! Runs the table `vectors/shielded.json` through `open_precompile` and `try_open_precompile`: the precompiles'
//! cases, in bytes, for anyone else who runs `ShieldedOpen` or `ShieldedTryOpen` (the Python tests through
//! `vlayer._native`, the guest).
//!
//! Each case holds the hex `input` (`abi.encode(bytes32 publicKey, bytes aad, bytes sealed)`), the prover's
//! `secrets`, and either the `output` (`abi.encode(bytes plaintext)`) with the hand-written `plaintext` it must
//! carry, or the exact `error`; then `ShieldedTryOpen`'s outcome: its `try_output` (`abi.encode(bool opened, bytes
//! plaintext)`: `(true, plaintext)` where `ShieldedOpen` opens, `(false, "")` where the ciphertext does not open),
//! or its `try_error`, ShieldedOpen's very message (malformed input, no key held). The bytes are derived by the
//! recipes below from fixed seeds; the test re-derives them, compares every field, and checks each outcome against
//! what the recipe says it must be (messages rebuilt here from the design's wording, not taken from the crate). It
//! rewrites the table only when `VLAYER_BLESS=1` is set, and still fails on any case whose outcome disagrees with
//! its recipe.

use std::path::PathBuf;

use alloy_sol_types::{sol_data, SolType};
use serde::{Deserialize, Serialize};
use vlayer_shielding::{keypair_from_seed, open_precompile, seal, try_open_precompile};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Case {
    name: String,
    input: String,
    secrets: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    plaintext: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    output: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    error: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    try_output: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    try_error: Option<String>,
}

/// What a recipe's case must do.
enum Outcome {
    Opens(&'static str),
    NoKey([u8; 32]),
    DoesNotOpen([u8; 32]),
    Malformed,
}

struct Recipe {
    name: &'static str,
    input: Vec<u8>,
    secrets: Vec<[u8; 32]>,
    outcome: Outcome,
}

const PROVER_SEED: [u8; 32] = [0x11; 32];
const OTHER_SEED: [u8; 32] = [0x22; 32];
const EPHEMERAL_SEED: [u8; 32] = [0x33; 32];
const PLAINTEXT: &str = "the clear arguments of a shielded request";

type Input = (sol_data::FixedBytes<32>, sol_data::Bytes, sol_data::Bytes);
type TryOutput = (sol_data::Bool, sol_data::Bytes);

fn encode(public: &[u8; 32], aad: &[u8], sealed: &[u8]) -> Vec<u8> {
    Input::abi_encode_params(&(public, aad, sealed))
}

/// `abi.encode(block.chainid, address(keys), keyVersion)` for chain 31337, anvil's first deployment, version 1: the
/// aad `Shielded.open` computes.
fn aad() -> Vec<u8> {
    let mut aad = vec![0u8; 96];
    aad[30..32].copy_from_slice(&31337u16.to_be_bytes());
    aad[44..64].copy_from_slice(&hex::decode("5fbdb2315678afecb367f032d93f642f64180aa3").unwrap());
    aad[95] = 1;
    aad
}

fn flipped(bytes: &[u8], at: usize) -> Vec<u8> {
    let mut changed = bytes.to_vec();
    changed[at] ^= 0x01;
    changed
}

fn recipes() -> Vec<Recipe> {
    let (prover_secret, prover) = keypair_from_seed(&PROVER_SEED);
    let (other_secret, other) = keypair_from_seed(&OTHER_SEED);
    let aad = aad();
    let sealed = seal(&prover, &aad, PLAINTEXT.as_bytes(), &EPHEMERAL_SEED).unwrap();
    let sealed_empty = seal(&prover, &aad, b"", &EPHEMERAL_SEED).unwrap();
    let sealed_to_other = seal(&other, &aad, PLAINTEXT.as_bytes(), &EPHEMERAL_SEED).unwrap();
    let good = encode(&prover, &aad, &sealed);
    let both = vec![other_secret, prover_secret];
    let recipe = |name, input, secrets: &[[u8; 32]], outcome| Recipe {
        name,
        input,
        secrets: secrets.to_vec(),
        outcome,
    };
    let mut dirty_padding = good.clone();
    // The sealed bytes (41 + 48) end mid-word: Solidity zero-pads the rest, so a 1 there is no Solidity caller's.
    let last = dirty_padding.len() - 1;
    assert_eq!(dirty_padding[last], 0, "the sealed bytes end in padding");
    dirty_padding[last] = 1;
    let mut offset_past_end = good.clone();
    offset_past_end[64..96].copy_from_slice(&[0xff; 32]);
    vec![
        recipe(
            "opens: the prover holds the key",
            good.clone(),
            &[prover_secret],
            Outcome::Opens(PLAINTEXT),
        ),
        recipe(
            "opens: the prover holds two keys, the second is it",
            good.clone(),
            &both,
            Outcome::Opens(PLAINTEXT),
        ),
        recipe(
            "opens: empty plaintext",
            encode(&prover, &aad, &sealed_empty),
            &[prover_secret],
            Outcome::Opens(""),
        ),
        recipe(
            "no key: the prover holds another key",
            good.clone(),
            &[other_secret],
            Outcome::NoKey(prover),
        ),
        recipe(
            "no key: the prover holds none",
            good.clone(),
            &[],
            Outcome::NoKey(prover),
        ),
        recipe(
            "does not open: sealed to another key, sent under the prover's",
            encode(&prover, &aad, &sealed_to_other),
            &both,
            Outcome::DoesNotOpen(prover),
        ),
        recipe(
            "does not open: a bit flipped in enc",
            encode(&prover, &aad, &flipped(&sealed, 5)),
            &[prover_secret],
            Outcome::DoesNotOpen(prover),
        ),
        recipe(
            "does not open: a bit flipped in the ciphertext",
            encode(&prover, &aad, &flipped(&sealed, 40)),
            &[prover_secret],
            Outcome::DoesNotOpen(prover),
        ),
        recipe(
            "does not open: a bit flipped in the tag",
            encode(&prover, &aad, &flipped(&sealed, sealed.len() - 1)),
            &[prover_secret],
            Outcome::DoesNotOpen(prover),
        ),
        recipe(
            "does not open: a bit flipped in the aad (another key version)",
            encode(&prover, &flipped(&aad, 95), &sealed),
            &[prover_secret],
            Outcome::DoesNotOpen(prover),
        ),
        recipe(
            "does not open: truncated below enc and tag (47 bytes)",
            encode(&prover, &aad, &sealed[..47]),
            &[prover_secret],
            Outcome::DoesNotOpen(prover),
        ),
        recipe(
            "does not open: empty sealed",
            encode(&prover, &aad, b""),
            &[prover_secret],
            Outcome::DoesNotOpen(prover),
        ),
        recipe(
            "malformed: empty input",
            Vec::new(),
            &[prover_secret],
            Outcome::Malformed,
        ),
        recipe(
            "malformed: a trailing byte",
            [good.as_slice(), &[0]].concat(),
            &[prover_secret],
            Outcome::Malformed,
        ),
        recipe(
            "malformed: dirty padding after the sealed bytes",
            dirty_padding,
            &[prover_secret],
            Outcome::Malformed,
        ),
        recipe(
            "malformed: the sealed offset points past the end",
            offset_past_end,
            &[prover_secret],
            Outcome::Malformed,
        ),
        recipe(
            "malformed: encoded as one tuple (abi.encode of a struct), with an outer offset",
            Input::abi_encode(&(&prover, aad.as_slice(), sealed.as_slice())),
            &[prover_secret],
            Outcome::Malformed,
        ),
    ]
}

fn to_hex(bytes: &[u8]) -> String {
    format!("0x{}", hex::encode(bytes))
}

fn from_hex(s: &str) -> Vec<u8> {
    hex::decode(s.strip_prefix("0x").expect("hex starts with 0x")).expect("valid hex")
}

fn table_path() -> PathBuf {
    // At run time, not compile time: a binary another checkout built into the shared target dir must read these files.
    PathBuf::from(
        std::env::var_os("CARGO_MANIFEST_DIR").expect("cargo test sets CARGO_MANIFEST_DIR"),
    )
    .join("vectors")
    .join("shielded.json")
}

/// Runs a recipe and checks its outcome; returns the case the table must hold, or why it is wrong.
fn derive(recipe: &Recipe) -> Result<Case, String> {
    let result = open_precompile(&recipe.input, &recipe.secrets);
    let mut case = Case {
        name: recipe.name.to_string(),
        input: to_hex(&recipe.input),
        secrets: recipe.secrets.iter().map(|s| to_hex(s)).collect(),
        plaintext: None,
        output: None,
        error: None,
        try_output: None,
        try_error: None,
    };
    let tried = try_open_precompile(&recipe.input, &recipe.secrets);
    match (&recipe.outcome, &tried) {
        (Outcome::Opens(plaintext), Ok(output)) => {
            if *output != TryOutput::abi_encode_params(&(true, plaintext.as_bytes())) {
                return Err(format!(
                    "try output {} is not (true, plaintext)",
                    to_hex(output)
                ));
            }
            case.try_output = Some(to_hex(output));
        }
        (Outcome::DoesNotOpen(_), Ok(output)) => {
            if *output != TryOutput::abi_encode_params(&(false, &b""[..])) {
                return Err(format!(
                    "try output {} is not (false, \"\")",
                    to_hex(output)
                ));
            }
            case.try_output = Some(to_hex(output));
        }
        // Checked against the recipe with ShieldedOpen's error below: the same message.
        (Outcome::NoKey(_) | Outcome::Malformed, Err(error)) => {
            case.try_error = Some(error.clone())
        }
        (_, tried) => return Err(format!("unexpected try outcome {tried:?}")),
    }
    match (&recipe.outcome, result) {
        (Outcome::Opens(plaintext), Ok(output)) => {
            let expected = sol_data::Bytes::abi_encode(plaintext.as_bytes());
            if output != expected {
                return Err(format!(
                    "output {} carries another plaintext",
                    to_hex(&output)
                ));
            }
            case.plaintext = Some(plaintext.to_string());
            case.output = Some(to_hex(&output));
        }
        (Outcome::NoKey(public), Err(error)) => {
            let expected = format!(
                "Shielded: this prover holds no secret key for public key 0x{}",
                hex::encode(public)
            );
            if error != expected {
                return Err(format!("error {error:?}, expected {expected:?}"));
            }
            case.error = Some(error);
        }
        (Outcome::DoesNotOpen(public), Err(error)) => {
            let expected = format!(
                "Shielded: the ciphertext does not open under public key 0x{} (sealed to another key, or changed)",
                hex::encode(public)
            );
            if error != expected {
                return Err(format!("error {error:?}, expected {expected:?}"));
            }
            case.error = Some(error);
        }
        (Outcome::Malformed, Err(error)) => {
            let prefix = "Shielded: malformed input: expected abi.encode(bytes32 publicKey, bytes aad, bytes sealed): ";
            if !error.starts_with(prefix) || error.len() == prefix.len() {
                return Err(format!(
                    "error {error:?} is not a malformed-input message with a reason"
                ));
            }
            case.error = Some(error);
        }
        (_, result) => return Err(format!("unexpected outcome {result:?}")),
    }
    if case.try_error.is_some() && case.try_error != case.error {
        return Err(format!(
            "try error {:?} is not ShieldedOpen's {:?}",
            case.try_error, case.error
        ));
    }
    Ok(case)
}

#[test]
fn table_matches_the_precompile() {
    let recipes = recipes();
    let derived: Vec<Result<Case, String>> = recipes.iter().map(derive).collect();
    let failures: Vec<String> = recipes
        .iter()
        .zip(&derived)
        .filter_map(|(recipe, case)| {
            case.as_ref()
                .err()
                .map(|why| format!("{}: {why}", recipe.name))
        })
        .collect();
    assert!(
        failures.is_empty(),
        "cases disagree with their recipes:\n{}",
        failures.join("\n")
    );
    let derived: Vec<Case> = derived.into_iter().map(Result::unwrap).collect();

    if std::env::var("VLAYER_BLESS").as_deref() == Ok("1") {
        let text = serde_json::to_string_pretty(&derived).unwrap() + "\n";
        std::fs::write(table_path(), text).unwrap();
        return;
    }

    let table: Vec<Case> =
        serde_json::from_str(&std::fs::read_to_string(table_path()).unwrap()).unwrap();
    assert_eq!(
        table.iter().map(|c| &c.name).collect::<Vec<_>>(),
        derived.iter().map(|c| &c.name).collect::<Vec<_>>(),
        "the table's cases are not the recipes' (VLAYER_BLESS=1 rewrites it)"
    );
    for (case, expected) in table.iter().zip(&derived) {
        assert_eq!(
            case, expected,
            "case {:?} (VLAYER_BLESS=1 rewrites the table)",
            case.name
        );
    }
    // The table, read on its own, as another reader would: its bytes give its outcome.
    for case in &table {
        let secrets: Vec<[u8; 32]> = case
            .secrets
            .iter()
            .map(|s| from_hex(s).try_into().expect("32-byte secret"))
            .collect();
        let result = open_precompile(&from_hex(&case.input), &secrets);
        match (&case.output, &case.error) {
            (Some(output), None) => {
                assert_eq!(result, Ok(from_hex(output)), "case {:?}", case.name)
            }
            (None, Some(error)) => assert_eq!(result.as_ref(), Err(error), "case {:?}", case.name),
            _ => panic!(
                "case {:?} must hold exactly one of output and error",
                case.name
            ),
        }
        let tried = try_open_precompile(&from_hex(&case.input), &secrets);
        match (&case.try_output, &case.try_error) {
            (Some(output), None) => {
                assert_eq!(tried, Ok(from_hex(output)), "case {:?}", case.name)
            }
            (None, Some(error)) => assert_eq!(tried.as_ref(), Err(error), "case {:?}", case.name),
            _ => panic!(
                "case {:?} must hold exactly one of try_output and try_error",
                case.name
            ),
        }
    }
}
