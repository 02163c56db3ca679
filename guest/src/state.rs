//! StateDb: the state of one block (the pinned block or a block the call travelled to), built only from the input,
//! every piece checked before it is used.

use std::collections::HashMap;
use std::rc::Rc;

use alloy_primitives::{keccak256, Address, Bytes, B256, U256};
use alloy_rlp::{Decodable, RlpEncodable};

use crate::error::GuestError;
use crate::header::Header;
use crate::input::{AccountIn, GuestInput, TravelIn};
use crate::logs::LogBlocks;
use crate::mpt::{NodePool, EMPTY_ROOT};

/// keccak256 of empty code.
pub const KECCAK_EMPTY: B256 =
    alloy_primitives::b256!("c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470");

/// How far back BLOCKHASH reaches.
pub const BLOCKHASH_WINDOW: u64 = 256;

#[derive(RlpEncodable)]
struct TrieAccount {
    nonce: u64,
    balance: U256,
    storage_root: B256,
    code_hash: B256,
}

#[derive(Debug, Clone)]
pub struct ProvenAccount {
    /// `None`: proven absent from the state trie.
    pub info: Option<AccountState>,
    pub storage: HashMap<U256, U256>,
}

#[derive(Debug, Clone)]
pub struct AccountState {
    pub nonce: u64,
    pub balance: U256,
    pub code_hash: B256,
}

/// The state of one block: the pinned block, or an ancestor the call travelled to. Codes and the verified block
/// hashes are the same for every block of one input, so they are shared rather than copied per block.
pub struct StateDb {
    pub header: Header,
    pub block_hash: B256,
    pub accounts: HashMap<Address, ProvenAccount>,
    pub codes: Rc<HashMap<B256, Bytes>>,
    pub block_hashes: Rc<HashMap<u64, B256>>,
}

/// Every block state of one input, each checked before it is used.
pub struct States {
    /// The pinned block.
    pub main: StateDb,
    /// The blocks the call may travel to, strictly ascending by number.
    pub travels: Vec<StateDb>,
    /// The L2s the call may teleport to, as the input gives them; each is anchored by [`crate::teleport`] before
    /// the call runs.
    pub teleports: Vec<L2States>,
    /// The pinned chain's blocks a log query may read, with the receipts the input proves.
    pub logs: LogBlocks,
}

/// The blocks of one L2 the call may teleport to: the anchored block and those below it the call visits.
pub struct L2States {
    pub chain_id: u64,
    pub dev_hardfork: Vec<u8>,
    pub message_passer_root: B256,
    pub anchored: StateDb,
    /// Strictly ascending, all below the anchored block.
    pub travels: Vec<StateDb>,
}

impl L2States {
    /// The state of L2 block `number`, if the input has it.
    pub fn at(&self, number: u64) -> Option<&StateDb> {
        if number == self.anchored.header.number {
            return Some(&self.anchored);
        }
        find_block(&self.travels, number)
    }
}

fn find_block(blocks: &[StateDb], number: u64) -> Option<&StateDb> {
    blocks
        .binary_search_by_key(&number, |s| s.header.number)
        .ok()
        .map(|i| &blocks[i])
}

/// What one chain of an input gives: a top block, its ancestors and the state read at it and at the travel blocks.
struct ChainIn<'a> {
    block_hash: B256,
    header: &'a [u8],
    ancestors: &'a [Bytes],
    accounts: &'a [AccountIn],
    travels: &'a [TravelIn],
}

