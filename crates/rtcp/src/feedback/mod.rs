//! Feedback messages (RFC 4585 §6): transport-layer (RTPFB, PT 205) and payload-specific
//! (PSFB, PT 206), with the RFC 5104, REMB, transport-cc and RFC 8888 formats.
//!
//! ```text
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |V=2|P|   FMT   |       PT      |          length               |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |                  SSRC of packet sender                        |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |                  SSRC of media source                         |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! :            Feedback Control Information (FCI)                 :
//! ```

mod ccfb;
mod fir;
mod nack;
mod pli;
mod remb;
mod rpsi;
mod sli;
mod tmmb;
mod transport_cc;

pub use ccfb::{CcfbMetric, CcfbStreamReport, CongestionControlFeedback, Ecn};
pub use fir::{FirEntry, FullIntraRequest};
pub use nack::{GenericNack, NackPair};
pub use pli::PictureLossIndication;
pub use remb::ReceiverEstimatedMaximumBitrate;
pub use rpsi::ReferencePictureSelectionIndication;
pub use sli::{SliEntry, SliceLossIndication};
pub use tmmb::{TmmbItem, Tmmbn, Tmmbr};
pub use transport_cc::{PacketStatus, StatusChunk, StatusSymbol, TransportCc};

use crate::error::{Error, Result};
use crate::header::split;
use crate::wire::{Element, List, Reader, Writer};

/// Feedback message types (FMT) of RTPFB and PSFB (IANA "FMT Values").
pub mod fmt {
    /// RTPFB 1: Generic NACK (RFC 4585 §6.2.1).
    pub const NACK: u8 = 1;
    /// RTPFB 3: TMMBR (RFC 5104 §4.2.1).
    pub const TMMBR: u8 = 3;
    /// RTPFB 4: TMMBN (RFC 5104 §4.2.2).
    pub const TMMBN: u8 = 4;
    /// RTPFB 11: congestion control feedback (RFC 8888).
    pub const CCFB: u8 = 11;
    /// RTPFB 15: transport-wide congestion control (draft-holmer-rmcat-transport-wide-cc).
    pub const TRANSPORT_CC: u8 = 15;
    /// PSFB 1: Picture Loss Indication (RFC 4585 §6.3.1).
    pub const PLI: u8 = 1;
    /// PSFB 2: Slice Loss Indication (RFC 4585 §6.3.2).
    pub const SLI: u8 = 2;
    /// PSFB 3: Reference Picture Selection Indication (RFC 4585 §6.3.3).
    pub const RPSI: u8 = 3;
    /// PSFB 4: Full Intra Request (RFC 5104 §4.3.1).
    pub const FIR: u8 = 4;
    /// PSFB 15: application layer feedback (RFC 4585 §6.4), carrying REMB.
    pub const AFB: u8 = 15;
}

/// The parts of a feedback message after its header.
pub(crate) struct Feedback<'a> {
    pub(crate) sender_ssrc: u32,
    pub(crate) media_ssrc: u32,
    pub(crate) fci: &'a [u8],
}

/// Checks the header of a feedback message of type `packet_type`/`fmt` and splits it.
pub(crate) fn parse(packet: &[u8], packet_type: u8, fmt: u8) -> Result<Feedback<'_>> {
    let (h, body) = split(packet, packet_type)?;
    if h.count != fmt {
        return Err(Error::WrongFormat {
            packet_type,
            expected: fmt,
            got: h.count,
        });
    }
    let mut r = Reader::new(body, "feedback message");
    let sender_ssrc = r.u32()?;
    let media_ssrc = r.u32()?;
    Ok(Feedback {
        sender_ssrc,
        media_ssrc,
        fci: r.rest(),
    })
}

/// Starts writing a feedback message of `size` bytes: header and both SSRCs.
pub(crate) fn writer<'b>(
    buf: &'b mut [u8],
    size: usize,
    packet_type: u8,
    fmt: u8,
    sender_ssrc: u32,
    media_ssrc: u32,
) -> Result<Writer<'b>> {
    let mut w = Writer::new(buf, size)?;
    w.header(fmt.into(), packet_type, size)?;
    w.u32(sender_ssrc)?;
    w.u32(media_ssrc)?;
    Ok(w)
}

/// Parses a feedback message whose FCI is a non-empty list of fixed-size entries (generic
/// NACK, SLI, FIR): the header, then the entries, each `E::FIXED_SIZE` bytes.
pub(crate) fn parse_entries<'a, E: Element<'a>>(
    packet: &'a [u8],
    packet_type: u8,
    fmt: u8,
    what: &'static str,
) -> Result<(Feedback<'a>, List<'a, E>)> {
    let fb = parse(packet, packet_type, fmt)?;
    let entry = E::FIXED_SIZE.unwrap_or(1);
    if fb.fci.is_empty() || fb.fci.len() % entry != 0 {
        return Err(fci_size(packet_type, fmt, fb.fci));
    }
    let entries = List::parse_all(fb.fci, what)?;
    Ok((fb, entries))
}

/// Writes a feedback message whose FCI is a non-empty list of entries (the counterpart of
/// [`parse_entries`]); an empty list is an FCI of the wrong size.
pub(crate) fn write_entries<'a, E: Element<'a>>(
    buf: &mut [u8],
    packet_type: u8,
    fmt: u8,
    sender_ssrc: u32,
    media_ssrc: u32,
    entries: &List<'a, E>,
) -> Result<usize> {
    if entries.is_empty() {
        return Err(Error::FciSize {
            packet_type,
            fmt,
            length: 0,
        });
    }
    let size = 12 + entries.wire_size();
    let mut w = writer(buf, size, packet_type, fmt, sender_ssrc, media_ssrc)?;
    w.list(entries)?;
    Ok(w.written())
}

/// The error for an FCI of a size the format does not allow.
pub(crate) fn fci_size(packet_type: u8, fmt: u8, fci: &[u8]) -> Error {
    Error::FciSize {
        packet_type,
        fmt,
        length: fci.len(),
    }
}
