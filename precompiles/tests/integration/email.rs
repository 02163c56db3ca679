//! The email-proof table, `vectors/email.json` (written by `testdata/email/make_fixtures.py`, also read by the
//! Python tests): every case through `vlayer_precompiles::run`, output bytes or exact abort message.

use std::path::PathBuf;

use alloy_sol_types::SolValue;
use serde_json::Value;
use vlayer_precompiles::{
    email::{verify_email, UnverifiedEmail, VerifiedEmail},
    gas_cost, run, Failure, Precompile,
};

/// Read when the test runs, not when it is compiled: a test binary that another checkout built into the shared
/// target dir (bash/env.sh) is fresh for cargo, and must read this checkout's files.
fn root() -> PathBuf {
    PathBuf::from(
        std::env::var_os("CARGO_MANIFEST_DIR").expect("cargo test sets CARGO_MANIFEST_DIR"),
    )
}

fn cases() -> Vec<Value> {
    let text =
        std::fs::read_to_string(root().join("vectors/email.json")).expect("vectors/email.json");
    serde_json::from_str::<Vec<Value>>(&text).expect("a JSON list of cases")
}

fn bytes(hex_string: &Value) -> Vec<u8> {
    hex::decode(
        hex_string
            .as_str()
            .expect("hex string")
            .trim_start_matches("0x"),
    )
    .expect("hex")
}

#[test]
fn every_case_gives_its_output_or_its_message() {
    let cases = cases();
    assert!(cases.len() >= 19, "the table lost cases: {}", cases.len());
    for case in &cases {
        let name = case["name"].as_str().expect("name");
        assert_eq!(case["precompile"], "EmailProof", "{name}");
        let input = bytes(&case["input"]);
        let result = run(Precompile::VerifyEmail, &input, u64::MAX);
        match case.get("error") {
            Some(error) => {
                assert_eq!(
                    result,
                    Err(Failure::Fatal(error.as_str().expect("error").to_string())),
                    "{name}"
                );
            }
            None => {
                let output = result.unwrap_or_else(|err| panic!("{name}: {err}"));
                let decoded =
                    VerifiedEmail::abi_decode(&output.bytes).expect("abi.encode(VerifiedEmail)");
                let value = &case["value"];
                assert_eq!(
                    decoded.from,
                    value["from"].as_str().expect("from"),
                    "{name}"
                );
                assert_eq!(decoded.to, value["to"].as_str().expect("to"), "{name}");
                assert_eq!(
                    decoded.subject,
                    value["subject"].as_str().expect("subject"),
                    "{name}"
                );
                assert_eq!(
                    decoded.body,
                    value["body"].as_str().expect("body"),
                    "{name}"
                );
                assert_eq!(output.bytes, bytes(&case["output"]), "{name}");
                assert_eq!(output.gas_used, gas_cost(input.len()), "{name}");
            }
        }
    }
}

/// The .eml files are what the table's inputs hold, so other tools can start from them.
#[test]
fn eml_files_are_the_inputs_emails() {
    for case in cases() {
        if case["name"] == "email: malformed ABI" {
            continue;
        }
        let file = root()
            .join("testdata/email")
            .join(case["eml"].as_str().expect("eml"));
        let eml = std::fs::read(&file).unwrap_or_else(|err| panic!("{}: {err}", file.display()));
        let unverified =
            UnverifiedEmail::abi_decode(&bytes(&case["input"])).expect("input decodes");
        assert_eq!(
            unverified.email.as_bytes(),
            eml.as_slice(),
            "{}",
            case["name"]
        );
    }
}

fn good_input() -> UnverifiedEmail {
    let case = cases()
        .into_iter()
        .find(|c| c["eml"] == "good_relaxed.eml" && c.get("value").is_some())
        .expect("good case");
    UnverifiedEmail::abi_decode(&bytes(&case["input"])).expect("input decodes")
}

fn refusal(unverified: &UnverifiedEmail) -> String {
    verify_email(&unverified.abi_encode())
        .expect_err("refused")
        .to_string()
}

#[test]
fn any_change_to_the_notarised_record_is_refused() {
    let good = good_input();
    assert!(verify_email(&good.abi_encode()).is_ok());

    let mut changed = good.clone();
    changed.verificationData.validUntil += 1;
    assert_eq!(
        refusal(&changed),
        "VDNS signature verification failed: Signature verification error"
    );

    let mut changed = good.clone();
    changed.dnsRecord.data.push(' ');
    assert_eq!(
        refusal(&changed),
        "VDNS signature verification failed: Signature verification error"
    );

    // Case and a trailing dot do not change which name it is, but the notary signed the name as written.
    let mut changed = good.clone();
    changed.dnsRecord.name = changed.dnsRecord.name.to_uppercase() + ".";
    assert_eq!(
        refusal(&changed),
        "VDNS signature verification failed: Signature verification error"
    );

    // The TTL is not signed (vlayer v1's notary format): changing it changes nothing.
    let mut changed = good.clone();
    changed.dnsRecord.ttl = 1;
    assert!(verify_email(&changed.abi_encode()).is_ok());

    let mut changed = good;
    changed.verificationData.pubKey = Default::default();
    assert_eq!(
        refusal(&changed),
        "VDNS signature verification failed: Public key decoding error: ASN.1 error: ASN.1 DER message is incomplete: \
         expected 1, actual 0 at DER byte 0"
    );
}

#[test]
fn headers_added_above_the_signed_ones_do_not_change_the_result() {
    // DKIM covers the bottom-most instances; one added on top is neither signed nor reported.
    let mut good = good_input();
    let expected = verify_email(&good.abi_encode()).expect("good email");
    good.email = format!("X-Added: on the way\r\n{}", good.email);
    assert_eq!(
        verify_email(&good.abi_encode()).expect("still verifies"),
        expected
    );
}

#[test]
fn a_from_added_below_the_signed_one_is_refused() {
    // Over-signed h= names `from` twice: a second From makes the signature cover a header that was not signed.
    let mut good = good_input();
    good.email = good.email.replacen(
        "\r\n\r\n",
        "\r\nFrom: mallory@vlayer-test.example\r\n\r\n",
        1,
    );
    assert_eq!(
        refusal(&good),
        "Error verifying DKIM: signature did not verify"
    );
}

#[test]
fn empty_input_is_malformed() {
    let err = run(Precompile::VerifyEmail, &[], u64::MAX).expect_err("refused");
    let Failure::Fatal(message) = err else {
        panic!("not fatal: {err:?}")
    };
    assert!(
        message.starts_with("Invalid UnverifiedEmail calldata: "),
        "{message}"
    );
}
