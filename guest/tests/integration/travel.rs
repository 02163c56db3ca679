//! Time travel executed end to end over hand-built block states (no proofs: `States` is assembled directly, its
//! verification is covered by the golden-vector tests). The programs are small hand-assembled contracts.

use std::collections::HashMap;
use std::rc::Rc;

use alloy_primitives::{address, keccak256, Address, Bytes, B256, U256};
use vlayer_guest::error::GuestError;
use vlayer_guest::exec::{run_call, CallOutput};
use vlayer_guest::header::Header;
use vlayer_guest::input::CallIn;
use vlayer_guest::state::{AccountState, ProvenAccount, StateDb, States, KECCAK_EMPTY};
use vlayer_guest::travel::{SET_BLOCK, SET_CHAIN, TRAVELER};

const CHAIN_ID: u64 = 31337;
const PINNED: u64 = 100;
const PAST: u64 = 90;

const EOA: Address = address!("00000000000000000000000000000000000000c0");
const PROVER: Address = address!("00000000000000000000000000000000000000a1");
const LEDGER: Address = address!("00000000000000000000000000000000000000b2");
const ENV: Address = address!("00000000000000000000000000000000000000e3");
const COINBASE: Address = address!("00000000000000000000000000000000000000cb");
/// An account that does not exist at the pinned block.
const NOBODY: Address = address!("00000000000000000000000000000000000000d4");

/// A hand assembler: just the opcodes these programs use.
#[derive(Default, Clone)]
struct Asm(Vec<u8>);

impl Asm {
    fn op(mut self, op: u8) -> Self {
        self.0.push(op);
        self
    }
    fn push(mut self, bytes: &[u8]) -> Self {
        assert!((1..=32).contains(&bytes.len()));
        self.0.push(0x5f + bytes.len() as u8);
        self.0.extend_from_slice(bytes);
        self
    }
    fn n(self, v: u64) -> Self {
        let b = v.to_be_bytes();
        let skip = b.iter().take_while(|x| **x == 0).count().min(7);
        self.push(&b[skip..])
    }
    fn addr(self, a: Address) -> Self {
        self.push(a.as_slice())
    }
    /// mem[at..at+4+32*args.len()] = selector || args, the traveler's calldata.
    fn request(self, at: u64, selector: [u8; 4], args: &[u64]) -> Self {
        // The selector goes in the top bytes of the word at `at`; each argument in the following words.
        let mut s = self.push(&selector).n(224).op(SHL).n(at).op(MSTORE);
        for (i, a) in args.iter().enumerate() {
            s = s.n(*a).n(at + 4 + 32 * i as u64).op(MSTORE);
        }
        s
    }
    /// CALL(gas, to, value, in_off, in_len, out_off, out_len); leaves the success flag on the stack.
    fn call(self, to: Address, value: u64, input: (u64, u64), out: (u64, u64)) -> Self {
        self.n(out.1)
            .n(out.0)
            .n(input.1)
            .n(input.0)
            .n(value)
            .addr(to)
            .op(GAS)
            .op(CALL)
    }
    fn static_call(self, to: Address, input: (u64, u64), out: (u64, u64)) -> Self {
        self.n(out.1)
            .n(out.0)
            .n(input.1)
            .n(input.0)
            .addr(to)
            .op(GAS)
            .op(STATICCALL)
    }
    fn delegate_call(self, to: Address, input: (u64, u64), out: (u64, u64)) -> Self {
        self.n(out.1)
            .n(out.0)
            .n(input.1)
            .n(input.0)
            .addr(to)
            .op(GAS)
            .op(DELEGATECALL)
    }
    fn mstore(self, at: u64) -> Self {
        self.n(at).op(MSTORE)
    }
    fn ret(self, at: u64, len: u64) -> Self {
        self.n(len).n(at).op(RETURN)
    }
    fn bytes(self) -> Bytes {
        Bytes::from(self.0)
    }
}

