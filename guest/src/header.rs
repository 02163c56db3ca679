//! The block header fields a call's environment needs, read from the RLP header by position.

use alloy_primitives::{Address, Bloom, B256, U256};

use crate::error::GuestError;
use crate::rlp_util::{expect_str, list_items};

#[derive(Debug, Clone)]
pub struct Header {
    pub parent_hash: B256,
    pub beneficiary: Address,
    pub state_root: B256,
    pub receipts_root: B256,
    pub logs_bloom: Bloom,
    pub difficulty: U256,
    pub number: u64,
    pub gas_limit: u64,
    pub timestamp: u64,
    pub mix_hash: B256,
    pub base_fee: u64,
    pub excess_blob_gas: Option<u64>,
}

fn word<const N: usize>(item: &[u8], what: &str) -> Result<[u8; N], GuestError> {
    item.try_into()
        .map_err(|_| GuestError::MalformedHeader(format!("{what} must be {N} bytes")))
}

fn uint(item: &[u8], what: &str) -> Result<u64, GuestError> {
    if item.len() > 8 || item.first() == Some(&0) {
        return Err(GuestError::MalformedHeader(format!(
            "{what} is not a canonical u64"
        )));
    }
    Ok(item.iter().fold(0u64, |acc, b| (acc << 8) | u64::from(*b)))
}

impl Header {
    pub fn decode(rlp: &[u8]) -> Result<Self, GuestError> {
        let items = list_items(rlp).map_err(GuestError::MalformedHeader)?;
        if items.len() < 16 {
            return Err(GuestError::MalformedHeader(format!(
                "{} fields; London or later needs 16",
                items.len()
            )));
        }
        let f =
            |i: usize, what: &str| expect_str(items[i], what).map_err(GuestError::MalformedHeader);
        let difficulty = f(7, "difficulty")?;
        if difficulty.len() > 32 {
            return Err(GuestError::MalformedHeader("difficulty too long".into()));
        }
        Ok(Header {
            parent_hash: B256::from(word::<32>(f(0, "parentHash")?, "parentHash")?),
            beneficiary: Address::from(word::<20>(f(2, "beneficiary")?, "beneficiary")?),
            state_root: B256::from(word::<32>(f(3, "stateRoot")?, "stateRoot")?),
            receipts_root: B256::from(word::<32>(f(5, "receiptsRoot")?, "receiptsRoot")?),
            logs_bloom: Bloom::from(word::<256>(f(6, "logsBloom")?, "logsBloom")?),
            difficulty: U256::from_be_slice(difficulty),
            number: uint(f(8, "number")?, "number")?,
            gas_limit: uint(f(9, "gasLimit")?, "gasLimit")?,
            timestamp: uint(f(11, "timestamp")?, "timestamp")?,
            mix_hash: B256::from(word::<32>(f(13, "mixHash")?, "mixHash")?),
            base_fee: uint(f(15, "baseFeePerGas")?, "baseFeePerGas")?,
            excess_blob_gas: if items.len() > 18 {
                Some(uint(f(18, "excessBlobGas")?, "excessBlobGas")?)
            } else {
                None
            },
        })
    }
}
