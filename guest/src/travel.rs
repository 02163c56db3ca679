//! Time travel: a prover's `setBlock(n)` / `setChain(chainId, n)` and the calls it makes afterwards
//! (docs/wire-format.md, "Time travel"). The host preflight (host/vlayer/preflight/travel.py, py-evm) applies the
//! same rules; return data and gas must agree with it to the unit.
//!
//! [`Traveler`] is the inspector of the main execution. A CALL to [`TRAVELER`] runs no code: it moves the
//! execution's location and returns the word 1 with all its gas. While the location is a travel block, every CALL
//! or STATICCALL runs instead as the top frame of a fresh EVM over that block's state ([`run_top_frame`]); only its
//! result, return data and remaining gas come back.

use alloy_primitives::{address, Address, Bytes, U256};
use revm::context::{Context, TxEnv};
use revm::context_interface::context::{take_error, ContextError};
use revm::context_interface::result::EVMError;
use revm::context_interface::{ContextTr, JournalTr};
use revm::handler::{EthFrame, EvmTr, FrameResult, Handler, MainnetHandler};
use revm::interpreter::{
    CallInputs, CallOutcome, CallScheme, FrameInput, Gas, GasTracker, InstructionResult,
    InterpreterResult,
};
use revm::primitives::constants::CALL_STACK_LIMIT;
use revm::primitives::TxKind;
use revm::{Database, Inspector, MainBuilder, MainContext};

use crate::chain::{self, Rules};
use crate::db::{DbError, WrapStateDb};
use crate::error::GuestError;
use crate::exec::{block_env, cfg_env, evm_error, precompiles, warm_sender};
use crate::logs::LOGS;
use crate::state::{StateDb, States};

/// vlayer v1's traveler address: the low 20 bytes of keccak256("vlayer.traveler") (contracts/src/Prover.sol).
pub const TRAVELER: Address = address!("76dC9aa45aa006A0F63942d8F9f21Bd4537972A3");
/// `setBlock(uint256)`
pub const SET_BLOCK: [u8; 4] = [0x87, 0xce, 0xa3, 0xae];
/// `setChain(uint256,uint256)`
pub const SET_CHAIN: [u8; 4] = [0xff, 0xbc, 0x56, 0x38];

/// What a call to the traveler asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Request {
    SetBlock(U256),
    SetChain { chain_id: U256, block: U256 },
}

impl Request {
    /// Decodes the traveler's calldata. Only the exact ABI encodings are requests: a selector with extra or missing
    /// bytes is refused, as the host refuses it.
    pub fn decode(data: &[u8]) -> Result<Self, GuestError> {
        // Only called once the length is known to hold word `i`.
        let word = |i: usize| U256::from_be_slice(&data[4 + 32 * i..4 + 32 * (i + 1)]);
        match data.get(..4) {
            Some(sel) if sel == SET_BLOCK && data.len() == 4 + 32 => Ok(Request::SetBlock(word(0))),
            Some(sel) if sel == SET_CHAIN && data.len() == 4 + 64 => Ok(Request::SetChain {
                chain_id: word(0),
                block: word(1),
            }),
            _ => Err(GuestError::TravelerRequest(alloy_primitives::hex::encode(
                data,
            ))),
        }
    }
}

/// Where the calls of the main execution run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Location {
    /// The pinned block: calls run in the main execution.
    Pinned,
    /// A travel block of the pinned block's chain.
    Travel(u64),
    /// A block of an L2 the call teleported to (`setChain`): the anchored block or one of its ancestors.
    L2 { chain: u64, block: u64 },
}

/// The inspector of the main execution: answers the traveler and reroutes the calls made while travelling.
pub struct Traveler<'a> {
    states: &'a States,
    chain_id: u64,
    dev_hardfork: &'a [u8],
    location: Location,
    /// The first request that could not be honoured. It ends the execution and is the guest's answer.
    error: Option<GuestError>,
}

impl<'a> Traveler<'a> {
    pub fn new(states: &'a States, chain_id: u64, dev_hardfork: &'a [u8]) -> Self {
        Self {
            states,
            chain_id,
            dev_hardfork,
            location: Location::Pinned,
            error: None,
        }
    }

    pub fn location(&self) -> Location {
        self.location
    }

    pub fn take_error(&mut self) -> Option<GuestError> {
        self.error.take()
    }