const ADD: u8 = 0x01;
const SUB: u8 = 0x03;
const SHL: u8 = 0x1b;
const BALANCE: u8 = 0x31;
const ORIGIN: u8 = 0x32;
const CALLER: u8 = 0x33;
const CALLDATALOAD: u8 = 0x35;
const GASPRICE: u8 = 0x3a;
const BLOCKHASH: u8 = 0x40;
const COINBASE_OP: u8 = 0x41;
const NUMBER: u8 = 0x43;
const POP: u8 = 0x50;
const MSTORE: u8 = 0x52;
const SLOAD: u8 = 0x54;
const SSTORE: u8 = 0x55;
const GAS: u8 = 0x5a;
const SWAP1: u8 = 0x90;
const CALL: u8 = 0xf1;
const RETURN: u8 = 0xf3;
const DELEGATECALL: u8 = 0xf4;
const STATICCALL: u8 = 0xfa;
const INVALID: u8 = 0xfe;

/// The ledger: returns calldata word 0 plus its slot 0.
fn ledger_code() -> Bytes {
    Asm::default()
        .n(0)
        .op(CALLDATALOAD)
        .n(0)
        .op(SLOAD)
        .op(ADD)
        .mstore(0)
        .ret(0, 32)
        .bytes()
}

/// The environment probe: NUMBER, BLOCKHASH(NUMBER-1), ORIGIN, GASPRICE, and the gas BALANCE(COINBASE) and
/// BALANCE(CALLER) cost (100 when warm, 2600 when cold) with the three cheap opcodes around each.
fn env_code() -> Bytes {
    let mut a = Asm::default().op(NUMBER).mstore(0);
    a = a.n(1).op(NUMBER).op(SUB).op(BLOCKHASH).mstore(32);
    a = a.op(ORIGIN).mstore(64).op(GASPRICE).mstore(96);
    for (at, who) in [(128, COINBASE_OP), (160, CALLER)] {
        a = a
            .op(GAS)
            .op(who)
            .op(BALANCE)
            .op(POP)
            .op(GAS)
            .op(SWAP1)
            .op(SUB)
            .mstore(at);
    }
    a.ret(0, 192).bytes()
}

fn hash_of(n: u64) -> B256 {
    keccak256(n.to_be_bytes())
}

fn header(number: u64) -> Header {
    Header {
        parent_hash: hash_of(number - 1),
        beneficiary: COINBASE,
        state_root: B256::ZERO,
        receipts_root: B256::ZERO,
        logs_bloom: Default::default(),
        difficulty: U256::ZERO,
        number,
        gas_limit: 30_000_000,
        timestamp: 1_000 + number * 12,
        mix_hash: B256::repeat_byte(0x11),
        base_fee: 7,
        excess_blob_gas: Some(0),
    }
}

fn absent() -> ProvenAccount {
    ProvenAccount {
        info: None,
        storage: HashMap::new(),
    }
}

fn contract(code: &Bytes, balance: u64, storage: &[(u64, u64)]) -> ProvenAccount {
    ProvenAccount {
        info: Some(AccountState {
            nonce: 1,
            balance: U256::from(balance),
            code_hash: keccak256(code),
        }),
        storage: storage
            .iter()
            .map(|(k, v)| (U256::from(*k), U256::from(*v)))
            .collect(),
    }
}

/// One world: the pinned block 100 and travel block 90. The ledger's slot 0 is 5 now and 7 at block 90; the
/// prover's own slot 0 is 11 now.
struct World {
    prover: Bytes,
    prover_balance: u64,
    /// Accounts left out of block 90's state.
    missing_at_past: Vec<Address>,
    ledger_at_past: Bytes,
}

impl World {
    fn new(prover: Bytes) -> Self {
        World {
            prover,
            prover_balance: 0,
            missing_at_past: Vec::new(),
            ledger_at_past: ledger_code(),
        }
    }

