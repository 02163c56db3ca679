//! Native half of the `vlayer` Python package: the guest library, callable from Python.
//!
//! `execute_native` runs exactly the code the zkVM guest runs, on the host CPU, so the host can check guest output
//! against its preflight before spending a proving run. `zkvm_*` run the embedded guest ELF in the RISC Zero zkVM
//! (zkvm.rs); every call releases the GIL. The `cuda` build proves on the GPU instead of the CPU (gpu.rs).

pub mod gpu;
pub mod keccak;
pub mod logs;
pub mod precompiles;
pub mod receipts;
pub mod segments;
pub mod shrink_wrap;
pub mod zkvm;

use pyo3::create_exception;
use pyo3::exceptions::PyException;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict, PyList};

create_exception!(
    _native,
    GuestFailure,
    PyException,
    "The guest refused its input or the call failed."
);
create_exception!(
    _native,
    ZkvmFailure,
    PyException,
    "The zkVM could not run the guest."
);
create_exception!(
    _native,
    ModeUnavailable,
    PyException,
    "The requested proof mode cannot run on this build."
);
create_exception!(_native, ProvingFailed, PyException, "The prover failed.");
create_exception!(
    _native,
    GpuUnavailable,
    PyException,
    "The CUDA build cannot prove here: no NVIDIA driver, a driver too old, no GPU, or a GPU it was not compiled for."
);
create_exception!(
    _native,
    ReceiptInvalid,
    PyException,
    "A receipt does not decode or does not verify."
);

fn to_py(err: zkvm::ZkvmError) -> PyErr {
    use zkvm::ZkvmError as E;
    let msg = err.to_string();
    match err {
        E::GuestRefused(_) => GuestFailure::new_err(msg),
        E::ModeUnavailable { .. } | E::DevModeEnv => ModeUnavailable::new_err(msg),
        E::Prove(_) => ProvingFailed::new_err(msg),
        E::GpuUnavailable(_) => GpuUnavailable::new_err(msg),
        E::Verify(_) | E::Decode(_) => ReceiptInvalid::new_err(msg),
        E::Elf(_) | E::Execute(_) | E::Exit(_) => ZkvmFailure::new_err(msg),
    }
}

fn execution_dict<'py>(
    py: Python<'py>,
    report: &zkvm::ExecuteReport,
) -> PyResult<Bound<'py, PyDict>> {
    let dict = PyDict::new(py);
    dict.set_item("journal", PyBytes::new(py, &report.journal))?;
    dict.set_item("total_cycles", report.total_cycles)?;
    dict.set_item("user_cycles", report.user_cycles)?;
    dict.set_item("paging_cycles", report.paging_cycles)?;
    dict.set_item("reserved_cycles", report.reserved_cycles)?;
    dict.set_item("segments", report.segments)?;
    dict.set_item("segment_po2", report.segment_po2)?;
    dict.set_item("execute_seconds", report.seconds)?;
    Ok(dict)
}

/// Run the embedded guest in the zkVM executor (no proof): journal, cycles, segments.
#[pyfunction]
#[pyo3(signature = (input, segment_po2 = zkvm::DEFAULT_SEGMENT_PO2, secrets = Vec::new()))]
fn zkvm_execute<'py>(
    py: Python<'py>,
    input: &[u8],
    segment_po2: u32,
    secrets: Vec<[u8; 32]>,
) -> PyResult<Bound<'py, PyDict>> {
    let input = input.to_vec();
    let report = py
        .allow_threads(move || zkvm::execute(&input, segment_po2, &secrets))
        .map_err(to_py)?;
    execution_dict(py, &report)
}

/// Run another build of the guest (an ELF, e.g. a variant for measurements) in the zkVM executor: journal, cycles.
#[pyfunction]
#[pyo3(signature = (elf, input, segment_po2 = zkvm::DEFAULT_SEGMENT_PO2, secrets = Vec::new()))]
fn zkvm_execute_elf<'py>(
    py: Python<'py>,
    elf: &[u8],
    input: &[u8],
    segment_po2: u32,
    secrets: Vec<[u8; 32]>,
) -> PyResult<Bound<'py, PyDict>> {
    let (elf, input) = (elf.to_vec(), input.to_vec());
    let report = py
        .allow_threads(move || zkvm::execute_elf(&elf, &input, segment_po2, &secrets))
        .map_err(to_py)?;
    execution_dict(py, &report)
}

