//! Logs as inputs: a prover's `Logs.get(LogQuery)` (contracts/src/Logs.sol) answered from receipts the input proves
//! through each block's receipts root, with absence proven by the block's `logsBloom` (docs/logs.md).
//!
//! A STATICCALL (or CALL) to [`LOGS`] runs no code: its calldata is `getLogs(LogQuery)` and its answer the ABI
//! encoding of `Log[]`, every log of the blocks `fromBlock ..= toBlock` that matches the query, ordered by block and
//! log index. The blocks are the pinned block and its hash-chained ancestors ([`crate::state`]); for each one, either
//! its bloom excludes the query or the input holds all its receipts, whose trie root must be the header's. This
//! module is the one implementation of the rules: the host's preflight (py-evm) calls it through the native module
//! for the same answer and gas, so the two cannot disagree.

use std::collections::BTreeMap;

use alloy_primitives::{keccak256, Address, Bloom, BloomInput, Bytes, B256, U256};
use alloy_rlp::{Decodable, Header as RlpHeader};
use alloy_sol_types::{sol, SolCall};

use crate::error::GuestError;
use crate::header::Header;
use crate::input::LogBlockIn;

/// The low 20 bytes of keccak256("vlayer.logs"), in the spirit of vlayer v1's traveler address.
pub const LOGS: Address = alloy_primitives::address!("7ba4cb8452f89270aB7D6E3653e92bBfae794176");

/// The most blocks one query may span.
pub const MAX_QUERY_BLOCKS: u64 = 2048;
/// How far below the pinned block a query may reach: the headers in between are in the input and hashed by the
/// guest, as for time travel.
pub const MAX_QUERY_DEPTH: u64 = 8192;
/// The most receipt bytes one call's queries may read; the host refuses more before proving.
pub const MAX_RECEIPT_BYTES: usize = 16 << 20;
/// The most emitters, and the most topics in one position's OR-list, a query may name.
pub const MAX_FILTER_ITEMS: usize = 64;

/// Gas of one query: a base, a charge per block of the range (a header and its bloom), per 32-byte word of receipts
/// scanned and per word of the answer. Charged identically by the host (through this function) and the guest.
pub const GAS_BASE: u64 = 2_600;
pub const GAS_PER_BLOCK: u64 = 100;
pub const GAS_PER_RECEIPT_WORD: u64 = 6;
pub const GAS_PER_ANSWER_WORD: u64 = 3;

sol! {
    /// A query: blocks `fromBlock ..= toBlock`; emitters (empty: any); per topic position, an OR-list (empty: any).
    struct LogQuery {
        uint256 fromBlock;
        uint256 toBlock;
        address[] emitters;
        bytes32[][] topics;
    }

    /// One log. Receipts prove neither the transaction's hash nor its sender, so neither is given.
    struct Log {
        uint256 blockNumber;
        uint256 logIndex;
        uint256 transactionIndex;
        address emitter;
        bytes32[] topics;
        bytes data;
    }

    function getLogs(LogQuery query) external view returns (Log[] logs);
}

/// A log as a receipt holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReceiptLog {
    pub address: Address,
    pub topics: Vec<B256>,
    pub data: Bytes,
}

/// The logs of one block's receipts, by receipt (transaction index), and the receipts' size in bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BlockReceipts {
    pub logs: Vec<Vec<ReceiptLog>>,
    pub bytes: usize,
}

/// The trie root of a block's receipts as the header commits to them: key rlp(index), value the receipt's
/// consensus encoding (`type || rlp(...)` for a typed receipt, `rlp(...)` for a legacy one).
pub fn receipts_root(receipts: &[Bytes]) -> B256 {
    alloy_trie::root::ordered_trie_root_encoded(receipts)
}

