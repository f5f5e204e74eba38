//! SRTP and SRTCP.
//!
//! Secure RTP (RFC 3711) with the AES-CM, AES-256-CM (RFC 6188) and AES-GCM (RFC 7714)
//! profiles, protecting and unprotecting in place. The contexts arrive with the issue that
//! builds this crate; today it holds nothing public.

#![forbid(unsafe_code)]
#![deny(missing_docs)]
