//! Chain schedules from the table shared with the host (chains/chains.json; guest/build.rs makes it constants): the
//! fork is read from the schedule, not chosen by the prover. Only a dev chain takes its hardfork
//! from the input (anvil's default 31337, and 31338, the dev L2). An OP-stack chain's schedule names OP forks; each runs an L1 rule set (the table's
//! `op_stack_forks`) with the OP precompile changes of [`crate::op_stack`].

use revm::primitives::hardfork::SpecId;

use crate::error::GuestError;

pub const ANVIL_CHAIN_ID: u64 = 31337;

/// The table itself, byte for byte what the schedules below were built from; the host reads its schedules from it
/// (through guest_wrapper), so host and guest cannot disagree.
pub const CHAIN_TABLE_JSON: &str = include_str!("../../chains/chains.json");

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rules {
    pub spec: SpecId,
    /// Unused on an OP-stack chain, whose blocks carry no blobs (BLOBBASEFEE is 1, [`crate::exec::block_env`]).
    pub blob_update_fraction: u64,
    /// The OP fork of an OP-stack chain's block; `None` on Ethereum chains.
    pub op: Option<OpFork>,
}

/// The OP-stack forks vlayer executes: Ecotone (Cancun rules) and later. Ordered by activation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum OpFork {
    Ecotone,
    Fjord,
    Granite,
    Holocene,
    Isthmus,
    Jovian,
    Karst,
}

impl OpFork {
    pub fn from_name(name: &str) -> Option<Self> {
        Some(match name {
            "ecotone" => Self::Ecotone,
            "fjord" => Self::Fjord,
            "granite" => Self::Granite,
            "holocene" => Self::Holocene,
            "isthmus" => Self::Isthmus,
            "jovian" => Self::Jovian,
            "karst" => Self::Karst,
            _ => return None,
        })
    }

    /// The L1 rule set the fork runs (op-revm 20.0.0's `OpSpecId::into_eth_spec`; the table's `op_stack_forks`).
    pub fn spec(self) -> SpecId {
        match self {
            Self::Ecotone | Self::Fjord | Self::Granite | Self::Holocene => SpecId::CANCUN,
            Self::Isthmus | Self::Jovian => SpecId::PRAGUE,
            Self::Karst => SpecId::OSAKA,
        }
    }
}

pub(crate) struct ChainSchedule {
    chain_id: u64,
    name: &'static str,
    /// An OP-stack chain: its forks are OP forks, and it has no blob schedule.
    op_stack: bool,
    /// (fork, activation timestamp), ascending; forks before Cancun (Ecotone on OP) only name refused blocks.
    forks: &'static [(&'static str, u64)],
    /// (activation timestamp, blob base fee update fraction), ascending.
    blobs: &'static [(u64, u64)],
}

/// An (L1, L2) pair `setChain` may cross: the L2's state is accepted through the output root that
/// `anchor_state_registry` on the L1 returns from `getAnchorRoot()` ([`crate::teleport`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TeleportPair {
    pub l1: u64,
    pub l2: u64,
    pub anchor_state_registry: alloy_primitives::Address,
}

include!(concat!(env!("OUT_DIR"), "/chains.rs"));

/// Whether `chain_id` is a dev chain, which takes its hardfork from the input.
pub fn is_dev_chain(chain_id: u64) -> bool {
    DEV_CHAIN_IDS.contains(&chain_id)
}

/// The teleport pair from `l1` to `l2`, if the table has it.
pub fn teleport_pair(l1: u64, l2: u64) -> Option<&'static TeleportPair> {
    TELEPORTS.iter().find(|p| p.l1 == l1 && p.l2 == l2)
}

const CANCUN_FRACTION: u64 = 3_338_477;
const PRAGUE_FRACTION: u64 = 5_007_716;
const BPO1_FRACTION: u64 = 8_346_193;
const BPO2_FRACTION: u64 = 11_684_671;

fn executable(fork: &str) -> Option<SpecId> {
    match fork {
        "cancun" => Some(SpecId::CANCUN),
        "prague" => Some(SpecId::PRAGUE),
        "osaka" => Some(SpecId::OSAKA),
        _ => None,
    }
}

