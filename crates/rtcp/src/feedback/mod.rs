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
//!
//! **One shape.** The header and the two SSRCs are parsed and written once, by
//! `parse_message`/`write_message`, for every format; a message type owns only its FCI
//! (the crate-private `Fci` trait: parse from the FCI bytes, size, write), and its PT/FMT
//! pair is given once where `feedback_packet!` implements [`crate::Packet`] for it. The
//! five formats whose FCI is a list of fixed-size entries (generic NACK, SLI, FIR, TMMBR,
//! TMMBN) are one definition, `entry_list_message!`. The message structs keep their flat
//! `sender_ssrc`/`media_ssrc` fields rather than becoming a generic `Feedback<F>`: every
//! caller (the session, the interop suite, the fuzzers, five parallel branches) builds them
//! with struct literals and reads `.sender_ssrc`, and a wrapper would have changed every
//! such line for no gain on the wire; RFC 8888's CCFB, which has no media SSRC, shares the
//! header check and stays outside the trait.

mod ccfb;
mod fir;
mod nack;
mod pli;
mod remb;
mod rpsi;
mod sli;
mod tmmb;
mod transport_cc;

#[cfg(test)]
mod tests;

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

/// What one feedback message type of RFC 4585 §6.1's common format owns: its FCI. The
/// header and both SSRCs are parsed and written once, by [`parse_message`] and
/// [`write_message`], for every type.
pub(crate) trait Fci<'a>: Sized {
    /// Builds the message from its SSRCs and its FCI (padding removed).
    fn from_fci(sender_ssrc: u32, media_ssrc: u32, fci: &'a [u8]) -> Result<Self>;

    /// Bytes of FCI [`Fci::write_fci`] writes (a multiple of 4).
    fn fci_size(&self) -> usize;

    /// Writes the FCI; `w` holds exactly [`Fci::fci_size`] bytes more.
    fn write_fci(&self, w: &mut Writer<'_>) -> Result<()>;
}

/// A feedback message type: its PT/FMT pair and its two SSRCs, around its [`Fci`].
/// [`feedback_packet!`] implements it, and [`crate::Packet`] through it.
pub(crate) trait FeedbackMessage<'a>: Fci<'a> {
    /// PT: RTPFB or PSFB.
    const PACKET_TYPE: u8;
    /// FMT.
    const FMT: u8;

    /// SSRC of packet sender and SSRC of media source.
    fn ssrcs(&self) -> (u32, u32);
}

/// Makes a type with `sender_ssrc` and `media_ssrc` fields and an [`Fci`] the feedback
/// message `packet_type`/`fmt`: implements [`FeedbackMessage`] and [`crate::Packet`].
macro_rules! feedback_packet {
    ($ty:ty, $packet_type:expr, $fmt:expr) => {
        impl<'a> $crate::feedback::FeedbackMessage<'a> for $ty {
            const PACKET_TYPE: u8 = $packet_type;
            const FMT: u8 = $fmt;

            fn ssrcs(&self) -> (u32, u32) {
                (self.sender_ssrc, self.media_ssrc)
            }
        }

        impl<'a> $crate::packet::Packet<'a> for $ty {
            #[inline]
            fn parse(packet: &'a [u8]) -> $crate::error::Result<Self> {
                $crate::feedback::parse_message(packet)
            }

            fn size(&self) -> usize {
                12 + $crate::feedback::Fci::fci_size(self)
            }

            fn write(&self, buf: &mut [u8]) -> $crate::error::Result<usize> {
                $crate::feedback::write_message(self, buf)
            }
        }
    };
}
pub(crate) use feedback_packet;

/// Defines a feedback message whose FCI is a list of fixed-size entries (generic NACK, SLI,
/// FIR, TMMBR, TMMBN): the struct with both SSRCs and the list, and its [`FeedbackMessage`]
/// and [`crate::Packet`] implementations. The five differ only in names, PT/FMT, the entry
/// type and whether the list may be empty.
macro_rules! entry_list_message {
    (
        $(#[$doc:meta])*
        $name:ident {
            $(#[$media_doc:meta])* media_ssrc,
            $(#[$list_doc:meta])* $field:ident: $entry:ty,
        }
        $packet_type:expr, $fmt:expr, $what:literal, allow_empty: $allow_empty:literal
    ) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Default)]
        pub struct $name<'a> {
            /// SSRC of packet sender.
            pub sender_ssrc: u32,
            $(#[$media_doc])*
            pub media_ssrc: u32,
            $(#[$list_doc])*
            pub $field: $crate::wire::List<'a, $entry>,
        }

        impl<'a> $crate::feedback::Fci<'a> for $name<'a> {
            fn from_fci(
                sender_ssrc: u32,
                media_ssrc: u32,
                fci: &'a [u8],
            ) -> $crate::error::Result<Self> {
                let $field = $crate::feedback::entries::<Self, _>(fci, $allow_empty, $what)?;
                Ok(Self { sender_ssrc, media_ssrc, $field })
            }

            fn fci_size(&self) -> usize {
                self.$field.wire_size()
            }

            fn write_fci(&self, w: &mut $crate::wire::Writer<'_>) -> $crate::error::Result<()> {
                $crate::feedback::write_entries::<Self, _>(w, $allow_empty, &self.$field)
            }
        }

        $crate::feedback::feedback_packet!($name<'a>, $packet_type, $fmt);
    };
}
pub(crate) use entry_list_message;

/// Checks the header of a feedback message of type `packet_type`/`fmt`; returns a reader
/// over its body (padding removed), positioned at the SSRC of the packet sender.
#[inline]
pub(crate) fn split_feedback(packet: &[u8], packet_type: u8, fmt: u8) -> Result<Reader<'_>> {
    let (h, body) = split(packet, packet_type)?;
    if h.count != fmt {
        return Err(Error::WrongFormat {
            packet_type,
            expected: fmt,
            got: h.count,
        });
    }
    Ok(Reader::new(body, "feedback message"))
}

/// Parses one feedback message of type `M`: header, both SSRCs, then `M`'s FCI.
#[inline]
pub(crate) fn parse_message<'a, M: FeedbackMessage<'a>>(packet: &'a [u8]) -> Result<M> {
    let mut r = split_feedback(packet, M::PACKET_TYPE, M::FMT)?;
    let sender_ssrc = r.u32()?;
    let media_ssrc = r.u32()?;
    M::from_fci(sender_ssrc, media_ssrc, r.rest())
}

/// Writes one feedback message: header, both SSRCs, then the FCI.
pub(crate) fn write_message<'a, M: FeedbackMessage<'a>>(m: &M, buf: &mut [u8]) -> Result<usize> {
    let size = 12 + m.fci_size();
    let mut w = Writer::packet(buf, M::FMT.into(), M::PACKET_TYPE, size)?;
    let (sender_ssrc, media_ssrc) = m.ssrcs();
    w.u32(sender_ssrc)?;
    w.u32(media_ssrc)?;
    m.write_fci(&mut w)?;
    Ok(w.written())
}

/// The FCI of the messages that are a list of fixed-size entries (generic NACK, SLI, FIR,
/// TMMBR, TMMBN): a whole number of entries, at least one unless `allow_empty`.
pub(crate) fn entries<'a, M: FeedbackMessage<'a>, E: Element<'a>>(
    fci: &'a [u8],
    allow_empty: bool,
    what: &'static str,
) -> Result<List<'a, E>> {
    let entry = E::FIXED_SIZE.unwrap_or(1);
    if (!allow_empty && fci.is_empty()) || fci.len() % entry != 0 {
        return Err(fci_size::<M>(fci.len()));
    }
    List::parse_all(fci, what)
}

/// Writes the entries of an entry-list FCI (the counterpart of [`entries`]).
pub(crate) fn write_entries<'a, M: FeedbackMessage<'a>, E: Element<'a>>(
    w: &mut Writer<'_>,
    allow_empty: bool,
    entries: &List<'a, E>,
) -> Result<()> {
    if !allow_empty && entries.is_empty() {
        return Err(fci_size::<M>(0));
    }
    w.list(entries)
}

/// The error for an FCI of `length` bytes, a size message type `M` does not allow.
pub(crate) fn fci_size<'a, M: FeedbackMessage<'a>>(length: usize) -> Error {
    Error::FciSize {
        packet_type: M::PACKET_TYPE,
        fmt: M::FMT,
        length,
    }
}
