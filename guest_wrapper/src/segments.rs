//! One run proved in pieces (host/vlayer/cluster): execute into segments, prove each segment anywhere, check every
//! segment receipt against the segment it claims to prove, and assemble a composite receipt that is verified before
//! it is returned — the same `Receipt` (bincode) that `zkvm::prove` makes in one process, so `vlayer verify` and the
//! contracts do not change.
//!
//! A composite receipt is a list of segment STARKs chained by their claims, with no recursion: RISC Zero 3.0's
//! `CompositeReceipt` is `#[non_exhaustive]` without a constructor, so it is built through serde from its public
//! fields (pinned by `composite_receipt_fields_are_pinned` below).

use std::time::Instant;

use risc0_binfmt::Digestible;
use risc0_zkvm::sha::{self, Sha256};
use risc0_zkvm::{
    get_prover_server, Assumptions, CompositeReceipt, CoprocessorCallback, Digest, ExecutorEnv,
    ExecutorImpl, ExitCode, InnerReceipt, MaybePruned, NullSegmentRef, Output, ProveKeccakRequest,
    ProverOpts, Receipt, Segment, SegmentReceipt, SystemState, VerifierContext,
};
use serde::Deserialize;

use crate::zkvm::{self, ZkvmError};

/// The small guest of the segment-proving tests (guest/zkvm/src/bin/vlayer-segments-test.rs).
pub static SEGMENTS_TEST_ELF: &[u8] =
    include_bytes!(concat!(env!("OUT_DIR"), "/vlayer-segments-test.elf"));

/// Which embedded guest a segmented run executes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Guest {
    Vlayer,
    SegmentsTest,
}

impl Guest {
    pub fn parse(name: &str) -> Result<Self, ZkvmError> {
        match name {
            "vlayer" => Ok(Self::Vlayer),
            "segments-test" => Ok(Self::SegmentsTest),
            other => Err(ZkvmError::Elf(format!(
                "no embedded guest named '{other}' (known: vlayer, segments-test)"
            ))),
        }
    }

    fn user_elf(self) -> &'static [u8] {
        match self {
            Self::Vlayer => zkvm::GUEST_ELF,
            Self::SegmentsTest => SEGMENTS_TEST_ELF,
        }
    }

    fn program(self) -> Vec<u8> {
        zkvm::program_of(self.user_elf()).encode()
    }

    pub fn image_id(self) -> Result<Digest, ZkvmError> {
        zkvm::image_id_of(self.user_elf())
    }
}

/// The keccak accelerator's proofs are assumptions a composite receipt cannot resolve here (they need the
/// recursion programs), so a guest that asks for one stops the execution instead of yielding a receipt that does
/// not verify. Neither embedded guest uses it (the vlayer guest hashes in software).
struct RefuseKeccak;

impl CoprocessorCallback for RefuseKeccak {
    fn prove_keccak(&mut self, _request: ProveKeccakRequest) -> anyhow::Result<()> {
        anyhow::bail!(
            "the guest asked for the keccak accelerator, which segment proving refuses: its proofs are \
             assumptions that only the recursion circuit resolves"
        )
    }
}

/// One segment of a run: what a prover needs (the bincode of RISC Zero's `Segment`) and what a scheduler shows.
#[derive(Debug, Clone)]
pub struct SegmentData {
    pub index: u32,
    pub po2: u32,
    /// Cycles the guest ran in this segment (the rest of the 2^po2 rows are paging and padding).
    pub user_cycles: u32,
    pub bytes: Vec<u8>,
}

/// A run executed into segments.
#[derive(Debug, Clone)]
pub struct SegmentedRun {
    pub journal: Vec<u8>,
    pub image_id: Digest,
    /// Digest of the run's whole claim (image, exit, journal): a restarted coordinator compares it before reusing
    /// segment receipts saved for the same job.
    pub claim_digest: Digest,
    pub total_cycles: u64,
    pub user_cycles: u64,
    pub paging_cycles: u64,
    pub reserved_cycles: u64,
    pub segments: Vec<SegmentData>,
    pub seconds: f64,
}