    fn states(&self) -> States {
        let ledger = ledger_code();
        let env = env_code();
        let codes: Rc<HashMap<B256, Bytes>> = Rc::new(
            [&self.prover, &ledger, &self.ledger_at_past, &env]
                .into_iter()
                .map(|c| (keccak256(c), c.clone()))
                .collect(),
        );
        let block_hashes: Rc<HashMap<u64, B256>> =
            Rc::new((1..PINNED).map(|n| (n, hash_of(n))).collect());
        let main_accounts = HashMap::from([
            (
                EOA,
                ProvenAccount {
                    info: Some(AccountState {
                        nonce: 3,
                        balance: U256::from(10u64.pow(18)),
                        code_hash: KECCAK_EMPTY,
                    }),
                    storage: HashMap::new(),
                },
            ),
            (
                PROVER,
                contract(&self.prover, self.prover_balance, &[(0, 11)]),
            ),
            (LEDGER, contract(&ledger, 0, &[(0, 5)])),
            (ENV, contract(&env, 0, &[])),
            (TRAVELER, absent()),
            (COINBASE, absent()),
            (NOBODY, absent()),
        ]);
        let mut past_accounts = HashMap::from([
            (PROVER, contract(&self.prover, 0, &[])),
            (LEDGER, contract(&self.ledger_at_past, 0, &[(0, 7)])),
            (ENV, contract(&env, 0, &[])),
            (COINBASE, absent()),
        ]);
        for a in &self.missing_at_past {
            past_accounts.remove(a);
        }
        States {
            main: StateDb {
                header: header(PINNED),
                block_hash: hash_of(PINNED),
                accounts: main_accounts,
                codes: Rc::clone(&codes),
                block_hashes: Rc::clone(&block_hashes),
            },
            travels: vec![StateDb {
                header: header(PAST),
                block_hash: hash_of(PAST),
                accounts: past_accounts,
                codes,
                block_hashes,
            }],
            teleports: vec![],
            logs: Default::default(),
        }
    }

    fn run(&self, data: &[u8]) -> Result<CallOutput, GuestError> {
        let call = CallIn {
            caller: EOA,
            to: PROVER,
            data: Bytes::copy_from_slice(data),
            gas_limit: 1_000_000,
        };
        run_call(&self.states(), CHAIN_ID, b"osaka", &call)
    }
}

fn word(n: u64) -> [u8; 32] {
    U256::from(n).to_be_bytes()
}

fn words(out: &[u8]) -> Vec<U256> {
    out.chunks(32).map(U256::from_be_slice).collect()
}

fn u(n: u64) -> U256 {
    U256::from(n)
}

/// setBlock(calldata word 0), then STATICCALL the ledger with word 0 as input. Returns (traveler's answer, ledger
/// result, traveler call ok, ledger call ok).
fn set_block_then_read() -> Bytes {
    Asm::default()
        .request(0, SET_BLOCK, &[])
        .n(0)
        .op(CALLDATALOAD)
        .mstore(4)
        .call(TRAVELER, 0, (0, 36), (128, 32))
        .mstore(192)
        .static_call(LEDGER, (4, 32), (160, 32))
        .mstore(224)
        .ret(128, 128)
        .bytes()
}

#[test]
fn a_travelled_call_reads_the_travel_block_at_the_same_gas() {
    let world = World::new(set_block_then_read());
    let past = world.run(&word(PAST)).expect("travel to block 90");
    let now = world
        .run(&word(PINNED))
        .expect("setBlock to the pinned block");
    assert_eq!(words(&past.return_data), [u(1), u(PAST + 7), u(1), u(1)]);
    assert_eq!(words(&now.return_data), [u(1), u(PINNED + 5), u(1), u(1)]);
    // The travelled frame pays no intrinsic gas and starts as cold as the pinned block's child frame would.
    assert_eq!(past.gas_used, now.gas_used);
}

#[test]
fn a_traveler_call_costs_only_the_call_itself() {
    // The same request sent to an account with no code: revm runs nothing there and returns all gas.
    let to_nobody = |to: Address| {
        Asm::default()
            .request(0, SET_BLOCK, &[PINNED])
            .call(to, 0, (0, 36), (128, 32))
            .ret(128, 32)
            .bytes()
    };
    let answered = World::new(to_nobody(TRAVELER)).run(&[]).expect("answered");
    let plain = World::new(to_nobody(NOBODY)).run(&[]).expect("plain");
    assert_eq!(words(&answered.return_data), [u(1)]);
    assert_eq!(words(&plain.return_data), [u(0)]);
    assert_eq!(answered.gas_used, plain.gas_used);
}

