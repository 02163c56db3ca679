//! The FFI surface of `risc0-circuit-keccak-sys` 4.0.4-rc.1: the keccak circuit's CPU kernels and, in the CUDA
//! build, its CUDA kernels, both compiled by `build.rs` from upstream's sources.
//!
//! The CPU kernels are upstream's own generated C++, built at -O1 under a namespace of their own so that none of
//! their inline field arithmetic can replace the rv32im prover's (docs/ci.md, "The keccak circuit"): that is what
//! lets this build prove guests that hash through RISC Zero's keccak accelerator. The CUDA kernels are built as
//! upstream builds them (docs/proof-modes.md, "GPU (CUDA) build").
#![allow(clippy::missing_safety_doc)]

use std::os::raw::c_char;

#[cfg(feature = "cuda")]
use cust::memory::DevicePointer;
use risc0_core::field::baby_bear::{BabyBearElem, BabyBearExtElem};

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

#[cfg(feature = "cuda")]
extern "C" {
    pub fn risc0_circuit_keccak_cuda_scatter(
        into: DevicePointer<u8>,
        infos: *const ScatterInfo,
        from: DevicePointer<u8>,
        rows: u32,
        count: u32,
    ) -> *const c_char;

    pub fn risc0_circuit_keccak_cuda_witgen(
        mode: u32,
        buffers: *const RawExecBuffers,
        preflight: *const RawPreflightTrace,
        cycles: u32,
    ) -> *const c_char;

    #[allow(clippy::too_many_arguments)]
    pub fn risc0_circuit_keccak_cuda_eval_check(
        check: DevicePointer<u8>,
        ctrl: DevicePointer<u8>,
        data: DevicePointer<u8>,
        accum: DevicePointer<u8>,
        mix: DevicePointer<u8>,
        out: DevicePointer<u8>,
        rou: *const BabyBearElem,
        po2: u32,
        domain: u32,
        poly_mix_pows: *const u32,
    ) -> *const c_char;

    pub fn risc0_circuit_keccak_cuda_reset() -> *const c_char;
}
