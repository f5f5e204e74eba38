//! The cryptography of the handshake and the record layer, on RustCrypto primitives.

pub mod aead;
pub mod kx;
pub mod prf;
pub mod signature;
