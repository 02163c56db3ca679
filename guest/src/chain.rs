//! Chain schedules, mirroring host/vlayer/chain/forks.py: the fork is read from the schedule, not chosen by the
//! prover. Only a dev chain (chain id 31337) takes its hardfork from the input.

use revm::primitives::hardfork::SpecId;

use crate::error::GuestError;

pub const ANVIL_CHAIN_ID: u64 = 31337;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rules {
    pub spec: SpecId,
    pub blob_update_fraction: u64,
}

const CANCUN_FRACTION: u64 = 3_338_477;
const PRAGUE_FRACTION: u64 = 5_007_716;
const BPO1_FRACTION: u64 = 8_346_193;
const BPO2_FRACTION: u64 = 11_684_671;

struct Schedule {
    forks: &'static [(SpecId, u64)],
    blobs: &'static [(u64, u64)],
}

const MAINNET: Schedule = Schedule {
    forks: &[
        (SpecId::CANCUN, 1_710_338_135),
        (SpecId::PRAGUE, 1_746_612_311),
        (SpecId::OSAKA, 1_764_798_551),
    ],
    blobs: &[
        (1_710_338_135, CANCUN_FRACTION),
        (1_746_612_311, PRAGUE_FRACTION),
        (1_765_978_199, BPO1_FRACTION),
        (1_767_747_671, BPO2_FRACTION),
    ],
};

pub fn rules(chain_id: u64, dev_hardfork: &[u8], timestamp: u64) -> Result<Rules, GuestError> {
    if chain_id == 1 {
        if !dev_hardfork.is_empty() {
            return Err(GuestError::UnsupportedChain(
                "mainnet takes no dev hardfork".into(),
            ));
        }
        let spec = MAINNET
            .forks
            .iter()
            .rev()
            .find(|(_, ts)| *ts <= timestamp)
            .map(|(s, _)| *s);
        let fraction = MAINNET
            .blobs
            .iter()
            .rev()
            .find(|(ts, _)| *ts <= timestamp)
            .map(|(_, f)| *f);
        return match (spec, fraction) {
            (Some(spec), Some(blob_update_fraction)) => Ok(Rules {
                spec,
                blob_update_fraction,
            }),
            _ => Err(GuestError::UnsupportedChain(format!(
                "mainnet block at {timestamp} predates Cancun"
            ))),
        };
    }
    if chain_id == ANVIL_CHAIN_ID {
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
        });
    }
    Err(GuestError::UnsupportedChain(format!(
        "chain id {chain_id} has no schedule in the guest"
    )))
}
