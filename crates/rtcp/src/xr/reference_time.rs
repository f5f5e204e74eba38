//! Receiver Reference Time report block (RFC 3611 §4.4).
//!
//! ```text
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |     BT=4      |   reserved    |       block length = 2        |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |              NTP timestamp, most significant word             |
//! |             NTP timestamp, least significant word             |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! ```

use super::{block_type, expect_len};
use crate::error::Result;
use crate::ntp::NtpTime;
use crate::wire::Reader;

/// Receiver reference time (RFC 3611 §4.4): lets non-senders get round-trip times from
/// the DLRR blocks answering it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ReceiverReferenceTime {
    /// NTP timestamp: when the report was sent.
    pub ntp_time: NtpTime,
}

impl ReceiverReferenceTime {
    pub(crate) const CONTENTS: usize = 8;

    pub(crate) fn decode(contents: &[u8]) -> Result<Self> {
        expect_len(
            block_type::RECEIVER_REFERENCE_TIME,
            contents,
            Self::CONTENTS,
        )?;
        Ok(Self {
            ntp_time: NtpTime(Reader::new(contents, "receiver reference time").u64()?),
        })
    }
}
