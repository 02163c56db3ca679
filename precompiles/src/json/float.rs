//! `WebLib.jsonGetFloatAsInt`: a JSON number scaled by `10^precision` and truncated toward zero.
//!
//! Rules (vlayer v1's, in this order): `precision <= 18`; `|v| <= 2^53 - 1` (beyond it an f64 no longer holds every
//! integer); `|v * 10^precision| <= i64::MAX` as an f64; the result is `v * 10^precision` truncated toward zero
//! (`3.4` gives 3, 34, 340 at precisions 0, 1, 2; `-1.99` at 0 gives -1). The scale is one IEEE-754 multiplication
//! by an exactly representable power of ten taken from a table, so the host (x86/arm hardware floats) and the guest
//! (riscv32im soft floats) round it identically; the same holds for the f64 parse (correctly rounded). A product
//! that rounds to exactly 2^63 passes the check and saturates to i64::MAX, as vlayer's `as i64` cast did.

use alloy_sol_types::{sol, SolType, SolValue};
use jmespath::Variable;

use super::{parse, render, search};

sol! {
    /// `abi.encode(FloatInput({json: ..., path: ..., precision: ...}))`, vlayer v1's input struct.
    struct FloatInput {
        string json;
        string path;
        uint8 precision;
    }
}

pub const MAX_PRECISION: u8 = 18;

/// 2^53 - 1: the largest magnitude below which every integer is an f64.
pub const MAX_SAFE_FLOAT: f64 = 9_007_199_254_740_991.0;

/// `10^p` for `p <= 18`, all exact in f64 (5^18 < 2^53).
const POWERS_OF_TEN: [f64; MAX_PRECISION as usize + 1] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16,
    1e17, 1e18,
];

pub fn get_float_as_int(input: &[u8]) -> Result<Vec<u8>, String> {
    let FloatInput {
        json,
        path,
        precision,
    } = <FloatInput as SolType>::abi_decode_with_config(input, crate::args::config()).map_err(
        |err| {
            crate::args::invalid(
                "JsonGetFloatAsInt",
                "FloatInput{string json; string path; uint8 precision}",
                err,
            )
        },
    )?;
    let value = number_at_path(&json, &path)?;
    scale_to_int(value, precision).map(|i| i.abi_encode())
}

fn number_at_path(json: &str, path: &str) -> Result<f64, String> {
    let document = parse(json).map_err(|err| format!("Error parsing JSON: {err}"))?;
    let value = search(document, path).map_err(|err| format!("Error at path {path}: {err}"))?;
    match &*value {
        // Without arbitrary_precision every serde_json number has an f64 reading (a u64/i64 is rounded to it),
        // and JSON has no NaN or infinity, so `as_f64` is always Some here.
        Variable::Number(n) => n
            .as_f64()
            .ok_or_else(|| format!("Number {n} at path `{path}` cannot be represented as f64")),
        other => Err(format!(
            "Expected numeric type at {path}, found {}",
            render(other)
        )),
    }
}

/// Scales `value` by `10^precision` and truncates toward zero, refusing what would lose precision or overflow.
pub fn scale_to_int(value: f64, precision: u8) -> Result<i64, String> {
    let Some(&power) = POWERS_OF_TEN.get(usize::from(precision)) else {
        return Err(format!(
            "Invalid precision value: {precision}. Precision must be between 0 and {MAX_PRECISION} (inclusive)."
        ));
    };
    if value.abs() > MAX_SAFE_FLOAT {
        return Err(format!(
            "Float value {value} exceeds the maximum safe value for precise conversion to i64 (limit: {MAX_SAFE_FLOAT})."
        ));
    }
    let scaled = value * power;
    // i64::MAX rounds up to 2^63 as an f64; the comparison is vlayer's, kept for identical results.
    #[allow(clippy::cast_precision_loss)]
    if scaled.abs() > i64::MAX as f64 {
        return Err(format!(
            "Scaled value {scaled} exceeds i64::MAX ({})",
            i64::MAX
        ));
    }
    // Truncates toward zero, saturating at the bounds (Rust's defined `as` semantics).
    #[allow(clippy::cast_possible_truncation)]
    Ok(scaled as i64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn powers_of_ten_are_exact() {
        let mut p: u64 = 1;
        for power in POWERS_OF_TEN {
            #[allow(clippy::cast_precision_loss)]
            let expected = p as f64;
            assert_eq!(power, expected);
            assert_eq!(power as u64, p);
            p = p.saturating_mul(10);
        }
    }

    #[test]
    fn truncates_toward_zero() {
        assert_eq!(scale_to_int(3.4, 0), Ok(3));
        assert_eq!(scale_to_int(3.4, 1), Ok(34));
        assert_eq!(scale_to_int(3.4, 2), Ok(340));
        assert_eq!(scale_to_int(-1.99, 0), Ok(-1));
        assert_eq!(scale_to_int(-0.0, 5), Ok(0));
    }

    #[test]
    fn bounds() {
        assert_eq!(scale_to_int(MAX_SAFE_FLOAT, 0), Ok(9_007_199_254_740_991));
        assert_eq!(scale_to_int(-MAX_SAFE_FLOAT, 0), Ok(-9_007_199_254_740_991));
        assert!(scale_to_int(MAX_SAFE_FLOAT + 1.0, 0).is_err());
        assert_eq!(scale_to_int(1.0, 18), Ok(1_000_000_000_000_000_000));
        assert!(scale_to_int(10.0, 18).is_err());
    }
}
