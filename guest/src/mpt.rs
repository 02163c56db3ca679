//! Merkle-Patricia trie lookups over a pool of nodes keyed by their keccak hash.
//!
//! A lookup walks from a root hash through hash references that must all resolve in the pool, so whatever it
//! returns is proven by the root: a value (inclusion) or `None` (exclusion). A reference missing from the pool is an
//! error, never an absent key.

use std::collections::HashMap;

use alloy_primitives::{keccak256, B256};

use crate::rlp_util::{expect_str, list_items, Item};

/// keccak256(rlp("")): the root of an empty trie.
pub const EMPTY_ROOT: B256 =
    alloy_primitives::b256!("56e81f171bcc55a6ff8345e692c0f86e5b48e01b996cadc001622fb5e363b421");

#[derive(Default)]
pub struct NodePool {
    nodes: HashMap<B256, Vec<u8>>,
}

impl NodePool {
    pub fn new<I: IntoIterator<Item = Vec<u8>>>(nodes: I) -> Self {
        let nodes = nodes.into_iter().map(|n| (keccak256(&n), n)).collect();
        Self { nodes }
    }

    pub fn len(&self) -> usize {
        self.nodes.len()
    }

    pub fn is_empty(&self) -> bool {
        self.nodes.is_empty()
    }

    /// The value stored under `key` (32 bytes, already hashed) in the trie with root `root`.
    pub fn get(&self, root: B256, key: &B256) -> Result<Option<Vec<u8>>, String> {
        if root == EMPTY_ROOT {
            return Ok(None);
        }
        let nibbles: Vec<u8> = key.iter().flat_map(|b| [b >> 4, b & 0x0f]).collect();
        let mut path = &nibbles[..];
        let mut node: &[u8] = self.resolve(&root)?;
        loop {
            let items = list_items(node).map_err(|e| format!("bad trie node: {e}"))?;
            let next = match items.len() {
                17 => {
                    let Some((&first, rest)) = path.split_first() else {
                        let value = expect_str(items[16], "branch value")?;
                        return Ok((!value.is_empty()).then(|| value.to_vec()));
                    };
                    path = rest;
                    items[first as usize]
                }
                2 => {
                    let encoded = expect_str(items[0], "node path")?;
                    let (prefix, is_leaf) = decode_path(encoded)?;
                    if is_leaf {
                        if path == prefix.as_slice() {
                            return Ok(Some(expect_str(items[1], "leaf value")?.to_vec()));
                        }
                        return Ok(None);
                    }
                    if !path.starts_with(&prefix) {
                        return Ok(None);
                    }
                    path = &path[prefix.len()..];
                    items[1]
                }
                n => return Err(format!("bad trie node: {n} items")),
            };
            node = match next {
                Item::Str([]) => return Ok(None),
                Item::Str(s) if s.len() == 32 => self.resolve(&B256::from_slice(s))?,
                Item::List(inline) if inline.len() < 32 => inline,
                _ => return Err("bad trie node: malformed child reference".into()),
            };
        }
    }

    fn resolve(&self, hash: &B256) -> Result<&[u8], String> {
        self.nodes
            .get(hash)
            .map(Vec::as_slice)
            .ok_or_else(|| format!("trie node {hash} missing from input"))
    }
}

/// Hex-prefix decoding (Yellow Paper appendix C): (nibbles, is_leaf).
fn decode_path(encoded: &[u8]) -> Result<(Vec<u8>, bool), String> {
    let Some(&first) = encoded.first() else {
        return Err("bad trie node: empty path".into());
    };
    let flag = first >> 4;
    if flag > 3 {
        return Err("bad trie node: bad path flag".into());
    }
    let mut nibbles = Vec::with_capacity(encoded.len() * 2);
    if flag & 1 == 1 {
        nibbles.push(first & 0x0f);
    } else if first & 0x0f != 0 {
        return Err("bad trie node: bad path padding".into());
    }
    for b in &encoded[1..] {
        nibbles.push(b >> 4);
        nibbles.push(b & 0x0f);
    }
    Ok((nibbles, flag >= 2))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn leaf(path_nibbles: &[u8], value: &[u8]) -> Vec<u8> {
        // Hex-prefix encode a leaf path (odd or even).
        let mut hp = Vec::new();
        if path_nibbles.len() % 2 == 1 {
            hp.push(0x30 | path_nibbles[0]);
            hp.extend(path_nibbles[1..].chunks(2).map(|c| (c[0] << 4) | c[1]));
        } else {
            hp.push(0x20);
            hp.extend(path_nibbles.chunks(2).map(|c| (c[0] << 4) | c[1]));
        }
        let mut out = Vec::new();
        alloy_rlp::encode_list::<&[u8], [u8]>(&[hp.as_slice(), value], &mut out);
        out
    }

    #[test]
    fn empty_root_has_no_keys() {
        assert_eq!(NodePool::default().get(EMPTY_ROOT, &B256::ZERO), Ok(None));
    }

    #[test]
    fn single_leaf_inclusion_and_exclusion() {
        let key = B256::repeat_byte(0xab);
        let nibbles: Vec<u8> = key.iter().flat_map(|b| [b >> 4, b & 0x0f]).collect();
        let node = leaf(&nibbles, b"value");
        let root = keccak256(&node);
        let pool = NodePool::new([node]);
        assert_eq!(pool.get(root, &key), Ok(Some(b"value".to_vec())));
        assert_eq!(pool.get(root, &B256::repeat_byte(0xac)), Ok(None));
    }

    #[test]
    fn missing_root_is_an_error_not_an_absence() {
        let err = NodePool::default()
            .get(B256::repeat_byte(1), &B256::ZERO)
            .unwrap_err();
        assert!(err.starts_with("trie node 0x0101"), "{err}");
    }
}
