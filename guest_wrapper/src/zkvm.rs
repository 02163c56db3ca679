//! The zkVM half of guest_wrapper: the embedded guest ELF, its image ID, and execute / prove / verify on
//! RISC Zero's 3.1 host (the 3.x circuits) (its local CPU prover, or its CUDA prover in the `cuda` build, gpu.rs). Pure Rust
//! with typed errors; lib.rs maps them to Python.

use std::sync::OnceLock;
use std::time::Instant;

use risc0_binfmt::ProgramBinary;
use risc0_zkvm::{
    Digest, ExecutorEnv, ExecutorImpl, ExitCode, InnerReceipt, ProverServer, Receipt, Session,
    VerifierContext,
};

use crate::{keccak, segments};

/// The guest as bash/build-guest.sh built it (the user ELF, before the kernel is added).
pub static GUEST_ELF: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/vlayer-zkvm-guest.elf"));
/// sha256 of [`GUEST_ELF`], to tie a wheel to a build.
pub const GUEST_ELF_SHA256: &str = env!("VLAYER_GUEST_ELF_SHA256");

/// Segment size (log2 of cycles) for execution and proving. 2^20 is RISC Zero's default and the largest that the
/// CPU prover runs in well under 24 GiB (about 9 GiB peak per segment, measured by benches/zkvm.py).
pub const DEFAULT_SEGMENT_PO2: u32 = 20;

#[derive(Debug, thiserror::Error)]
pub enum ZkvmError {
    #[error("the guest ELF is unusable: {0}")]
    Elf(String),
    /// The guest stopped on purpose; the message is its exact refusal (docs/wire-format.md).
    #[error("{0}")]
    GuestRefused(String),
    #[error("zkVM execution failed: {0}")]
    Execute(String),
    #[error("guest exited with {0} instead of halting normally")]
    Exit(String),
    #[error("proof mode '{mode}' is not available on this build: {reason}")]
    ModeUnavailable { mode: String, reason: String },
    #[error("proving failed: {0}")]
    Prove(String),
    #[error("receipt does not verify: {0}")]
    Verify(String),
    #[error("receipt cannot be decoded: {0}")]
    Decode(String),
    /// The CUDA build cannot prove on this machine (no driver, driver too old, no GPU, GPU not compiled for).
    #[error("GPU prover unavailable: {0}")]
    GpuUnavailable(String),
    #[error(
        "RISC0_DEV_MODE is set; vlayer never fakes zkVM receipts (fake proofs are the explicit 'fake' proof mode)"
    )]
    DevModeEnv,
}

/// Receipt kinds the local prover is asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProveMode {
    /// One STARK per segment; verifiable anywhere, linear in the execution's length.
    Composite,
    /// One recursion STARK; needs the recursion circuit's programs.
    Succinct,
    /// A Groth16 wrap of the succinct receipt; needs the recursion programs and a Groth16 prover.
    Groth16,
}

impl ProveMode {
    pub fn parse(name: &str) -> Result<Self, ZkvmError> {
        match name {
            "composite" => Ok(Self::Composite),
            "succinct" => Ok(Self::Succinct),
            "groth16" => Ok(Self::Groth16),
            other => Err(ZkvmError::ModeUnavailable {
                mode: other.to_string(),
                reason: "known modes are composite, succinct and groth16 (fake proofs are made by the host)".into(),
            }),
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Self::Composite => "composite",
            Self::Succinct => "succinct",
            Self::Groth16 => "groth16",
        }
    }
}

/// A user ELF on top of RISC Zero's v1compat kernel, as risc0-build packages guests; the image ID is the ID of
/// that combination. The embedded guest and every variant or test guest are run this way.
pub(crate) fn program_of(user_elf: &[u8]) -> ProgramBinary<'_> {
    ProgramBinary::new(user_elf, risc0_zkos_v1compat::V1COMPAT_ELF)
}

/// The embedded guest as the executor loads it (user ELF and kernel), encoded once.
fn program() -> &'static [u8] {
    static PROGRAM: OnceLock<Vec<u8>> = OnceLock::new();
    PROGRAM.get_or_init(|| program_of(GUEST_ELF).encode())
}

/// The image ID of any user ELF on the v1compat kernel (what RISC Zero's tools compute for a guest).
pub fn image_id_of(user_elf: &[u8]) -> Result<Digest, ZkvmError> {
    program_of(user_elf)
        .compute_image_id()
        .map_err(|err| ZkvmError::Elf(format!("{err:#}")))
}