/// The logs of one receipt. Every receipt type (legacy, 2930, 1559, 4844, 7702, OP deposit) starts with the same
/// four fields: status (or post-state), cumulative gas, bloom, logs; what follows (a deposit's nonce) is not read.
pub fn receipt_logs(encoded: &[u8]) -> Result<Vec<ReceiptLog>, String> {
    let mut buf = match encoded.first() {
        None => return Err("empty".into()),
        Some(t) if *t < 0x80 => &encoded[1..], // EIP-2718 type byte
        Some(_) => encoded,
    };
    let outer = RlpHeader::decode(&mut buf).map_err(|e| e.to_string())?;
    if !outer.list || buf.len() != outer.payload_length {
        return Err("not a single RLP list".into());
    }
    let status = RlpHeader::decode(&mut buf).map_err(|e| format!("status: {e}"))?;
    if status.list || buf.len() < status.payload_length {
        return Err("status: not a string".into());
    }
    buf = &buf[status.payload_length..];
    u64::decode(&mut buf).map_err(|e| format!("cumulative gas: {e}"))?;
    Bloom::decode(&mut buf).map_err(|e| format!("bloom: {e}"))?;
    let logs_header = RlpHeader::decode(&mut buf).map_err(|e| format!("logs: {e}"))?;
    if !logs_header.list || buf.len() < logs_header.payload_length {
        return Err("logs: not a list".into());
    }
    let (mut logs_buf, _rest) = buf.split_at(logs_header.payload_length);
    let mut logs = Vec::new();
    while !logs_buf.is_empty() {
        let log = RlpHeader::decode(&mut logs_buf).map_err(|e| format!("log: {e}"))?;
        if !log.list || logs_buf.len() < log.payload_length {
            return Err("log: not a list".into());
        }
        let (mut item, rest) = logs_buf.split_at(log.payload_length);
        logs_buf = rest;
        let address = Address::decode(&mut item).map_err(|e| format!("log address: {e}"))?;
        let topics = Vec::<B256>::decode(&mut item).map_err(|e| format!("log topics: {e}"))?;
        let data = Bytes::decode(&mut item).map_err(|e| format!("log data: {e}"))?;
        if !item.is_empty() {
            return Err("log: trailing fields".into());
        }
        logs.push(ReceiptLog {
            address,
            topics,
            data,
        });
    }
    Ok(logs)
}

/// A decoded, bounded query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Query {
    pub from: u64,
    pub to: u64,
    pub emitters: Vec<Address>,
    pub topics: Vec<Vec<B256>>,
}

impl Query {
    /// Decodes a call to [`LOGS`] and checks it against the pinned block `pinned`.
    pub fn decode(calldata: &[u8], pinned: u64) -> Result<Self, GuestError> {
        let call = getLogsCall::abi_decode(calldata)
            .map_err(|e| GuestError::LogsQuery(format!("not a getLogs(LogQuery) call: {e}")))?;
        let q = call.query;
        let block = |v: U256, what: &str| {
            u64::try_from(v)
                .ok()
                .filter(|n| *n <= pinned)
                .ok_or_else(|| {
                    GuestError::LogsQuery(format!("{what} {v} is after the settle block {pinned}"))
                })
        };
        let to = block(q.toBlock, "toBlock")?;
        let from = block(q.fromBlock, "fromBlock")?;
        if from > to {
            return Err(GuestError::LogsQuery(format!(
                "fromBlock {from} is after toBlock {to}"
            )));
        }
        if to - from + 1 > MAX_QUERY_BLOCKS {
            return Err(GuestError::LogsQuery(format!(
                "blocks {from}..{to} are {} blocks, more than the {MAX_QUERY_BLOCKS} one query may span",
                to - from + 1
            )));
        }
        if pinned - from > MAX_QUERY_DEPTH {
            return Err(GuestError::LogsQuery(format!(
                "fromBlock {from} is {} blocks before the settle block {pinned}, more than {MAX_QUERY_DEPTH}",
                pinned - from
            )));
        }
        if q.topics.len() > 4 {
            return Err(GuestError::LogsQuery(format!(
                "{} topic positions; a log has at most 4",
                q.topics.len()
            )));
        }
        if q.emitters.len() > MAX_FILTER_ITEMS
            || q.topics.iter().any(|t| t.len() > MAX_FILTER_ITEMS)
        {
            return Err(GuestError::LogsQuery(format!(
                "more than {MAX_FILTER_ITEMS} emitters or topics in one position"
            )));
        }
        Ok(Query {
            from,
            to,
            emitters: q.emitters,
            topics: q.topics,
        })
    }

    /// Whether a block with this bloom may hold a matching log (eth_getLogs' rule: an emitter and, for each
    /// non-empty position, one of its topics).
    pub fn may_match(&self, bloom: &Bloom) -> bool {
        let has = |item: &[u8]| bloom.contains_input(BloomInput::Raw(item));
        (self.emitters.is_empty() || self.emitters.iter().any(|a| has(a.as_slice())))
            && self
                .topics
                .iter()
                .all(|pos| pos.is_empty() || pos.iter().any(|t| has(t.as_slice())))
    }

