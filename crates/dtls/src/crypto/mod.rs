//! The cryptography of the handshake and the record layer, on RustCrypto primitives,
//! except the verification of the peer's ECDSA signatures, which runs on `ring` with the
//! default `ring` feature (`signature` says why).

pub mod aead;
pub mod kx;
pub mod prf;
pub mod signature;
