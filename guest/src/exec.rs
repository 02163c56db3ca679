//! Re-execution of the call with revm under eth_call's relaxations, and the journal.

use core::marker::PhantomData;

use alloy_primitives::{Address, B256, U256};
use revm::context::{BlockEnv, CfgEnv, Context, TxEnv};
use revm::context_interface::block::BlobExcessGasAndPrice;
use revm::context_interface::result::{EVMError, ExecutionResult, HaltReason, Output};
use revm::context_interface::{ContextTr, JournalTr, Transaction};
use revm::handler::{pre_execution, EthFrame, EthPrecompiles, EvmTr, EvmTrError, Handler};
use revm::inspector::{InspectorEvmTr, InspectorHandler};
use revm::interpreter::interpreter::EthInterpreter;
use revm::precompile::{PrecompileSpecId, Precompiles};
use revm::primitives::{AddressMap, Bytes, HashSet, StorageKey, TxKind};
use revm::state::EvmState;
use revm::{Inspector, MainBuilder, MainContext};

use crate::chain::{self, Rules};
use crate::db::{DbError, WrapStateDb};
use crate::error::GuestError;
use crate::header::Header;
use crate::input::CallIn;
use crate::op_stack;
use crate::state::States;
use crate::travel::Traveler;
use crate::vlayer_precompiles;

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
    let mut evm = Context::mainnet()
        .with_db(WrapStateDb::new(state))
        .with_cfg(cfg_env(rules, chain_id))
        .with_block(block_env(&state.header, rules))
        .with_tx(tx)
        .build_mainnet_with_inspector(&mut traveler);
    evm.precompiles = precompiles(rules, false);
    let result = EthCall::<_, EVMError<DbError>>::default().inspect_run(&mut evm);
    drop(evm);
    // A refused travel request aborts the execution; whatever revm made of that abort is not the reason.
    if let Some(err) = traveler.take_error() {
        return Err(err);
    }
    match result.map_err(evm_error)? {
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

/// The transaction of an eth_call without the transaction's own state accesses: its sender is warm (EIP-2929) but
/// not loaded, never validated or charged, its nonce not bumped; with fees off (`cfg_env`) the coinbase is only
/// warmed (EIP-3651). So the sender's and the coinbase's accounts are read, and must be proven, only when the
/// executed code reads them (BALANCE, EXTCODE*, a call into them), which is the rule the host's preflight follows
/// (docs/wire-format.md, "What the witness holds").
pub(crate) struct EthCall<EVM, ERROR> {
    _types: PhantomData<(EVM, ERROR)>,
}

impl<EVM, ERROR> Default for EthCall<EVM, ERROR> {
    fn default() -> Self {
        Self {
            _types: PhantomData,
        }
    }
}

/// Makes `caller` warm the way a transaction's sender is, without reading its account.
pub(crate) fn warm_sender<J: JournalTr>(journal: &mut J, caller: Address) {
    let mut warm: AddressMap<HashSet<StorageKey>> = AddressMap::default();
    warm.insert(caller, HashSet::default());
    journal.warm_access_list(warm);
}

impl<EVM, ERROR> Handler for EthCall<EVM, ERROR>
where
    EVM: EvmTr<Context: ContextTr<Journal: JournalTr<State = EvmState>>, Frame = EthFrame>,
    ERROR: EvmTrError<EVM>,
{
    type Evm = EVM;
    type Error = ERROR;
    type HaltReason = HaltReason;

    fn load_accounts(&self, evm: &mut Self::Evm) -> Result<(), Self::Error> {
        pre_execution::load_accounts::<EVM, ERROR>(evm)?;
        let caller = evm.ctx().tx().caller();
        warm_sender(evm.ctx().journal_mut(), caller);
        Ok(())
    }

    fn validate_against_state_and_deduct_caller(
        &self,
        _evm: &mut Self::Evm,
        _init_and_floor_gas: &mut revm::interpreter::InitialAndFloorGas,
    ) -> Result<(), Self::Error> {
        Ok(())
    }
}

impl<EVM, ERROR> InspectorHandler for EthCall<EVM, ERROR>
where
    EVM: InspectorEvmTr<
        Context: ContextTr<Journal: JournalTr<State = EvmState>>,
        Frame = EthFrame<EthInterpreter>,
        Inspector: Inspector<<EVM as EvmTr>::Context, EthInterpreter>,
    >,
    ERROR: EvmTrError<EVM>,
{
    type IT = EthInterpreter;
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
    // No fee is charged (gas price 0), so none is paid to the coinbase: its account is never loaded for it.
    cfg.disable_fee_charge = true;
    cfg
}

/// The precompiles of `rules`: revm's for an Ethereum fork; for an OP-stack block, its OP fork's
/// ([`crate::op_stack`]); and vlayer's ([`crate::vlayer_precompiles`]), their time-dependent ones refusing on a
/// `travelled` (time travel or teleport) block. The provider's spec is the configured one, so revm keeps this set
/// for the run.
pub(crate) fn precompiles(rules: Rules, travelled: bool) -> EthPrecompiles {
    let base = match rules.op {
        None => Precompiles::new(PrecompileSpecId::from_spec_id(rules.spec)),
        Some(op) => op_stack::precompiles(op),
    };
    EthPrecompiles {
        precompiles: vlayer_precompiles::with_vlayer(base, travelled),
        spec: rules.spec,
    }
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
    if rules.op.is_some() {
        // OP-stack blocks carry no blobs: op-geth's CalcBlobFee answers the minimum (1) for OP chains, and op-reth
        // sets excess 0 and price 1, whatever the header says.
        block.blob_excess_gas_and_price = Some(BlobExcessGasAndPrice {
            excess_blob_gas: 0,
            blob_gasprice: 1,
        });
    } else {
        block.set_blob_excess_gas_and_price(
            header.excess_blob_gas.unwrap_or(0),
            rules.blob_update_fraction,
        );
    }
    block
}

/// A database error carries the guest's own error (what the input lacked); anything else is revm's.
pub(crate) fn evm_error(e: EVMError<DbError>) -> GuestError {
    match e {
        EVMError::Database(db) => db.0,
        // A fatal vlayer precompile failure reaches here as revm's custom error text.
        EVMError::Custom(text) => match vlayer_precompiles::from_fatal(&text) {
            Some(fatal) => fatal,
            None => GuestError::Evm(EVMError::<DbError>::Custom(text).to_string()),
        },
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