    /// Handles one request to the traveler (its calldata): moves the location or refuses.
    /// `setBlock` moves along the chain the execution is on (vlayer v1's rule); `setChain` names the chain.
    pub fn answer(&mut self, data: &[u8]) -> Result<(), GuestError> {
        let (chain, block) = match (Request::decode(data)?, self.location) {
            (Request::SetBlock(block), Location::L2 { chain, .. }) => (Some(chain), block),
            (Request::SetBlock(block), _) => (None, block),
            (Request::SetChain { chain_id, block }, _) if chain_id == U256::from(self.chain_id) => {
                (None, block)
            }
            (Request::SetChain { chain_id, block }, _) => {
                let chain = u64::try_from(chain_id)
                    .ok()
                    .filter(|c| chain::teleport_pair(self.chain_id, *c).is_some())
                    .ok_or(GuestError::TeleportUnsupported {
                        from: self.chain_id,
                        to: chain_id,
                    })?;
                (Some(chain), block)
            }
        };
        self.location = match chain {
            Some(chain) => {
                let at = u64::try_from(block).ok().filter(|n| {
                    self.states
                        .teleport(chain)
                        .is_some_and(|l2| l2.at(*n).is_some())
                });
                match at {
                    Some(n) => Location::L2 { chain, block: n },
                    None => return Err(GuestError::TeleportBlockMissing { chain, block }),
                }
            }
            None if block == U256::from(self.states.main.header.number) => Location::Pinned,
            None => match u64::try_from(block) {
                Ok(n) if self.states.travel(n).is_some() => Location::Travel(n),
                _ => return Err(GuestError::TravelBlockMissing(block)),
            },
        };
        Ok(())
    }

    /// Answers a log query ([`crate::logs`]) with the gas it costs; a query the call's gas cannot pay for runs out
    /// of gas like any frame.
    fn answer_logs(&self, inputs: &CallInputs, input: &[u8]) -> Result<CallOutcome, GuestError> {
        if let Location::L2 { chain, .. } = self.location {
            return Err(GuestError::LogsOnL2(chain));
        }
        let answer = self.states.logs.answer(input)?;
        let mut gas = Gas::new_with_regular_gas_and_reservoir(inputs.gas_limit, inputs.reservoir);
        let result = if gas.record_regular_cost(answer.gas) {
            InterpreterResult::new(InstructionResult::Return, Bytes::from(answer.data), gas)
        } else {
            InterpreterResult::new(
                InstructionResult::OutOfGas,
                Bytes::new(),
                Gas::new_spent_with_reservoir(inputs.gas_limit, inputs.reservoir),
            )
        };
        Ok(outcome(inputs, result))
    }

    /// Runs a call of the main execution at travel block `number` and shapes its result as the outcome of the
    /// call in the main execution.
    fn run_travelled(
        &self,
        location: Location,
        inputs: &CallInputs,
        input: Bytes,
    ) -> Result<CallOutcome, GuestError> {
        // `answer` only sets locations the input has.
        let (state, chain_id, dev_hardfork) = match location {
            Location::Pinned => return Err(GuestError::Evm("a pinned-block call rerouted".into())),
            Location::Travel(n) => (self.states.travel(n), self.chain_id, self.dev_hardfork),
            Location::L2 { chain, block } => {
                let l2 = self.states.teleport(chain);
                (
                    l2.and_then(|l2| l2.at(block)),
                    chain,
                    l2.map_or(&[][..], |l2| l2.dev_hardfork.as_slice()),
                )
            }
        };
        let state = state.ok_or_else(|| GuestError::Evm(format!("{location:?} not in input")))?;
        let number = state.header.number;
        if inputs.transfer_value().is_some_and(|v| !v.is_zero()) {
            return Err(GuestError::TravelValue(number));
        }
        let rules = chain::rules(chain_id, dev_hardfork, state.header.timestamp)?;
        let frame = run_top_frame(
            state,
            rules,
            chain_id,
            &TopFrame {
                caller: inputs.caller,
                target: inputs.target_address,
                input,
                gas_limit: inputs.gas_limit,
                is_static: inputs.is_static,
            },
            true,
        )?;
        if frame.result == InstructionResult::FatalExternalError {
            // revm's caller frame panics on this result; a database error would already have been returned.
            return Err(GuestError::Evm(format!(
                "travelled call at block {number} failed fatally"
            )));
        }
        // Only the gas left comes back: the travelled frame's refunds (and state gas) belong to another block.
        let mut gas = Gas::new_with_regular_gas_and_reservoir(inputs.gas_limit, inputs.reservoir);
        gas.set_remaining(frame.gas.remaining());
        Ok(outcome(
            inputs,
            InterpreterResult::new(frame.result, frame.output, gas),
        ))
    }

