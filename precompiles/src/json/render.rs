//! The rendering of a JMESPath value in error messages.
//!
//! vlayer v1 printed the Rust `Debug` form of its `jmespath::Variable`, which its users saw in abort messages
//! (`... but found Number(Number(12))`). `Debug` output is not a stable format (it follows the crates' internals),
//! so we write the same shape ourselves and pin it with our vectors:
//!
//! | value | rendering |
//! |---|---|
//! | null (also a path that selects nothing) | `Null` |
//! | `true` | `Bool(true)` |
//! | `"a\"b"` | `String("a\"b")` (Rust string escaping: `\"`, `\\`, `\n`, `\u{1}`, ...) |
//! | `12`, `-3`, `1.5`, `1e300` | `Number(Number(12))`, `Number(Number(-3))`, `Number(Number(1.5))`, `Number(Number(1e300))` |
//! | `[1, "a"]` | `Array([Number(Number(1)), String("a")])` |
//! | `{"b": 1, "a": null}` | `Object({"a": Null, "b": Number(Number(1))})` (keys sorted, as JMESPath holds them) |
//! | an expression reference (`&a`) | `Expref` |
//!
//! Integers print exactly; other numbers print serde_json's shortest round-trip form of the f64.

use std::fmt::Write;

use jmespath::Variable;

/// Renders `value` as described in the module docs.
pub fn render(value: &Variable) -> String {
    let mut out = String::new();
    write_value(&mut out, value);
    out
}

fn write_value(out: &mut String, value: &Variable) {
    // Writing to a String cannot fail, so the fmt::Results below are ignored on purpose.
    match value {
        Variable::Null => out.push_str("Null"),
        Variable::Bool(b) => {
            let _ = write!(out, "Bool({b})");
        }
        Variable::Number(n) => {
            let _ = write!(out, "Number(Number({n}))");
        }
        Variable::String(s) => {
            let _ = write!(out, "String({s:?})");
        }
        Variable::Array(items) => {
            out.push_str("Array([");
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write_value(out, item);
            }
            out.push_str("])");
        }
        Variable::Object(map) => {
            out.push_str("Object({");
            for (i, (key, item)) in map.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                let _ = write!(out, "{key:?}: ");
                write_value(out, item);
            }
            out.push_str("})");
        }
        Variable::Expref(_) => out.push_str("Expref"),
    }
}
