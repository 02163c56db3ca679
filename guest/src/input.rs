//! Decoding of the host -> guest wire format (docs/wire-format.md).

use alloy_primitives::{Address, Bytes, B256, U256};
use alloy_rlp::{Decodable, RlpDecodable, RlpEncodable};

use crate::error::GuestError;

pub const MAGIC: &[u8; 4] = b"VLYR";
pub const VERSION: u64 = 4;

#[derive(Debug, Clone, PartialEq, Eq, RlpDecodable, RlpEncodable)]
pub struct SlotIn {
    pub slot: B256,
    pub value: U256,
}

#[derive(Debug, Clone, PartialEq, Eq, RlpDecodable, RlpEncodable)]
pub struct AccountIn {
    pub address: Address,
    pub exists: bool,
    pub nonce: u64,
    pub balance: U256,
    pub storage_root: B256,
    pub code_hash: B256,
    pub storage: Vec<SlotIn>,
}

#[derive(Debug, Clone, PartialEq, Eq, RlpDecodable, RlpEncodable)]
pub struct CallIn {
    pub caller: Address,
    pub to: Address,
    pub data: Bytes,
    pub gas_limit: u64,
}

/// State read at an ancestor block the call travelled to (`setBlock`), proven under that block's state root.
#[derive(Debug, Clone, PartialEq, Eq, RlpDecodable, RlpEncodable)]
pub struct TravelIn {
    pub block_number: u64,
    pub accounts: Vec<AccountIn>,
}

/// The state of an L2 the call teleported to (`setChain`), accepted through the output root its L1 anchors: the
/// anchored L2 block's header, its ancestors down to the lowest block visited, and the state read at each block.
#[derive(Debug, Clone, PartialEq, Eq, RlpDecodable, RlpEncodable)]
pub struct TeleportIn {
    pub chain_id: u64,
    pub dev_hardfork: Bytes,
    /// The output root's third field: the L2ToL1MessagePasser's storage root at the anchored block.
    pub message_passer_root: B256,
    /// The anchored L2 block's RLP header.
    pub header: Bytes,
    pub ancestors: Vec<Bytes>,
    /// The state read at the anchored block.
    pub accounts: Vec<AccountIn>,
    /// The state read at L2 blocks below the anchored one, strictly ascending.
    pub travels: Vec<TravelIn>,
}

/// Every receipt of one block of the pinned chain, in transaction order, each in its consensus encoding: what a
/// `Logs.get` query reads there ([`crate::logs`]).
#[derive(Debug, Clone, PartialEq, Eq, RlpDecodable, RlpEncodable)]
pub struct LogBlockIn {
    pub block_number: u64,
    pub receipts: Vec<Bytes>,
}

#[derive(Debug, Clone, PartialEq, Eq, RlpDecodable, RlpEncodable)]
pub struct GuestInput {
    pub version: u64,
    pub chain_id: u64,
    pub dev_hardfork: Bytes,
    pub block_hash: B256,
    pub header: Bytes,
    pub ancestors: Vec<Bytes>,
    pub nodes: Vec<Bytes>,
    pub codes: Vec<Bytes>,
    pub accounts: Vec<AccountIn>,
    pub call: CallIn,
    pub travels: Vec<TravelIn>,
    pub teleports: Vec<TeleportIn>,
    /// The receipts the call's log queries read, strictly ascending by block.
    pub logs: Vec<LogBlockIn>,
}

impl GuestInput {
    pub fn decode(bytes: &[u8]) -> Result<Self, GuestError> {
        let body = bytes
            .strip_prefix(MAGIC.as_slice())
            .ok_or(GuestError::BadMagic)?;
        // Read the version first so a future layout reports its version, not an RLP error.
        let version = peek_version(body)?;
        if version != VERSION {
            return Err(GuestError::UnsupportedVersion(version));
        }
        let mut buf = body;
        let input = GuestInput::decode_raw(&mut buf)?;
        if !buf.is_empty() {
            return Err(GuestError::Malformed(
                "trailing bytes after the input".into(),
            ));
        }
        Ok(input)
    }

    /// The wire bytes of this input (magic and RLP body), as the host writes them.
    pub fn encode(&self) -> Vec<u8> {
        let mut out = MAGIC.to_vec();
        alloy_rlp::Encodable::encode(self, &mut out);
        out
    }

    fn decode_raw(buf: &mut &[u8]) -> Result<Self, GuestError> {
        <GuestInput as Decodable>::decode(buf).map_err(|e| GuestError::Malformed(e.to_string()))
    }
}

fn peek_version(body: &[u8]) -> Result<u64, GuestError> {
    let mut buf = body;
    let header =
        alloy_rlp::Header::decode(&mut buf).map_err(|e| GuestError::Malformed(e.to_string()))?;
    if !header.list {
        return Err(GuestError::Malformed("input body is not a list".into()));
    }
    u64::decode(&mut buf).map_err(|e| GuestError::Malformed(format!("version: {e}")))
}