/// The part of RISC Zero's `Segment` a coordinator checks a segment receipt against. `Segment` keeps these fields
/// crate-private; its serde layout is public (bincode, field order), and `segment_view_reads_real_segments` pins
/// that this mirror reads it.
#[derive(Deserialize)]
struct SegmentView {
    index: u32,
    inner: risc0_circuit_rv32im::execute::Segment,
    output: Option<Output>,
}

fn view(bytes: &[u8]) -> Result<SegmentView, ZkvmError> {
    bincode::deserialize(bytes).map_err(|err| ZkvmError::Decode(format!("segment: {err}")))
}

/// Execute a guest into segments of 2^po2 cycles (journal, claim digest, and every segment's bytes).
pub fn execute_segments(
    guest: Guest,
    input: &[u8],
    segment_po2: u32,
) -> Result<SegmentedRun, ZkvmError> {
    let len = u32::try_from(input.len())
        .map_err(|_| ZkvmError::Execute("input longer than 4 GiB".into()))?;
    // No shielding keys: segments hold the guest's memory and are stored or sent to other machines, so shielded
    // calls are never proved this way (the host refuses them).
    let env = ExecutorEnv::builder()
        .write_slice(&len.to_le_bytes())
        .write_slice(input)
        .write_slice(&crate::zkvm::secrets_frame(&[])?)
        .segment_limit_po2(segment_po2)
        .coprocessor_callback(RefuseKeccak)
        .build()
        .map_err(|err| ZkvmError::Execute(format!("{err:#}")))?;
    let program = guest.program();
    let start = Instant::now();
    let mut segments = Vec::new();
    let mut encode_error = None;
    let session = ExecutorImpl::from_elf(env, &program)
        .map_err(|err| ZkvmError::Elf(format!("{err:#}")))?
        .run_with_callback(|segment: Segment| {
            match bincode::serialize(&segment) {
                Ok(bytes) => segments.push(bytes),
                Err(err) => encode_error = Some(err.to_string()),
            }
            Ok(Box::new(NullSegmentRef))
        })
        .map_err(zkvm::execution_error)?;
    if let Some(err) = encode_error {
        return Err(ZkvmError::Decode(format!("segment: {err}")));
    }
    let seconds = start.elapsed().as_secs_f64();
    if session.exit_code != ExitCode::Halted(0) {
        return Err(ZkvmError::Exit(format!("{:?}", session.exit_code)));
    }
    let claim_digest = session
        .claim()
        .map_err(|err| ZkvmError::Execute(format!("{err:#}")))?
        .digest::<sha::Impl>();
    let journal = session
        .journal
        .as_ref()
        .map(|j| j.bytes.clone())
        .unwrap_or_default();
    let segments = segments
        .into_iter()
        .map(|bytes| {
            let v = view(&bytes)?;
            Ok(SegmentData {
                index: v.index,
                po2: v.inner.po2,
                user_cycles: v.inner.suspend_cycle,
                bytes,
            })
        })
        .collect::<Result<Vec<_>, ZkvmError>>()?;
    Ok(SegmentedRun {
        journal,
        image_id: guest.image_id()?,
        claim_digest,
        total_cycles: session.total_cycles,
        user_cycles: session.user_cycles,
        paging_cycles: session.paging_cycles,
        reserved_cycles: session.reserved_cycles,
        segments,
        seconds,
    })
}

/// A segment proved: RISC Zero's `SegmentReceipt` (bincode), checked against the segment before it is returned.
#[derive(Debug, Clone)]
pub struct ProvedSegment {
    pub index: u32,
    pub po2: u32,
    pub receipt: Vec<u8>,
    pub seconds: f64,
}