/// Prove the embedded guest on this machine (its CPU, or its GPU in the CUDA build); mode is composite, succinct
/// or groth16. With `elf`, another build of the guest (a variant's user ELF, as in zkvm_execute_elf), whose receipt
/// is verified against that build's own image ID.
#[pyfunction]
#[pyo3(signature = (input, mode, segment_po2 = zkvm::DEFAULT_SEGMENT_PO2, secrets = Vec::new(), elf = None))]
fn zkvm_prove<'py>(
    py: Python<'py>,
    input: &[u8],
    mode: &str,
    segment_po2: u32,
    secrets: Vec<[u8; 32]>,
    elf: Option<&[u8]>,
) -> PyResult<Bound<'py, PyDict>> {
    let mode = zkvm::ProveMode::parse(mode).map_err(to_py)?;
    let (input, elf) = (input.to_vec(), elf.map(<[u8]>::to_vec));
    let report = py
        .allow_threads(move || match elf {
            None => zkvm::prove(&input, mode, segment_po2, &secrets),
            Some(elf) => zkvm::prove_elf(&elf, &input, mode, segment_po2, &secrets),
        })
        .map_err(to_py)?;
    let dict = execution_dict(py, &report.execution)?;
    dict.set_item("receipt", PyBytes::new(py, &report.receipt))?;
    dict.set_item("mode", report.mode.name())?;
    dict.set_item("prove_seconds", report.prove_seconds)?;
    let seal = report
        .onchain_seal
        .as_ref()
        .map(|seal| PyBytes::new(py, seal));
    dict.set_item("onchain_seal", seal)?;
    Ok(dict)
}

/// Verify a receipt (bincode bytes) against an image ID; returns its journal and kind.
#[pyfunction]
fn zkvm_verify<'py>(
    py: Python<'py>,
    receipt: &[u8],
    image_id: [u8; 32],
) -> PyResult<Bound<'py, PyDict>> {
    let receipt = receipt.to_vec();
    let verified = py
        .allow_threads(move || zkvm::verify(&receipt, image_id))
        .map_err(to_py)?;
    let dict = PyDict::new(py);
    dict.set_item("journal", PyBytes::new(py, &verified.journal))?;
    dict.set_item("kind", verified.kind)?;
    let seal = verified.onchain_seal.as_ref().map(|s| PyBytes::new(py, s));
    dict.set_item("onchain_seal", seal)?;
    Ok(dict)
}

/// One succinct receipt (lift and join) of a composite or succinct receipt that verifies against `image_id`.
#[pyfunction]
fn receipt_compress<'py>(
    py: Python<'py>,
    receipt: &[u8],
    image_id: [u8; 32],
) -> PyResult<Bound<'py, PyBytes>> {
    let receipt = receipt.to_vec();
    let out = py
        .allow_threads(move || receipts::compress_succinct(&receipt, image_id.into()))
        .map_err(to_py)?;
    Ok(PyBytes::new(py, &out))
}

/// Groth16 step 1: the shrink-wrap's input.json (identity_p254 of the succinct form of the receipt).
#[pyfunction]
fn groth16_input(py: Python<'_>, receipt: &[u8], image_id: [u8; 32]) -> PyResult<String> {
    let receipt = receipt.to_vec();
    py.allow_threads(move || receipts::groth16_input(&receipt, image_id.into()))
        .map_err(to_py)
}

/// Groth16 step 3: proof.json as a verified Groth16 receipt (bincode) of (image_id, journal).
#[pyfunction]
fn groth16_receipt<'py>(
    py: Python<'py>,
    proof_json: &str,
    image_id: [u8; 32],
    journal: &[u8],
) -> PyResult<Bound<'py, PyBytes>> {
    let out = receipts::groth16_receipt(proof_json, image_id.into(), journal).map_err(to_py)?;
    Ok(PyBytes::new(py, &out))
}

/// The files of RISC Zero's CUDA Groth16 prover that `folder` lacks (empty: all there). Asked on every build, so the
/// host names what is missing wherever it looks for the GPU backend.
#[pyfunction]
fn groth16_gpu_files_missing(folder: std::path::PathBuf) -> Vec<&'static str> {
    shrink_wrap::missing_files(&folder)
}

/// Groth16 step 2 on the GPU (the CUDA build): input.json's text into `workdir/proof.json`, with the risc0-groth16
/// files in `files`.
#[cfg(feature = "cuda")]
#[pyfunction]
fn groth16_gpu_shrink_wrap(
    py: Python<'_>,
    input_json: String,
    files: std::path::PathBuf,
    workdir: std::path::PathBuf,
) -> PyResult<()> {
    py.allow_threads(move || shrink_wrap::prove(&input_json, &files, &workdir))
        .map_err(to_py)
}

