//! Native half of the `vlayer` Python package.
//!
//! It will carry the guest library (native execution), and the zkVM ELF with its image ID (execute / prove /
//! verify). Until the guest lands it reports what this build contains, so `vlayer --version` can say so plainly
//! instead of pretending to an image ID.

use pyo3::prelude::*;
use pyo3::types::PyDict;

/// What this native build contains.
#[pyfunction]
fn build_info(py: Python<'_>) -> PyResult<Bound<'_, PyDict>> {
    let info = PyDict::new(py);
    info.set_item("crate_version", env!("CARGO_PKG_VERSION"))?;
    info.set_item("guest_embedded", false)?;
    info.set_item("image_id", py.None())?;
    Ok(info)
}

#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(build_info, m)?)?;
    Ok(())
}