/// Prove one segment on this machine's prover (CPU, or GPU in the CUDA build).
pub fn prove_segment(segment: &[u8]) -> Result<ProvedSegment, ZkvmError> {
    zkvm::refuse_dev_mode_env()?;
    #[cfg(feature = "cuda")]
    crate::gpu::check().map_err(|err| ZkvmError::GpuUnavailable(err.0))?;
    let decoded: Segment = bincode::deserialize(segment)
        .map_err(|err| ZkvmError::Decode(format!("segment: {err}")))?;
    let opts = ProverOpts::composite().with_dev_mode(false);
    let prover = get_prover_server(&opts).map_err(|err| ZkvmError::Prove(format!("{err:#}")))?;
    let start = Instant::now();
    let receipt = prover
        .prove_segment(&VerifierContext::default(), &decoded)
        .map_err(|err| ZkvmError::Prove(format!("{err:#}")))?;
    let seconds = start.elapsed().as_secs_f64();
    let bytes =
        bincode::serialize(&receipt).map_err(|err| ZkvmError::Decode(format!("receipt: {err}")))?;
    // RISC Zero users report rare GPU segment proofs that fail their own check: one is refused here, where the
    // caller can prove it again, rather than when the whole receipt is assembled.
    let checked = check_segment_receipt(segment, &bytes)
        .map_err(|err| ZkvmError::Prove(format!("the fresh segment receipt is refused: {err}")))?;
    Ok(ProvedSegment {
        index: checked.index,
        po2: checked.po2,
        receipt: bytes,
        seconds,
    })
}

/// What a checked segment receipt proves.
#[derive(Debug, Clone, Copy)]
pub struct CheckedSegment {
    pub index: u32,
    pub po2: u32,
}

fn state_digest(merkle_root: Digest) -> Digest {
    SystemState { pc: 0, merkle_root }.digest::<sha::Impl>()
}

/// Check that a segment receipt proves exactly this segment: its seal verifies against RISC Zero's parameters, and
/// its claim (index, pre-state, post-state, exit, input, output) is the one the segment was executed to. A worker
/// is never trusted: a receipt of another segment, job or guest, or one with any field changed, is refused.
pub fn check_segment_receipt(segment: &[u8], receipt: &[u8]) -> Result<CheckedSegment, ZkvmError> {
    let expected = view(segment)?;
    let receipt: SegmentReceipt = bincode::deserialize(receipt)
        .map_err(|err| ZkvmError::Decode(format!("segment receipt: {err}")))?;
    let refuse = |what: &str| {
        Err(ZkvmError::Verify(format!(
            "segment receipt {} does not prove segment {}: {what}",
            receipt.index, expected.index
        )))
    };
    if receipt.index != expected.index {
        return refuse("its index differs");
    }
    let claim = &receipt.claim;
    let want = &expected.inner.claim;
    if claim.pre.digest::<sha::Impl>() != state_digest(want.pre_state) {
        return refuse("its pre-state differs (another guest, job or segment)");
    }
    let last = expected.output.is_some();
    let (exit, post) = if last {
        (ExitCode::Halted(0), Digest::ZERO)
    } else {
        (ExitCode::SystemSplit, want.post_state)
    };
    if claim.exit_code != exit {
        return refuse(&format!(
            "it exits with {:?}, not {exit:?}",
            claim.exit_code
        ));
    }
    if claim.post.digest::<sha::Impl>() != state_digest(post) {
        return refuse("its post-state differs");
    }
    if claim.input.digest::<sha::Impl>() != want.input {
        return refuse("its input differs");
    }
    let output = MaybePruned::Value(expected.output.clone()).digest::<sha::Impl>();
    if claim.output.digest::<sha::Impl>() != output {
        return refuse("its output (journal) differs");
    }
    receipt
        .verify_integrity_with_context(&VerifierContext::default())
        .map_err(|err| {
            ZkvmError::Verify(format!(
                "segment receipt {}: the seal does not verify: {err}",
                receipt.index
            ))
        })?;
    Ok(CheckedSegment {
        index: receipt.index,
        po2: expected.inner.po2,
    })
}

