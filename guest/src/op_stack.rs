//! The precompiles an OP-stack block runs, per OP fork, built from revm-precompile's own functions the way op-revm
//! 20.0.0 (`op_revm::precompiles`) builds them. op-revm itself is not a dependency: its newest release depends on
//! revm 38, and this guest runs revm 43.
//!
//! What a call can observe (docs/chains.md):
//! - Ecotone: Cancun's precompiles.
//! - Fjord: P256VERIFY (RIP-7212) at 0x100, 3,450 gas.
//! - Granite: the bn254 pairing (0x08) refuses inputs over 112,687 bytes.
//! - Isthmus: Prague's BLS12-381 precompiles, with G1 MSM, G2 MSM and pairing refusing inputs over 513,760,
//!   488,448 and 235,008 bytes.
//! - Jovian: tighter limits: bn254 pairing 81,984 bytes, G1 MSM 288,960, G2 MSM 278,784, BLS pairing 156,672.
//! - Karst (Osaka rules): Osaka's MODEXP (EIP-7823/7883) and P256VERIFY at 6,900 gas (EIP-7951), Jovian's limits.
//!
//! A refused input halts the precompile, as any precompile failure does: the call fails with all its gas spent.

use std::sync::OnceLock;

use revm::precompile::bls12_381_const::{G1_MSM_ADDRESS, G2_MSM_ADDRESS, PAIRING_ADDRESS};
use revm::precompile::{
    bls12_381, bn254, eth_precompile_fn, modexp, secp256r1, EthPrecompileResult, Precompile,
    PrecompileHalt, PrecompileId, Precompiles,
};

use crate::chain::OpFork;

pub const GRANITE_BN254_PAIR_MAX_INPUT: usize = 112_687;
pub const JOVIAN_BN254_PAIR_MAX_INPUT: usize = 81_984;
pub const ISTHMUS_G1_MSM_MAX_INPUT: usize = 513_760;
pub const ISTHMUS_G2_MSM_MAX_INPUT: usize = 488_448;
pub const ISTHMUS_BLS_PAIRING_MAX_INPUT: usize = 235_008;
pub const JOVIAN_G1_MSM_MAX_INPUT: usize = 288_960;
pub const JOVIAN_G2_MSM_MAX_INPUT: usize = 278_784;
pub const JOVIAN_BLS_PAIRING_MAX_INPUT: usize = 156_672;

fn bn254_pair_limited(input: &[u8], gas_limit: u64, max: usize) -> EthPrecompileResult {
    if input.len() > max {
        return Err(PrecompileHalt::Bn254PairLength);
    }
    bn254::run_pair(
        input,
        bn254::pair::ISTANBUL_PAIR_PER_POINT,
        bn254::pair::ISTANBUL_PAIR_BASE,
        gas_limit,
    )
}

fn limited(
    input: &[u8],
    gas_limit: u64,
    max: usize,
    what: &'static str,
    run: fn(&[u8], u64) -> EthPrecompileResult,
) -> EthPrecompileResult {
    if input.len() > max {
        return Err(PrecompileHalt::Other(what.into()));
    }
    run(input, gas_limit)
}