    pub fn matches(&self, log: &ReceiptLog) -> bool {
        (self.emitters.is_empty() || self.emitters.contains(&log.address))
            && self.topics.iter().enumerate().all(|(i, pos)| {
                pos.is_empty() || log.topics.get(i).is_some_and(|t| pos.contains(t))
            })
    }
}

/// What a query returns: the ABI-encoded `Log[]` and its gas.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    pub data: Vec<u8>,
    pub gas: u64,
}

/// The blocks a query may read: every header of the pinned chain the input has (bloom and receipts root), and the
/// receipts the input gives, each block's checked against its root when the input is read.
#[derive(Debug, Clone, Default)]
pub struct LogBlocks {
    pinned: u64,
    blooms: BTreeMap<u64, Bloom>,
    receipts: BTreeMap<u64, BlockReceipts>,
}

impl LogBlocks {
    /// `headers`: the pinned block's header and its ancestors'. `given`: the input's receipts, strictly ascending
    /// by block.
    pub fn new<'a>(
        pinned: u64,
        headers: impl IntoIterator<Item = &'a Header>,
        given: &[LogBlockIn],
    ) -> Result<Self, GuestError> {
        let headers: BTreeMap<u64, &Header> = headers.into_iter().map(|h| (h.number, h)).collect();
        let mut receipts = BTreeMap::new();
        let mut last: Option<u64> = None;
        for block in given {
            let n = block.block_number;
            if last.is_some_and(|l| l >= n) {
                return Err(GuestError::LogsOrder);
            }
            last = Some(n);
            let header = headers.get(&n).ok_or(GuestError::LogsHeaderMissing(n))?;
            let computed = receipts_root(&block.receipts);
            if computed != header.receipts_root {
                return Err(GuestError::LogsReceiptsRoot {
                    block: n,
                    computed,
                    header: header.receipts_root,
                });
            }
            let mut logs = Vec::with_capacity(block.receipts.len());
            for (index, r) in block.receipts.iter().enumerate() {
                logs.push(receipt_logs(r).map_err(|reason| GuestError::LogsReceipt {
                    block: n,
                    index,
                    reason,
                })?);
            }
            let bytes = block.receipts.iter().map(|r| r.len()).sum();
            receipts.insert(n, BlockReceipts { logs, bytes });
        }
        Ok(LogBlocks {
            pinned,
            blooms: headers.iter().map(|(n, h)| (*n, h.logs_bloom)).collect(),
            receipts,
        })
    }

    /// The blocks of `query` whose bloom may match: those whose receipts the answer needs.
    pub fn needed(&self, query: &Query) -> Result<Vec<u64>, GuestError> {
        let mut out = Vec::new();
        for n in query.from..=query.to {
            let bloom = self
                .blooms
                .get(&n)
                .ok_or(GuestError::LogsHeaderMissing(n))?;
            if query.may_match(bloom) {
                out.push(n);
            }
        }
        Ok(out)
    }

    /// Answers a call to [`LOGS`].
    pub fn answer(&self, calldata: &[u8]) -> Result<Answer, GuestError> {
        let query = Query::decode(calldata, self.pinned)?;
        let mut logs = Vec::new();
        let mut scanned = 0usize;
        for n in self.needed(&query)? {
            let block = self
                .receipts
                .get(&n)
                .ok_or(GuestError::LogsReceiptsMissing(n))?;
            scanned += block.bytes;
            let mut log_index = 0u64;
            for (tx_index, receipt) in block.logs.iter().enumerate() {
                for log in receipt {
                    if query.matches(log) {
                        logs.push(Log {
                            blockNumber: U256::from(n),
                            logIndex: U256::from(log_index),
                            transactionIndex: U256::from(tx_index),
                            emitter: log.address,
                            topics: log.topics.clone(),
                            data: log.data.clone(),
                        });
                    }
                    log_index += 1;
                }
            }
        }
        let data = getLogsCall::abi_encode_returns(&logs);
        let blocks = query.to - query.from + 1;
        let gas = GAS_BASE
            + GAS_PER_BLOCK * blocks
            + GAS_PER_RECEIPT_WORD * words(scanned)
            + GAS_PER_ANSWER_WORD * words(data.len());
        Ok(Answer { data, gas })
    }
}

