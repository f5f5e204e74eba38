//! An RTP session.
//!
//! Composes the lower crates into a session: sources, RTCP timing, SRTP and DTLS-SRTP, jitter
//! buffering and statistics, with a sans-IO core and a thin tokio driver. The session
//! arrives with the issue that builds this crate; today it holds nothing public.

#![forbid(unsafe_code)]
#![deny(missing_docs)]
