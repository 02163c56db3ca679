//! The keccak accelerator's batches: a guest that hashes through RISC Zero's keccak circuit makes its rv32im
//! receipt conditional on one assumption, the union of its keccak batches' proofs. Here each batch is collected
//! during execution, sized, proved, checked and joined into that assumption: once, for both proving paths (the
//! local prover in zkvm.rs, and segments proved apart in segments.rs).
//!
//! A batch travels like a segment (stored, sent to a Ray worker): the bytes of [`Batch`] and [`BatchReceipt`] are
//! bincode behind a tag of their own, so the segment API tells them from RISC Zero's `Segment` and
//! `SegmentReceipt`, whose bincode starts with the segment's index.

use std::cell::RefCell;
use std::rc::Rc;

use risc0_binfmt::Digestible;
use risc0_circuit_keccak::{max_keccak_inputs, KECCAK_PO2_RANGE};
use risc0_circuit_recursion::control_id::ALLOWED_CONTROL_ROOT;
use risc0_zkvm::sha;
use risc0_zkvm::{
    Assumption, CoprocessorCallback, Digest, ProveKeccakRequest, ProverServer, SuccinctReceipt,
    SuccinctReceiptVerifierParameters, Unknown, VerifierContext,
};
use serde::{Deserialize, Serialize};

use crate::zkvm::ZkvmError;

/// The first bytes of a batch (what a prover is sent) and of its receipt.
pub const BATCH_TAG: &[u8] = b"vlayer/keccak-batch/v1\0";
pub const RECEIPT_TAG: &[u8] = b"vlayer/keccak-receipt/v1\0";

/// Keeps the executor's keccak proof requests in the order the guest made them (the order its assumption
/// accumulates them in). Without a callback, RISC Zero keeps them in the `Session`, where only its own
/// `prove_session` can read them.
#[derive(Clone, Default)]
pub(crate) struct Collect(Rc<RefCell<Vec<ProveKeccakRequest>>>);

impl Collect {
    pub(crate) fn take(&self) -> Vec<ProveKeccakRequest> {
        std::mem::take(&mut *self.0.borrow_mut())
    }
}

impl CoprocessorCallback for Collect {
    fn prove_keccak(&mut self, request: ProveKeccakRequest) -> anyhow::Result<()> {
        self.0.borrow_mut().push(request);
        Ok(())
    }
}

/// One keccak batch of a run: its place in the run's list of pieces (after the rv32im segments) and the request.
#[derive(Clone, Serialize, Deserialize)]
pub struct Batch {
    pub index: u32,
    pub request: ProveKeccakRequest,
}

/// A batch proved: the keccak circuit's proof lifted into the recursion circuit, claiming the batch's digest, and
/// the control root the guest named for it (the keccak circuit's), under which the lifted seal verifies.
#[derive(Clone, Serialize, Deserialize)]
pub struct BatchReceipt {
    pub index: u32,
    pub control_root: Digest,
    pub receipt: SuccinctReceipt<Unknown>,
}

impl Batch {
    /// `request`, proved in the smallest keccak circuit that holds it. The guest fills a batch up to the executor's
    /// limit (2^17 rows, 655 permutations) and asks for that size whatever it used; the claim is the digest of the
    /// permutations alone, so a smaller circuit proves the same claim (mainnet USDT's 164 permutations: 2^16 rows,
    /// half the work).
    pub fn new(index: u32, mut request: ProveKeccakRequest) -> Self {
        let needed = request.input.len();
        if let Some(po2) = KECCAK_PO2_RANGE
            .clone()
            .find(|&po2| max_keccak_inputs(po2) >= needed)
        {
            request.po2 = request.po2.min(po2);
        }
        Self { index, request }
    }

    pub fn po2(&self) -> u32 {
        // KECCAK_PO2_RANGE is 14..=18.
        self.request.po2 as u32
    }

    pub fn permutations(&self) -> u32 {
        u32::try_from(self.request.input.len()).unwrap_or(u32::MAX)
    }

