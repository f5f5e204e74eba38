//! Runnable example programs for the rtp-stack crates.
//!
//! The programs are this package's `[[example]]` targets (`cargo run --example NAME`); each
//! runs to completion by itself and `cargo xtask ci` runs every one once. The library is
//! empty: it exists because Cargo requires a package to have a target of its own.
