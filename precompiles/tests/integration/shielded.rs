//! `ShieldedOpen` and `ShieldedTryOpen` as the guest and the preflight reach them, through `run_with`: their
//! addresses, their travel refusal, the gas every precompile charges, and every case of the shielding crate's table
//! (`shielding/vectors/shielded.json`, which `cargo test -p vlayer-shielding` derives and checks).

use std::path::PathBuf;

use serde_json::Value;
use vlayer_precompiles::{gas_cost, run_with, Failure, Output, Precompile};

fn table() -> Vec<Value> {
    // At run time, not compile time: a binary another checkout built into the shared target dir must read these files.
    let path = PathBuf::from(
        std::env::var_os("CARGO_MANIFEST_DIR").expect("cargo test sets CARGO_MANIFEST_DIR"),
    )
    .join("../shielding/vectors/shielded.json");
    let text = std::fs::read_to_string(&path).expect("read shielding/vectors/shielded.json");
    serde_json::from_str(&text).expect("parse shielded.json")
}

fn bytes(value: &Value) -> Vec<u8> {
    let text = value.as_str().expect("a hex string");
    hex::decode(text.strip_prefix("0x").expect("0x")).expect("hex")
}

fn expected(case: &Value, output: &str, error: &str, input_len: usize) -> Result<Output, Failure> {
    match (case.get(output), case.get(error)) {
        (Some(out), None) => Ok(Output {
            bytes: bytes(out),
            gas_used: gas_cost(input_len),
        }),
        (None, Some(message)) => Err(Failure::Fatal(
            message.as_str().expect("a message").to_string(),
        )),
        _ => panic!("case {} holds one of {output} and {error}", case["name"]),
    }
}

#[test]
fn addresses_names_and_travel() {
    assert_eq!(
        hex::encode(Precompile::ShieldedTryOpen.address()),
        "f4e4fdca9d5d55e64525e314391996a15f7ec641"
    );
    assert_eq!(Precompile::ShieldedTryOpen.name(), "ShieldedTryOpen");
    let refused: Vec<&str> = Precompile::ALL
        .into_iter()
        .filter(|p| p.is_refused_on_travel())
        .map(Precompile::name)
        .collect();
    assert_eq!(refused, ["EmailProof", "ShieldedOpen", "ShieldedTryOpen"]);
    assert!(!Precompile::ShieldedTryOpen.is_time_dependent());
}

#[test]
fn every_shielded_case_through_run_with() {
    let cases = table();
    assert!(cases.len() >= 17, "the table lost cases: {}", cases.len());
    let mut answered_not_opened = 0;
    for case in &cases {
        let input = bytes(&case["input"]);
        let secrets: Vec<[u8; 32]> = case["secrets"]
            .as_array()
            .expect("secrets")
            .iter()
            .map(|s| bytes(s).try_into().expect("a 32-byte secret"))
            .collect();
        let name = &case["name"];
        let gas = gas_cost(input.len());
        for (p, output, error) in [
            (Precompile::ShieldedOpen, "output", "error"),
            (Precompile::ShieldedTryOpen, "try_output", "try_error"),
        ] {
            let want = expected(case, output, error, input.len());
            assert_eq!(run_with(p, &input, gas, &secrets), want, "{p:?}: {name}");
            // One gas short is an ordinary out-of-gas failure, before any key is looked for.
            assert_eq!(
                run_with(p, &input, gas - 1, &secrets),
                Err(Failure::OutOfGas {
                    needed: gas,
                    limit: gas - 1
                }),
                "{p:?}: {name}"
            );
        }
        if case.get("error").is_some() && case.get("try_output").is_some() {
            answered_not_opened += 1;
        }
    }
    // The point of ShieldedTryOpen: where ShieldedOpen aborts on the ciphertext, it answers.
    assert!(answered_not_opened >= 7, "{answered_not_opened}");
}
