//! vlayer's precompiles for the host's preflight: the same engine (`vlayer-precompiles`) and the same refusal on a
//! travelled block as the guest ([`vlayer_guest::vlayer_precompiles`]), so py-evm's answer is byte for byte revm's.

use pyo3::prelude::*;
use pyo3::types::PyBytes;
use vlayer_guest::error::GuestError;
use vlayer_guest::vlayer_precompiles::travel_refusal;
use vlayer_precompiles::{Failure, Precompile};

/// Every vlayer precompile: `(address, name, refused_on_travel)`.
#[pyfunction]
pub fn precompile_table() -> Vec<([u8; 20], &'static str, bool)> {
    Precompile::ALL
        .iter()
        .map(|p| (p.address(), p.name(), p.is_refused_on_travel()))
        .collect()
}

/// Runs the precompile at `address` on `input` with `gas_limit` gas. `travelled`: the call runs on a block reached
/// by time travel or teleport.
///
/// Returns `("ok", output, gas_used, "")`, `("out_of_gas", b"", cost, "")` (an ordinary failed call), or
/// `("fatal", b"", 0, message)` where message is the guest's exact error text (the execution aborts).
///
/// `secrets`: the prover's shielding secret keys (`ShieldedOpen`, `ShieldedTryOpen`).
#[pyfunction]
#[pyo3(signature = (address, input, gas_limit, travelled, secrets = Vec::new()))]
pub fn precompile_call<'py>(
    py: Python<'py>,
    address: &[u8],
    input: &[u8],
    gas_limit: u64,
    travelled: bool,
    secrets: Vec<[u8; 32]>,
) -> PyResult<(&'static str, Bound<'py, PyBytes>, u64, String)> {
    let Some(p) = Precompile::from_address(address) else {
        return Err(pyo3::exceptions::PyValueError::new_err(format!(
            "not a vlayer precompile: 0x{}",
            hex::encode(address)
        )));
    };
    let fatal = |message: String| {
        GuestError::Precompile {
            name: p.name().to_string(),
            message,
        }
        .to_string()
    };
    if travelled && p.is_refused_on_travel() {
        return Ok(("fatal", PyBytes::new(py, b""), 0, fatal(travel_refusal(p))));
    }
    // The engine is pure and bounded by the call's gas; releasing the GIL lets other threads run meanwhile.
    let result = py.allow_threads(|| vlayer_precompiles::run_with(p, input, gas_limit, &secrets));
    Ok(match result {
        Ok(out) => (
            "ok",
            PyBytes::new(py, &out.bytes),
            out.gas_used,
            String::new(),
        ),
        Err(Failure::OutOfGas { needed, .. }) => {
            ("out_of_gas", PyBytes::new(py, b""), needed, String::new())
        }
        Err(Failure::Fatal(message)) => ("fatal", PyBytes::new(py, b""), 0, fatal(message)),
    })
}

fn shielding_error(err: vlayer_shielding::ShieldingError) -> PyErr {
    pyo3::exceptions::PyValueError::new_err(err.to_string())
}

/// The shielding key pair derived from a 32-byte `seed` (RFC 9180 DeriveKeyPair): `(secret, public)`.
#[pyfunction]
pub fn shielding_keypair<'py>(
    py: Python<'py>,
    seed: [u8; 32],
) -> (Bound<'py, PyBytes>, Bound<'py, PyBytes>) {
    let (secret, public) = vlayer_shielding::keypair_from_seed(&seed);
    (PyBytes::new(py, &secret), PyBytes::new(py, &public))
}

/// `plaintext` sealed to `public` with `aad`; the ephemeral key derives from `seed`, which the caller draws from the
/// OS. Returns enc || ciphertext.
#[pyfunction]
pub fn shielding_seal<'py>(
    py: Python<'py>,
    public: [u8; 32],
    aad: &[u8],
    plaintext: &[u8],
    seed: [u8; 32],
) -> PyResult<Bound<'py, PyBytes>> {
    let sealed = vlayer_shielding::seal(&public, aad, plaintext, &seed).map_err(shielding_error)?;
    Ok(PyBytes::new(py, &sealed))
}

/// The plaintext of `sealed` (enc || ciphertext) under `secret` and `aad`; ValueError with the reason otherwise.
#[pyfunction]
pub fn shielding_open<'py>(
    py: Python<'py>,
    secret: [u8; 32],
    aad: &[u8],
    sealed: &[u8],
) -> PyResult<Bound<'py, PyBytes>> {
    let plaintext = vlayer_shielding::open(&secret, aad, sealed).map_err(shielding_error)?;
    Ok(PyBytes::new(py, &plaintext))
}