impl States {
    pub fn new(input: &GuestInput) -> Result<Self, GuestError> {
        let computed = keccak256(&input.header);
        if computed != input.block_hash {
            return Err(GuestError::HeaderHashMismatch {
                computed,
                claimed: input.block_hash,
            });
        }
        let pool = NodePool::new(input.nodes.iter().map(|n| n.to_vec()));
        let codes: Rc<HashMap<B256, Bytes>> = Rc::new(
            input
                .codes
                .iter()
                .map(|c| (keccak256(c), c.clone()))
                .collect(),
        );
        let (main, travels, ancestors) = chain_states(
            &pool,
            &codes,
            &ChainIn {
                block_hash: input.block_hash,
                header: &input.header,
                ancestors: &input.ancestors,
                accounts: &input.accounts,
                travels: &input.travels,
            },
        )?;
        let mut teleports: Vec<L2States> = Vec::with_capacity(input.teleports.len());
        for l2 in &input.teleports {
            if l2.chain_id == input.chain_id || teleports.iter().any(|t| t.chain_id == l2.chain_id)
            {
                return Err(GuestError::Malformed(format!(
                    "teleport to chain {} given twice",
                    l2.chain_id
                )));
            }
            // The L2 block is named by its own hash: it is bound to the L1 only by the anchored output root.
            let (anchored, travels, _) = chain_states(
                &pool,
                &codes,
                &ChainIn {
                    block_hash: keccak256(&l2.header),
                    header: &l2.header,
                    ancestors: &l2.ancestors,
                    accounts: &l2.accounts,
                    travels: &l2.travels,
                },
            )
            .map_err(|e| GuestError::InTeleport {
                chain: l2.chain_id,
                source: Box::new(e),
            })?;
            teleports.push(L2States {
                chain_id: l2.chain_id,
                dev_hardfork: l2.dev_hardfork.to_vec(),
                message_passer_root: l2.message_passer_root,
                anchored,
                travels,
            });
        }
        let logs = LogBlocks::new(
            main.header.number,
            std::iter::once(&main.header).chain(ancestors.iter()),
            &input.logs,
        )?;
        Ok(States {
            main,
            travels,
            teleports,
            logs,
        })
    }

    /// The state of travel block `number` of the pinned block's chain, if the input has it.
    pub fn travel(&self, number: u64) -> Option<&StateDb> {
        find_block(&self.travels, number)
    }

    /// The L2 `chain_id`, if the input has it.
    pub fn teleport(&self, chain_id: u64) -> Option<&L2States> {
        self.teleports.iter().find(|t| t.chain_id == chain_id)
    }
}

/// Checks one chain's header, ancestors and every account and slot of its blocks; the top block's state and the
/// travel blocks' states, ascending; and the ancestors' headers, newest first.
fn chain_states(
    pool: &NodePool,
    codes: &Rc<HashMap<B256, Bytes>>,
    chain: &ChainIn<'_>,
) -> Result<(StateDb, Vec<StateDb>, Vec<Header>), GuestError> {
    let header = Header::decode(chain.header)?;
    let mut block_hashes = HashMap::new();
    if header.number > 0 {
        block_hashes.insert(header.number - 1, header.parent_hash);
    }
    // ancestors[i] is block header.number - 1 - i, with its hash; kept for the travel blocks.
    let mut ancestors = Vec::with_capacity(chain.ancestors.len());
    let mut expected = header.parent_hash;
    for (i, raw) in chain.ancestors.iter().enumerate() {
        let number = header.number.saturating_sub(1 + i as u64);
        if keccak256(raw) != expected || number == 0 {
            return Err(GuestError::AncestorChain(number));
        }
        let ancestor = Header::decode(raw).map_err(|_| GuestError::AncestorChain(number))?;
        let hash = expected;
        expected = ancestor.parent_hash;
        block_hashes.insert(number - 1, expected);
        ancestors.push((ancestor, hash));
    }

    // The top block closes the list: it is the bound every travel block must stay below.
    let mut bound = header.number;
    for travel in chain.travels.iter().rev() {
        if travel.block_number >= bound {
            return Err(GuestError::TravelOrder);
        }
        bound = travel.block_number;
    }
    let mut travel_headers = Vec::with_capacity(chain.travels.len());
    for travel in chain.travels {
        let n = travel.block_number;
        // n < header.number was checked above, so the distance cannot underflow; on a 32-bit target it may
        // not fit an index, and then it is certainly past the ancestors.
        let ancestor = usize::try_from(header.number - 1 - n)
            .ok()
            .and_then(|i| ancestors.get(i))
            .ok_or(GuestError::TravelHeaderMissing(n))?;
        // The hash chain places the header at n; its own number field must agree, as the travel block's
        // environment and lookups read it.
        if ancestor.0.number != n {
            return Err(GuestError::AncestorChain(n));
        }
        travel_headers.push(ancestor.clone());
    }

    let block_hashes = Rc::new(block_hashes);
    let accounts = prove_accounts(pool, header.state_root, chain.accounts)?;
    let top = StateDb {
        header,
        block_hash: chain.block_hash,
        accounts,
        codes: Rc::clone(codes),
        block_hashes: Rc::clone(&block_hashes),
    };
    let mut travels = Vec::with_capacity(chain.travels.len());
    for (travel, (header, block_hash)) in chain.travels.iter().zip(travel_headers) {
        let accounts = prove_accounts(pool, header.state_root, &travel.accounts)?;
        travels.push(StateDb {
            header,
            block_hash,
            accounts,
            codes: Rc::clone(codes),
            block_hashes: Rc::clone(&block_hashes),
        });
    }
    let headers = ancestors.into_iter().map(|(h, _)| h).collect();
    Ok((top, travels, headers))
}