/// The image ID of the embedded guest, computed the way RISC Zero does.
pub fn image_id() -> Result<Digest, ZkvmError> {
    static ID: OnceLock<Result<Digest, String>> = OnceLock::new();
    ID.get_or_init(|| risc0_binfmt::compute_image_id(program()).map_err(|err| err.to_string()))
        .clone()
        .map_err(ZkvmError::Elf)
}

pub(crate) fn refuse_dev_mode_env() -> Result<(), ZkvmError> {
    let set = std::env::var("RISC0_DEV_MODE")
        .map(|v| matches!(v.to_lowercase().as_str(), "1" | "true" | "yes"))
        .unwrap_or(false);
    if set {
        return Err(ZkvmError::DevModeEnv);
    }
    Ok(())
}

/// The input as the guest's `main` reads it: the guest input (length-prefixed), then the shielding secret keys
/// (count-prefixed), a private input kept out of the guest input the host stores.
pub(crate) fn secrets_frame(secrets: &[[u8; 32]]) -> Result<Vec<u8>, ZkvmError> {
    let count = u32::try_from(secrets.len())
        .map_err(|_| ZkvmError::Execute("too many shielding keys".into()))?;
    let mut frame = count.to_le_bytes().to_vec();
    for secret in secrets {
        frame.extend_from_slice(secret);
    }
    Ok(frame)
}

fn executor_env(
    input: &[u8],
    segment_po2: u32,
    secrets: &[[u8; 32]],
    keccak: Option<keccak::Collect>,
) -> Result<ExecutorEnv<'static>, ZkvmError> {
    let len = u32::try_from(input.len())
        .map_err(|_| ZkvmError::Execute("input longer than 4 GiB".into()))?;
    let mut env = ExecutorEnv::builder();
    env.write_slice(&len.to_le_bytes())
        .write_slice(input)
        .write_slice(&secrets_frame(secrets)?)
        .segment_limit_po2(segment_po2);
    if let Some(batches) = keccak {
        env.coprocessor_callback(batches);
    }
    env.build()
        .map_err(|err| ZkvmError::Execute(format!("{err:#}")))
}

/// Maps executor failures: a guest refusal keeps its exact message.
pub(crate) fn execution_error(err: anyhow::Error) -> ZkvmError {
    for cause in err.chain() {
        if let Some(msg) = cause.to_string().strip_prefix("Guest panicked: ") {
            return ZkvmError::GuestRefused(msg.to_string());
        }
    }
    ZkvmError::Execute(format!("{err:#}"))
}

/// What one zkVM run measured.
#[derive(Debug, Clone)]
pub struct ExecuteReport {
    pub journal: Vec<u8>,
    pub total_cycles: u64,
    pub user_cycles: u64,
    pub paging_cycles: u64,
    pub reserved_cycles: u64,
    pub segments: usize,
    pub segment_po2: u32,
    pub seconds: f64,
}

fn run(
    input: &[u8],
    segment_po2: u32,
    secrets: &[[u8; 32]],
) -> Result<(Session, ExecuteReport), ZkvmError> {
    run_program(program(), input, segment_po2, secrets, None)
}

/// Runs `program`; with `keccak`, the keccak batches a guest asks to prove are collected there for the caller.
fn run_program(
    program: &[u8],
    input: &[u8],
    segment_po2: u32,
    secrets: &[[u8; 32]],
    keccak: Option<keccak::Collect>,
) -> Result<(Session, ExecuteReport), ZkvmError> {
    refuse_dev_mode_env()?;
    let env = executor_env(input, segment_po2, secrets, keccak)?;
    let start = Instant::now();
    let session = ExecutorImpl::from_elf(env, program)
        .map_err(|err| ZkvmError::Elf(format!("{err:#}")))?
        .run()
        .map_err(execution_error)?;
    let seconds = start.elapsed().as_secs_f64();
    if session.exit_code != ExitCode::Halted(0) {
        return Err(ZkvmError::Exit(format!("{:?}", session.exit_code)));
    }
    let journal = session
        .journal
        .as_ref()
        .map(|j| j.bytes.clone())
        .unwrap_or_default();
    let report = ExecuteReport {
        journal,
        total_cycles: session.total_cycles,
        user_cycles: session.user_cycles,
        paging_cycles: session.paging_cycles,
        reserved_cycles: session.reserved_cycles,
        segments: session.segments.len(),
        segment_po2,
        seconds,
    };
    Ok((session, report))
}

/// Execute the guest in the zkVM (no proof): journal, cycle counts, segments.
pub fn execute(
    input: &[u8],
    segment_po2: u32,
    secrets: &[[u8; 32]],
) -> Result<ExecuteReport, ZkvmError> {
    run(input, segment_po2, secrets).map(|(_, report)| report)
}