    pub fn encode(&self) -> Result<Vec<u8>, ZkvmError> {
        tagged(BATCH_TAG, self)
    }

    /// A batch as stored or sent; one whose size the keccak circuit has no program for is refused here, where
    /// RISC Zero's prover would assert.
    pub fn decode(bytes: &[u8]) -> Result<Self, ZkvmError> {
        let batch: Self = untagged(BATCH_TAG, bytes, "keccak batch")?;
        let po2 = batch.request.po2;
        if !KECCAK_PO2_RANGE.contains(&po2) || batch.request.input.len() > max_keccak_inputs(po2) {
            return Err(ZkvmError::Decode(format!(
                "keccak batch: {} permutations in 2^{po2} rows",
                batch.request.input.len()
            )));
        }
        Ok(batch)
    }

    /// Proves the batch on this machine's keccak prover and checks the receipt before it is returned.
    pub fn prove(&self, prover: &dyn ProverServer) -> Result<BatchReceipt, ZkvmError> {
        let receipt = prover
            .prove_keccak(&self.request)
            .map_err(|err| ZkvmError::Prove(format!("keccak batch {}: {err:#}", self.index)))?;
        let proved = BatchReceipt {
            index: self.index,
            control_root: self.request.control_root,
            receipt,
        };
        self.check(&proved)?;
        Ok(proved)
    }

    /// Refuses a receipt that does not prove exactly this batch: another index, another claim (other
    /// permutations), or a seal that does not verify under the keccak circuit's control root.
    pub fn check(&self, proved: &BatchReceipt) -> Result<(), ZkvmError> {
        let refuse = |what: String| {
            Err(ZkvmError::Verify(format!(
                "keccak receipt {} does not prove keccak batch {}: {what}",
                proved.index, self.index
            )))
        };
        if proved.index != self.index {
            return refuse("its index differs".into());
        }
        if proved.control_root != self.request.control_root {
            return refuse("its control root differs".into());
        }
        let claim = proved.receipt.claim.digest::<sha::Impl>();
        if claim != self.request.claim_digest {
            return refuse(format!(
                "it claims {claim}, the batch's permutations digest to {}",
                self.request.claim_digest
            ));
        }
        if let Err(err) = proved.verify_integrity() {
            return refuse(format!("the seal does not verify: {err}"));
        }
        Ok(())
    }
}

impl BatchReceipt {
    /// The assumption this receipt resolves: the guest's for its batch.
    fn assumption(&self) -> Assumption {
        Assumption {
            claim: self.receipt.claim.digest::<sha::Impl>(),
            control_root: self.control_root,
        }
    }

    /// The seal, under the control root the guest named (as RISC Zero's composite verifier checks assumptions).
    fn verify_integrity(&self) -> Result<(), String> {
        let params = SuccinctReceiptVerifierParameters {
            control_root: self.control_root,
            inner_control_root: None,
            ..Default::default()
        };
        let ctx = VerifierContext::default().with_succinct_verifier_parameters(params);
        self.receipt
            .verify_integrity_with_context(&ctx)
            .map_err(|err| err.to_string())
    }

    pub fn encode(&self) -> Result<Vec<u8>, ZkvmError> {
        tagged(RECEIPT_TAG, self)
    }

    pub fn decode(bytes: &[u8]) -> Result<Self, ZkvmError> {
        untagged(RECEIPT_TAG, bytes, "keccak receipt")
    }
}

fn tagged<T: Serialize>(tag: &[u8], value: &T) -> Result<Vec<u8>, ZkvmError> {
    let mut bytes = tag.to_vec();
    bincode::serialize_into(&mut bytes, value).map_err(|err| ZkvmError::Decode(err.to_string()))?;
    Ok(bytes)
}

fn untagged<T: for<'de> Deserialize<'de>>(
    tag: &[u8],
    bytes: &[u8],
    what: &str,
) -> Result<T, ZkvmError> {
    let body = bytes
        .strip_prefix(tag)
        .ok_or_else(|| ZkvmError::Decode(format!("{what}: not a {what}")))?;
    bincode::deserialize(body).map_err(|err| ZkvmError::Decode(format!("{what}: {err}")))
}

