//! Golden vectors shared with the Python host (tests/vectors/guest): same input bytes, same journal.

use std::path::PathBuf;

use vlayer_guest::error::GuestError;
use vlayer_guest::execute;
use vlayer_guest::input::{GuestInput, TravelIn};

fn vector(name: &str) -> (Vec<u8>, Vec<u8>) {
    // At run time, not compile time: a binary another checkout built into the shared target dir must read these files.
    let dir = PathBuf::from(
        std::env::var_os("CARGO_MANIFEST_DIR").expect("cargo test sets CARGO_MANIFEST_DIR"),
    )
    .join("../tests/vectors/guest");
    let input = std::fs::read(dir.join(format!("{name}.input.bin"))).expect("input vector");
    let journal =
        std::fs::read_to_string(dir.join(format!("{name}.journal.hex"))).expect("journal vector");
    (input, hex::decode(journal.trim()).expect("journal hex"))
}

#[test]
fn erc20_balance_vector() {
    let (input, journal) = vector("erc20_balance_osaka");
    let out = execute(&input).expect("guest accepts the vector");
    assert_eq!(out.journal, journal);
    assert_eq!(out.gas_used, 29318);
    // balanceOf(holder 1) = 2e18, the last word of the journal.
    assert_eq!(&out.journal[160..], &out.return_data[..]);
}

#[test]
fn blockhash_vector() {
    let (input, journal) = vector("blockhash_osaka");
    assert_eq!(
        execute(&input).expect("guest accepts the vector").journal,
        journal
    );
}

#[test]
fn travel_history_vector() {
    // TravelProbe.history(owner, [b1, b2], pinned) recorded on anvil: setBlock to two past blocks and back, the
    // preflight's (py-evm) journal and gas.
    let (input, journal) = vector("travel_history_osaka");
    let decoded = vlayer_guest::input::GuestInput::decode(&input).expect("vector decodes");
    assert_eq!(decoded.travels.len(), 2);
    let out = execute(&input).expect("guest accepts the vector");
    assert_eq!(out.journal, journal);
    assert_eq!(out.gas_used, 39853);
}

#[test]
fn refuses_bad_framing() {
    let (mut input, _) = vector("erc20_balance_osaka");
    assert_eq!(execute(b"nope"), Err(GuestError::BadMagic));
    input[5] ^= 0xff; // inside the RLP list header
    assert!(matches!(execute(&input), Err(GuestError::Malformed(_))));
}

#[test]
fn teleport_vector() {
    // TeleportProbe.balanceOn(31338, anchored, ledger, owner) recorded on two anvils: the dev L1's registry anchors
    // the dev L2's block, whose state the call reads; the preflight's journal and gas.
    let (input, journal) = vector("teleport_osaka");
    let decoded = GuestInput::decode(&input).expect("vector decodes");
    assert_eq!(decoded.encode(), input, "the encoder reproduces the vector");
    assert_eq!(decoded.teleports.len(), 1);
    assert_eq!(decoded.teleports[0].chain_id, 31_338);
    let out = execute(&input).expect("guest accepts the vector");
    assert_eq!(out.journal, journal);
    // balanceOf(owner) on the L2: 7 + 11, the last word of the journal.
    assert_eq!(out.return_data[31], 18);
}

#[test]
fn teleport_vector_refuses_a_forged_anchored_header() {
    let (input, _) = vector("teleport_osaka");
    let mut decoded = GuestInput::decode(&input).expect("vector decodes");
    // Another block under the anchored block's number: its hash, and so its output root, differ.
    let mut header = decoded.teleports[0].header.to_vec();
    let last = header.len() - 1;
    header[last] ^= 1;
    decoded.teleports[0].header = header.into();
    let err = execute(&decoded.encode()).unwrap_err();
    assert!(
        matches!(
            err,
            GuestError::AnchorRoot {
                chain: 31_338,
                l1: 31_337,
                block: 3,
                ..
            }
        ),
        "{err}"
    );
    assert!(err
        .to_string()
        .starts_with("teleport to chain 31338: the output root of L2 block 3 is 0x"));
}

#[test]
fn refuses_other_versions() {
    let (input, _) = vector("erc20_balance_osaka");
    // The body is a long list; its first item (the version, 0x04) follows the list header.
    let header_len = 1 + (input[4] - 0xf7) as usize;
    let mut bumped = input.clone();
    assert_eq!(bumped[4 + header_len], 0x04);
    bumped[4 + header_len] = 0x05;
    assert_eq!(execute(&bumped), Err(GuestError::UnsupportedVersion(5)));
    // Version 3 had no logs (field 12).
    bumped[4 + header_len] = 0x03;
    assert_eq!(execute(&bumped), Err(GuestError::UnsupportedVersion(3)));
}

#[test]
fn truncated_input_is_malformed() {
    let (input, _) = vector("erc20_balance_osaka");
    assert!(matches!(
        execute(&input[..input.len() - 1]),
        Err(GuestError::Malformed(_))
    ));
}