fn scheduled_op(chain: &ChainSchedule, timestamp: u64) -> Result<Rules, GuestError> {
    let later = "vlayer executes Ecotone (Cancun rules) and later on OP-stack chains";
    let Some((name, _)) = chain.forks.iter().rev().find(|(_, ts)| *ts <= timestamp) else {
        let (first, at) = chain.forks.first().copied().unwrap_or(("ecotone", 0));
        return Err(GuestError::UnsupportedChain(format!(
            "{} block at {timestamp} predates {first} (active from {at}); {later}",
            chain.name
        )));
    };
    let op = OpFork::from_name(name).ok_or_else(|| {
        GuestError::UnsupportedChain(format!(
            "{} block at {timestamp} runs {name}; {later}",
            chain.name
        ))
    })?;
    Ok(Rules {
        spec: op.spec(),
        blob_update_fraction: CANCUN_FRACTION,
        op: Some(op),
    })
}

fn scheduled(chain: &ChainSchedule, timestamp: u64) -> Result<Rules, GuestError> {
    if chain.op_stack {
        return scheduled_op(chain, timestamp);
    }
    let fork = chain.forks.iter().rev().find(|(_, ts)| *ts <= timestamp);
    let spec = match fork {
        Some((name, _)) => executable(name).ok_or_else(|| {
            GuestError::UnsupportedChain(format!(
                "{} block at {timestamp} runs {name}; vlayer executes Cancun and later",
                chain.name
            ))
        })?,
        None => {
            let (first, at) = chain.forks.first().copied().unwrap_or(("cancun", 0));
            return Err(GuestError::UnsupportedChain(format!(
                "{} block at {timestamp} predates {first} (active from {at}); vlayer executes Cancun and later",
                chain.name
            )));
        }
    };
    let blob_update_fraction = chain
        .blobs
        .iter()
        .rev()
        .find(|(ts, _)| *ts <= timestamp)
        .map(|(_, f)| *f)
        .ok_or_else(|| {
            GuestError::UnsupportedChain(format!(
                "{} block at {timestamp} has no blob schedule",
                chain.name
            ))
        })?;
    Ok(Rules {
        spec,
        blob_update_fraction,
        op: None,
    })
}