/// Assemble segment receipts (in any order, one per segment) into a composite `Receipt` (bincode) for this journal,
/// verified against the guest's image ID before it is returned.
pub fn assemble(guest: Guest, receipts: &[Vec<u8>], journal: &[u8]) -> Result<Vec<u8>, ZkvmError> {
    let mut segments = receipts
        .iter()
        .map(|bytes| {
            bincode::deserialize::<SegmentReceipt>(bytes)
                .map_err(|err| ZkvmError::Decode(format!("segment receipt: {err}")))
        })
        .collect::<Result<Vec<_>, _>>()?;
    segments.sort_by_key(|segment| segment.index);
    for (position, segment) in segments.iter().enumerate() {
        if segment.index as usize != position {
            return Err(ZkvmError::Verify(format!(
                "segment receipts are not segments 0..{} (found index {} at position {position})",
                segments.len(),
                segment.index
            )));
        }
    }
    let last = segments
        .last_mut()
        .ok_or_else(|| ZkvmError::Verify("no segment receipts to assemble".into()))?;
    if last.claim.exit_code != ExitCode::Halted(0) {
        return Err(ZkvmError::Verify(format!(
            "segment receipts 0..{} end before the guest halts: the segments after {} are missing",
            last.index + 1,
            last.index
        )));
    }
    // What the prover's `prove_session` does: the last segment's seal commits to the output's digest only; the
    // receipt carries the output with the journal's digest, so that Receipt::verify can bind the journal.
    let output = Output {
        journal: MaybePruned::Pruned(*sha::Impl::hash_bytes(journal)),
        assumptions: MaybePruned::Value(Assumptions(Vec::new())),
    };
    let full = MaybePruned::Value(Some(output));
    if full.digest::<sha::Impl>() != last.claim.output.digest::<sha::Impl>() {
        return Err(ZkvmError::Verify(
            "the last segment's output does not commit to this journal".into(),
        ));
    }
    last.claim.output = full;
    let parameters = VerifierContext::default()
        .composite_verifier_parameters()
        .ok_or_else(|| ZkvmError::Verify("no composite verifier parameters".into()))?
        .digest::<sha::Impl>();
    let composite = composite_receipt(segments, parameters)?;
    let receipt = Receipt::new(InnerReceipt::Composite(composite), journal.to_vec());
    receipt.verify(guest.image_id()?).map_err(|err| {
        ZkvmError::Verify(format!("the assembled receipt does not verify: {err}"))
    })?;
    zkvm::encode_receipt(&receipt)
}

fn composite_receipt(
    segments: Vec<SegmentReceipt>,
    verifier_parameters: Digest,
) -> Result<CompositeReceipt, ZkvmError> {
    let value = serde_json::json!({
        "segments": segments,
        "assumption_receipts": [],
        "verifier_parameters": verifier_parameters,
    });
    serde_json::from_value(value)
        .map_err(|err| ZkvmError::Decode(format!("composite receipt: {err}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rounds(n: u32) -> Vec<u8> {
        n.to_le_bytes().to_vec()
    }

    #[test]
    fn composite_receipt_fields_are_pinned() {
        // If RISC Zero adds a field, serde refuses the object built from the three public ones and this fails.
        let receipt = composite_receipt(Vec::new(), Digest::ZERO).expect("three fields build it");
        let json = serde_json::to_value(&receipt).expect("serialises");
        let keys: Vec<&str> = json
            .as_object()
            .expect("an object")
            .keys()
            .map(String::as_str)
            .collect();
        assert_eq!(
            keys,
            ["assumption_receipts", "segments", "verifier_parameters"]
        );
    }

    #[test]
    fn segment_view_reads_real_segments() {
        // 2^14 keeps the small-instruction budget; at 2^15 RISC Zero reserves room for its largest instructions,
        // which leaves a few thousand user cycles per segment.
        let run = execute_segments(Guest::SegmentsTest, &rounds(1_500), 14).expect("executes");
        assert!(run.segments.len() >= 3, "{} segments", run.segments.len());
        for (i, segment) in run.segments.iter().enumerate() {
            let v = view(&segment.bytes).expect("decodes");
            assert_eq!(v.index as usize, i);
            assert_eq!(v.inner.po2, 14);
            assert_eq!(v.output.is_some(), i + 1 == run.segments.len());
        }
        assert_eq!(&run.journal[..4], &rounds(1_500)[..]);
    }

    #[test]
    fn refusals_keep_their_message() {
        let err = execute_segments(Guest::SegmentsTest, &rounds(0), 14).unwrap_err();
        assert_eq!(err.to_string(), "segments-test needs at least one round");
        assert!(Guest::parse("other").is_err());
    }
}