/// Execute another build of the guest, `user_elf` (on the same v1compat kernel), in the zkVM: the cycle figures of
/// guest variants that no build embeds (benches/zkvm_profile.py). Nothing proves or trusts its journal.
pub fn execute_elf(
    user_elf: &[u8],
    input: &[u8],
    segment_po2: u32,
    secrets: &[[u8; 32]],
) -> Result<ExecuteReport, ZkvmError> {
    let program = program_of(user_elf).encode();
    run_program(&program, input, segment_po2, secrets, None).map(|(_, report)| report)
}

/// A proved run: the receipt (bincode, RISC Zero's own serialisation) and what it took.
#[derive(Debug, Clone)]
pub struct ProveReport {
    pub execution: ExecuteReport,
    pub receipt: Vec<u8>,
    pub mode: ProveMode,
    pub prove_seconds: f64,
    /// For Groth16 receipts, the seal an on-chain RISC Zero verifier takes.
    pub onchain_seal: Option<Vec<u8>>,
}

/// Why succinct and Groth16 cannot run on this build (see docs/proof-modes.md).
pub fn recursion_unavailable() -> Option<String> {
    static REASON: OnceLock<Option<String>> = OnceLock::new();
    REASON.get_or_init(recursion_check).clone()
}

fn recursion_check() -> Option<String> {
    // The programs come from the risc0-circuit-recursion-*zkrs crates, compiled in; a build without them (or with
    // an empty set) cannot lift, join or wrap anything.
    match risc0_circuit_recursion::prove::zkr::get_all_zkrs() {
        Ok(programs) if !programs.is_empty() => None,
        Ok(_) => Some("this build carries no recursion programs".into()),
        Err(err) => Some(format!(
            "the recursion programs of this build cannot be read ({err:#})"
        )),
    }
}

/// Prove the guest on the local prover (CPU, or GPU in the CUDA build). The receipt is verified against the image
/// ID before it is returned.
pub fn prove(
    input: &[u8],
    mode: ProveMode,
    segment_po2: u32,
    secrets: &[[u8; 32]],
) -> Result<ProveReport, ZkvmError> {
    prove_program(program(), image_id()?, input, mode, segment_po2, secrets)
}

/// Prove another build of the guest, `user_elf` (benches/zkvm_profile.py's variants), on the local prover; the
/// receipt is verified against that build's own image ID before it is returned.
pub fn prove_elf(
    user_elf: &[u8],
    input: &[u8],
    mode: ProveMode,
    segment_po2: u32,
    secrets: &[[u8; 32]],
) -> Result<ProveReport, ZkvmError> {
    let program = program_of(user_elf).encode();
    prove_program(
        &program,
        image_id_of(user_elf)?,
        input,
        mode,
        segment_po2,
        secrets,
    )
}

fn prove_program(
    program: &[u8],
    image_id: Digest,
    input: &[u8],
    mode: ProveMode,
    segment_po2: u32,
    secrets: &[[u8; 32]],
) -> Result<ProveReport, ZkvmError> {
    if mode == ProveMode::Groth16 {
        // The shrink-wrap needs RISC Zero's Groth16 prover, which no registry carries: the host proves succinct
        // here and hands the rest to a shrink-wrap backend (vlayer.receipts, receipts.rs).
        return Err(ZkvmError::ModeUnavailable {
            mode: mode.name().into(),
            reason: "prove 'succinct', then shrink-wrap it through a Groth16 backend (docs/proof-modes.md)".into(),
        });
    }
    if mode != ProveMode::Composite {
        if let Some(reason) = recursion_unavailable() {
            return Err(ZkvmError::ModeUnavailable {
                mode: mode.name().into(),
                reason,
            });
        }
    }
    // Before executing: RISC Zero's CUDA prover has no CPU fall-back and would end the process without a driver.
    #[cfg(feature = "cuda")]
    crate::gpu::check().map_err(|err| ZkvmError::GpuUnavailable(err.0))?;
    let batches = keccak::Collect::default();
    let (session, execution) =
        run_program(program, input, segment_po2, secrets, Some(batches.clone()))?;
    let prover = segments::prover()?;
    let start = Instant::now();
    let composite = prove_pieces(
        prover.as_ref(),
        &session,
        batches.take(),
        &execution.journal,
    )?;
    let receipt = match mode {
        ProveMode::Composite => InnerReceipt::Composite(composite),
        _ => InnerReceipt::Succinct(
            prover
                .composite_to_succinct(&composite)
                .map_err(|err| ZkvmError::Prove(format!("{err:#}")))?,
        ),
    };
    let receipt = Receipt::new(receipt, execution.journal.clone());
    let prove_seconds = start.elapsed().as_secs_f64();
    receipt
        .verify(image_id)
        .map_err(|err| ZkvmError::Prove(format!("the fresh receipt does not verify: {err}")))?;
    let onchain_seal = onchain_seal(&receipt);
    let receipt = encode_receipt(&receipt)?;
    Ok(ProveReport {
        execution,
        receipt,
        mode,
        prove_seconds,
        onchain_seal,
    })
}

