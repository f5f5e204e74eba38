//! DTLS 1.2 with DTLS-SRTP key exchange.
//!
//! A sans-IO DTLS 1.2 (RFC 6347) client and server that negotiate SRTP keys (RFC 5764).
//! The state machines arrive with the issues that build this crate; today it holds nothing
//! public.

#![forbid(unsafe_code)]
#![deny(missing_docs)]
