//! One run proved in pieces (host/vlayer/cluster): execute into segments, prove each segment anywhere, check every
//! segment receipt against the segment it claims to prove, and assemble a composite receipt that is verified before
//! it is returned — the same `Receipt` (bincode) that `zkvm::prove` makes in one process, so `vlayer verify` and the
//! contracts do not change.
//!
//! A composite receipt is a list of segment STARKs chained by their claims, plus, for a guest that used RISC Zero's
//! keccak accelerator, one succinct receipt for its keccak batches (keccak.rs), which are proved like segments.
//! RISC Zero 3.1's `CompositeReceipt` is `#[non_exhaustive]` without a constructor, so it is built through serde
//! from its public fields (pinned by `composite_receipt_fields_are_pinned` below).

use std::time::Instant;

use risc0_binfmt::Digestible;
use risc0_zkvm::sha::{self, Sha256};
use risc0_zkvm::{
    get_prover_server, Assumption, Assumptions, CompositeReceipt, Digest, ExecutorEnv,
    ExecutorImpl, ExitCode, InnerAssumptionReceipt, InnerReceipt, MaybePruned, NullSegmentRef,
    Output, ProverOpts, ProverServer, Receipt, Segment, SegmentReceipt, SuccinctReceipt,
    SystemState, Unknown, VerifierContext,
};
use serde::Deserialize;

use crate::keccak::{self, Batch, BatchReceipt};
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

/// What a piece of a run is proved by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// An rv32im segment: RISC Zero's `Segment` (bincode).
    Rv32im,
    /// A batch of the keccak accelerator's permutations (keccak.rs); after the segments, one per batch.
    Keccak,
}

impl Kind {
    pub fn of(bytes: &[u8]) -> Self {
        if bytes.starts_with(keccak::BATCH_TAG) {
            Self::Keccak
        } else {
            Self::Rv32im
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Self::Rv32im => "rv32im",
            Self::Keccak => "keccak",
        }
    }
}