/// What RISC Zero's `prove_session` does, with the keccak batches sized to what they hold (keccak.rs) and joined
/// the way segments.rs joins those proved apart: every segment, every batch, then the composite receipt.
fn prove_pieces(
    prover: &dyn ProverServer,
    session: &Session,
    batches: Vec<risc0_zkvm::ProveKeccakRequest>,
    journal: &[u8],
) -> Result<risc0_zkvm::CompositeReceipt, ZkvmError> {
    let prove_error = |err: anyhow::Error| ZkvmError::Prove(format!("{err:#}"));
    let ctx = VerifierContext::default();
    let mut receipts = Vec::with_capacity(session.segments.len());
    for segment in &session.segments {
        let segment = segment.resolve().map_err(prove_error)?;
        receipts.push(prover.prove_segment(&ctx, &segment).map_err(prove_error)?);
    }
    let first = u32::try_from(receipts.len())
        .map_err(|_| ZkvmError::Prove("more than 2^32 segments".into()))?;
    let mut proved = Vec::with_capacity(batches.len());
    for (index, request) in (first..).zip(batches) {
        proved.push(keccak::Batch::new(index, request).prove(prover)?);
    }
    let root = keccak::root(prover, proved)?;
    segments::compose(receipts, root, journal)
}

/// RISC Zero's on-chain seal: the first four bytes of the verifier parameters digest select the verifier, then the
/// Groth16 proof. Only Groth16 receipts have one.
pub fn onchain_seal(receipt: &Receipt) -> Option<Vec<u8>> {
    match &receipt.inner {
        InnerReceipt::Groth16(inner) => {
            let mut seal = inner.verifier_parameters.as_bytes()[..4].to_vec();
            seal.extend_from_slice(&inner.seal);
            Some(seal)
        }
        _ => None,
    }
}

pub fn encode_receipt(receipt: &Receipt) -> Result<Vec<u8>, ZkvmError> {
    bincode::serialize(receipt).map_err(|err| ZkvmError::Decode(err.to_string()))
}

pub fn decode_receipt(bytes: &[u8]) -> Result<Receipt, ZkvmError> {
    bincode::deserialize(bytes).map_err(|err| ZkvmError::Decode(err.to_string()))
}

/// The receipt as JSON (RISC Zero's serde layout), for people and tools that read it.
pub fn receipt_to_json(bytes: &[u8]) -> Result<String, ZkvmError> {
    serde_json::to_string(&decode_receipt(bytes)?).map_err(|err| ZkvmError::Decode(err.to_string()))
}

pub fn receipt_from_json(json: &str) -> Result<Vec<u8>, ZkvmError> {
    let receipt: Receipt =
        serde_json::from_str(json).map_err(|err| ZkvmError::Decode(err.to_string()))?;
    encode_receipt(&receipt)
}

/// What a verified receipt says.
#[derive(Debug, Clone)]
pub struct Verified {
    pub journal: Vec<u8>,
    pub kind: &'static str,
    /// The on-chain seal of a Groth16 receipt.
    pub onchain_seal: Option<Vec<u8>>,
}

/// Verify a receipt against an image ID; returns its journal. Fake receipts never verify here.
pub fn verify(bytes: &[u8], image_id: [u8; 32]) -> Result<Verified, ZkvmError> {
    refuse_dev_mode_env()?;
    let receipt = decode_receipt(bytes)?;
    let kind = match &receipt.inner {
        InnerReceipt::Composite(_) => "composite",
        InnerReceipt::Succinct(_) => "succinct",
        InnerReceipt::Groth16(_) => "groth16",
        InnerReceipt::Fake(_) => "fake",
        _ => "unknown",
    };
    receipt
        .verify(Digest::from(image_id))
        .map_err(|err| ZkvmError::Verify(err.to_string()))?;
    let onchain_seal = onchain_seal(&receipt);
    Ok(Verified {
        journal: receipt.journal.bytes,
        kind,
        onchain_seal,
    })
}