/// The verifier parameters this build checks receipts with (hex digests).
#[pyfunction]
fn verifier_parameters(py: Python<'_>) -> PyResult<Bound<'_, PyDict>> {
    let p = receipts::verifier_parameters();
    let dict = PyDict::new(py);
    dict.set_item(
        "succinct_control_root",
        hex::encode(p.succinct_control_root),
    )?;
    dict.set_item("succinct_digest", hex::encode(p.succinct_digest))?;
    dict.set_item("groth16_control_root", hex::encode(p.groth16_control_root))?;
    dict.set_item(
        "groth16_bn254_control_id",
        hex::encode(p.groth16_bn254_control_id),
    )?;
    dict.set_item("groth16_digest", hex::encode(p.groth16_digest))?;
    Ok(dict)
}

/// Execute an embedded guest ("vlayer" or "segments-test") into segments of 2^segment_po2 cycles: journal, image
/// ID, claim digest, cycles, and each segment (index, po2, user_cycles, data = bincode of RISC Zero's Segment).
#[pyfunction]
#[pyo3(signature = (input, segment_po2 = zkvm::DEFAULT_SEGMENT_PO2, guest = "vlayer"))]
fn segments_execute<'py>(
    py: Python<'py>,
    input: &[u8],
    segment_po2: u32,
    guest: &str,
) -> PyResult<Bound<'py, PyDict>> {
    let guest = segments::Guest::parse(guest).map_err(to_py)?;
    let input = input.to_vec();
    let run = py
        .allow_threads(move || segments::execute_segments(guest, &input, segment_po2))
        .map_err(to_py)?;
    let dict = PyDict::new(py);
    dict.set_item("journal", PyBytes::new(py, &run.journal))?;
    dict.set_item("image_id", hex::encode(run.image_id.as_bytes()))?;
    dict.set_item("claim_digest", hex::encode(run.claim_digest.as_bytes()))?;
    dict.set_item("total_cycles", run.total_cycles)?;
    dict.set_item("user_cycles", run.user_cycles)?;
    dict.set_item("paging_cycles", run.paging_cycles)?;
    dict.set_item("reserved_cycles", run.reserved_cycles)?;
    dict.set_item("execute_seconds", run.seconds)?;
    let list = PyList::empty(py);
    for segment in &run.segments {
        let item = PyDict::new(py);
        item.set_item("index", segment.index)?;
        item.set_item("kind", segment.kind.name())?;
        item.set_item("po2", segment.po2)?;
        item.set_item("user_cycles", segment.user_cycles)?;
        item.set_item("data", PyBytes::new(py, &segment.bytes))?;
        list.append(item)?;
    }
    dict.set_item("segments", list)?;
    Ok(dict)
}

/// Prove one segment (the bytes `segments_execute` gave) on this machine; the receipt (bincode of RISC Zero's
/// SegmentReceipt) is checked against the segment before it is returned.
#[pyfunction]
fn segments_prove<'py>(py: Python<'py>, segment: &[u8]) -> PyResult<Bound<'py, PyDict>> {
    let segment = segment.to_vec();
    let proved = py
        .allow_threads(move || segments::prove_segment(&segment))
        .map_err(to_py)?;
    let dict = PyDict::new(py);
    dict.set_item("index", proved.index)?;
    dict.set_item("po2", proved.po2)?;
    dict.set_item("receipt", PyBytes::new(py, &proved.receipt))?;
    dict.set_item("prove_seconds", proved.seconds)?;
    Ok(dict)
}

/// Check that a segment receipt proves exactly this segment (seal and every claim field); ReceiptInvalid if not.
#[pyfunction]
fn segments_check<'py>(
    py: Python<'py>,
    segment: &[u8],
    receipt: &[u8],
) -> PyResult<Bound<'py, PyDict>> {
    let (segment, receipt) = (segment.to_vec(), receipt.to_vec());
    let checked = py
        .allow_threads(move || segments::check_segment_receipt(&segment, &receipt))
        .map_err(to_py)?;
    let dict = PyDict::new(py);
    dict.set_item("index", checked.index)?;
    dict.set_item("po2", checked.po2)?;
    Ok(dict)
}

/// Assemble segment receipts into a composite receipt (bincode of RISC Zero's Receipt) for this journal, verified
/// against the guest's image ID before it is returned.
#[pyfunction]
#[pyo3(signature = (receipts, journal, guest = "vlayer"))]
fn segments_assemble<'py>(
    py: Python<'py>,
    receipts: Vec<Vec<u8>>,
    journal: &[u8],
    guest: &str,
) -> PyResult<Bound<'py, PyBytes>> {
    let guest = segments::Guest::parse(guest).map_err(to_py)?;
    let journal = journal.to_vec();
    let receipt = py
        .allow_threads(move || segments::assemble(guest, &receipts, &journal))
        .map_err(to_py)?;
    Ok(PyBytes::new(py, &receipt))
}

