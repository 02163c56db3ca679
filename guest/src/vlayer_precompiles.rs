//! vlayer's own precompiles (JSON, regex, URL pattern, email proofs) answered by revm at vlayer v1's addresses,
//! beside the chain's precompiles. The engine is the `vlayer-precompiles` crate, which the host's preflight also
//! calls (through vlayer._native), so both give the same bytes, gas and failures.
//!
//! They are real precompiles: warm from the start (EIP-2929), as in py-evm. A failure that vlayer v1 treated as
//! fatal aborts the whole execution through revm's `PrecompileError::Fatal`; [`from_fatal`] turns revm's report of
//! it back into [`GuestError::Precompile`]. A call that cannot pay a precompile's cost fails like any out-of-gas
//! call. On a block reached by time travel or teleport, a time-dependent precompile (an email's DNS record is only
//! vouched for until its `validUntil`) refuses to run, and so do `ShieldedOpen` and `ShieldedTryOpen` (their key
//! must be the registry's at the settle block).
//!
//! `ShieldedOpen` and `ShieldedTryOpen` read the prover's shielding secret keys, a private input the run installs with [`with_secrets`]:
//! revm calls a precompile through a plain function pointer, so they are kept for the run in a thread-local.

use std::cell::RefCell;
use std::sync::{Mutex, OnceLock};

use alloy_primitives::Address;
use revm::precompile::{
    PrecompileError, PrecompileHalt, PrecompileId, PrecompileOutput, PrecompileResult, Precompiles,
};
use vlayer_precompiles::{Failure, Precompile};

use crate::error::GuestError;

/// Put before every fatal message so it can be told apart from revm's own custom errors on the way back.
const FATAL_TAG: &str = "vlayer precompile ";

thread_local! {
    static SECRETS: RefCell<Vec<[u8; 32]>> = const { RefCell::new(Vec::new()) };
}

/// Runs `f` with `secrets` as the shielding secret keys `ShieldedOpen` and `ShieldedTryOpen` answer with, and forgets them afterwards
/// (also when `f` panics).
pub fn with_secrets<R>(secrets: &[[u8; 32]], f: impl FnOnce() -> R) -> R {
    struct Forget;
    impl Drop for Forget {
        fn drop(&mut self) {
            SECRETS.with(|s| s.borrow_mut().clear());
        }
    }
    SECRETS.with(|s| *s.borrow_mut() = secrets.to_vec());
    let _forget = Forget;
    f()
}

fn answer(p: Precompile, input: &[u8], gas_limit: u64, reservoir: u64) -> PrecompileResult {
    let result = SECRETS.with(|s| vlayer_precompiles::run_with(p, input, gas_limit, &s.borrow()));
    match result {
        Ok(out) => Ok(PrecompileOutput::new(
            out.gas_used,
            out.bytes.into(),
            reservoir,
        )),
        Err(Failure::OutOfGas { .. }) => {
            Ok(PrecompileOutput::halt(PrecompileHalt::OutOfGas, reservoir))
        }
        Err(Failure::Fatal(message)) => Err(fatal(p, &message)),
    }
}

fn fatal(p: Precompile, message: &str) -> PrecompileError {
    PrecompileError::Fatal(format!("{FATAL_TAG}{}: {message}", p.name()))
}

/// The message vlayer v1 gave for a time-dependent precompile called on a historic block (ours for the shielded
/// ones).
pub fn travel_refusal(p: Precompile) -> String {
    format!("Precompile `{}` is not allowed for travel calls", p.name())
}

