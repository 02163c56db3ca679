//! Just enough RLP walking for trie nodes and headers: split a list into its raw items.

use alloy_rlp::Header;

/// One item of an RLP list: a string's payload, or a nested list's full encoding.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Item<'a> {
    Str(&'a [u8]),
    List(&'a [u8]),
}

/// The items of the RLP list `buf`, which must be exactly one list.
pub fn list_items(buf: &[u8]) -> Result<Vec<Item<'_>>, String> {
    let mut rest = buf;
    let header = Header::decode(&mut rest).map_err(|e| e.to_string())?;
    if !header.list {
        return Err("expected a list".into());
    }
    if rest.len() != header.payload_length {
        return Err("trailing bytes after list".into());
    }
    let mut items = Vec::new();
    while !rest.is_empty() {
        let start = rest;
        let h = Header::decode(&mut rest).map_err(|e| e.to_string())?;
        if rest.len() < h.payload_length {
            return Err("item runs past the end".into());
        }
        let header_len = start.len() - rest.len();
        if h.list {
            items.push(Item::List(&start[..header_len + h.payload_length]));
        } else {
            items.push(Item::Str(&rest[..h.payload_length]));
        }
        rest = &rest[h.payload_length..];
    }
    Ok(items)
}

pub fn expect_str<'a>(item: Item<'a>, what: &str) -> Result<&'a [u8], String> {
    match item {
        Item::Str(s) => Ok(s),
        Item::List(_) => Err(format!("{what}: expected a string")),
    }
}