#[test]
fn set_block_moves_there_and_back() {
    let prover = Asm::default()
        .request(0, SET_BLOCK, &[PAST])
        .call(TRAVELER, 0, (0, 36), (0, 0))
        .op(POP)
        .static_call(LEDGER, (64, 32), (128, 32))
        .op(POP)
        .request(0, SET_BLOCK, &[PINNED])
        .call(TRAVELER, 0, (0, 36), (0, 0))
        .op(POP)
        .static_call(LEDGER, (64, 32), (160, 32))
        .op(POP)
        .ret(128, 64)
        .bytes();
    let out = World::new(prover).run(&[]).expect("runs");
    // Input word mem[64..96] is zero: the ledger returns its slot 0.
    assert_eq!(words(&out.return_data), [u(7), u(5)]);
}

#[test]
fn set_chain_to_this_chain_is_set_block() {
    let prover = |chain: u64| {
        Asm::default()
            .request(0, SET_CHAIN, &[chain, PAST])
            .call(TRAVELER, 0, (0, 68), (0, 0))
            .op(POP)
            .static_call(LEDGER, (200, 32), (128, 32))
            .op(POP)
            .ret(128, 32)
            .bytes()
    };
    let out = World::new(prover(CHAIN_ID)).run(&[]).expect("runs");
    assert_eq!(words(&out.return_data), [u(7)]);
    let err = World::new(prover(1)).run(&[]).unwrap_err();
    assert_eq!(
        err,
        GuestError::TeleportUnsupported {
            from: CHAIN_ID,
            to: u(1)
        }
    );
    assert_eq!(
        err.to_string(),
        "teleport from chain 31337 to chain 1 is not supported"
    );
}

#[test]
fn the_travelled_frame_sees_its_own_block_and_a_transaction_warm_set() {
    let prover = Asm::default()
        .request(0, SET_BLOCK, &[PAST])
        .call(TRAVELER, 0, (0, 36), (0, 0))
        .op(POP)
        .static_call(ENV, (0, 0), (0, 192))
        .op(POP)
        .ret(0, 192)
        .bytes();
    let out = World::new(prover).run(&[]).expect("runs");
    let cheap = 2 + 100 + 2 + 2; // COINBASE/CALLER, warm BALANCE, POP, GAS
    assert_eq!(
        words(&out.return_data),
        [
            u(PAST),
            U256::from_be_bytes(hash_of(PAST - 1).0),
            U256::from_be_slice(PROVER.as_slice()), // ORIGIN is the travelled call's caller
            u(0),
            u(cheap),
            u(cheap),
        ]
    );
}

#[test]
fn delegatecall_runs_where_it_is() {
    let prover = Asm::default()
        .request(0, SET_BLOCK, &[PAST])
        .call(TRAVELER, 0, (0, 36), (0, 0))
        .op(POP)
        .delegate_call(LEDGER, (200, 32), (128, 32))
        .op(POP)
        .ret(128, 32)
        .bytes();
    // The ledger's code on the prover's own storage at the pinned block.
    let out = World::new(prover).run(&[]).expect("runs");
    assert_eq!(words(&out.return_data), [u(11)]);
}

#[test]
fn travelled_writes_and_halts_stay_there() {
    // A travelled CALL that writes: the write is dropped, the main block's slot is untouched.
    let writer = Asm::default().n(42).n(0).op(SSTORE).ret(0, 0).bytes();
    let prover = |target: Address| {
        Asm::default()
            .request(0, SET_BLOCK, &[PAST])
            .call(TRAVELER, 0, (0, 36), (0, 0))
            .op(POP)
            .call(target, 0, (0, 0), (0, 0))
            .mstore(128)
            .request(0, SET_BLOCK, &[PINNED])
            .call(TRAVELER, 0, (0, 36), (0, 0))
            .op(POP)
            .static_call(LEDGER, (200, 32), (160, 32))
            .op(POP)
            .ret(128, 64)
            .bytes()
    };
    let mut world = World::new(prover(LEDGER));
    world.ledger_at_past = writer;
    let out = world.run(&[]).expect("runs");
    assert_eq!(words(&out.return_data), [u(1), u(5)]);

    let mut world = World::new(prover(LEDGER));
    world.ledger_at_past = Asm::default().op(INVALID).bytes();
    let out = world.run(&[]).expect("runs");
    assert_eq!(words(&out.return_data), [u(0), u(5)]);
}

