//! The FFI surface of `risc0-circuit-keccak-sys` 4.0.4-rc.1: its CPU kernels (compiled by `build.rs`) and, for
//! the CUDA build, entry points that refuse.
//!
//! The CPU kernels are upstream's own generated C++, built at -O1 under a namespace of their own so that none of
//! their inline field arithmetic can replace the rv32im prover's (docs/ci.md, "The keccak circuit"): that is what
//! lets this build prove guests that hash through RISC Zero's keccak accelerator. The CUDA kernels are not built
//! (the CUDA build has not run on a GPU yet, docs/proof-modes.md): their entry points return an error through
//! RISC Zero's own error channel (`risc0_sys::ffi_wrap`, which frees the message with `free`), so a CUDA build asked
//! to prove a keccak batch fails loudly with [`REFUSAL`] instead of producing anything.
#![allow(clippy::missing_safety_doc)]

use std::os::raw::c_char;

#[cfg(feature = "cuda")]
use cust::memory::DevicePointer;
use risc0_core::field::baby_bear::{BabyBearElem, BabyBearExtElem};

/// What every refused (CUDA) entry point reports.
#[cfg(feature = "cuda")]
pub const REFUSAL: &str =
    "keccak accelerator unavailable: this vlayer CUDA build has no keccak circuit CUDA kernels \
(docs/ci.md, \"The keccak circuit\")";

#[derive(Debug)]
#[repr(C)]
pub struct ScatterInfo {
    pub offset: u32,
    pub row: u32,
    pub col: u16,
    pub count: u16,
    pub bits: u32,
}

#[repr(C)]
pub struct RawPreflightTrace {
    pub preimages: *const [u64; 25],
    pub preimages_count: u32,
    pub preimage_idxs: *const u32,
    pub run_order: *const u32,
}

#[repr(C)]
pub struct RawExecBuffers {
    pub global: RawBuffer,
    pub data: RawBuffer,
}

#[repr(C)]
pub struct RawBuffer {
    pub buf: *const BabyBearElem,
    pub rows: usize,
    pub cols: usize,
    pub checked_reads: bool,
}

extern "C" {
    pub fn risc0_circuit_keccak_cpu_witgen(
        mode: u32,
        buffers: *const RawExecBuffers,
        preflight: *const RawPreflightTrace,
        cycles: u32,
    ) -> *const c_char;

    pub fn risc0_circuit_keccak_cpu_poly_fp(
        cycle: usize,
        steps: usize,
        poly_mixs: *const BabyBearExtElem,
        args_ptr: *const *const BabyBearElem,
        result: *mut BabyBearExtElem,
    ) -> *const c_char;
}

/// A `malloc`ed copy of [`REFUSAL`]: the caller (`ffi_wrap`) reads it and releases it with `free`.
#[cfg(feature = "cuda")]
fn refusal() -> *const c_char {
    extern "C" {
        fn strdup(s: *const c_char) -> *mut c_char;
    }
    let msg = std::ffi::CString::new(REFUSAL).expect("REFUSAL has no NUL byte");
    // SAFETY: `msg` is a valid NUL-terminated string for the duration of the call; strdup copies it.
    unsafe { strdup(msg.as_ptr()) }
}

#[cfg(feature = "cuda")]
pub unsafe extern "C" fn risc0_circuit_keccak_cuda_scatter(
    _into: DevicePointer<u8>,
    _infos: *const ScatterInfo,
    _from: DevicePointer<u8>,
    _rows: u32,
    _count: u32,
) -> *const c_char {
    refusal()
}

#[cfg(feature = "cuda")]
pub unsafe extern "C" fn risc0_circuit_keccak_cuda_witgen(
    _mode: u32,
    _buffers: *const RawExecBuffers,
    _preflight: *const RawPreflightTrace,
    _cycles: u32,
) -> *const c_char {
    refusal()
}

#[cfg(feature = "cuda")]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn risc0_circuit_keccak_cuda_eval_check(
    _check: DevicePointer<u8>,
    _ctrl: DevicePointer<u8>,
    _data: DevicePointer<u8>,
    _accum: DevicePointer<u8>,
    _mix: DevicePointer<u8>,
    _out: DevicePointer<u8>,
    _rou: *const BabyBearElem,
    _po2: u32,
    _domain: u32,
    _poly_mix_pows: *const u32,
) -> *const c_char {
    refusal()
}

/// Called when a keccak prover is dropped; there is no device state to release, so it succeeds.
#[cfg(feature = "cuda")]
pub unsafe extern "C" fn risc0_circuit_keccak_cuda_reset() -> *const c_char {
    std::ptr::null()
}

#[cfg(all(test, feature = "cuda"))]
mod tests {
    use super::*;

    /// The message behind a refusal, released the way `ffi_wrap` releases it.
    fn take_refusal(ptr: *const c_char) -> String {
        extern "C" {
            fn free(p: *const c_char);
        }
        assert!(!ptr.is_null());
        // SAFETY: `ptr` is the NUL-terminated string strdup returned.
        let msg = unsafe { std::ffi::CStr::from_ptr(ptr) }
            .to_str()
            .unwrap()
            .to_owned();
        // SAFETY: allocated by strdup, released exactly once, as ffi_wrap does.
        unsafe { free(ptr) };
        msg
    }

    /// The CUDA build (`bash/setup.sh --cuda`) links these instead of the keccak CUDA kernels; `cargo test -p
    /// risc0-circuit-keccak-sys --features cuda` needs no CUDA toolkit (nothing here touches a device).
    #[test]
    fn cuda_entry_points_refuse_and_reset_succeeds() {
        let null = DevicePointer::<u8>::null;
        // SAFETY: the stubs never dereference their arguments.
        unsafe {
            let scatter = risc0_circuit_keccak_cuda_scatter(null(), std::ptr::null(), null(), 0, 0);
            assert_eq!(take_refusal(scatter), REFUSAL);
            let witgen = risc0_circuit_keccak_cuda_witgen(0, std::ptr::null(), std::ptr::null(), 0);
            assert_eq!(take_refusal(witgen), REFUSAL);
            let check = risc0_circuit_keccak_cuda_eval_check(
                null(),
                null(),
                null(),
                null(),
                null(),
                null(),
                std::ptr::null(),
                0,
                0,
                std::ptr::null(),
            );
            assert_eq!(take_refusal(check), REFUSAL);
            // Dropping a keccak prover calls reset and unwraps it: it must succeed.
            assert!(risc0_circuit_keccak_cuda_reset().is_null());
        }
    }
}