/// The image ID (hex) of an embedded guest ("vlayer" or "segments-test").
#[pyfunction]
fn guest_image_id(guest: &str) -> PyResult<String> {
    let guest = segments::Guest::parse(guest).map_err(to_py)?;
    let id = guest.image_id().map_err(to_py)?;
    Ok(hex::encode(id.as_bytes()))
}

/// The image ID (hex) of a user ELF on the v1compat kernel, as RISC Zero computes it.
#[pyfunction]
fn image_id_of(py: Python<'_>, elf: &[u8]) -> PyResult<String> {
    let elf = elf.to_vec();
    let id = py
        .allow_threads(move || zkvm::image_id_of(&elf))
        .map_err(to_py)?;
    Ok(hex::encode(id.as_bytes()))
}

/// A receipt's bytes as RISC Zero's JSON.
#[pyfunction]
fn receipt_to_json(receipt: &[u8]) -> PyResult<String> {
    zkvm::receipt_to_json(receipt).map_err(to_py)
}

/// RISC Zero receipt JSON back to the bytes the other functions take.
#[pyfunction]
fn receipt_from_json<'py>(py: Python<'py>, json: &str) -> PyResult<Bound<'py, PyBytes>> {
    let bytes = zkvm::receipt_from_json(json).map_err(to_py)?;
    Ok(PyBytes::new(py, &bytes))
}

/// Decode and verify a guest input, re-execute its call, and return the journal (and the gas the call used).
/// The GIL is released while the guest runs.
/// `secrets`: the prover's shielding secret keys, a private input apart from `input`.
#[pyfunction]
#[pyo3(signature = (input, secrets = Vec::new()))]
fn execute_native<'py>(
    py: Python<'py>,
    input: &[u8],
    secrets: Vec<[u8; 32]>,
) -> PyResult<Bound<'py, PyDict>> {
    let input = input.to_vec();
    let output = py.allow_threads(move || vlayer_guest::execute_with_secrets(&input, &secrets));
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

/// The chain table the embedded guest was built from (chains/chains.json): the host takes its schedules from here,
/// so a chain it preflights is a chain this guest proves.
#[pyfunction]
fn chain_table() -> &'static str {
    vlayer_guest::chain::CHAIN_TABLE_JSON
}

/// Pinned in guest_wrapper/Cargo.toml (the host; the guest builds on 3.0.6, guest/zkvm/Cargo.toml).
const RISC0_ZKVM_VERSION: &str = "3.1.0-rc.1";