fn granite_pair(input: &[u8], gas_limit: u64) -> EthPrecompileResult {
    bn254_pair_limited(input, gas_limit, GRANITE_BN254_PAIR_MAX_INPUT)
}
fn jovian_pair(input: &[u8], gas_limit: u64) -> EthPrecompileResult {
    bn254_pair_limited(input, gas_limit, JOVIAN_BN254_PAIR_MAX_INPUT)
}
fn isthmus_g1_msm(input: &[u8], gas_limit: u64) -> EthPrecompileResult {
    limited(
        input,
        gas_limit,
        ISTHMUS_G1_MSM_MAX_INPUT,
        "G1MSM input length too long for OP Stack input size limitation",
        bls12_381::g1_msm::g1_msm,
    )
}
fn isthmus_g2_msm(input: &[u8], gas_limit: u64) -> EthPrecompileResult {
    limited(
        input,
        gas_limit,
        ISTHMUS_G2_MSM_MAX_INPUT,
        "G2MSM input length too long for OP Stack input size limitation",
        bls12_381::g2_msm::g2_msm,
    )
}
fn isthmus_pairing(input: &[u8], gas_limit: u64) -> EthPrecompileResult {
    limited(
        input,
        gas_limit,
        ISTHMUS_BLS_PAIRING_MAX_INPUT,
        "Pairing input length too long for OP Stack input size limitation",
        bls12_381::pairing::pairing,
    )
}
fn jovian_g1_msm(input: &[u8], gas_limit: u64) -> EthPrecompileResult {
    limited(
        input,
        gas_limit,
        JOVIAN_G1_MSM_MAX_INPUT,
        "G1MSM input length too long for OP Stack input size limitation after the Jovian Hardfork",
        bls12_381::g1_msm::g1_msm,
    )
}
fn jovian_g2_msm(input: &[u8], gas_limit: u64) -> EthPrecompileResult {
    limited(
        input,
        gas_limit,
        JOVIAN_G2_MSM_MAX_INPUT,
        "G2MSM input length too long for OP Stack input size limitation after the Jovian Hardfork",
        bls12_381::g2_msm::g2_msm,
    )
}
fn jovian_pairing(input: &[u8], gas_limit: u64) -> EthPrecompileResult {
    limited(input, gas_limit, JOVIAN_BLS_PAIRING_MAX_INPUT, "Pairing input length too long for OP Stack input size limitation after the Jovian Hardfork", bls12_381::pairing::pairing)
}

eth_precompile_fn!(granite_pair_precompile, granite_pair);
eth_precompile_fn!(jovian_pair_precompile, jovian_pair);
eth_precompile_fn!(isthmus_g1_msm_precompile, isthmus_g1_msm);
eth_precompile_fn!(isthmus_g2_msm_precompile, isthmus_g2_msm);
eth_precompile_fn!(isthmus_pairing_precompile, isthmus_pairing);
eth_precompile_fn!(jovian_g1_msm_precompile, jovian_g1_msm);
eth_precompile_fn!(jovian_g2_msm_precompile, jovian_g2_msm);
eth_precompile_fn!(jovian_pairing_precompile, jovian_pairing);

const GRANITE_PAIR: Precompile = Precompile::new(
    PrecompileId::Bn254Pairing,
    bn254::pair::ADDRESS,
    granite_pair_precompile,
);
const JOVIAN_PAIR: Precompile = Precompile::new(
    PrecompileId::Bn254Pairing,
    bn254::pair::ADDRESS,
    jovian_pair_precompile,
);
const ISTHMUS_BLS: [Precompile; 3] = [
    Precompile::new(
        PrecompileId::Bls12G1Msm,
        G1_MSM_ADDRESS,
        isthmus_g1_msm_precompile,
    ),
    Precompile::new(
        PrecompileId::Bls12G2Msm,
        G2_MSM_ADDRESS,
        isthmus_g2_msm_precompile,
    ),
    Precompile::new(
        PrecompileId::Bls12Pairing,
        PAIRING_ADDRESS,
        isthmus_pairing_precompile,
    ),
];
const JOVIAN_BLS: [Precompile; 3] = [
    Precompile::new(
        PrecompileId::Bls12G1Msm,
        G1_MSM_ADDRESS,
        jovian_g1_msm_precompile,
    ),
    Precompile::new(
        PrecompileId::Bls12G2Msm,
        G2_MSM_ADDRESS,
        jovian_g2_msm_precompile,
    ),
    Precompile::new(
        PrecompileId::Bls12Pairing,
        PAIRING_ADDRESS,
        jovian_pairing_precompile,
    ),
];

fn build(fork: OpFork) -> Precompiles {
    // Each later fork starts from the one before, as op-revm's do; `extend` replaces by address.
    let mut set = Precompiles::cancun().clone();
    if fork >= OpFork::Fjord {
        set.extend([secp256r1::P256VERIFY]);
    }
    if fork >= OpFork::Granite {
        set.extend([GRANITE_PAIR]);
    }
    if fork >= OpFork::Isthmus {
        set.extend(bls12_381::precompiles());
        set.extend(ISTHMUS_BLS);
    }
    if fork >= OpFork::Jovian {
        set.extend([JOVIAN_PAIR]);
        set.extend(JOVIAN_BLS);
    }
    if fork >= OpFork::Karst {
        set.extend([modexp::OSAKA, secp256r1::P256VERIFY_OSAKA]);
    }
    set
}

