//! Full Intra Request (RFC 5104 §4.3.1).
//!
//! ```text
//! FCI, one or more of:
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |                              SSRC                             |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! | Seq nr.       |    Reserved                                   |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! ```

use super::{entry_list_message, fmt};
use crate::header::packet_type;
use crate::wire::wire_record;

/// One FIR entry (RFC 5104 §4.3.1.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct FirEntry {
    /// SSRC: the media sender asked for a decoder refresh point.
    pub ssrc: u32,
    /// Seq nr.: command sequence number, incremented per new request.
    pub sequence_number: u8,
}

// Seq nr. is followed by 24 reserved bits, written as zeros.
wire_record!(FirEntry, "FIR entry", 8: ssrc: u32, sequence_number: u8);

entry_list_message!(
    /// Full Intra Request (RFC 5104 §4.3.1): PSFB, FMT 4. The header's media SSRC is 0.
    FullIntraRequest {
        /// SSRC of media source (0 for FIR; the entries name the sources).
        media_ssrc,
        /// The requests (at least one).
        entries: FirEntry,
    }
    packet_type::PSFB, fmt::FIR, "FIR FCI", allow_empty: false
);
