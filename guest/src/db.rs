//! WrapStateDb: revm's `Database` over a verified [`StateDb`]. Anything revm asks for that the input did not prove
//! is an error naming it, which revm hands back as `EVMError::Database`.

use revm::primitives::{Address, B256, KECCAK_EMPTY, U256};
use revm::state::{AccountInfo, Bytecode};
use revm::Database;

use crate::error::GuestError;
use crate::state::StateDb;

/// revm's database errors must be `DBErrorMarker`; ours is the guest's own error.
#[derive(Debug)]
pub struct DbError(pub GuestError);

impl std::fmt::Display for DbError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

impl std::error::Error for DbError {}
impl revm::database_interface::DBErrorMarker for DbError {}

pub struct WrapStateDb<'a> {
    state: &'a StateDb,
}

impl<'a> WrapStateDb<'a> {
    pub fn new(state: &'a StateDb) -> Self {
        Self { state }
    }
}

impl Database for WrapStateDb<'_> {
    type Error = DbError;

    fn basic(&mut self, address: Address) -> Result<Option<AccountInfo>, Self::Error> {
        let acc = self.state.account(&address).map_err(DbError)?;
        let Some(info) = &acc.info else {
            return Ok(None);
        };
        // No code here: revm asks `code_by_hash` only when the code runs or is read (EXTCODESIZE/COPY, a call),
        // so the witness holds code for exactly those accounts; BALANCE and EXTCODEHASH need only the account.
        Ok(Some(AccountInfo {
            balance: info.balance,
            nonce: info.nonce,
            code_hash: info.code_hash,
            code: (info.code_hash == KECCAK_EMPTY).then(Bytecode::default),
            ..Default::default()
        }))
    }

    fn code_by_hash(&mut self, code_hash: B256) -> Result<Bytecode, Self::Error> {
        let raw = self.state.code(&code_hash).map_err(DbError)?;
        Ok(Bytecode::new_raw(raw.clone()))
    }

    fn storage(&mut self, address: Address, index: U256) -> Result<U256, Self::Error> {
        self.state.storage(&address, index).map_err(DbError)
    }

    fn block_hash(&mut self, number: u64) -> Result<B256, Self::Error> {
        self.state.block_hash(number).map_err(DbError)
    }
}
