//! Golden vectors shared with the Python host (tests/vectors/guest): same input bytes, same journal.

use std::path::PathBuf;

use vlayer_guest::error::GuestError;
use vlayer_guest::execute;

fn vector(name: &str) -> (Vec<u8>, Vec<u8>) {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/vectors/guest");
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
fn refuses_bad_framing() {
    let (mut input, _) = vector("erc20_balance_osaka");
    assert_eq!(execute(b"nope"), Err(GuestError::BadMagic));
    input[5] ^= 0xff; // inside the RLP list header
    assert!(matches!(execute(&input), Err(GuestError::Malformed(_))));
}

#[test]
fn refuses_other_versions() {
    let (input, _) = vector("erc20_balance_osaka");
    // The body is a long list; its first item (the version, 0x01) follows the list header.
    let header_len = 1 + (input[4] - 0xf7) as usize;
    let mut bumped = input.clone();
    assert_eq!(bumped[4 + header_len], 0x01);
    bumped[4 + header_len] = 0x02;
    assert_eq!(execute(&bumped), Err(GuestError::UnsupportedVersion(2)));
}

#[test]
fn truncated_input_is_malformed() {
    let (input, _) = vector("erc20_balance_osaka");
    assert!(matches!(
        execute(&input[..input.len() - 1]),
        Err(GuestError::Malformed(_))
    ));
}