/// What this native build contains.
#[pyfunction]
fn build_info(py: Python<'_>) -> PyResult<Bound<'_, PyDict>> {
    let info = PyDict::new(py);
    info.set_item("crate_version", env!("CARGO_PKG_VERSION"))?;
    info.set_item("wire_format_version", vlayer_guest::input::VERSION)?;
    info.set_item("guest_embedded", true)?;
    let image_id = zkvm::image_id().map_err(to_py)?;
    info.set_item("image_id", hex::encode(image_id.as_bytes()))?;
    info.set_item("guest_elf_sha256", zkvm::GUEST_ELF_SHA256)?;
    info.set_item("guest_elf_size", zkvm::GUEST_ELF.len())?;
    info.set_item("risc0_zkvm_version", RISC0_ZKVM_VERSION)?;
    info.set_item("default_segment_po2", zkvm::DEFAULT_SEGMENT_PO2)?;
    let unavailable = zkvm::recursion_unavailable();
    // What this build proves by itself; groth16 also needs a shrink-wrap backend, which the host looks for.
    let modes: Vec<&str> = match unavailable {
        None => vec!["composite", "succinct"],
        Some(_) => vec!["composite"],
    };
    info.set_item("proof_modes", modes)?;
    info.set_item("recursion_unavailable", unavailable)?;
    info.set_item("prover", gpu::PROVER)?;
    info.set_item("cuda_archs", gpu::compiled_archs())?;
    let toolkit = (!gpu::CUDA_TOOLKIT.is_empty()).then_some(gpu::CUDA_TOOLKIT);
    info.set_item("cuda_toolkit", toolkit)?;
    Ok(info)
}

/// The GPU the CUDA build proves on (name, architecture, memory, the driver's CUDA version), or `GpuUnavailable`
/// naming why it cannot; None on the CPU build. This is the check every proof of the CUDA build runs first.
#[pyfunction]
fn gpu_info(py: Python<'_>) -> PyResult<Option<Bound<'_, PyDict>>> {
    if gpu::PROVER != "cuda" {
        return Ok(None);
    }
    let gpu = py
        .allow_threads(gpu::check)
        .map_err(|err| to_py(zkvm::ZkvmError::GpuUnavailable(err.0)))?;
    let info = PyDict::new(py);
    info.set_item("name", &gpu.name)?;
    info.set_item("arch", &gpu.arch)?;
    info.set_item("driver_cuda", &gpu.driver_cuda)?;
    info.set_item("memory_bytes", gpu.memory_bytes)?;
    info.set_item("devices", gpu.devices)?;
    Ok(Some(info))
}

#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("GuestFailure", m.py().get_type::<GuestFailure>())?;
    m.add_function(wrap_pyfunction!(execute_native, m)?)?;
    m.add_function(wrap_pyfunction!(mpt_get, m)?)?;
    m.add_function(wrap_pyfunction!(build_info, m)?)?;
    m.add_function(wrap_pyfunction!(chain_table, m)?)?;
    m.add("ZkvmFailure", m.py().get_type::<ZkvmFailure>())?;
    m.add("ModeUnavailable", m.py().get_type::<ModeUnavailable>())?;
    m.add("ProvingFailed", m.py().get_type::<ProvingFailed>())?;
    m.add("ReceiptInvalid", m.py().get_type::<ReceiptInvalid>())?;
    m.add("GpuUnavailable", m.py().get_type::<GpuUnavailable>())?;
    // How a stored piece of a run tells a keccak batch from a segment (host/vlayer/cluster/segments.py).
    m.add("KECCAK_BATCH_TAG", PyBytes::new(m.py(), keccak::BATCH_TAG))?;
    m.add_function(wrap_pyfunction!(gpu_info, m)?)?;
    m.add_function(wrap_pyfunction!(zkvm_execute, m)?)?;
    m.add_function(wrap_pyfunction!(zkvm_execute_elf, m)?)?;
    m.add_function(wrap_pyfunction!(zkvm_prove, m)?)?;
    m.add_function(wrap_pyfunction!(zkvm_verify, m)?)?;
    m.add_function(wrap_pyfunction!(receipt_to_json, m)?)?;
    m.add_function(wrap_pyfunction!(image_id_of, m)?)?;
    m.add_function(wrap_pyfunction!(receipt_from_json, m)?)?;
    m.add_function(wrap_pyfunction!(segments_execute, m)?)?;
    m.add_function(wrap_pyfunction!(segments_prove, m)?)?;
    m.add_function(wrap_pyfunction!(segments_check, m)?)?;
    m.add_function(wrap_pyfunction!(segments_assemble, m)?)?;
    m.add_function(wrap_pyfunction!(guest_image_id, m)?)?;
    m.add_function(wrap_pyfunction!(receipt_compress, m)?)?;
    m.add_function(wrap_pyfunction!(groth16_input, m)?)?;
    m.add_function(wrap_pyfunction!(groth16_receipt, m)?)?;
    m.add("GROTH16_RZUP_FOLDER", shrink_wrap::RZUP_FOLDER)?;
    m.add_function(wrap_pyfunction!(groth16_gpu_files_missing, m)?)?;
    #[cfg(feature = "cuda")]
    m.add_function(wrap_pyfunction!(groth16_gpu_shrink_wrap, m)?)?;
    m.add_function(wrap_pyfunction!(verifier_parameters, m)?)?;
    m.add_function(wrap_pyfunction!(logs::logs_range, m)?)?;
    m.add_function(wrap_pyfunction!(logs::logs_needed, m)?)?;
    m.add_function(wrap_pyfunction!(logs::receipts_root, m)?)?;
    m.add_function(wrap_pyfunction!(logs::logs_answer, m)?)?;
    m.add_function(wrap_pyfunction!(logs::logs_constants, m)?)?;
    m.add_function(wrap_pyfunction!(precompiles::precompile_table, m)?)?;
    m.add_function(wrap_pyfunction!(precompiles::precompile_call, m)?)?;
    m.add_function(wrap_pyfunction!(precompiles::shielding_keypair, m)?)?;
    m.add_function(wrap_pyfunction!(precompiles::shielding_seal, m)?)?;
    m.add_function(wrap_pyfunction!(precompiles::shielding_open, m)?)?;
    Ok(())
}