/// The one assumption a run's keccak batches stand for, and the receipt that proves it: the batches joined by
/// `union` in the shape RISC Zero's guest accumulates them (a Merkle mountain range in request order, its peaks
/// folded from the oldest). `None` for a run without batches. `batches` must be the run's, in order; a batch
/// missing or out of place gives another assumption, which the rv32im receipt then does not make.
pub fn root(
    prover: &dyn ProverServer,
    batches: Vec<BatchReceipt>,
) -> Result<Option<(Assumption, SuccinctReceipt<Unknown>)>, ZkvmError> {
    struct Peak {
        height: u32,
        assumption: Assumption,
        receipt: SuccinctReceipt<Unknown>,
    }
    let union = |a: Peak, b: Peak| -> Result<Peak, ZkvmError> {
        let receipt = prover
            .union(&a.receipt, &b.receipt)
            .map_err(|err| ZkvmError::Prove(format!("joining keccak batches: {err:#}")))?
            .into_unknown();
        Ok(Peak {
            height: a.height.max(b.height) + 1,
            assumption: Assumption {
                claim: receipt.claim.digest::<sha::Impl>(),
                control_root: ALLOWED_CONTROL_ROOT,
            },
            receipt,
        })
    };
    let mut peaks: Vec<Peak> = Vec::new();
    for proved in batches {
        let mut peak = Peak {
            height: 0,
            assumption: proved.assumption(),
            receipt: proved.receipt,
        };
        while let Some(last) = peaks.pop_if(|last| last.height == peak.height) {
            peak = union(peak, last)?;
        }
        peaks.push(peak);
    }
    let mut peaks = peaks.into_iter();
    let Some(mut root) = peaks.next() else {
        return Ok(None);
    };
    for peak in peaks {
        root = union(root, peak)?;
    }
    Ok(Some((root.assumption, root.receipt)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(permutations: usize, po2: usize) -> ProveKeccakRequest {
        ProveKeccakRequest {
            claim_digest: Digest::ZERO,
            po2,
            control_root: Digest::ZERO,
            input: vec![[0u64; 25]; permutations],
        }
    }

    #[test]
    fn a_batch_is_proved_in_the_smallest_circuit_that_holds_it() {
        // 2^po2 rows / 200 rows per permutation: 81, 163, 327, 655, 1310.
        for (permutations, po2) in [(1, 14), (81, 14), (82, 15), (163, 15), (164, 16), (655, 17)] {
            assert_eq!(
                Batch::new(0, request(permutations, 17)).po2(),
                po2,
                "{permutations}"
            );
        }
        // Never larger than the executor asked for.
        assert_eq!(Batch::new(0, request(100, 14)).po2(), 14);
    }

    #[test]
    fn batches_and_their_receipts_keep_their_tags() {
        let batch = Batch::new(7, request(3, 17));
        let bytes = batch.encode().expect("encodes");
        assert!(bytes.starts_with(BATCH_TAG));
        let back = Batch::decode(&bytes).expect("decodes");
        assert_eq!((back.index, back.po2(), back.permutations()), (7, 14, 3));
        let err = BatchReceipt::decode(&bytes)
            .err()
            .expect("a batch is not a receipt");
        assert_eq!(
            err.to_string(),
            "receipt cannot be decoded: keccak receipt: not a keccak receipt"
        );
        let mut oversized = Batch::new(7, request(3, 17));
        oversized.request.po2 = 19;
        let err = Batch::decode(&oversized.encode().expect("encodes"))
            .err()
            .expect("no keccak program of 2^19 rows");
        assert_eq!(
            err.to_string(),
            "receipt cannot be decoded: keccak batch: 3 permutations in 2^19 rows"
        );
        let mut overfull = Batch::new(7, request(82, 17));
        overfull.request.po2 = 14;
        let err = Batch::decode(&overfull.encode().expect("encodes")).err();
        assert!(err.is_some(), "82 permutations do not fit 2^14 rows");
    }
}
