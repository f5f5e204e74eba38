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

use crate::error::Result;
use crate::wire::{FixedElement, List, Reader, Writer};

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

impl FixedElement for DlrrItem {
    const SIZE: usize = 12;
    const WHAT: &'static str = "DLRR sub-block";

    fn read(r: &mut Reader<'_>) -> Result<Self> {
        Ok(Self {
            ssrc: r.u32()?,
            last_rr: r.u32()?,
            delay_since_last_rr: r.u32()?,
        })
    }

    fn write(&self, w: &mut Writer<'_>) -> Result<()> {
        w.u32(self.ssrc)?;
        w.u32(self.last_rr)?;
        w.u32(self.delay_since_last_rr)
    }
}

/// DLRR (RFC 3611 §4.5): answers to receiver reference time blocks.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Dlrr<'a> {
    /// The sub-blocks.
    pub items: List<'a, DlrrItem>,
}
