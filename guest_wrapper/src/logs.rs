//! The guest's log rules ([`vlayer_guest::logs`]) for the host's preflight: which blocks a query needs receipts of,
//! each block's receipts root, and the answer with its gas. The preflight takes its answers from here, so what
//! py-evm sees is byte for byte what revm sees in the guest.

use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict};
use vlayer_guest::header::Header;
use vlayer_guest::input::LogBlockIn;
use vlayer_guest::logs::{self, LogBlocks, Query};

use crate::GuestFailure;

fn headers(raw: &[Vec<u8>]) -> PyResult<Vec<Header>> {
    raw.iter()
        .map(|h| Header::decode(h).map_err(|e| GuestFailure::new_err(e.to_string())))
        .collect()
}

fn blocks(pinned: u64, raw: &[Vec<u8>], given: &[LogBlockIn]) -> PyResult<LogBlocks> {
    let headers = headers(raw)?;
    LogBlocks::new(pinned, headers.iter(), given).map_err(|e| GuestFailure::new_err(e.to_string()))
}

/// The query's block range `(from, to)`, or `GuestFailure` with the guest's message for a query it refuses.
#[pyfunction]
pub fn logs_range(calldata: &[u8], pinned: u64) -> PyResult<(u64, u64)> {
    let q = Query::decode(calldata, pinned).map_err(|e| GuestFailure::new_err(e.to_string()))?;
    Ok((q.from, q.to))
}

/// The blocks of the query whose receipts the answer needs (their bloom may match). `headers`: RLP headers of
/// every block of the query's range.
#[pyfunction]
pub fn logs_needed(calldata: &[u8], pinned: u64, headers: Vec<Vec<u8>>) -> PyResult<Vec<u64>> {
    let q = Query::decode(calldata, pinned).map_err(|e| GuestFailure::new_err(e.to_string()))?;
    blocks(pinned, &headers, &[])?
        .needed(&q)
        .map_err(|e| GuestFailure::new_err(e.to_string()))
}

/// The receipts trie root of one block's consensus-encoded receipts.
#[pyfunction]
pub fn receipts_root<'py>(py: Python<'py>, receipts: Vec<Vec<u8>>) -> Bound<'py, PyBytes> {
    let receipts: Vec<alloy_primitives::Bytes> = receipts.into_iter().map(Into::into).collect();
    PyBytes::new(py, logs::receipts_root(&receipts).as_slice())
}

/// The guest's answer to the query and its gas, from the range's headers and the receipts of the blocks it needs
/// (checked against their roots exactly as the guest checks them).
#[pyfunction]
pub fn logs_answer<'py>(
    py: Python<'py>,
    calldata: &[u8],
    pinned: u64,
    headers: Vec<Vec<u8>>,
    receipts: Vec<(u64, Vec<Vec<u8>>)>,
) -> PyResult<(Bound<'py, PyBytes>, u64)> {
    let given: Vec<LogBlockIn> = receipts
        .into_iter()
        .map(|(block_number, rs)| LogBlockIn {
            block_number,
            receipts: rs.into_iter().map(Into::into).collect(),
        })
        .collect();
    let answer = blocks(pinned, &headers, &given)?
        .answer(calldata)
        .map_err(|e| GuestFailure::new_err(e.to_string()))?;
    Ok((PyBytes::new(py, &answer.data), answer.gas))
}

/// The address, selector, bounds and gas schedule of log queries.
#[pyfunction]
pub fn logs_constants(py: Python<'_>) -> PyResult<Bound<'_, PyDict>> {
    let d = PyDict::new(py);
    d.set_item("address", PyBytes::new(py, logs::LOGS.as_slice()))?;
    d.set_item("selector", PyBytes::new(py, &logs::GET_LOGS))?;
    d.set_item("max_query_blocks", logs::MAX_QUERY_BLOCKS)?;
    d.set_item("max_query_depth", logs::MAX_QUERY_DEPTH)?;
    d.set_item("max_receipt_bytes", logs::MAX_RECEIPT_BYTES)?;
    d.set_item("max_filter_items", logs::MAX_FILTER_ITEMS)?;
    d.set_item("gas_base", logs::GAS_BASE)?;
    d.set_item("gas_per_block", logs::GAS_PER_BLOCK)?;
    d.set_item("gas_per_receipt_word", logs::GAS_PER_RECEIPT_WORD)?;
    d.set_item("gas_per_answer_word", logs::GAS_PER_ANSWER_WORD)?;
    Ok(d)
}