/// One piece of a run: what a prover needs and what a scheduler shows. The run's rv32im segments come first, in
/// order, then its keccak batches.
#[derive(Debug, Clone)]
pub struct SegmentData {
    pub index: u32,
    pub kind: Kind,
    /// log2 of the rows its proof has.
    pub po2: u32,
    /// Cycles the guest ran in this segment (the rest of the 2^po2 rows are paging and padding); for a keccak
    /// batch, its permutations.
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

/// Execute a guest into segments of 2^po2 cycles (journal, claim digest, and every segment's bytes), followed by
/// the keccak batches of a guest that uses RISC Zero's accelerator.
pub fn execute_segments(
    guest: Guest,
    input: &[u8],
    segment_po2: u32,
) -> Result<SegmentedRun, ZkvmError> {
    let len = u32::try_from(input.len())
        .map_err(|_| ZkvmError::Execute("input longer than 4 GiB".into()))?;
    // No shielding keys: segments hold the guest's memory and are stored or sent to other machines, so shielded
    // calls are never proved this way (the host refuses them).
    let batches = keccak::Collect::default();
    let env = ExecutorEnv::builder()
        .write_slice(&len.to_le_bytes())
        .write_slice(input)
        .write_slice(&crate::zkvm::secrets_frame(&[])?)
        .segment_limit_po2(segment_po2)
        .coprocessor_callback(batches.clone())
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
    let mut segments = segments
        .into_iter()
        .map(|bytes| {
            let v = view(&bytes)?;
            Ok(SegmentData {
                index: v.index,
                kind: Kind::Rv32im,
                po2: v.inner.po2,
                user_cycles: v.inner.suspend_cycle,
                bytes,
            })
        })
        .collect::<Result<Vec<_>, ZkvmError>>()?;
    for request in batches.take() {
        let index = u32::try_from(segments.len())
            .map_err(|_| ZkvmError::Execute("more than 2^32 segments".into()))?;
        let batch = Batch::new(index, request);
        segments.push(SegmentData {
            index,
            kind: Kind::Keccak,
            po2: batch.po2(),
            user_cycles: batch.permutations(),
            bytes: batch.encode()?,
        });
    }
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

pub(crate) fn prover() -> Result<std::rc::Rc<dyn ProverServer>, ZkvmError> {
    let opts = ProverOpts::composite().with_dev_mode(false);
    get_prover_server(&opts).map_err(|err| ZkvmError::Prove(format!("{err:#}")))
}

/// Prove one piece of a run (a segment or a keccak batch) on this machine's prover (CPU, or GPU in the CUDA
/// build); the receipt is checked against the piece before it is returned.
pub fn prove_segment(segment: &[u8]) -> Result<ProvedSegment, ZkvmError> {
    zkvm::refuse_dev_mode_env()?;
    #[cfg(feature = "cuda")]
    crate::gpu::check().map_err(|err| ZkvmError::GpuUnavailable(err.0))?;
    let prover = prover()?;
    let start = Instant::now();
    if Kind::of(segment) == Kind::Keccak {
        let batch = Batch::decode(segment)?;
        let receipt = batch.prove(prover.as_ref())?.encode()?;
        return Ok(ProvedSegment {
            index: batch.index,
            po2: batch.po2(),
            receipt,
            seconds: start.elapsed().as_secs_f64(),
        });
    }
    let decoded: Segment = bincode::deserialize(segment)
        .map_err(|err| ZkvmError::Decode(format!("segment: {err}")))?;
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
/// is never trusted: a receipt of another segment, job or guest, or one with any field changed, is refused. A
/// keccak batch's receipt is checked the same way (keccak.rs).
pub fn check_segment_receipt(segment: &[u8], receipt: &[u8]) -> Result<CheckedSegment, ZkvmError> {
    let segment_kind = Kind::of(segment);
    let receipt_kind = if receipt.starts_with(keccak::RECEIPT_TAG) {
        Kind::Keccak
    } else {
        Kind::Rv32im
    };
    if segment_kind != receipt_kind {
        return Err(ZkvmError::Verify(format!(
            "a receipt of {} work does not prove {} work",
            receipt_kind.name(),
            segment_kind.name()
        )));
    }
    if segment_kind == Kind::Keccak {
        let batch = Batch::decode(segment)?;
        batch.check(&BatchReceipt::decode(receipt)?)?;
        return Ok(CheckedSegment {
            index: batch.index,
            po2: batch.po2(),
        });
    }
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

/// Assemble the receipts of a run's pieces (in any order, one per piece: its segments, then its keccak batches)
/// into a composite `Receipt` (bincode) for this journal, verified against the guest's image ID before it is
/// returned. Keccak batches are joined into their one assumption here (`union`, on this machine).
pub fn assemble(guest: Guest, receipts: &[Vec<u8>], journal: &[u8]) -> Result<Vec<u8>, ZkvmError> {
    let mut segments = Vec::new();
    let mut batches = Vec::new();
    for bytes in receipts {
        if bytes.starts_with(keccak::RECEIPT_TAG) {
            batches.push(BatchReceipt::decode(bytes)?);
        } else {
            segments.push(
                bincode::deserialize::<SegmentReceipt>(bytes)
                    .map_err(|err| ZkvmError::Decode(format!("segment receipt: {err}")))?,
            );
        }
    }
    segments.sort_by_key(|segment| segment.index);
    batches.sort_by_key(|batch| batch.index);
    for (position, segment) in segments.iter().enumerate() {
        if segment.index as usize != position {
            return Err(ZkvmError::Verify(format!(
                "segment receipts are not segments 0..{} (found index {} at position {position})",
                segments.len(),
                segment.index
            )));
        }
    }
    for (position, batch) in batches.iter().enumerate() {
        let want = segments.len() + position;
        if batch.index as usize != want {
            return Err(ZkvmError::Verify(format!(
                "keccak receipts are not the pieces after segment {} (found index {} where {want} belongs)",
                segments.len().saturating_sub(1),
                batch.index
            )));
        }
    }
    let root = if batches.is_empty() {
        None
    } else {
        keccak::root(prover()?.as_ref(), batches)?
    };
    let composite = compose(segments, root, journal)?;
    let receipt = Receipt::new(InnerReceipt::Composite(composite), journal.to_vec());
    receipt.verify(guest.image_id()?).map_err(|err| {
        ZkvmError::Verify(format!("the assembled receipt does not verify: {err}"))
    })?;
    zkvm::encode_receipt(&receipt)
}

/// A run's composite receipt from its segment receipts (in order, the last one halting) and, for a guest that
/// used the keccak accelerator, the union of its batches: what RISC Zero's `prove_session` builds, for the
/// segments proved apart here and for the local prover (zkvm.rs), which proves keccak batches itself.
pub(crate) fn compose(
    mut segments: Vec<SegmentReceipt>,
    keccak_root: Option<(Assumption, SuccinctReceipt<Unknown>)>,
    journal: &[u8],
) -> Result<CompositeReceipt, ZkvmError> {
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
    let (assumptions, assumption_receipts) = match keccak_root {
        Some((assumption, receipt)) => (
            vec![assumption],
            vec![InnerAssumptionReceipt::Succinct(receipt)],
        ),
        None => (Vec::new(), Vec::new()),
    };
    // What the prover's `prove_session` does: the last segment's seal commits to the output's digest only; the
    // receipt carries the output with the journal's digest and the assumptions, so that Receipt::verify can bind
    // the journal and match each assumption to its receipt.
    let output = Output {
        journal: MaybePruned::Pruned(*sha::Impl::hash_bytes(journal)),
        assumptions: MaybePruned::Value(Assumptions(
            assumptions.into_iter().map(MaybePruned::Value).collect(),
        )),
    };
    let full = MaybePruned::Value(Some(output));
    if full.digest::<sha::Impl>() != last.claim.output.digest::<sha::Impl>() {
        let what = if assumption_receipts.is_empty() {
            "this journal"
        } else {
            "this journal and these keccak batches"
        };
        return Err(ZkvmError::Verify(format!(
            "the last segment's output does not commit to {what}"
        )));
    }
    last.claim.output = full;
    let parameters = VerifierContext::default()
        .composite_verifier_parameters()
        .ok_or_else(|| ZkvmError::Verify("no composite verifier parameters".into()))?
        .digest::<sha::Impl>();
    composite_receipt(segments, assumption_receipts, parameters)
}

fn composite_receipt(
    segments: Vec<SegmentReceipt>,
    assumption_receipts: Vec<InnerAssumptionReceipt>,
    verifier_parameters: Digest,
) -> Result<CompositeReceipt, ZkvmError> {
    let value = serde_json::json!({
        "segments": segments,
        "assumption_receipts": assumption_receipts,
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
        let receipt =
            composite_receipt(Vec::new(), Vec::new(), Digest::ZERO).expect("three fields build it");
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
    fn keccak_batches_follow_the_segments() {
        // 10 blocks of 136 bytes: 11 permutations (the padding takes one more), a batch of 2^14 rows.
        let mut input = rounds(1_500);
        input.extend_from_slice(&10u32.to_le_bytes());
        let run = execute_segments(Guest::SegmentsTest, &input, 14).expect("executes");
        let (last, rv32im) = run.segments.split_last().expect("pieces");
        assert!(rv32im.iter().all(|s| s.kind == Kind::Rv32im));
        assert_eq!(
            (last.kind, last.po2, last.user_cycles),
            (Kind::Keccak, 14, 11)
        );
        assert_eq!(last.index as usize, rv32im.len());
        assert_eq!(Kind::of(&last.bytes), Kind::Keccak);
        // A receipt of one kind is never taken for the other.
        let mut receipt = keccak::RECEIPT_TAG.to_vec();
        receipt.extend_from_slice(b"anything");
        let err = check_segment_receipt(&rv32im[0].bytes, &receipt).unwrap_err();
        assert_eq!(
            err.to_string(),
            "receipt does not verify: a receipt of keccak work does not prove rv32im work"
        );
        let err = check_segment_receipt(&last.bytes, b"\0\0\0\0").unwrap_err();
        assert_eq!(
            err.to_string(),
            "receipt does not verify: a receipt of rv32im work does not prove keccak work"
        );
    }

    #[test]
    fn refusals_keep_their_message() {
        let err = execute_segments(Guest::SegmentsTest, &rounds(0), 14).unwrap_err();
        assert_eq!(err.to_string(), "segments-test needs at least one round");
        assert!(Guest::parse("other").is_err());
    }
}
