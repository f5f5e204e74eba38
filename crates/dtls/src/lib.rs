//! DTLS 1.2 with DTLS-SRTP key exchange.
//!
//! A sans-IO DTLS 1.2 (RFC 6347) client and server that negotiate SRTP keys (RFC 5764):
//! the caller feeds datagrams and the current time into a [`Connection`] and takes out
//! datagrams to send, [`Event`]s and the next timeout. Randomness comes from an injected
//! [`Random`] source.

#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod alert;
pub mod cert;
mod codec;
pub mod cookie;
pub mod crypto;
mod error;
pub mod handshake;
pub mod random;
pub mod record;
pub mod replay;
pub mod suite;

pub use alert::{Alert, AlertDescription, AlertLevel};
pub use cert::{Certificate, Fingerprint, HashFunction};
pub use error::Error;
pub use random::{ChaChaRandom, Random};
pub use suite::{CipherSuite, NamedGroup, SignatureScheme};
pub mod config;
mod connection;

pub use config::Config;
pub use connection::{Connected, Connection, Event, Role, SRTP_EXPORTER_LABEL};