#[test]
fn refused_requests_are_the_guests_answer() {
    let send = |selector: [u8; 4], args: &[u64], len: u64| {
        // The prover ignores the traveler's answer and returns normally: the refusal still wins.
        Asm::default()
            .request(0, selector, args)
            .call(TRAVELER, 0, (0, len), (0, 0))
            .op(POP)
            .ret(0, 0)
            .bytes()
    };
    let err = World::new(send(SET_BLOCK, &[50], 36)).run(&[]).unwrap_err();
    assert_eq!(err, GuestError::TravelBlockMissing(u(50)));
    assert_eq!(err.to_string(), "time travel to block 50 not in input");
    assert_eq!(
        World::new(send(SET_BLOCK, &[PINNED + 1], 36)).run(&[]),
        Err(GuestError::TravelBlockMissing(u(PINNED + 1)))
    );
    // A request one byte short is no request: the whole calldata is named.
    assert_eq!(
        World::new(send(SET_BLOCK, &[PAST], 35)).run(&[]),
        Err(GuestError::TravelerRequest(format!(
            "87cea3ae{}",
            "00".repeat(31)
        )))
    );
    let unknown = Asm::default()
        .push(&[0xde, 0xad, 0xbe, 0xef])
        .n(224)
        .op(SHL)
        .mstore(0)
        .call(TRAVELER, 0, (0, 4), (0, 0))
        .op(POP)
        .ret(0, 0)
        .bytes();
    let err = World::new(unknown).run(&[]).unwrap_err();
    assert_eq!(err, GuestError::TravelerRequest("deadbeef".into()));
    assert_eq!(err.to_string(), "traveler: unknown request 0xdeadbeef");
}

#[test]
fn a_travelled_call_with_value_is_refused_unless_it_cannot_be_paid() {
    let prover = Asm::default()
        .request(0, SET_BLOCK, &[PAST])
        .call(TRAVELER, 0, (0, 36), (0, 0))
        .op(POP)
        .call(LEDGER, 1, (0, 0), (0, 0))
        .mstore(0)
        .ret(0, 32)
        .bytes();
    let mut world = World::new(prover.clone());
    world.prover_balance = 1;
    let err = world.run(&[]).unwrap_err();
    assert_eq!(err, GuestError::TravelValue(PAST));
    assert_eq!(
        err.to_string(),
        "time travel: a call with value at block 90 is not supported"
    );
    // Without the funds the CALL fails before any frame exists, travelling or not.
    let out = World::new(prover).run(&[]).expect("runs");
    assert_eq!(words(&out.return_data), [u(0)]);
}

#[test]
fn state_missing_at_the_travel_block_is_named() {
    let mut world = World::new(set_block_then_read());
    world.missing_at_past = vec![LEDGER];
    assert_eq!(
        world.run(&word(PAST)),
        Err(GuestError::MissingAccount(LEDGER))
    );
    // The travelled frame's caller is warm but, like a transaction's sender, read only if the code reads it: a
    // frame that does not needs no proof of it at that block.
    let full = World::new(set_block_then_read()).run(&word(PAST));
    let mut world = World::new(set_block_then_read());
    world.missing_at_past = vec![PROVER];
    assert!(full.is_ok());
    assert_eq!(world.run(&word(PAST)), full);
}

#[test]
fn the_prover_call_itself_is_never_answered() {
    // A transaction straight to the traveler runs there as at any account without code, as in the host.
    let call = CallIn {
        caller: EOA,
        to: TRAVELER,
        data: Bytes::copy_from_slice(&[SET_BLOCK.as_slice(), &word(PAST)].concat()),
        gas_limit: 100_000,
    };
    let out = run_call(
        &World::new(Bytes::new()).states(),
        CHAIN_ID,
        b"osaka",
        &call,
    )
    .expect("runs");
    assert!(out.return_data.is_empty());
}
