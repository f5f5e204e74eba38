//! DLRR report block (RFC 3611 §4.5).
//!
//! ```text
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |     BT=5      |   reserved    |         block length          |
//! +=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+
//! |                 SSRC_1 (SSRC of first receiver)               | sub-
//! |                         last RR (LRR)                         | block
//! |                   delay since last RR (DLRR)                  |  1
//! +=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+
//! ```

use crate::wire::{List, wire_record};

/// One DLRR sub-block (RFC 3611 §4.5).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct DlrrItem {
    /// SSRC_n: the receiver this sub-block answers.
    pub ssrc: u32,
    /// last RR (LRR): middle 32 bits of that receiver's last reference time.
    pub last_rr: u32,
    /// delay since last RR (DLRR), in units of 1/65536 s.
    pub delay_since_last_rr: u32,
}

wire_record!(DlrrItem, "DLRR sub-block", 12: ssrc: u32, last_rr: u32, delay_since_last_rr: u32);

/// DLRR (RFC 3611 §4.5): answers to receiver reference time blocks.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Dlrr<'a> {
    /// The sub-blocks.
    pub items: List<'a, DlrrItem>,
}