/// Checks every account and slot claim against `state_root` and returns them by address.
fn prove_accounts(
    pool: &NodePool,
    state_root: B256,
    claims: &[AccountIn],
) -> Result<HashMap<Address, ProvenAccount>, GuestError> {
    let mut accounts = HashMap::with_capacity(claims.len());
    for acc in claims {
        let address = acc.address;
        let proven = pool
            .get(state_root, &keccak256(address))
            .map_err(|reason| GuestError::InvalidAccountProof { address, reason })?;
        let claimed = acc.exists.then(|| {
            alloy_rlp::encode(TrieAccount {
                nonce: acc.nonce,
                balance: acc.balance,
                storage_root: acc.storage_root,
                code_hash: acc.code_hash,
            })
        });
        if proven != claimed {
            return Err(GuestError::AccountMismatch(address));
        }
        if !acc.exists && (acc.storage_root != EMPTY_ROOT || acc.code_hash != KECCAK_EMPTY) {
            return Err(GuestError::AccountMismatch(address));
        }
        let mut storage = HashMap::with_capacity(acc.storage.len());
        for st in &acc.storage {
            let slot = st.slot;
            let raw = pool
                .get(acc.storage_root, &keccak256(slot))
                .map_err(|reason| GuestError::InvalidStorageProof {
                    address,
                    slot,
                    reason,
                })?;
            let proven = match raw {
                None => U256::ZERO,
                Some(bytes) => U256::decode(&mut bytes.as_slice()).map_err(|e| {
                    GuestError::InvalidStorageProof {
                        address,
                        slot,
                        reason: format!("bad leaf value: {e}"),
                    }
                })?,
            };
            if proven != st.value {
                return Err(GuestError::StorageValueMismatch {
                    address,
                    slot,
                    claimed: st.value,
                    proven,
                });
            }
            storage.insert(U256::from_be_bytes(slot.0), proven);
        }
        let info = acc.exists.then_some(AccountState {
            nonce: acc.nonce,
            balance: acc.balance,
            code_hash: acc.code_hash,
        });
        accounts.insert(address, ProvenAccount { info, storage });
    }
    Ok(accounts)
}

impl StateDb {
    pub fn account(&self, address: &Address) -> Result<&ProvenAccount, GuestError> {
        self.accounts
            .get(address)
            .ok_or(GuestError::MissingAccount(*address))
    }

    pub fn storage(&self, address: &Address, slot: U256) -> Result<U256, GuestError> {
        let acc = self.account(address)?;
        if acc.info.is_none() {
            return Ok(U256::ZERO); // proven absent: no storage at all
        }
        acc.storage
            .get(&slot)
            .copied()
            .ok_or(GuestError::MissingSlot {
                address: *address,
                slot: B256::from(slot.to_be_bytes()),
            })
    }

    pub fn code(&self, code_hash: &B256) -> Result<&Bytes, GuestError> {
        self.codes
            .get(code_hash)
            .ok_or(GuestError::MissingCodeByHash(*code_hash))
    }

    pub fn block_hash(&self, number: u64) -> Result<B256, GuestError> {
        let n = self.header.number;
        if number >= n || n - number > BLOCKHASH_WINDOW {
            return Ok(B256::ZERO);
        }
        self.block_hashes
            .get(&number)
            .copied()
            .ok_or(GuestError::MissingBlockHash(number))
    }
}
