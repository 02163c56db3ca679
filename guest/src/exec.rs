//! Re-execution of the call with revm under eth_call's relaxations, and the journal.

use alloy_primitives::{Address, B256, U256};
use revm::context::{BlockEnv, CfgEnv, Context, TxEnv};
use revm::context_interface::result::{EVMError, ExecutionResult, Output};
use revm::primitives::{Bytes, TxKind};
use revm::{InspectEvm, MainBuilder, MainContext};

use crate::chain::{self, Rules};
use crate::db::{DbError, WrapStateDb};
use crate::error::GuestError;
use crate::header::Header;
use crate::input::CallIn;
use crate::state::States;
use crate::travel::Traveler;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallOutput {
    pub return_data: Vec<u8>,
    pub gas_used: u64,
}

/// Re-executes `call` on the pinned block of `states`, answering the prover's time travel (`setBlock`) from the
/// travel blocks of `states` ([`crate::travel`]).
pub fn run_call(
    states: &States,
    chain_id: u64,
    dev_hardfork: &[u8],
    call: &CallIn,
) -> Result<CallOutput, GuestError> {
    let state = &states.main;
    let rules = chain::rules(chain_id, dev_hardfork, state.header.timestamp)?;
    let tx = TxEnv {
        caller: call.caller,
        kind: TxKind::Call(call.to),
        data: Bytes::from(call.data.to_vec()),
        gas_limit: call.gas_limit,
        gas_price: 0,
        value: U256::ZERO,
        chain_id: Some(chain_id),
        ..Default::default()
    };

    let mut traveler = Traveler::new(states, chain_id, dev_hardfork);
    let result = Context::mainnet()
        .with_db(WrapStateDb::new(state))
        .with_cfg(cfg_env(rules, chain_id))
        .with_block(block_env(&state.header, rules))
        .build_mainnet_with_inspector(&mut traveler)
        .inspect_tx(tx);
    // A refused travel request aborts the execution; whatever revm made of that abort is not the reason.
    if let Some(err) = traveler.take_error() {
        return Err(err);
    }
    let result = result.map_err(evm_error)?;
    match result.result {
        ExecutionResult::Success { gas, output, .. } => {
            let data = match output {
                Output::Call(b) => b.to_vec(),
                Output::Create(b, _) => b.to_vec(),
            };
            Ok(CallOutput {
                return_data: data,
                gas_used: gas.tx_gas_used(),
            })
        }
        ExecutionResult::Revert { output, .. } => {
            Err(GuestError::Reverted(alloy_primitives::hex::encode(output)))
        }
        ExecutionResult::Halt { reason, .. } => Err(GuestError::Halted(format!("{reason:?}"))),
    }
}

/// eth_call's configuration: no nonce, balance, base-fee, EIP-3607 or block gas limit checks. The EIP-7825 cap
/// stays.
pub(crate) fn cfg_env(rules: Rules, chain_id: u64) -> CfgEnv {
    let mut cfg = CfgEnv::new_with_spec(rules.spec);
    cfg.chain_id = chain_id;
    cfg.disable_nonce_check = true;
    cfg.disable_balance_check = true;
    cfg.disable_base_fee = true;
    cfg.disable_eip3607 = true;
    cfg.disable_block_gas_limit = true;
    cfg
}

/// The block environment a call on `header`'s block sees.
pub(crate) fn block_env(header: &Header, rules: Rules) -> BlockEnv {
    let mut block = BlockEnv {
        number: U256::from(header.number),
        timestamp: U256::from(header.timestamp),
        beneficiary: header.beneficiary,
        basefee: header.base_fee,
        gas_limit: header.gas_limit,
        difficulty: header.difficulty,
        prevrandao: Some(header.mix_hash),
        ..Default::default()
    };
    block.set_blob_excess_gas_and_price(
        header.excess_blob_gas.unwrap_or(0),
        rules.blob_update_fraction,
    );
    block
}

/// A database error carries the guest's own error (what the input lacked); anything else is revm's.
pub(crate) fn evm_error(e: EVMError<DbError>) -> GuestError {
    match e {
        EVMError::Database(db) => db.0,
        other => GuestError::Evm(other.to_string()),
    }
}

/// abi.encode(CallAssumptions) || returnData, vlayer v1's journal layout.
pub fn journal(
    to: Address,
    calldata: &[u8],
    chain_id: u64,
    number: u64,
    block_hash: B256,
    ret: &[u8],
) -> Vec<u8> {
    let mut out = Vec::with_capacity(160 + ret.len());
    let mut word = [0u8; 32];
    word[12..].copy_from_slice(to.as_slice());
    out.extend_from_slice(&word);
    let mut selector = [0u8; 32];
    if calldata.len() >= 4 {
        selector[..4].copy_from_slice(&calldata[..4]);
    }
    out.extend_from_slice(&selector);
    out.extend_from_slice(&U256::from(chain_id).to_be_bytes::<32>());
    out.extend_from_slice(&U256::from(number).to_be_bytes::<32>());
    out.extend_from_slice(block_hash.as_slice());
    out.extend_from_slice(ret);
    out
}