macro_rules! entry {
    ($name:ident, $p:expr) => {
        fn $name(input: &[u8], gas_limit: u64, reservoir: u64) -> PrecompileResult {
            answer($p, input, gas_limit, reservoir)
        }
    };
}
entry!(verify_email, Precompile::VerifyEmail);
entry!(json_get_string, Precompile::JsonGetString);
entry!(json_get_int, Precompile::JsonGetInt);
entry!(json_get_bool, Precompile::JsonGetBool);
entry!(json_get_float_as_int, Precompile::JsonGetFloatAsInt);
entry!(regex_match, Precompile::RegexMatch);
entry!(regex_capture, Precompile::RegexCapture);
entry!(url_pattern_test, Precompile::UrlPatternTest);
entry!(shielded_open, Precompile::ShieldedOpen);
entry!(shielded_try_open, Precompile::ShieldedTryOpen);

fn verify_email_travelled(_input: &[u8], _gas_limit: u64, _reservoir: u64) -> PrecompileResult {
    let p = Precompile::VerifyEmail;
    Err(fatal(p, &travel_refusal(p)))
}

fn shielded_open_travelled(_input: &[u8], _gas_limit: u64, _reservoir: u64) -> PrecompileResult {
    let p = Precompile::ShieldedOpen;
    Err(fatal(p, &travel_refusal(p)))
}

fn shielded_try_open_travelled(
    _input: &[u8],
    _gas_limit: u64,
    _reservoir: u64,
) -> PrecompileResult {
    let p = Precompile::ShieldedTryOpen;
    Err(fatal(p, &travel_refusal(p)))
}

fn entries(
    travelled: bool,
) -> [(Precompile, revm::precompile::PrecompileFn); Precompile::ALL.len()] {
    let pick = |here: revm::precompile::PrecompileFn, there: revm::precompile::PrecompileFn| {
        if travelled {
            there
        } else {
            here
        }
    };
    [
        (
            Precompile::VerifyEmail,
            pick(verify_email, verify_email_travelled),
        ),
        (Precompile::JsonGetString, json_get_string),
        (Precompile::JsonGetInt, json_get_int),
        (Precompile::JsonGetBool, json_get_bool),
        (Precompile::JsonGetFloatAsInt, json_get_float_as_int),
        (Precompile::RegexMatch, regex_match),
        (Precompile::RegexCapture, regex_capture),
        (Precompile::UrlPatternTest, url_pattern_test),
        (
            Precompile::ShieldedOpen,
            pick(shielded_open, shielded_open_travelled),
        ),
        (
            Precompile::ShieldedTryOpen,
            pick(shielded_try_open, shielded_try_open_travelled),
        ),
    ]
}

