//! JSON getters: a JMESPath expression evaluated over a JSON document (vlayer v1's `WebLib.jsonGet*`).
//!
//! Input: `abi.encode(string[2])` = `[body, path]` (float-as-int: `abi.encode(FloatInput{json, path, precision})`).
//! Output: `abi.encode(string)`, `abi.encode(int256)` (an i64, sign-extended), `abi.encode(bool)`.
//!
//! Parsing is serde_json's, strict (RFC 8259: no `NaN`, no comments, no trailing commas, nesting depth at most
//! 128, duplicate keys keep the last value). Paths are JMESPath (`a.b[1]`, `a[1].key`, `x | length(@)`, `"quoted
//! key"`) through the `jmespath` crate; a path that selects nothing gives `null`, which every getter refuses.
//!
//! Numbers: serde_json keeps an integer exactly when it fits u64 or i64 and reads any other number as a correctly
//! rounded f64 (`float_roundtrip`). `jsonGetInt` accepts only a JSON integer that fits i64: `12.0`, `1e2` and
//! 2^63 are refused. vlayer v1 built serde_json with `arbitrary_precision`, which we do not (cargo would turn it on
//! for every serde_json user in the guest); the results are the same, and only the text of a refused number beyond
//! u64 differs in the message (ours prints the f64 reading, e.g. `1.2345678901234568e+29`). `-0` is refused
//! too: serde_json reads it as the float `-0.0`, which we cannot tell from the JSON text `-0.0` (vlayer gave 0).
//!
//! Work bound: the input is at most what its gas paid for (`1000 + 320` per 32 bytes); parsing and JMESPath
//! evaluation are linear in the document for plain paths. JMESPath functions (`sort_by`, projections) can cost
//! more than linear in the document, still bounded by it; an error message holds the rendering of the value found
//! (at most a few times the document's size).

mod float;
mod render;

use alloy_sol_types::SolValue;
use jmespath::{Context, Rcvar, Variable};

pub use float::get_float_as_int;
pub use render::render;

const PAIR: &str = "string[2] [body, path]";

/// `WebLib.jsonGetString`: the string at `path`.
pub fn get_string(input: &[u8]) -> Result<Vec<u8>, String> {
    let (value, path) = value_at_path(input, "JsonGetString")?;
    match &*value {
        Variable::String(s) => Ok(s.abi_encode()),
        other => Err(format!(
            "Expected type 'String' at {path}, but found {}",
            render(other)
        )),
    }
}

/// `WebLib.jsonGetInt`: the integer at `path`, which must be a JSON integer fitting i64.
pub fn get_int(input: &[u8]) -> Result<Vec<u8>, String> {
    let (value, path) = value_at_path(input, "JsonGetInt")?;
    // `as_i64` is None for a float (even `12.0`) and for an integer above i64::MAX.
    match &*value {
        Variable::Number(n) => n.as_i64(),
        _ => None,
    }
    .map(|i| i.abi_encode())
    .ok_or_else(|| {
        format!(
            "Expected type 'Number' at {path}, but found {}",
            render(&value)
        )
    })
}

/// `WebLib.jsonGetBool`: the boolean at `path`.
pub fn get_bool(input: &[u8]) -> Result<Vec<u8>, String> {
    let (value, path) = value_at_path(input, "JsonGetBool")?;
    match &*value {
        Variable::Bool(b) => Ok(b.abi_encode()),
        other => Err(format!(
            "Expected type 'Bool' at {path}, but found {}",
            render(other)
        )),
    }
}

/// Decodes `[body, path]`, parses the body and evaluates the path; errors carry vlayer v1's messages.
fn value_at_path(input: &[u8], precompile: &str) -> Result<(Rcvar, String), String> {
    let [body, path] = crate::args::string_pair(input, precompile, PAIR)?;
    let document =
        parse(&body).map_err(|err| format!("Error converting string body to json: {err}"))?;
    let value = search(document, &path).map_err(|err| err.to_string())?;
    Ok((value, path))
}

/// Parses straight into JMESPath's value type: the same grammar and messages as parsing a `serde_json::Value`,
/// without building a second tree.
fn parse(body: &str) -> Result<Variable, serde_json::Error> {
    serde_json::from_str(body)
}

/// Evaluates `path` over `document` without `Expression::search`, which would re-serialize the whole document.
fn search(document: Variable, path: &str) -> Result<Rcvar, jmespath::JmespathError> {
    let expression = jmespath::compile(path)?;
    let mut context = Context::new(expression.as_str(), &jmespath::DEFAULT_RUNTIME);
    jmespath::interpret(&Rcvar::new(document), expression.as_ast(), &mut context)
}
