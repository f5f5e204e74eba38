//! An adaptive jitter buffer.
//!
//! Reorders, de-duplicates and schedules RTP packets for playout by their timestamps,
//! adapting its delay to the network. The buffer arrives with the issue that builds this
//! crate; today it holds nothing public.

#![forbid(unsafe_code)]
#![deny(missing_docs)]