/// The precompile set of `fork`, built once.
pub fn precompiles(fork: OpFork) -> &'static Precompiles {
    static SETS: [OnceLock<Precompiles>; 7] = [const { OnceLock::new() }; 7];
    SETS[fork as usize].get_or_init(|| build(fork))
}

#[cfg(test)]
mod tests {
    use super::*;
    use revm::precompile::u64_to_address;

    const FORKS: [OpFork; 7] = [
        OpFork::Ecotone,
        OpFork::Fjord,
        OpFork::Granite,
        OpFork::Holocene,
        OpFork::Isthmus,
        OpFork::Jovian,
        OpFork::Karst,
    ];

    fn run(
        fork: OpFork,
        address: u64,
        input: &[u8],
        gas: u64,
    ) -> revm::precompile::PrecompileOutput {
        let p = precompiles(fork)
            .get(&u64_to_address(address))
            .unwrap_or_else(|| panic!("{fork:?} has no precompile at {address:#x}"));
        p.execute(input, gas, 0).expect("not fatal")
    }

    #[test]
    fn addresses_per_fork_match_the_l1_sets_plus_p256() {
        let p256 = u64_to_address(0x100);
        for fork in FORKS {
            let set = precompiles(fork);
            let l1 = Precompiles::new(revm::precompile::PrecompileSpecId::from_spec_id(
                fork.spec(),
            ));
            let mut expected: Vec<_> = l1.addresses().copied().collect();
            if fork >= OpFork::Fjord && !expected.contains(&p256) {
                expected.push(p256);
            }
            expected.sort();
            let mut got: Vec<_> = set.addresses().copied().collect();
            got.sort();
            assert_eq!(got, expected, "{fork:?}");
        }
        assert!(!precompiles(OpFork::Ecotone).contains(&p256));
    }

    #[test]
    fn p256verify_costs_3450_from_fjord_and_6900_from_karst() {
        let input = [0u8; 160]; // an invalid signature: empty output, the gas is charged all the same
        for (fork, gas) in [
            (OpFork::Fjord, 3450),
            (OpFork::Jovian, 3450),
            (OpFork::Karst, 6900),
        ] {
            let out = run(fork, 0x100, &input, 100_000);
            assert!(out.status.is_success(), "{fork:?}");
            assert_eq!(out.gas_used, gas, "{fork:?}");
            assert!(out.bytes.is_empty());
        }
    }

    #[test]
    fn input_limits_halt_from_their_fork() {
        let pairs = |n: usize| vec![0u8; n * bn254::PAIR_ELEMENT_LEN];
        // 587 pairs (112,728 bytes) exceed Granite's limit; Ecotone and Fjord only run out of gas.
        let big = pairs(587);
        assert!(!run(OpFork::Fjord, 8, &big, 100).status.is_success());
        assert_eq!(
            run(OpFork::Granite, 8, &big, u64::MAX).status.halt_reason(),
            Some(&PrecompileHalt::Bn254PairLength)
        );
        assert!(
            run(OpFork::Fjord, 8, &big, u64::MAX).status.halt_reason()
                != Some(&PrecompileHalt::Bn254PairLength)
        );
        // 428 pairs (82,176 bytes): within Granite's limit, beyond Jovian's.
        let mid = pairs(428);
        assert!(
            run(OpFork::Isthmus, 8, &mid, u64::MAX).status.halt_reason()
                != Some(&PrecompileHalt::Bn254PairLength)
        );
        assert_eq!(
            run(OpFork::Jovian, 8, &mid, u64::MAX).status.halt_reason(),
            Some(&PrecompileHalt::Bn254PairLength)
        );
        // BLS pairing: one byte over Isthmus's limit, and over Jovian's.
        let over = vec![0u8; ISTHMUS_BLS_PAIRING_MAX_INPUT + 1];
        assert!(matches!(
            run(OpFork::Isthmus, 0x0f, &over, u64::MAX)
                .status
                .halt_reason(),
            Some(PrecompileHalt::Other(_))
        ));
        let over = vec![0u8; JOVIAN_BLS_PAIRING_MAX_INPUT + 1];
        assert!(matches!(
            run(OpFork::Karst, 0x0f, &over, u64::MAX)
                .status
                .halt_reason(),
            Some(PrecompileHalt::Other(_))
        ));
    }
}
