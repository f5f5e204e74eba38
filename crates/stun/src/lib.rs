//! STUN messages (RFC 8489) with the ICE attributes of RFC 8445: a zero-copy view that
//! checks the framing, typed attribute getters, integrity (HMAC-SHA1 and HMAC-SHA256,
//! compared in constant time) and fingerprint checks, and a writer into a caller's buffer.
//! Neither parsing, checking nor writing allocates.
//!
//! ```
//! use std::net::SocketAddr;
//! use stun::{Class, Message, MessageWriter, Method, TransactionId};
//!
//! let id = TransactionId::new([7; 12]);
//! let password = b"pass";
//! let mut buf = [0u8; 128];
//! let mut w = MessageWriter::new(&mut buf, Class::SuccessResponse, Method::BINDING, id)?;
//! w.xor_mapped_address("192.0.2.1:32853".parse().unwrap())?;
//! w.message_integrity(password)?;
//! let len = w.finish_with_fingerprint()?;
//!
//! let m = Message::parse(&buf[..len])?;
//! m.verify_fingerprint()?;
//! m.verify_integrity(password)?;
//! assert_eq!(m.class(), Class::SuccessResponse);
//! assert_eq!(m.xor_mapped_address(), Some(Ok("192.0.2.1:32853".parse::<SocketAddr>().unwrap())));
//! # Ok::<(), stun::Error>(())
//! ```
//!
//! Credentials: the integrity key is the short-term password's bytes, as ICE uses it
//! (RFC 8445 §7.2.2). Long-term credentials (the key MD5(username ":" realm ":" password),
//! REALM, NONCE, USERHASH and their challenge) are out of scope; their attributes can still
//! be read and written raw.

#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod attribute;
mod error;
mod header;
mod integrity;
mod message;
mod writer;

pub use attribute::{AttributeType, Attributes, ErrorCode, RawAttribute, UnknownAttributes};
pub use error::Error;
pub use header::{Class, HEADER_LEN, MAGIC_COOKIE, Method, TransactionId};
pub use integrity::{FINGERPRINT_XOR, INTEGRITY_LEN, INTEGRITY_SHA256_LEN};
pub use message::Message;
pub use writer::MessageWriter;
