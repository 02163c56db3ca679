//! The FFI surface of `risc0-circuit-recursion-sys` 4.0.4-rc.1: the recursion circuit's CPU kernels and, in the
//! CUDA build, its CUDA kernels, both compiled by `build.rs` from upstream's sources.
//!
//! The CPU kernels are upstream's own generated C++ under a namespace of their own, the constraint polynomial at
//! -O1 and the rest at upstream's -O3 (docs/ci.md, "The recursion circuit"). The types below are the C ABI those
//! kernels take; `risc0-circuit-recursion` calls them through these declarations.
#![allow(clippy::missing_safety_doc)]

use std::os::raw::c_char;

use risc0_core::field::baby_bear::{BabyBearElem, BabyBearExtElem};

/// The execution trace's buffers, as the witness generator writes them.
#[repr(C)]
pub struct RawExecBuffers {
    pub ctrl: *const BabyBearElem,
    pub data: *const BabyBearElem,
    pub global: *const BabyBearElem,
}

/// The buffers the accumulation step reads and writes.
#[repr(C)]
pub struct RawAccumBuffers {
    pub ctrl: *const BabyBearElem,
    pub global: *const BabyBearElem,
    pub data: *const BabyBearElem,
    pub mix: *const BabyBearElem,
    pub accum: *const BabyBearElem,
}

/// One cycle of the recursion program's preflight: which IOP it reads and whether it may run in parallel.
#[derive(Clone, Debug, PartialEq)]
#[repr(C)]
pub struct RawPreflightCycle {
    pub iop_idx: u32,
    pub is_par_safe: u32,
}

/// The preflight's trace: write-once memory, cycles and IOP values.
#[repr(C)]
pub struct RawPreflightTrace {
    pub wom: *const BabyBearExtElem,
    pub cycles: *const RawPreflightCycle,
    pub iops: *const BabyBearExtElem,
    pub num_woms: u32,
    pub num_cycles: u32,
    pub num_iops: u32,
}

/// How the witness generator walks the cycles.
#[derive(Clone, Copy, PartialEq)]
#[repr(u32)]
pub enum StepMode {
    Parallel,
    SeqForward,
    SeqReverse,
}

extern "C" {
    pub fn risc0_circuit_recursion_cpu_witgen(
        mode: StepMode,
        buffers: *const RawExecBuffers,
        preflight: *const RawPreflightTrace,
        total_cycles: u32,
    ) -> *const c_char;

    pub fn risc0_circuit_recursion_cpu_accum(
        buffers: *const RawAccumBuffers,
        work_cycles: u32,
        total_cycles: u32,
    ) -> *const c_char;

    pub fn risc0_circuit_recursion_cpu_eval_check(
        buffers: *const RawAccumBuffers,
        poly_mix: *const BabyBearExtElem,
        check: *const BabyBearElem,
        rou: BabyBearElem,
        po2: u32,
        steps: u32,
    ) -> *const c_char;
}

#[cfg(feature = "cuda")]
extern "C" {
    pub fn risc0_circuit_recursion_cuda_witgen(
        mode: StepMode,
        buffers: *const RawExecBuffers,
        preflight: *const RawPreflightTrace,
        steps: u32,
    ) -> *const c_char;

    pub fn risc0_circuit_recursion_cuda_accum(
        buffers: *const RawAccumBuffers,
        steps: u32,
        cycles: u32,
    ) -> *const c_char;

    #[allow(clippy::too_many_arguments)] // upstream's C signature
    pub fn risc0_circuit_recursion_cuda_eval_check(
        check: *const BabyBearElem,
        ctrl: *const BabyBearElem,
        data: *const BabyBearElem,
        accum: *const BabyBearElem,
        mix: *const BabyBearElem,
        out: *const BabyBearElem,
        rou: *const BabyBearElem,
        po2: u32,
        domain: u32,
        poly_mix: *const BabyBearExtElem,
    ) -> *const c_char;
}
