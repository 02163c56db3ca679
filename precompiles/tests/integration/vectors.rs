//! Runs the shared vector table `vectors/precompiles.json` (also read by the Python tests) through
//! `vlayer_precompiles::run`.
//!
//! Each case names a precompile (its name, or its address suffix as `"0x02"`) and holds, written by hand, either the
//! expected decoded `value`, the exact Fatal `error`, or `"out_of_gas": true` with a `gas_limit`. The hex fields are
//! derived: `input` is `args` ABI-encoded (cases with no `args` hold raw, deliberately malformed input), `output` the
//! ABI output, `gas` the cost. The test re-encodes `args` and compares every field; it never rewrites the table
//! unless `VLAYER_BLESS=1` is set, which refills `input`, `output` and `gas` and still fails on any case whose
//! outcome disagrees with its hand-written `value`, `error` or `out_of_gas`.

use std::path::PathBuf;

use alloy_primitives::I256;
use alloy_sol_types::{sol, sol_data, SolType, SolValue};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use vlayer_precompiles::{gas_cost, run, Failure, Precompile};

sol! {
    struct FloatInput {
        string json;
        string path;
        uint8 precision;
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Case {
    name: String,
    precompile: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    args: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    input: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    gas_limit: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    gas: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    output: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    value: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    error: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    out_of_gas: Option<bool>,
}

fn table_path() -> PathBuf {
    // At run time, not compile time: a binary another checkout built into the shared target dir must read these files.
    PathBuf::from(
        std::env::var_os("CARGO_MANIFEST_DIR").expect("cargo test sets CARGO_MANIFEST_DIR"),
    )
    .join("vectors")
    .join("precompiles.json")
}

fn parse_precompile(s: &str) -> Result<Precompile, String> {
    if let Some(hex_suffix) = s.strip_prefix("0x") {
        let suffix =
            u8::from_str_radix(hex_suffix, 16).map_err(|e| format!("bad suffix {s}: {e}"))?;
        Precompile::ALL
            .into_iter()
            .find(|p| p.suffix() == suffix)
            .ok_or(format!("no precompile at suffix {s}"))
    } else {
        Precompile::ALL
            .into_iter()
            .find(|p| p.name() == s)
            .ok_or(format!("no precompile named {s}"))
    }
}

fn to_hex(bytes: &[u8]) -> String {
    format!("0x{}", hex::encode(bytes))
}

fn from_hex(s: &str) -> Result<Vec<u8>, String> {
    hex::decode(s.strip_prefix("0x").ok_or("hex must start with 0x")?).map_err(|e| e.to_string())
}

fn encode_args(precompile: Precompile, args: &Value) -> Result<Vec<u8>, String> {
    match precompile {
        Precompile::JsonGetFloatAsInt => {
            let json = args["json"].as_str().ok_or("args.json must be a string")?;
            let path = args["path"].as_str().ok_or("args.path must be a string")?;
            let precision = args["precision"]
                .as_u64()
                .ok_or("args.precision must be an integer")?;
            let precision = u8::try_from(precision).map_err(|_| "args.precision must fit uint8")?;
            Ok(FloatInput {
                json: json.into(),
                path: path.into(),
                precision,
            }
            .abi_encode())
        }
        Precompile::VerifyEmail => Err("email cases belong in vectors/email.json".into()),
        _ => {
            let pair: Vec<&str> = args
                .as_array()
                .ok_or("args must be [string, string]")?
                .iter()
                .filter_map(Value::as_str)
                .collect();
            let [a, b] = pair[..] else {
                return Err("args must be [string, string]".into());
            };
            Ok(<sol_data::FixedArray<sol_data::String, 2>>::abi_encode(&[
                a.to_owned(),
                b.to_owned(),
            ]))
        }
    }
}

/// The output decoded into the table's human-readable form.
fn decode_output(precompile: Precompile, bytes: &[u8]) -> Result<Value, String> {
    let strict = |e: alloy_sol_types::Error| e.to_string();
    Ok(match precompile {
        Precompile::JsonGetString => {
            Value::from(String::abi_decode_validate(bytes).map_err(strict)?)
        }
        Precompile::JsonGetInt | Precompile::JsonGetFloatAsInt => {
            let i = <sol_data::Int<256>>::abi_decode_validate(bytes).map_err(strict)?;
            Value::from(i64::try_from(i).map_err(|_| format!("{i} does not fit i64"))?)
        }
        Precompile::JsonGetBool | Precompile::RegexMatch | Precompile::UrlPatternTest => {
            Value::from(bool::abi_decode_validate(bytes).map_err(strict)?)
        }
        Precompile::RegexCapture => {
            Value::from(Vec::<String>::abi_decode_validate(bytes).map_err(strict)?)
        }
        Precompile::VerifyEmail => return Err("email outputs are not decoded here".into()),
        // Their table is the shielding crate's (shielding/vectors/shielded.json).
        Precompile::ShieldedOpen | Precompile::ShieldedTryOpen => {
            return Err("shielded outputs are not decoded here".into())
        }
    })
}

/// Checks one case; in bless mode fills its derived fields. Returns the problems found.
fn check(case: &mut Case, bless: bool) -> Vec<String> {
    let mut problems = Vec::new();
    let mut fail = |msg: String| problems.push(msg);

    let precompile = match parse_precompile(&case.precompile) {
        Ok(p) => p,
        Err(e) => return vec![e],
    };
    if Precompile::from_address(&precompile.address()) != Some(precompile) {
        fail(format!("from_address does not give back {precompile:?}"));
    }
    let outcomes = [
        case.value.is_some(),
        case.error.is_some(),
        case.out_of_gas == Some(true),
    ];
    if outcomes.iter().filter(|x| **x).count() != 1 {
        return vec!["exactly one of value, error, out_of_gas must be given".into()];
    }

    let input = match &case.args {
        Some(args) => match encode_args(precompile, args) {
            Ok(encoded) => {
                if bless {
                    case.input = Some(to_hex(&encoded));
                } else if case.input.as_deref() != Some(to_hex(&encoded).as_str()) {
                    fail("input is not abi-encoded args".into());
                }
                encoded
            }
            Err(e) => return vec![e],
        },
        None => match case.input.as_deref().map(from_hex) {
            Some(Ok(raw)) => raw,
            Some(Err(e)) => return vec![format!("input: {e}")],
            None => return vec!["a case needs args or input".into()],
        },
    };

    let cost = gas_cost(input.len());
    let words = u64::try_from(input.len().div_ceil(32)).unwrap_or(u64::MAX);
    if cost != 1000 + 320 * words {
        fail(format!(
            "gas_cost({}) = {cost}, not 1000 + 320 * {words}",
            input.len()
        ));
    }
    if bless {
        case.gas = Some(cost);
    } else if case.gas != Some(cost) {
        fail(format!("gas is {:?}, the cost is {cost}", case.gas));
    }

    let gas_limit = case.gas_limit.unwrap_or(cost);
    let result = run(precompile, &input, gas_limit);
    match (&result, case.out_of_gas == Some(true)) {
        (Err(Failure::OutOfGas { needed, limit }), true) => {
            if *needed != cost || *limit != gas_limit {
                fail(format!("out of gas reported needed {needed} limit {limit}"));
            }
        }
        (_, true) => fail(format!("expected out of gas, got {result:?}")),
        (Err(Failure::Fatal(msg)), false) => {
            if case.error.as_deref() != Some(msg.as_str()) {
                fail(format!(
                    "expected {:?}, got error {msg:?}",
                    case.value
                        .as_ref()
                        .map_or(case.error.clone(), |v| Some(v.to_string()))
                ));
            }
        }
        (Err(other), false) => fail(format!("unexpected {other:?}")),
        (Ok(out), false) => {
            if case.error.is_some() {
                fail(format!(
                    "expected error {:?}, got output {}",
                    case.error,
                    to_hex(&out.bytes)
                ));
            }
            if out.gas_used != cost {
                fail(format!("gas_used {} != cost {cost}", out.gas_used));
            }
            match decode_output(precompile, &out.bytes) {
                Ok(decoded) if Some(&decoded) == case.value.as_ref() => {}
                Ok(decoded) => fail(format!("expected value {:?}, got {decoded}", case.value)),
                Err(e) => fail(format!("output does not decode: {e}")),
            }
            if bless {
                case.output = Some(to_hex(&out.bytes));
            } else if case.output.as_deref() != Some(to_hex(&out.bytes).as_str()) {
                fail(format!(
                    "output {} differs from the table's",
                    to_hex(&out.bytes)
                ));
            }
            // One gas short of the cost is an ordinary out-of-gas failure, not an abort.
            if run(precompile, &input, cost - 1)
                != Err(Failure::OutOfGas {
                    needed: cost,
                    limit: cost - 1,
                })
            {
                fail("one gas short of the cost did not run out of gas".into());
            }
        }
    }
    problems
}

#[test]
fn vector_table() {
    let path = table_path();
    let text = std::fs::read_to_string(&path).expect("read vectors/precompiles.json");
    let mut cases: Vec<Case> = serde_json::from_str(&text).expect("parse vectors/precompiles.json");
    let bless = std::env::var("VLAYER_BLESS").is_ok_and(|v| v == "1");

    let mut names = std::collections::HashSet::new();
    let mut failures = Vec::new();
    for case in &mut cases {
        if !names.insert(case.name.clone()) {
            failures.push(format!("{}: duplicate name", case.name));
        }
        for problem in check(case, bless) {
            failures.push(format!("{}: {problem}", case.name));
        }
    }
    if bless {
        let mut out = serde_json::to_string_pretty(&cases).expect("serialize table");
        out.push('\n');
        std::fs::write(&path, out).expect("write vectors/precompiles.json");
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases failed:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );

    // Every JSON/regex/URL precompile is exercised, each with a success and a failure. Email has its own table
    // (vectors/email.json), the shielded ones the shielding crate's (shielding/vectors/shielded.json, which
    // tests/integration/shielded.rs runs through `run_with`).
    for p in Precompile::ALL.into_iter().filter(|p| {
        !matches!(
            p,
            Precompile::VerifyEmail | Precompile::ShieldedOpen | Precompile::ShieldedTryOpen
        )
    }) {
        let of_p = || {
            cases
                .iter()
                .filter(move |c| parse_precompile(&c.precompile) == Ok(p))
        };
        assert!(
            of_p().any(|c| c.value.is_some()),
            "{p:?} has no success case"
        );
        assert!(of_p().any(|c| c.error.is_some()), "{p:?} has no error case");
    }
}

#[test]
fn addresses_round_trip_and_reject_others() {
    for p in Precompile::ALL {
        let address = p.address();
        assert_eq!(Precompile::from_address(&address), Some(p));
        assert_eq!(
            format!("0x{}", hex::encode(address)),
            format!("0xf4e4fdca9d5d55e64525e314391996a15f7ec6{:02x}", p.suffix())
        );
    }
    let mut unknown = Precompile::JsonGetString.address();
    unknown[19] = 0x00; // the web proof, not built
    assert_eq!(Precompile::from_address(&unknown), None);
    let mut other_base = Precompile::JsonGetString.address();
    other_base[0] ^= 1;
    assert_eq!(Precompile::from_address(&other_base), None);
    assert_eq!(Precompile::from_address(&[0u8; 19]), None);
}

#[test]
fn gas_cost_is_per_started_word() {
    assert_eq!(gas_cost(0), 1000);
    assert_eq!(gas_cost(1), 1320);
    assert_eq!(gas_cost(32), 1320);
    assert_eq!(gas_cost(33), 1640);
    let i = I256::try_from(-1i64).expect("fits");
    assert_eq!(i.abi_encode(), [0xffu8; 32]);
}