/// `base` with vlayer's precompiles added, built once per (base set, travelled) and kept for the process: revm's
/// provider holds its set by `'static` reference, and a run only ever sees a handful of bases.
pub fn with_vlayer(base: &'static Precompiles, travelled: bool) -> &'static Precompiles {
    type Cache = Mutex<Vec<(usize, bool, &'static Precompiles)>>;
    static CACHE: OnceLock<Cache> = OnceLock::new();
    let key = base as *const Precompiles as usize;
    let cache = CACHE.get_or_init(|| Mutex::new(Vec::new()));
    // A poisoned lock only means another thread panicked while holding it; the cached sets stay valid.
    let mut sets = cache.lock().unwrap_or_else(|e| e.into_inner());
    if let Some((_, _, set)) = sets.iter().find(|(k, t, _)| *k == key && *t == travelled) {
        return set;
    }
    let mut set = base.clone();
    set.extend(entries(travelled).map(|(p, f)| {
        revm::precompile::Precompile::new(
            PrecompileId::Custom(p.name().into()),
            Address::from(p.address()),
            f,
        )
    }));
    let set: &'static Precompiles = Box::leak(Box::new(set));
    sets.push((key, travelled, set));
    set
}

/// The guest's error for a fatal precompile failure reported in `text` (revm's rendering of the provider's error),
/// if it is one.
pub fn from_fatal(text: &str) -> Option<GuestError> {
    let rest = &text[text.find(FATAL_TAG)? + FATAL_TAG.len()..];
    let (name, message) = rest.split_once(": ")?;
    Some(GuestError::Precompile {
        name: name.to_string(),
        message: message.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use revm::precompile::PrecompileSpecId;

    fn set(travelled: bool) -> &'static Precompiles {
        with_vlayer(Precompiles::new(PrecompileSpecId::OSAKA), travelled)
    }

    fn pair(a: &str, b: &str) -> Vec<u8> {
        use alloy_sol_types::SolValue;
        [a.to_string(), b.to_string()].abi_encode()
    }

    #[test]
    fn the_chains_precompiles_stay_and_vlayers_are_added_once() {
        let base = Precompiles::new(PrecompileSpecId::OSAKA);
        assert_eq!(set(false).len(), base.len() + Precompile::ALL.len());
        assert!(std::ptr::eq(set(false), set(false)));
        assert!(!std::ptr::eq(set(false), set(true)));
    }

    #[test]
    fn a_fatal_failure_comes_back_as_the_guests_error() {
        let p = set(false)
            .get(&Address::from(Precompile::RegexCapture.address()))
            .expect("registered");
        let err = p
            .execute(&pair("abc", "^x(.)$"), 1_000_000, 0)
            .expect_err("no match is fatal");
        let text = format!("custom error: {err}");
        assert_eq!(
            from_fatal(&text),
            Some(GuestError::Precompile {
                name: "RegexCapture".into(),
                message: "No match found".into()
            })
        );
        assert_eq!(
            from_fatal(&text).map(|e| e.to_string()).as_deref(),
            Some("precompile RegexCapture: No match found")
        );
        assert_eq!(from_fatal("custom error: something else"), None);
    }

    #[test]
    fn too_little_gas_is_an_ordinary_out_of_gas_halt() {
        let p = set(false)
            .get(&Address::from(Precompile::RegexMatch.address()))
            .expect("registered");
        let out = p.execute(&pair("a", "^a$"), 999, 0).expect("not fatal");
        assert_eq!(
            out.status,
            revm::precompile::PrecompileStatus::Halt(PrecompileHalt::OutOfGas)
        );
    }

    /// The first case of the shielding crate's table (it opens with the key it lists).
    fn shielded_case() -> (Vec<u8>, [u8; 32], Vec<u8>) {
        let table = include_str!("../../shielding/vectors/shielded.json");
        // The first 0x-string after the field's name (for "secrets", its list's first key).
        let field = |name: &str| {
            let at = table.find(&format!("\"{name}\":")).expect("field");
            let start = at + table[at..].find("\"0x").expect("a hex string") + 3;
            let end = start + table[start..].find('"').expect("closing quote");
            hex::decode(&table[start..end]).expect("hex")
        };
        let secret: [u8; 32] = field("secrets").try_into().expect("a 32-byte key");
        (field("input"), secret, field("output"))
    }

    #[test]
    fn shielded_open_answers_with_the_runs_secrets_only() {
        let (input, secret, output) = shielded_case();
        let p = set(false)
            .get(&Address::from(Precompile::ShieldedOpen.address()))
            .expect("registered");
        let opened = with_secrets(&[secret], || p.execute(&input, 1_000_000, 0));
        assert_eq!(opened.expect("not fatal").bytes.to_vec(), output);
        // Forgotten after the run: the same call now holds no key.
        let err = p.execute(&input, 1_000_000, 0).expect_err("no key");
        assert!(
            err.to_string().contains("this prover holds no secret key"),
            "{err}"
        );
    }

    /// The shielding crate's case named `name`: its input, its prover's secrets, and the field `field` (a hex
    /// string, or a message) in bytes. Read as text, like [`shielded_case`]: the guest has no JSON parser to test
    /// with.
    fn shielded_named(name: &str, field: &str) -> (Vec<u8>, Vec<[u8; 32]>, Vec<u8>) {
        let table = include_str!("../../shielding/vectors/shielded.json");
        let at = table
            .find(&format!("\"name\": \"{name}\""))
            .expect("the case");
        let case = &table[at..];
        let case = &case[..case[1..]
            .find("\"name\":")
            .map_or(case.len(), |end| end + 1)];
        // The string value of `key` in this case.
        let value = |key: &str| {
            let from = case.find(&format!("\"{key}\": \"")).expect("the field") + key.len() + 5;
            &case[from..from + case[from..].find('"').expect("closing quote")]
        };
        let bytes = |text: &str| hex::decode(&text[2..]).expect("hex");
        let field_bytes = match value(field) {
            text if text.starts_with("0x") => bytes(text),
            text => text.as_bytes().to_vec(),
        };
        let secrets_at = case.find("\"secrets\": [").expect("secrets") + 12;
        let secrets = case
            [secrets_at..secrets_at + case[secrets_at..].find(']').expect("list end")]
            .split('"')
            .filter(|s| s.starts_with("0x"))
            .map(|s| bytes(s).try_into().expect("a 32-byte key"))
            .collect();
        (bytes(value("input")), secrets, field_bytes)
    }

    #[test]
    fn shielded_try_open_answers_a_ciphertext_that_does_not_open_and_aborts_without_the_key() {
        let p = set(false)
            .get(&Address::from(Precompile::ShieldedTryOpen.address()))
            .expect("registered");
        let (input, secrets, output) = shielded_named(
            "does not open: a bit flipped in the ciphertext",
            "try_output",
        );
        let answered = with_secrets(&secrets, || p.execute(&input, 1_000_000, 0));
        assert_eq!(answered.expect("not fatal").bytes.to_vec(), output);
        let (input, secrets, output) =
            shielded_named("opens: the prover holds the key", "try_output");
        let opened = with_secrets(&secrets, || p.execute(&input, 1_000_000, 0));
        assert_eq!(opened.expect("not fatal").bytes.to_vec(), output);
        // Without the key the same call aborts: no prover can claim that a ciphertext it cannot open does not open.
        let err = p.execute(&input, 1_000_000, 0).expect_err("no key");
        let (_, _, message) = shielded_named("no key: the prover holds none", "try_error");
        assert_eq!(
            from_fatal(&err.to_string()),
            Some(GuestError::Precompile {
                name: "ShieldedTryOpen".into(),
                message: String::from_utf8(message).expect("text"),
            })
        );
    }

    #[test]
    fn exactly_the_precompiles_refused_on_travel_refuse_on_a_travelled_block() {
        let (input, secrets, _) = shielded_named("opens: the prover holds the key", "output");
        for p in Precompile::ALL {
            let travelled = set(true)
                .get(&Address::from(p.address()))
                .expect("registered");
            let result = with_secrets(&secrets, || travelled.execute(&input, 1_000_000, 0));
            let refusal = GuestError::Precompile {
                name: p.name().into(),
                message: travel_refusal(p),
            };
            match result {
                Err(err) if p.is_refused_on_travel() => {
                    assert_eq!(from_fatal(&err.to_string()), Some(refusal), "{p:?}")
                }
                // The others run (and fail or not on this input) as on any block.
                other => assert!(
                    !p.is_refused_on_travel()
                        && other
                            .as_ref()
                            .err()
                            .and_then(|e| from_fatal(&e.to_string()))
                            != Some(refusal),
                    "{p:?}: {other:?}"
                ),
            }
        }
        assert_eq!(
            travel_refusal(Precompile::ShieldedTryOpen),
            "Precompile `ShieldedTryOpen` is not allowed for travel calls"
        );
    }

    #[test]
    fn email_refuses_on_a_travelled_block_before_reading_its_input() {
        let p = set(true)
            .get(&Address::from(Precompile::VerifyEmail.address()))
            .expect("registered");
        let err = p.execute(b"", 1_000_000, 0).expect_err("refused");
        assert_eq!(
            from_fatal(&err.to_string())
                .map(|e| e.to_string())
                .as_deref(),
            Some("precompile EmailProof: Precompile `EmailProof` is not allowed for travel calls")
        );
    }
}
