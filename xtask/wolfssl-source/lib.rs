//! Empty: this package exists so that `cargo fetch` brings wolfssl-sys's source here
//! (see Cargo.toml beside it).
