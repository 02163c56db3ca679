//! Every way an input can be refused. The messages are part of the contract (docs/wire-format.md): corruption
//! tests in both languages match them exactly, and the zkVM main panics with them.

use alloy_primitives::{Address, B256, U256};

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum GuestError {
    #[error("input: bad magic")]
    BadMagic,
    #[error("input: unsupported version {0}")]
    UnsupportedVersion(u64),
    #[error("input: malformed: {0}")]
    Malformed(String),
    #[error("header hash mismatch: keccak(header) is {computed} but the input names {claimed}")]
    HeaderHashMismatch { computed: B256, claimed: B256 },
    #[error("header: malformed: {0}")]
    MalformedHeader(String),
    #[error("ancestor chain broken at block {0}")]
    AncestorChain(u64),
    #[error("unsupported chain: {0}")]
    UnsupportedChain(String),
    #[error("invalid account proof for {address}: {reason}")]
    InvalidAccountProof { address: Address, reason: String },
    #[error("account {0} differs from its proof")]
    AccountMismatch(Address),
    #[error("invalid storage proof for slot {slot} of {address}: {reason}")]
    InvalidStorageProof {
        address: Address,
        slot: B256,
        reason: String,
    },
    #[error("storage slot {slot} of {address}: input value {claimed} differs from proven value {proven}")]
    StorageValueMismatch {
        address: Address,
        slot: B256,
        claimed: U256,
        proven: U256,
    },
    #[error("account {0} not in input")]
    MissingAccount(Address),
    #[error("storage slot {slot} of {address} not in input")]
    MissingSlot { address: Address, slot: B256 },
    #[error("code {0} not in input")]
    MissingCodeByHash(B256),
    #[error("block hash of {0} not in input")]
    MissingBlockHash(u64),
    #[error("travel: blocks must be strictly ascending")]
    TravelOrder,
    #[error("travel block {0}: header not in input")]
    TravelHeaderMissing(u64),
    #[error("time travel to block {0} not in input")]
    TravelBlockMissing(U256),
    #[error("teleport from chain {from} to chain {to} is not supported")]
    TeleportUnsupported { from: u64, to: U256 },
    #[error("teleport to chain {chain} block {block} not in input")]
    TeleportBlockMissing { chain: u64, block: U256 },
    /// An L2's part of the input failed a check; `source` says which.
    #[error("teleport to chain {chain}: {source}")]
    InTeleport { chain: u64, source: Box<GuestError> },
    #[error(
        "teleport to chain {chain}: the anchor-state registry {registry} on chain {l1}: {reason}"
    )]
    AnchorCall {
        chain: u64,
        registry: Address,
        l1: u64,
        reason: String,
    },
    #[error("teleport to chain {chain}: chain {l1} at block {l1_block} anchors L2 block {anchored}, not the input's {given}")]
    AnchorBlock {
        chain: u64,
        l1: u64,
        l1_block: u64,
        anchored: U256,
        given: u64,
    },
    #[error("teleport to chain {chain}: the output root of L2 block {block} is {computed}, not the root chain {l1} anchors ({anchored})")]
    AnchorRoot {
        chain: u64,
        l1: u64,
        block: u64,
        computed: B256,
        anchored: B256,
    },
    /// The traveler's calldata, hex without its prefix.
    #[error("traveler: unknown request 0x{0}")]
    TravelerRequest(String),
    #[error("time travel: a call with value at block {0} is not supported")]
    TravelValue(u64),
    #[error("logs: {0}")]
    LogsQuery(String),
    #[error("logs: receipts must be strictly ascending by block")]
    LogsOrder,
    #[error("logs: block {0}: header not in input")]
    LogsHeaderMissing(u64),
    #[error(
        "logs: block {0} may hold matching logs (its logsBloom) but its receipts are not in input"
    )]
    LogsReceiptsMissing(u64),
    #[error("logs: block {block}: the receipts' root is {computed}, not the header's {header}")]
    LogsReceiptsRoot {
        block: u64,
        computed: B256,
        header: B256,
    },
    #[error("logs: block {block} receipt {index}: malformed: {reason}")]
    LogsReceipt {
        block: u64,
        index: usize,
        reason: String,
    },
    #[error("logs: queries run on the settle chain, not on teleported chain {0}")]
    LogsOnL2(u64),
    #[error("logs: a query must not send value")]
    LogsValue,
    /// A vlayer precompile (JSON, regex, URL pattern, email) failed; as in vlayer v1 this aborts the execution.
    #[error("precompile {name}: {message}")]
    Precompile { name: String, message: String },
    #[error("call reverted: 0x{0}")]
    Reverted(String),
    #[error("call halted: {0}")]
    Halted(String),
    #[error("evm: {0}")]
    Evm(String),
}
