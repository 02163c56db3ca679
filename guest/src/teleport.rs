//! Teleport (`setChain`) from an L1 to an OP-stack L2 (docs/teleport.md). The L2's state is accepted only through
//! the output root the L1 anchors at the pinned (settle) block: the table's anchor-state registry is called on the
//! L1's proven state (`getAnchorRoot()`, as OP's AnchorStateRegistry answers it), and the anchored L2 block's
//! output root, keccak256(version 0 || state root || message-passer storage root || block hash), must equal the
//! root it returns. The L2 blocks the call visits are the anchored block and its hash-chained ancestors, so every
//! one of them is bound to the L1 block the verifier checks on chain.

use alloy_primitives::{keccak256, Address, Bytes, B256, U256};
use revm::interpreter::InstructionResult;

use crate::chain;
use crate::error::GuestError;
use crate::state::{L2States, States};
use crate::travel::{run_top_frame, TopFrame};

/// `getAnchorRoot()`
pub const GET_ANCHOR_ROOT: [u8; 4] = [0xd8, 0x3e, 0xf2, 0x67];
/// Gas the registry call may use (the host's `ANCHOR_CALL_GAS`).
pub const ANCHOR_CALL_GAS: u64 = 1_000_000;

/// The OP-stack output root (version 0) of an L2 block.
pub fn output_root(state_root: B256, message_passer_root: B256, block_hash: B256) -> B256 {
    let mut preimage = [0u8; 128];
    preimage[32..64].copy_from_slice(state_root.as_slice());
    preimage[64..96].copy_from_slice(message_passer_root.as_slice());
    preimage[96..128].copy_from_slice(block_hash.as_slice());
    keccak256(preimage)
}

/// Checks that every L2 of the input is one the L1 `chain_id` may teleport to and is anchored on it at the pinned
/// block.
pub fn anchor_all(states: &States, chain_id: u64, dev_hardfork: &[u8]) -> Result<(), GuestError> {
    for l2 in &states.teleports {
        anchor(states, chain_id, dev_hardfork, l2)?;
    }
    Ok(())
}

fn anchor(
    states: &States,
    chain_id: u64,
    dev_hardfork: &[u8],
    l2: &L2States,
) -> Result<(), GuestError> {
    let pair =
        chain::teleport_pair(chain_id, l2.chain_id).ok_or(GuestError::TeleportUnsupported {
            from: chain_id,
            to: U256::from(l2.chain_id),
        })?;
    let (root, number) = anchored(
        states,
        chain_id,
        dev_hardfork,
        l2.chain_id,
        pair.anchor_state_registry,
    )?;
    let block = &l2.anchored;
    if number != U256::from(block.header.number) {
        return Err(GuestError::AnchorBlock {
            chain: l2.chain_id,
            l1: chain_id,
            l1_block: states.main.header.number,
            anchored: number,
            given: block.header.number,
        });
    }
    let computed = output_root(
        block.header.state_root,
        l2.message_passer_root,
        block.block_hash,
    );
    if computed != root {
        return Err(GuestError::AnchorRoot {
            chain: l2.chain_id,
            l1: chain_id,
            block: block.header.number,
            computed,
            anchored: root,
        });
    }
    Ok(())
}

/// The (output root, L2 block number) the registry returns at the pinned block, run as the host runs it: a static
/// top frame from the zero address over the pinned block's proven state.
fn anchored(
    states: &States,
    chain_id: u64,
    dev_hardfork: &[u8],
    l2: u64,
    registry: Address,
) -> Result<(B256, U256), GuestError> {
    let refused = |reason: String| GuestError::AnchorCall {
        chain: l2,
        registry,
        l1: chain_id,
        reason,
    };
    let rules = chain::rules(chain_id, dev_hardfork, states.main.header.timestamp)?;
    let result = run_top_frame(
        &states.main,
        rules,
        chain_id,
        &TopFrame {
            caller: Address::ZERO,
            target: registry,
            input: Bytes::from_static(&GET_ANCHOR_ROOT),
            gas_limit: ANCHOR_CALL_GAS,
            is_static: true,
        },
        false,
    )?;
    match result.result {
        InstructionResult::Return | InstructionResult::Stop => {}
        InstructionResult::Revert => {
            return Err(refused(format!(
                "getAnchorRoot() reverted: 0x{}",
                alloy_primitives::hex::encode(&result.output)
            )))
        }
        other => return Err(refused(format!("getAnchorRoot() halted: {other:?}"))),
    }
    let out = &result.output;
    if out.len() != 64 {
        return Err(refused(format!(
            "getAnchorRoot() returned {} bytes, not (bytes32, uint256)",
            out.len()
        )));
    }
    Ok((
        B256::from_slice(&out[..32]),
        U256::from_be_slice(&out[32..64]),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn selector_is_the_abi_one() {
        assert_eq!(keccak256("getAnchorRoot()")[..4], GET_ANCHOR_ROOT);
    }

    #[test]
    fn output_root_is_version_zero_of_the_three_fields() {
        let (s, m, b) = (
            B256::repeat_byte(1),
            B256::repeat_byte(2),
            B256::repeat_byte(3),
        );
        let mut pre = vec![0u8; 32];
        pre.extend_from_slice(s.as_slice());
        pre.extend_from_slice(m.as_slice());
        pre.extend_from_slice(b.as_slice());
        assert_eq!(output_root(s, m, b), keccak256(&pre));
    }

    #[test]
    fn the_table_pairs_l1s_with_their_op_stack_chains() {
        let registry = |l1, l2| chain::teleport_pair(l1, l2).map(|p| p.anchor_state_registry);
        assert_eq!(
            registry(1, 10),
            Some(alloy_primitives::address!(
                "23B2C62946350F4246f9f9D027e071f0264FD113"
            ))
        );
        assert_eq!(
            registry(31_337, 31_338),
            Some(alloy_primitives::address!(
                "5FbDB2315678afecb367f032d93F642f64180aa3"
            ))
        );
        assert!(
            registry(1, 84_532).is_none(),
            "Base Sepolia settles on Sepolia"
        );
        assert!(
            registry(10, 1).is_none(),
            "L2 -> L1 is not a teleport vlayer proves"
        );
        assert!(chain::is_dev_chain(31_338) && !chain::is_dev_chain(10));
    }
}
