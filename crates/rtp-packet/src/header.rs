//! The owned RTP header fields a sender chooses (RFC 3550 §5.1).

use crate::error::Error;
use crate::payload_type::PayloadType;
use core::fmt;

/// The most CSRCs an RTP header can carry (the CC field has four bits, RFC 3550 §5.1).
pub const MAX_CSRCS: usize = 15;

/// A list of up to 15 contributing sources, stored inline (RFC 3550 §5.1).
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct CsrcList {
    ids: [u32; MAX_CSRCS],
    len: u8,
}

impl CsrcList {
    /// An empty list.
    pub const fn new() -> Self {
        Self {
            ids: [0; MAX_CSRCS],
            len: 0,
        }
    }

    /// A list holding `ids`, failing with [`Error::TooManyCsrcs`] beyond 15.
    pub fn from_slice(ids: &[u32]) -> Result<Self, Error> {
        let mut list = Self::new();
        let slot = list
            .ids
            .get_mut(..ids.len())
            .ok_or(Error::TooManyCsrcs { count: ids.len() })?;
        slot.copy_from_slice(ids);
        list.len = ids.len() as u8;
        Ok(list)
    }

    /// Appends one CSRC, failing with [`Error::TooManyCsrcs`] when 15 are already present.
    pub fn push(&mut self, csrc: u32) -> Result<(), Error> {
        let slot = self
            .ids
            .get_mut(usize::from(self.len))
            .ok_or(Error::TooManyCsrcs {
                count: MAX_CSRCS + 1,
            })?;
        *slot = csrc;
        self.len += 1;
        Ok(())
    }

    /// The CSRCs in order.
    pub fn as_slice(&self) -> &[u32] {
        self.ids.get(..usize::from(self.len)).unwrap_or_default()
    }

    /// The number of CSRCs (the CC field).
    pub const fn len(&self) -> usize {
        self.len as usize
    }

    /// True when the list is empty.
    pub const fn is_empty(&self) -> bool {
        self.len == 0
    }
}

impl fmt::Debug for CsrcList {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.as_slice()).finish()
    }
}

impl<'a> TryFrom<&'a [u32]> for CsrcList {
    type Error = Error;

    fn try_from(ids: &'a [u32]) -> Result<Self, Error> {
        Self::from_slice(ids)
    }
}

/// The header fields of an RTP packet to write (RFC 3550 §5.1).
///
/// The version is not a field: everything this crate writes is version 2. The P, X and CC
/// bits follow from the padding, extension and CSRCs actually written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct RtpHeader {
    /// The M bit.
    pub marker: bool,
    /// The PT field.
    pub payload_type: PayloadType,
    /// The sequence number.
    pub sequence_number: u16,
    /// The RTP timestamp.
    pub timestamp: u32,
    /// The synchronization source.
    pub ssrc: u32,
    /// The contributing sources.
    pub csrcs: CsrcList,
}

impl RtpHeader {
    /// A header with no marker and no CSRCs.
    pub const fn new(
        payload_type: PayloadType,
        sequence_number: u16,
        timestamp: u32,
        ssrc: u32,
    ) -> Self {
        Self {
            marker: false,
            payload_type,
            sequence_number,
            timestamp,
            ssrc,
            csrcs: CsrcList::new(),
        }
    }

    /// The length of the fixed header and CSRC list.
    pub const fn encoded_len(&self) -> usize {
        crate::packet::FIXED_HEADER_LEN + 4 * self.csrcs.len()
    }

    /// The header fields of a parsed packet.
    pub fn from_packet(packet: &crate::RtpPacket<'_>) -> Self {
        let mut csrcs = CsrcList::new();
        for (slot, id) in csrcs.ids.iter_mut().zip(packet.csrcs()) {
            *slot = id;
        }
        csrcs.len = packet.csrc_count();
        Self {
            marker: packet.marker(),
            payload_type: packet.payload_type(),
            sequence_number: packet.sequence_number(),
            timestamp: packet.timestamp(),
            ssrc: packet.ssrc(),
            csrcs,
        }
    }
}
