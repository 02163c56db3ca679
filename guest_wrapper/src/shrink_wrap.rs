//! Groth16's middle step on this machine's GPU (the CUDA build only): RISC Zero's CUDA Groth16 prover, fed from the
//! `risc0-groth16` files that RISC Zero's installer (`rzup install risc0-groth16`) leaves in
//! `$RISC0_HOME/extensions/v0.1.0-risc0-groth16/` (the circuit's witness graph, its proving key and the prover's
//! precomputed tables). No package registry carries those files, so this backend runs only where a user has them.
//!
//! It takes what every shrink-wrap backend takes (the `input.json` of step 1, receipts.rs) and leaves what they leave
//! (`proof.json` in the work folder), so its output is verified in step 3 like any other backend's.

/// The folder, under rzup's `extensions`, that holds the files (rzup 0.5's name for component `risc0-groth16`, version
/// 0.1.0, the one `risc0-groth16` 3.0.x's CUDA prover asks rzup for).
pub const RZUP_FOLDER: &str = "v0.1.0-risc0-groth16";

/// What the prover reads from that folder: the witness graph (circom-witnesscalc), then the proving key and the two
/// tables RISC Zero's CUDA prover precomputes from it (risc0-groth16-sys 0.1.0's `SetupParams`).
pub const FILES: [&str; 4] = [
    "stark_verify_graph.bin",
    "stark_verify_final.zkey",
    "preprocessed_coeffs.bin",
    "fuzzed_msm_results.bin",
];

/// The files of [`FILES`] that `folder` lacks.
pub fn missing_files(folder: &std::path::Path) -> Vec<&'static str> {
    FILES
        .into_iter()
        .filter(|name| !folder.join(name).is_file())
        .collect()
}

#[cfg(feature = "cuda")]
pub use cuda::prove;

#[cfg(feature = "cuda")]
mod cuda {
    use std::{io::Cursor, path::Path};

    use risc0_groth16_sys::{ProverParams, SetupParams};

    use super::{missing_files, FILES};
    use crate::{gpu, zkvm::ZkvmError};

    fn failed(what: &str) -> impl Fn(String) -> ZkvmError + '_ {
        move |err| ZkvmError::Prove(format!("Groth16 shrink-wrap on the GPU: {what}: {err}"))
    }

    /// `input.json` (the text of step 1) into `workdir/proof.json` (and `public.json`), with the files in `files`.
    pub fn prove(input_json: &str, files: &Path, workdir: &Path) -> Result<(), ZkvmError> {
        let missing = missing_files(files);
        if !missing.is_empty() {
            return Err(failed("risc0-groth16 files")(format!(
                "{} lacks {}",
                files.display(),
                missing.join(", ")
            )));
        }
        gpu::check().map_err(|err| ZkvmError::GpuUnavailable(err.0))?;
        let graph = std::fs::read(files.join(FILES[0]))
            .map_err(|err| failed("witness graph")(err.to_string()))?;
        let encoded = circom_witnesscalc::calc_witness(input_json, &graph)
            .map_err(|err| failed("witness")(err.to_string()))?;
        let witness = wtns_file::WtnsFile::<32>::read(Cursor::new(encoded))
            .map_err(|err| failed("witness")(err.to_string()))?
            .witness
            .0;
        let setup = SetupParams::new(files).map_err(|err| failed("setup")(format!("{err:#}")))?;
        // RISC Zero serialises every use of the GPU through this lock; proving and shrink-wrapping in one process
        // (the service, a worker) must not overlap on the device.
        let _gpu = risc0_zkp::hal::cuda::singleton().lock();
        // `witness` outlives the call that reads through this pointer.
        let params = ProverParams::new(workdir, witness.as_ptr().cast::<u8>())
            .map_err(|err| failed("work folder")(format!("{err:#}")))?;
        risc0_groth16_sys::prove(&params, &setup)
            .map_err(|err| failed("prover")(format!("{err:#}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_each_file_the_folder_lacks() {
        let dir = std::env::temp_dir().join(format!("vlayer-shrink-wrap-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        assert_eq!(missing_files(&dir), FILES.to_vec());
        std::fs::write(dir.join("stark_verify_final.zkey"), b"").unwrap();
        assert_eq!(
            missing_files(&dir),
            vec![
                "stark_verify_graph.bin",
                "preprocessed_coeffs.bin",
                "fuzzed_msm_results.bin"
            ]
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