    /// Records `err` and makes revm stop at the caller frame: revm checks its context error as soon as this
    /// outcome is returned to the frame that made the call.
    fn refuse<CTX: ContextTr>(
        &mut self,
        context: &mut CTX,
        err: GuestError,
        inputs: &CallInputs,
    ) -> CallOutcome {
        if context.error().is_ok() {
            *context.error() = Err(ContextError::Custom(err.to_string()));
        }
        self.error.get_or_insert(err);
        outcome(
            inputs,
            InterpreterResult::new(
                InstructionResult::Revert,
                Bytes::new(),
                Gas::new_spent_with_reservoir(inputs.gas_limit, inputs.reservoir),
            ),
        )
    }
}

fn outcome(inputs: &CallInputs, result: InterpreterResult) -> CallOutcome {
    let mut outcome = CallOutcome::new(result, inputs.return_memory_offset.clone());
    // As revm's own outcomes for a call that never became a frame: the caller settles its upfront charge.
    outcome.charged_new_account_state_gas = inputs.charged_new_account_state_gas;
    outcome
}

impl<CTX> Inspector<CTX> for Traveler<'_>
where
    CTX: ContextTr<Db: Database<Error = DbError>>,
{
    fn call(&mut self, context: &mut CTX, inputs: &mut CallInputs) -> Option<CallOutcome> {
        let to_traveler = inputs.target_address == TRAVELER;
        // Like the traveler, a log query is answered wherever the execution is; DELEGATECALL and CALLCODE keep the
        // caller's address as their target, so only CALL and STATICCALL reach here.
        let to_logs = inputs.target_address == LOGS;
        // DELEGATECALL and CALLCODE run the prover's own code where it is; they never travel.
        let travelling = Some(self.location).filter(|l| {
            *l != Location::Pinned
                && matches!(inputs.scheme, CallScheme::Call | CallScheme::StaticCall)
        });
        if !to_traveler && !to_logs && travelling.is_none() {
            return None;
        }
        // The journal's depth here is the depth of the frame the call would open. Depth 0 is the prover call
        // itself, which the host runs as it is; a call past the depth limit, or sending more value than its
        // caller has, fails before a frame exists (in revm as in py-evm), so it is left to revm.
        let depth = context.journal().depth();
        if depth == 0 || depth > CALL_STACK_LIMIT as usize {
            return None;
        }
        if let Some(value) = inputs.transfer_value().filter(|v| !v.is_zero()) {
            match context.journal_mut().load_account(inputs.caller) {
                Ok(caller) if caller.data.info.balance < value => return None,
                Ok(_) => {}
                Err(DbError(err)) => return Some(self.refuse(context, err, inputs)),
            }
        }
        // A shared-buffer input points into the caller's memory, which is only readable from this context.
        let input = inputs.input.bytes(context);
        if to_logs && inputs.transfer_value().is_some_and(|v| !v.is_zero()) {
            return Some(self.refuse(context, GuestError::LogsValue, inputs));
        }
        let result = match (to_traveler, travelling) {
            _ if to_logs => self.answer_logs(inputs, &input),
            (true, _) => self.answer(&input).map(|()| {
                let mut word = [0u8; 32];
                word[31] = 1;
                outcome(
                    inputs,
                    InterpreterResult::new(
                        InstructionResult::Return,
                        Bytes::copy_from_slice(&word),
                        Gas::new_with_regular_gas_and_reservoir(inputs.gas_limit, inputs.reservoir),
                    ),
                )
            }),
            (false, Some(location)) => self.run_travelled(location, inputs, input),
            (false, None) => return None,
        };
        Some(result.unwrap_or_else(|err| self.refuse(context, err, inputs)))
    }
}

/// A call run as the top frame of its own EVM.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TopFrame {
    pub caller: Address,
    pub target: Address,
    pub input: Bytes,
    pub gas_limit: u64,
    pub is_static: bool,
}

