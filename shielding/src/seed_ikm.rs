//! The caller's seed, served to hpke as the "randomness" of the ephemeral key.
//!
//! hpke 0.15.1 makes the ephemeral key pair as DeriveKeyPair(32 bytes from the RNG). Serving exactly the seed makes
//! `seal` RFC 9180's SetupBaseS with ikmE = seed, so the RFC's own test vectors check `seal` end to end.

use std::convert::Infallible;

use hpke::rand_core::{TryCryptoRng, TryRng};

pub(crate) struct SeedIkm<'a> {
    seed: &'a [u8; 32],
    /// Every draw, in bytes; exactly `[32]` is the only sequence that means "the ephemeral key is the seed's".
    draws: usize,
    drawn: usize,
    served: bool,
}

impl<'a> SeedIkm<'a> {
    pub(crate) fn new(seed: &'a [u8; 32]) -> Self {
        Self {
            seed,
            draws: 0,
            drawn: 0,
            served: false,
        }
    }

    /// Whether hpke drew the seed, whole, and nothing else: otherwise the ephemeral key is not the seed's and the
    /// caller must not use what was made with it. Returns the bytes drawn in all.
    pub(crate) fn drew_only_the_seed(&self) -> Result<(), usize> {
        if self.served && self.draws == 1 {
            Ok(())
        } else {
            Err(self.drawn)
        }
    }

    fn draw(&mut self, dst: &mut [u8]) {
        self.draws += 1;
        self.drawn += dst.len();
        if !self.served && dst.len() == self.seed.len() {
            dst.copy_from_slice(self.seed);
            self.served = true;
        } else {
            // A contract breach that `drew_only_the_seed` reports; zeros rather than a panic, as the result is
            // thrown away.
            dst.fill(0);
        }
    }
}

impl TryRng for SeedIkm<'_> {
    type Error = Infallible;

    fn try_next_u32(&mut self) -> Result<u32, Infallible> {
        let mut word = [0u8; 4];
        self.draw(&mut word);
        Ok(u32::from_le_bytes(word))
    }

    fn try_next_u64(&mut self) -> Result<u64, Infallible> {
        let mut word = [0u8; 8];
        self.draw(&mut word);
        Ok(u64::from_le_bytes(word))
    }

    fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Infallible> {
        self.draw(dst);
        Ok(())
    }
}

// The seed is the caller's OS randomness, so the bytes served are as unpredictable as a CSPRNG's.
impl TryCryptoRng for SeedIkm<'_> {}
