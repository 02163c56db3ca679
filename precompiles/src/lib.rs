//! vlayer's precompiles: pure functions of their input bytes, answered at vlayer v1's addresses by revm in the
//! guest (guest/src/exec.rs) and by py-evm in the host's preflight (through vlayer._native), so both sides give the
//! same output, the same gas and the same failure by construction.
//!
//! A precompile either returns its ABI-encoded output, runs out of gas (an ordinary failed call: the caller sees
//! `success == false`, all the call's gas spent), or fails with [`Failure::Fatal`], which aborts the whole execution
//! (not a revert any `try`/`catch` could see) with the precompile's message, as vlayer v1 did.

mod args;
pub mod email;
pub mod json;
pub mod regex;
pub mod url_pattern;

/// The first 19 bytes of every vlayer precompile address: the leading bytes of
/// `keccak256(uint256(keccak256("vlayer.precompiles")) - 1)` (vlayer v1's scheme); the 20th byte names the precompile.
pub const BASE: [u8; 19] = [
    0xF4, 0xE4, 0xFD, 0xCA, 0x9d, 0x5D, 0x55, 0xe6, 0x45, 0x25, 0xe3, 0x14, 0x39, 0x19, 0x96, 0xa1,
    0x5f, 0x7E, 0xC6,
];

/// Gas every precompile charges before it runs: `1000 + 320 * ceil(len / 32)` (vlayer v1's cost).
pub const BASE_GAS: u64 = 1000;
pub const GAS_PER_WORD: u64 = 320;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Precompile {
    VerifyEmail,
    JsonGetString,
    JsonGetInt,
    JsonGetBool,
    JsonGetFloatAsInt,
    RegexMatch,
    RegexCapture,
    UrlPatternTest,
    /// Shielded requests: the plaintext of an HPKE ciphertext sealed to a registered shielding key, opened with the
    /// prover's secret key, a private input ([`Secrets`]; the `vlayer-shielding` crate).
    ShieldedOpen,
    /// `ShieldedOpen` that answers `(false, "")` instead of aborting on a ciphertext that does not open, for provers
    /// that open many ciphertexts posted by different people (one bad one must not block the others).
    ShieldedTryOpen,
}

impl Precompile {
    pub const ALL: [Precompile; 10] = [
        Precompile::VerifyEmail,
        Precompile::JsonGetString,
        Precompile::JsonGetInt,
        Precompile::JsonGetBool,
        Precompile::JsonGetFloatAsInt,
        Precompile::RegexMatch,
        Precompile::RegexCapture,
        Precompile::UrlPatternTest,
        Precompile::ShieldedOpen,
        Precompile::ShieldedTryOpen,
    ];

    /// The last byte of the precompile's address.
    pub const fn suffix(self) -> u8 {
        match self {
            Precompile::VerifyEmail => 0x01,
            Precompile::JsonGetString => 0x02,
            Precompile::JsonGetInt => 0x03,
            Precompile::JsonGetBool => 0x04,
            Precompile::JsonGetFloatAsInt => 0x05,
            Precompile::RegexMatch => 0x10,
            Precompile::RegexCapture => 0x11,
            Precompile::UrlPatternTest => 0x20,
            Precompile::ShieldedOpen => 0x40,
            Precompile::ShieldedTryOpen => 0x41,
        }
    }

    pub fn address(self) -> [u8; 20] {
        let mut a = [0u8; 20];
        a[..19].copy_from_slice(&BASE);
        a[19] = self.suffix();
        a
    }

    pub fn from_address(address: &[u8]) -> Option<Precompile> {
        if address.len() != 20 || address[..19] != BASE {
            return None;
        }
        Precompile::ALL
            .into_iter()
            .find(|p| p.suffix() == address[19])
    }

    /// The name users see in messages (vlayer v1's).
    pub const fn name(self) -> &'static str {
        match self {
            Precompile::VerifyEmail => "EmailProof",
            Precompile::JsonGetString => "JsonGetString",
            Precompile::JsonGetInt => "JsonGetInt",
            Precompile::JsonGetBool => "JsonGetBool",
            Precompile::JsonGetFloatAsInt => "JsonGetFloatAsInt",
            Precompile::RegexMatch => "RegexMatch",
            Precompile::RegexCapture => "RegexCapture",
            Precompile::UrlPatternTest => "UrlPatternTest",
            Precompile::ShieldedOpen => "ShieldedOpen",
            Precompile::ShieldedTryOpen => "ShieldedTryOpen",
        }
    }

    /// Whether the precompile's answer depends on the present (an email's DNS record is only vouched for until its
    /// `validUntil`), which makes it meaningless on a block reached by time travel: such calls are refused.
    pub const fn is_time_dependent(self) -> bool {
        matches!(self, Precompile::VerifyEmail)
    }

    /// Whether calls on a block reached by time travel or teleport are refused: the time-dependent ones, and
    /// `ShieldedOpen` and `ShieldedTryOpen`, whose key must be the one the registry holds at the settle block (on a
    /// past block the registry could show a key retired since).
    pub const fn is_refused_on_travel(self) -> bool {
        self.is_time_dependent()
            || matches!(self, Precompile::ShieldedOpen | Precompile::ShieldedTryOpen)
    }
}

/// What a precompile charges for `input_len` bytes of input.
pub fn gas_cost(input_len: usize) -> u64 {
    let words = (input_len as u64).div_ceil(32);
    BASE_GAS.saturating_add(GAS_PER_WORD.saturating_mul(words))
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Output {
    pub bytes: Vec<u8>,
    pub gas_used: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Failure {
    /// The call did not give the precompile its cost: an ordinary failed call, not an abort.
    #[error("out of gas: needs {needed}, given {limit}")]
    OutOfGas { needed: u64, limit: u64 },
    /// Aborts the whole execution with this message (vlayer v1's `Fatal`).
    #[error("{0}")]
    Fatal(String),
}

/// The private inputs a precompile may use: the shielding secret keys the prover holds (none for a call that
/// opens no shielded arguments). They reach the guest beside its input, never inside it.
pub type Secrets<'a> = &'a [[u8; 32]];

/// Runs `precompile` on `input` with `gas_limit` gas and no secrets.
pub fn run(precompile: Precompile, input: &[u8], gas_limit: u64) -> Result<Output, Failure> {
    run_with(precompile, input, gas_limit, &[])
}

/// Runs `precompile` on `input` with `gas_limit` gas; `secrets` answer `ShieldedOpen` and `ShieldedTryOpen`.
pub fn run_with(
    precompile: Precompile,
    input: &[u8],
    gas_limit: u64,
    secrets: Secrets<'_>,
) -> Result<Output, Failure> {
    let needed = gas_cost(input.len());
    if needed > gas_limit {
        return Err(Failure::OutOfGas {
            needed,
            limit: gas_limit,
        });
    }
    let bytes = match precompile {
        Precompile::VerifyEmail => email::verify(input),
        Precompile::JsonGetString => json::get_string(input),
        Precompile::JsonGetInt => json::get_int(input),
        Precompile::JsonGetBool => json::get_bool(input),
        Precompile::JsonGetFloatAsInt => json::get_float_as_int(input),
        Precompile::RegexMatch => regex::is_match(input),
        Precompile::RegexCapture => regex::capture(input),
        Precompile::UrlPatternTest => url_pattern::test(input),
        Precompile::ShieldedOpen => vlayer_shielding::open_precompile(input, secrets),
        Precompile::ShieldedTryOpen => vlayer_shielding::try_open_precompile(input, secrets),
    }
    .map_err(Failure::Fatal)?;
    Ok(Output {
        bytes,
        gas_used: needed,
    })
}