/// Runs `call` as the top frame of a fresh EVM over `state`, as a transaction's frame but without a transaction:
/// no intrinsic gas, no fee, no nonce bump, no refund. The frame starts with what a transaction warms: the
/// precompiles and the coinbase (revm's `load_accounts`), the caller (loaded with its code, as a transaction's
/// validation loads its sender), the target and its EIP-7702 delegate (revm's `create_init_frame`). Its state
/// changes and logs are dropped with the EVM.
///
/// `travelled`: the block was reached by time travel or teleport, where time-dependent precompiles refuse
/// ([`crate::vlayer_precompiles`]).
pub fn run_top_frame(
    state: &StateDb,
    rules: Rules,
    chain_id: u64,
    call: &TopFrame,
    travelled: bool,
) -> Result<InterpreterResult, GuestError> {
    // The frame reads ORIGIN, GASPRICE and the input from the transaction; it is never validated or charged.
    let tx = TxEnv {
        caller: call.caller,
        kind: TxKind::Call(call.target),
        data: call.input.clone(),
        gas_limit: call.gas_limit,
        gas_price: 0,
        value: U256::ZERO,
        chain_id: Some(chain_id),
        ..Default::default()
    };
    let mut evm = Context::mainnet()
        .with_db(WrapStateDb::new(state))
        .with_cfg(cfg_env(rules, chain_id))
        .with_block(block_env(&state.header, rules))
        .with_tx(tx)
        .build_mainnet();
    evm.precompiles = precompiles(rules, travelled);
    let mut handler = MainnetHandler::<_, EVMError<DbError>, EthFrame>::default();
    handler.load_accounts(&mut evm).map_err(evm_error)?;
    // Warm like the main execution's sender, and like it loaded only if the code reads it.
    warm_sender(evm.ctx().journal_mut(), call.caller);
    let mut gas = GasTracker::new(call.gas_limit, call.gas_limit, 0);
    let Some(mut first) = handler
        .first_frame_input(&mut evm, &mut gas)
        .map_err(evm_error)?
    else {
        // Only EIP-2780's runtime charges (Amsterdam) can run a first frame out of gas before it starts.
        return Ok(InterpreterResult::new_oog(call.gas_limit, 0));
    };
    if let FrameInput::Call(inputs) = &mut first.frame_input {
        inputs.is_static = call.is_static;
    }
    let frame = handler.run_exec_loop(&mut evm, first).map_err(evm_error)?;
    // A database error inside the top frame is only recorded in the context; revm's handler reads it when it
    // builds a transaction's result, which this frame never does.
    take_error::<EVMError<DbError>, _>(evm.ctx().error()).map_err(evm_error)?;
    match frame {
        FrameResult::Call(outcome) => Ok(outcome.result),
        FrameResult::Create(_) => Err(GuestError::Evm("a call frame created".into())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(selector: [u8; 4], args: &[u64]) -> Vec<u8> {
        let mut out = selector.to_vec();
        for a in args {
            out.extend_from_slice(&U256::from(*a).to_be_bytes::<32>());
        }
        out
    }

    #[test]
    fn selectors_are_the_abi_ones() {
        assert_eq!(
            alloy_primitives::keccak256("setBlock(uint256)")[..4],
            SET_BLOCK
        );
        assert_eq!(
            alloy_primitives::keccak256("setChain(uint256,uint256)")[..4],
            SET_CHAIN
        );
        let hash = alloy_primitives::keccak256("vlayer.traveler");
        assert_eq!(TRAVELER.as_slice(), &hash[12..]);
    }

    #[test]
    fn decodes_set_block_and_set_chain() {
        assert_eq!(
            Request::decode(&words(SET_BLOCK, &[42])),
            Ok(Request::SetBlock(U256::from(42)))
        );
        assert_eq!(
            Request::decode(&words(SET_CHAIN, &[1, 7])),
            Ok(Request::SetChain {
                chain_id: U256::from(1),
                block: U256::from(7)
            })
        );
        let mut huge = SET_BLOCK.to_vec();
        huge.extend_from_slice(&[0xff; 32]);
        assert_eq!(Request::decode(&huge), Ok(Request::SetBlock(U256::MAX)));
    }

    #[test]
    fn anything_else_is_an_unknown_request() {
        let short = &words(SET_BLOCK, &[42])[..35];
        let long = words(SET_BLOCK, &[42, 0]);
        let chain_short = words(SET_CHAIN, &[1]);
        for data in [
            &[][..],
            &[0x87, 0xce, 0xa3],
            short,
            &long,
            &chain_short,
            &words([0xde, 0xad, 0xbe, 0xef], &[]),
        ] {
            let err = Request::decode(data).unwrap_err();
            assert_eq!(
                err.to_string(),
                format!(
                    "traveler: unknown request 0x{}",
                    alloy_primitives::hex::encode(data)
                )
            );
        }
    }
}
