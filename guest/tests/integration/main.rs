//! The crate's integration tests, one binary: each test binary is one more link against every dependency, which
//! costs tens of seconds per binary in the release profile's thin LTO (docs/ci.md).

mod golden;
mod travel;