/// The vector re-encoded with `travels` (block number, accounts) as field 10.
fn with_travels(name: &str, travels: &[(u64, bool)]) -> Vec<u8> {
    let (bytes, _) = vector(name);
    let mut input = GuestInput::decode(&bytes).expect("vector decodes");
    assert_eq!(input.encode(), bytes, "the encoder reproduces the vector");
    input.travels = travels
        .iter()
        .map(|&(block_number, with_main_accounts)| TravelIn {
            block_number,
            accounts: if with_main_accounts {
                input.accounts.clone()
            } else {
                Vec::new()
            },
        })
        .collect();
    input.encode()
}

// blockhash_osaka pins block 303 with the headers of 302 and 301; erc20_balance_osaka pins 303 with none.

#[test]
fn travel_blocks_must_ascend_below_the_pinned_block() {
    for travels in [
        &[(301, false), (301, false)][..],
        &[(302, false), (301, false)],
        &[(303, false)],
        &[(304, false)],
        &[(301, false), (u64::MAX, false)],
    ] {
        let err = execute(&with_travels("blockhash_osaka", travels)).unwrap_err();
        assert_eq!(err, GuestError::TravelOrder, "{travels:?}");
        assert_eq!(err.to_string(), "travel: blocks must be strictly ascending");
    }
}

#[test]
fn a_travel_block_needs_its_header_in_the_ancestors() {
    let err = execute(&with_travels("blockhash_osaka", &[(300, false)])).unwrap_err();
    assert_eq!(err, GuestError::TravelHeaderMissing(300));
    assert_eq!(err.to_string(), "travel block 300: header not in input");
    assert_eq!(
        execute(&with_travels("erc20_balance_osaka", &[(302, false)])),
        Err(GuestError::TravelHeaderMissing(302))
    );
}

#[test]
fn travels_the_call_never_visits_change_nothing() {
    let (_, journal) = vector("blockhash_osaka");
    let (plain, _) = vector("blockhash_osaka");
    let plain = execute(&plain).expect("vector");
    let out = execute(&with_travels(
        "blockhash_osaka",
        &[(301, false), (302, false)],
    ))
    .expect("travels with nothing to prove");
    assert_eq!(out, plain);
    assert_eq!(out.journal, journal);
}

#[test]
fn travel_accounts_are_proven_under_their_own_blocks_state_root() {
    // The pinned block's claims do not hold under block 302's state root.
    let err = execute(&with_travels("blockhash_osaka", &[(302, true)])).unwrap_err();
    assert!(
        matches!(
            err,
            GuestError::InvalidAccountProof { .. } | GuestError::AccountMismatch(_)
        ),
        "{err}"
    );
}

#[test]
fn logs_vector() {
    // LogsProbe.sumTransfersTo(token, holder, first, pinned) recorded on anvil: Transfer logs of one emitter over a
    // range holding a block with a legacy and an EIP-1559 receipt, another emitter's block and empty blocks.
    let (input, journal) = vector("logs_transfers_osaka");
    let decoded = GuestInput::decode(&input).expect("vector decodes");
    assert!(decoded.logs.iter().any(|b| b.receipts.len() == 2));
    let out = execute(&input).expect("guest accepts the vector");
    assert_eq!(out.journal, journal);
}

#[test]
fn logs_vector_refuses_doctored_receipts() {
    let (input, _) = vector("logs_transfers_osaka");
    let base = GuestInput::decode(&input).expect("vector decodes");
    let i = base
        .logs
        .iter()
        .position(|b| b.receipts.len() == 2)
        .expect("a block with two receipts");
    let n = base.logs[i].block_number;
    let root_error = |doctor: &dyn Fn(&mut Vec<alloy_primitives::Bytes>)| {
        let mut bad = base.clone();
        doctor(&mut bad.logs[i].receipts);
        let err = execute(&bad.encode()).expect_err("doctored receipts are refused");
        assert!(
            matches!(err, GuestError::LogsReceiptsRoot { block, .. } if block == n),
            "{err}"
        );
        err.to_string()
    };
    let dropped = root_error(&|r| {
        r.pop();
    });
    assert!(dropped.starts_with(&format!("logs: block {n}: the receipts' root is 0x")));
    root_error(&|r| r.reverse());
    root_error(&|r| {
        let mut last = r[1].to_vec();
        let end = last.len() - 1;
        last[end] ^= 1;
        r[1] = last.into();
    });

    let mut hidden = base.clone();
    hidden.logs.remove(i);
    let err = execute(&hidden.encode()).expect_err("a hidden block is refused");
    assert_eq!(err, GuestError::LogsReceiptsMissing(n));
    assert_eq!(
        err.to_string(),
        format!("logs: block {n} may hold matching logs (its logsBloom) but its receipts are not in input")
    );
}
