//! Native half of the `vlayer` Python package: the guest library, callable from Python.
//!
//! `execute_native` runs exactly the code the zkVM guest runs, on the host CPU, so the host can check guest output
//! against its preflight before spending a proving run. The zkVM ELF and its image ID join this module with the
//! zkVM build.

use pyo3::create_exception;
use pyo3::exceptions::PyException;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict};

create_exception!(
    _native,
    GuestFailure,
    PyException,
    "The guest refused its input or the call failed."
);

/// Decode and verify a guest input, re-execute its call, and return the journal (and the gas the call used).
/// The GIL is released while the guest runs.
#[pyfunction]
fn execute_native<'py>(py: Python<'py>, input: &[u8]) -> PyResult<Bound<'py, PyDict>> {
    let input = input.to_vec();
    let output = py.allow_threads(move || vlayer_guest::execute(&input));
    match output {
        Ok(out) => {
            let dict = PyDict::new(py);
            dict.set_item("journal", PyBytes::new(py, &out.journal))?;
            dict.set_item("return_data", PyBytes::new(py, &out.return_data))?;
            dict.set_item("gas_used", out.gas_used)?;
            Ok(dict)
        }
        Err(err) => Err(GuestFailure::new_err(err.to_string())),
    }
}

/// Look a key up in a trie made of the given nodes (the guest's verifier, exposed for property tests).
#[pyfunction]
fn mpt_get<'py>(
    py: Python<'py>,
    nodes: Vec<Vec<u8>>,
    root: [u8; 32],
    key: [u8; 32],
) -> PyResult<Option<Bound<'py, PyBytes>>> {
    let pool = vlayer_guest::mpt::NodePool::new(nodes);
    match pool.get(root.into(), &key.into()) {
        Ok(value) => Ok(value.map(|v| PyBytes::new(py, &v))),
        Err(reason) => Err(GuestFailure::new_err(reason)),
    }
}

/// What this native build contains.
#[pyfunction]
fn build_info(py: Python<'_>) -> PyResult<Bound<'_, PyDict>> {
    let info = PyDict::new(py);
    info.set_item("crate_version", env!("CARGO_PKG_VERSION"))?;
    info.set_item("wire_format_version", vlayer_guest::input::VERSION)?;
    info.set_item("guest_embedded", false)?;
    info.set_item("image_id", py.None())?;
    Ok(info)
}

#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("GuestFailure", m.py().get_type::<GuestFailure>())?;
    m.add_function(wrap_pyfunction!(execute_native, m)?)?;
    m.add_function(wrap_pyfunction!(mpt_get, m)?)?;
    m.add_function(wrap_pyfunction!(build_info, m)?)?;
    Ok(())
}