pub fn rules(chain_id: u64, dev_hardfork: &[u8], timestamp: u64) -> Result<Rules, GuestError> {
    if is_dev_chain(chain_id) {
        let (spec, blob_update_fraction) = match dev_hardfork {
            b"cancun" => (SpecId::CANCUN, CANCUN_FRACTION),
            b"prague" => (SpecId::PRAGUE, PRAGUE_FRACTION),
            b"osaka" => (SpecId::OSAKA, PRAGUE_FRACTION),
            b"bpo1" => (SpecId::OSAKA, BPO1_FRACTION),
            b"bpo2" => (SpecId::OSAKA, BPO2_FRACTION),
            other => {
                let name = String::from_utf8_lossy(other);
                return Err(GuestError::UnsupportedChain(format!(
                    "dev hardfork {name:?}"
                )));
            }
        };
        return Ok(Rules {
            spec,
            blob_update_fraction,
            op: None,
        });
    }
    let Some(chain) = CHAINS.iter().find(|c| c.chain_id == chain_id) else {
        return Err(GuestError::UnsupportedChain(format!(
            "chain id {chain_id} has no schedule in the guest"
        )));
    };
    if !dev_hardfork.is_empty() {
        return Err(GuestError::UnsupportedChain(format!(
            "{} takes no dev hardfork",
            chain.name
        )));
    }
    scheduled(chain, timestamp)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schedules_come_from_the_shared_table() {
        assert_eq!(CHAINS.len(), 8);
        // Sepolia: Prague at 1741159776, Osaka at 1760427360, BPO2's blobs at 1761607008.
        let prague = rules(11_155_111, b"", 1_741_159_776).expect("sepolia prague");
        assert_eq!(prague.spec, SpecId::PRAGUE);
        assert_eq!(prague.blob_update_fraction, PRAGUE_FRACTION);
        let bpo2 = rules(11_155_111, b"", 1_761_607_008).expect("sepolia bpo2");
        assert_eq!(
            (bpo2.spec, bpo2.blob_update_fraction),
            (SpecId::OSAKA, BPO2_FRACTION)
        );
        // Hoodi runs Cancun from genesis.
        assert_eq!(rules(560_048, b"", 0).expect("hoodi").spec, SpecId::CANCUN);
        // Mainnet's BPO1 (go-ethereum's MainnetChainConfig).
        let before = rules(1, b"", 1_765_290_070).expect("mainnet osaka");
        let after = rules(1, b"", 1_765_290_071).expect("mainnet bpo1");
        assert_eq!(
            (before.blob_update_fraction, after.blob_update_fraction),
            (PRAGUE_FRACTION, BPO1_FRACTION)
        );
    }

    #[test]
    fn blocks_before_cancun_are_refused_naming_their_fork() {
        assert_eq!(
            rules(1, b"", 1_710_338_134).unwrap_err().to_string(),
            "unsupported chain: mainnet block at 1710338134 runs shanghai; vlayer executes Cancun and later"
        );
        assert_eq!(
            rules(17_000, b"", 5).unwrap_err().to_string(),
            "unsupported chain: holesky block at 5 predates shanghai (active from 1696000704); vlayer executes \
             Cancun and later"
        );
        assert_eq!(
            rules(5, b"", 0).unwrap_err().to_string(),
            "unsupported chain: chain id 5 has no schedule in the guest"
        );
        assert_eq!(
            rules(1, b"osaka", 1_800_000_000).unwrap_err().to_string(),
            "unsupported chain: mainnet takes no dev hardfork"
        );
    }

    #[test]
    fn op_forks_run_the_l1_rule_set_the_table_names() {
        let name = |spec: SpecId| match spec {
            SpecId::MERGE => "merge",
            SpecId::SHANGHAI => "shanghai",
            SpecId::CANCUN => "cancun",
            SpecId::PRAGUE => "prague",
            SpecId::OSAKA => "osaka",
            other => panic!("unexpected {other:?}"),
        };
        for (fork, l1) in OP_STACK_FORKS {
            match OpFork::from_name(fork) {
                Some(op) => assert_eq!(name(op.spec()), *l1, "{fork}"),
                None => assert!(
                    ["merge", "shanghai"].contains(l1),
                    "{fork} runs {l1} but is not executable"
                ),
            }
        }
        assert_eq!(OP_STACK_FORKS.len(), 9);
    }

    #[test]
    fn op_stack_blocks_get_their_op_fork() {
        // Base (superchain-registry): Ecotone 1710374401, Fjord 1720627201, Isthmus 1746806401, Jovian 1764691201.
        let at = |id: u64, ts: u64| rules(id, b"", ts).expect("scheduled");
        assert_eq!(
            at(8453, 1_710_374_401),
            Rules {
                spec: SpecId::CANCUN,
                blob_update_fraction: CANCUN_FRACTION,
                op: Some(OpFork::Ecotone)
            }
        );
        assert_eq!(at(8453, 1_720_627_201).op, Some(OpFork::Fjord));
        assert_eq!(
            (at(8453, 1_746_806_401).spec, at(8453, 1_746_806_401).op),
            (SpecId::PRAGUE, Some(OpFork::Isthmus))
        );
        // Base's schedule ends at Jovian; OP Mainnet runs Karst (Osaka rules) from 1783526401.
        assert_eq!(at(8453, 1_900_000_000).op, Some(OpFork::Jovian));
        assert_eq!(
            (at(10, 1_783_526_401).spec, at(10, 1_783_526_401).op),
            (SpecId::OSAKA, Some(OpFork::Karst))
        );
        assert_eq!(at(11_155_420, 1_716_998_400).op, Some(OpFork::Fjord));
        assert_eq!(at(84_532, 1_744_905_600).op, Some(OpFork::Isthmus));
        // An Ethereum chain has no OP fork.
        assert_eq!(at(1, 1_800_000_000).op, None);
    }

    #[test]
    fn op_stack_blocks_before_ecotone_are_refused_naming_their_fork() {
        assert_eq!(
            rules(8453, b"", 1_710_374_400).unwrap_err().to_string(),
            "unsupported chain: base block at 1710374400 runs canyon; vlayer executes Ecotone (Cancun rules) and \
             later on OP-stack chains"
        );
        assert_eq!(
            rules(10, b"", 1_700_000_000).unwrap_err().to_string(),
            "unsupported chain: op-mainnet block at 1700000000 runs regolith; vlayer executes Ecotone (Cancun \
             rules) and later on OP-stack chains"
        );
        // OP Mainnet's legacy blocks, before its Bedrock genesis.
        assert_eq!(
            rules(10, b"", 1_600_000_000).unwrap_err().to_string(),
            "unsupported chain: op-mainnet block at 1600000000 predates regolith (active from 1686068903); vlayer \
             executes Ecotone (Cancun rules) and later on OP-stack chains"
        );
    }
}
