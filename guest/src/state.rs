//! StateDb: the state of one block built only from the input, every piece checked before it is used.

use std::collections::HashMap;

use alloy_primitives::{keccak256, Address, Bytes, B256, U256};
use alloy_rlp::{Decodable, RlpEncodable};

use crate::error::GuestError;
use crate::header::Header;
use crate::input::GuestInput;
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

pub struct StateDb {
    pub header: Header,
    pub block_hash: B256,
    pub accounts: HashMap<Address, ProvenAccount>,
    pub codes: HashMap<B256, Bytes>,
    pub block_hashes: HashMap<u64, B256>,
}

impl StateDb {
    pub fn new(input: &GuestInput) -> Result<Self, GuestError> {
        let computed = keccak256(&input.header);
        if computed != input.block_hash {
            return Err(GuestError::HeaderHashMismatch {
                computed,
                claimed: input.block_hash,
            });
        }
        let header = Header::decode(&input.header)?;

        let mut block_hashes = HashMap::new();
        if header.number > 0 {
            block_hashes.insert(header.number - 1, header.parent_hash);
        }
        let mut expected = header.parent_hash;
        for (i, raw) in input.ancestors.iter().enumerate() {
            let number = header.number.saturating_sub(1 + i as u64);
            if keccak256(raw) != expected || number == 0 {
                return Err(GuestError::AncestorChain(number));
            }
            expected = Header::decode(raw)
                .map_err(|_| GuestError::AncestorChain(number))?
                .parent_hash;
            block_hashes.insert(number - 1, expected);
        }

        let pool = NodePool::new(input.nodes.iter().map(|n| n.to_vec()));
        let codes: HashMap<B256, Bytes> = input
            .codes
            .iter()
            .map(|c| (keccak256(c), c.clone()))
            .collect();
        let mut accounts = HashMap::with_capacity(input.accounts.len());
        for acc in &input.accounts {
            let address = acc.address;
            let proven = pool
                .get(header.state_root, &keccak256(address))
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
            if acc.code_hash != KECCAK_EMPTY && !codes.contains_key(&acc.code_hash) {
                return Err(GuestError::MissingCode {
                    address,
                    code_hash: acc.code_hash,
                });
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
        Ok(StateDb {
            header,
            block_hash: input.block_hash,
            accounts,
            codes,
            block_hashes,
        })
    }

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