fn words(bytes: usize) -> u64 {
    (bytes as u64).div_ceil(32)
}

/// keccak256("getLogs((uint256,uint256,address[],bytes32[][]))")[..4]
pub const GET_LOGS: [u8; 4] = getLogsCall::SELECTOR;

/// The address [`LOGS`] is derived from, for the tests and the docs.
pub fn logs_address() -> Address {
    Address::from_slice(&keccak256("vlayer.logs")[12..])
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloy_primitives::address;
    use alloy_rlp::Encodable;

    #[test]
    fn address_and_selector() {
        assert_eq!(LOGS, logs_address());
        assert_eq!(
            GET_LOGS,
            keccak256("getLogs((uint256,uint256,address[],bytes32[][]))")[..4]
        );
    }

    fn encode_receipt(ty: Option<u8>, logs: &[(Address, Vec<B256>, Vec<u8>)]) -> Bytes {
        // [status, cumulative gas, bloom, logs]
        let mut payload = Vec::new();
        1u8.encode(&mut payload);
        21_000u64.encode(&mut payload);
        Bloom::ZERO.encode(&mut payload);
        let mut logs_payload = Vec::new();
        for (a, t, d) in logs {
            let mut l = Vec::new();
            a.encode(&mut l);
            t.encode(&mut l);
            Bytes::from(d.clone()).encode(&mut l);
            RlpHeader {
                list: true,
                payload_length: l.len(),
            }
            .encode(&mut logs_payload);
            logs_payload.extend(l);
        }
        RlpHeader {
            list: true,
            payload_length: logs_payload.len(),
        }
        .encode(&mut payload);
        payload.extend(logs_payload);
        let mut out: Vec<u8> = ty.into_iter().collect();
        RlpHeader {
            list: true,
            payload_length: payload.len(),
        }
        .encode(&mut out);
        out.extend(payload);
        out.into()
    }

    #[test]
    fn receipts_of_every_shape_decode() {
        let a = address!("00000000000000000000000000000000000000aa");
        let t = B256::repeat_byte(0x11);
        let logs = vec![(a, vec![t], vec![1, 2, 3]), (a, vec![], vec![])];
        for ty in [None, Some(1), Some(2), Some(3), Some(4)] {
            let r = encode_receipt(ty, &logs);
            let decoded = receipt_logs(&r).expect("decodes");
            assert_eq!(decoded.len(), 2);
            assert_eq!(decoded[0].topics, vec![t]);
            assert_eq!(decoded[0].data.as_ref(), &[1, 2, 3]);
        }
        assert!(receipt_logs(&[]).is_err());
        assert!(receipt_logs(&[0x02, 0xc0]).is_err());
    }

    #[test]
    fn empty_receipts_have_the_empty_root() {
        assert_eq!(receipts_root(&[]), crate::mpt::EMPTY_ROOT);
    }

    #[test]
    fn filter_rules() {
        let a = address!("00000000000000000000000000000000000000aa");
        let b = address!("00000000000000000000000000000000000000bb");
        let t1 = B256::repeat_byte(1);
        let t2 = B256::repeat_byte(2);
        let log = ReceiptLog {
            address: a,
            topics: vec![t1, t2],
            data: Bytes::new(),
        };
        let q = |emitters: Vec<Address>, topics: Vec<Vec<B256>>| Query {
            from: 0,
            to: 0,
            emitters,
            topics,
        };
        assert!(q(vec![], vec![]).matches(&log));
        assert!(q(vec![b, a], vec![]).matches(&log));
        assert!(!q(vec![b], vec![]).matches(&log));
        assert!(q(vec![], vec![vec![], vec![t1, t2]]).matches(&log));
        assert!(!q(vec![], vec![vec![t2]]).matches(&log));
        assert!(!q(vec![], vec![vec![], vec![], vec![t1]]).matches(&log));
        let mut bloom = Bloom::ZERO;
        bloom.accrue(BloomInput::Raw(a.as_slice()));
        bloom.accrue(BloomInput::Raw(t1.as_slice()));
        assert!(q(vec![a], vec![vec![t1]]).may_match(&bloom));
        assert!(q(vec![b, a], vec![vec![t2, t1]]).may_match(&bloom));
        assert!(!q(vec![b], vec![]).may_match(&bloom));
        assert!(!q(vec![], vec![vec![], vec![t2]]).may_match(&bloom));
    }
}
