//! Compound packets (RFC 3550 §6.1): several RTCP packets in one datagram.
//!
//! [`Compound`] walks a datagram leniently, borrowing it: every packet is handed out as an
//! [`AnyPacket`], unknown types as [`RawPacket`], and a malformed packet is reported
//! without hiding the ones after it. [`validate`] is the separate strict check of
//! RFC 3550 §6.1 / Appendix A.2, relaxed for reduced-size RTCP (RFC 5506) on request.

use crate::application::ApplicationDefined;
use crate::error::{Error, Result};
use crate::feedback::{
    CongestionControlFeedback, FullIntraRequest, GenericNack, PictureLossIndication,
    ReceiverEstimatedMaximumBitrate, ReferencePictureSelectionIndication, SliceLossIndication,
    Tmmbn, Tmmbr, TransportCc, fmt,
};
use crate::goodbye::Goodbye;
use crate::header::{Header, packet_type};
use crate::packet::Packet;
use crate::raw::RawPacket;
use crate::receiver_report::ReceiverReport;
use crate::sender_report::SenderReport;
use crate::source_description::SourceDescription;
use crate::xr::ExtendedReport;

/// Any RTCP packet: the type a compound packet's parts are read as and built from.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum AnyPacket<'a> {
    /// SR (RFC 3550 §6.4.1).
    SenderReport(SenderReport<'a>),
    /// RR (RFC 3550 §6.4.2).
    ReceiverReport(ReceiverReport<'a>),
    /// SDES (RFC 3550 §6.5).
    SourceDescription(SourceDescription<'a>),
    /// BYE (RFC 3550 §6.6).
    Goodbye(Goodbye<'a>),
    /// APP (RFC 3550 §6.7).
    ApplicationDefined(ApplicationDefined<'a>),
    /// XR (RFC 3611).
    ExtendedReport(ExtendedReport<'a>),
    /// Generic NACK (RFC 4585 §6.2.1).
    GenericNack(GenericNack<'a>),
    /// TMMBR (RFC 5104 §4.2.1).
    Tmmbr(Tmmbr<'a>),
    /// TMMBN (RFC 5104 §4.2.2).
    Tmmbn(Tmmbn<'a>),
    /// Transport-wide congestion control feedback.
    TransportCc(TransportCc<'a>),
    /// Congestion control feedback (RFC 8888).
    CongestionControlFeedback(CongestionControlFeedback<'a>),
    /// PLI (RFC 4585 §6.3.1).
    PictureLossIndication(PictureLossIndication),
    /// SLI (RFC 4585 §6.3.2).
    SliceLossIndication(SliceLossIndication<'a>),
    /// RPSI (RFC 4585 §6.3.3).
    ReferencePictureSelectionIndication(ReferencePictureSelectionIndication<'a>),
    /// FIR (RFC 5104 §4.3.1).
    FullIntraRequest(FullIntraRequest<'a>),
    /// REMB.
    ReceiverEstimatedMaximumBitrate(ReceiverEstimatedMaximumBitrate<'a>),
    /// Any other packet type or feedback format, kept as it came.
    Raw(RawPacket<'a>),
}

macro_rules! each_variant {
    ($self:ident, $p:ident => $e:expr) => {
        match $self {
            AnyPacket::SenderReport($p) => $e,
            AnyPacket::ReceiverReport($p) => $e,
            AnyPacket::SourceDescription($p) => $e,
            AnyPacket::Goodbye($p) => $e,
            AnyPacket::ApplicationDefined($p) => $e,
            AnyPacket::ExtendedReport($p) => $e,
            AnyPacket::GenericNack($p) => $e,
            AnyPacket::Tmmbr($p) => $e,
            AnyPacket::Tmmbn($p) => $e,
            AnyPacket::TransportCc($p) => $e,
            AnyPacket::CongestionControlFeedback($p) => $e,
            AnyPacket::PictureLossIndication($p) => $e,
            AnyPacket::SliceLossIndication($p) => $e,
            AnyPacket::ReferencePictureSelectionIndication($p) => $e,
            AnyPacket::FullIntraRequest($p) => $e,
            AnyPacket::ReceiverEstimatedMaximumBitrate($p) => $e,
            AnyPacket::Raw($p) => $e,
        }
    };
}

impl<'a> Packet<'a> for AnyPacket<'a> {
    #[inline]
    fn parse(packet: &'a [u8]) -> Result<Self> {
        let h = Header::parse(packet)?;
        match (h.packet_type, h.count) {
            (packet_type::SR, _) => SenderReport::parse(packet).map(Self::SenderReport),
            (packet_type::RR, _) => ReceiverReport::parse(packet).map(Self::ReceiverReport),
            (packet_type::SDES, _) => SourceDescription::parse(packet).map(Self::SourceDescription),
            (packet_type::BYE, _) => Goodbye::parse(packet).map(Self::Goodbye),
            (packet_type::APP, _) => {
                ApplicationDefined::parse(packet).map(Self::ApplicationDefined)
            }
            (packet_type::XR, _) => ExtendedReport::parse(packet).map(Self::ExtendedReport),
            (packet_type::RTPFB, fmt::NACK) => GenericNack::parse(packet).map(Self::GenericNack),
            (packet_type::RTPFB, fmt::TMMBR) => Tmmbr::parse(packet).map(Self::Tmmbr),
            (packet_type::RTPFB, fmt::TMMBN) => Tmmbn::parse(packet).map(Self::Tmmbn),
            (packet_type::RTPFB, fmt::TRANSPORT_CC) => {
                TransportCc::parse(packet).map(Self::TransportCc)
            }
            (packet_type::RTPFB, fmt::CCFB) => {
                CongestionControlFeedback::parse(packet).map(Self::CongestionControlFeedback)
            }
            (packet_type::PSFB, fmt::PLI) => {
                PictureLossIndication::parse(packet).map(Self::PictureLossIndication)
            }
            (packet_type::PSFB, fmt::SLI) => {
                SliceLossIndication::parse(packet).map(Self::SliceLossIndication)
            }
            (packet_type::PSFB, fmt::RPSI) => ReferencePictureSelectionIndication::parse(packet)
                .map(Self::ReferencePictureSelectionIndication),
            (packet_type::PSFB, fmt::FIR) => {
                FullIntraRequest::parse(packet).map(Self::FullIntraRequest)
            }
            (packet_type::PSFB, fmt::AFB) if ReceiverEstimatedMaximumBitrate::is_remb(packet) => {
                ReceiverEstimatedMaximumBitrate::parse(packet)
                    .map(Self::ReceiverEstimatedMaximumBitrate)
            }
            _ => RawPacket::parse(packet).map(Self::Raw),
        }
    }

    #[inline]
    fn size(&self) -> usize {
        each_variant!(self, p => p.size())
    }

    #[inline]
    fn write(&self, buf: &mut [u8]) -> Result<usize> {
        each_variant!(self, p => p.write(buf))
    }
}

/// The packets of a compound datagram, read lazily and without allocating.
///
/// Each item is one packet, parsed. A packet whose contents are malformed yields its error
/// and the walk goes on with the next one (its length field is still trusted). A header
/// that cannot be read, or a length field past the end, yields an error and ends the walk.
#[derive(Debug, Clone)]
pub struct Compound<'a> {
    rest: &'a [u8],
}

impl<'a> Compound<'a> {
    /// Walks `datagram`.
    #[inline]
    pub fn new(datagram: &'a [u8]) -> Self {
        Self { rest: datagram }
    }

    /// Splits off the next packet's bytes, header checked.
    #[inline]
    fn next_bytes(&mut self) -> Option<Result<&'a [u8]>> {
        if self.rest.is_empty() {
            return None;
        }
        let header = match Header::parse(self.rest) {
            Ok(h) => h,
            Err(e) => {
                self.rest = &[];
                return Some(Err(e));
            }
        };
        let size = header.packet_size();
        match self.rest.split_at_checked(size) {
            Some((packet, rest)) => {
                self.rest = rest;
                Some(Ok(packet))
            }
            None => {
                let available = self.rest.len();
                self.rest = &[];
                Some(Err(Error::LengthPastEnd {
                    declared: size,
                    available,
                }))
            }
        }
    }
}

impl<'a> Iterator for Compound<'a> {
    type Item = Result<AnyPacket<'a>>;

    #[inline]
    fn next(&mut self) -> Option<Self::Item> {
        Some(self.next_bytes()?.and_then(AnyPacket::parse))
    }
}

/// Which compound packets [`validate`] accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Rules {
    /// Reduced-size RTCP (RFC 5506 §3), negotiated with `a=rtcp-rsize`: a datagram need not
    /// begin with an SR or RR.
    pub reduced_size: bool,
}

/// The strict validity check of a compound datagram (RFC 3550 §6.1 and Appendix A.2):
/// every packet has version 2, the first is an SR or RR (unless reduced-size RTCP is
/// allowed), only the last has its padding bit set, and the packets' length fields add up
/// exactly to the datagram. Returns the number of packets.
///
/// It checks the structure only; [`Compound`] parses the contents.
pub fn validate(datagram: &[u8], rules: Rules) -> Result<usize> {
    if datagram.is_empty() {
        return Err(Error::EmptyCompound);
    }
    let mut rest = datagram;
    let mut index = 0;
    while !rest.is_empty() {
        let h = Header::parse(rest)?;
        if index == 0
            && !rules.reduced_size
            && h.packet_type != packet_type::SR
            && h.packet_type != packet_type::RR
        {
            return Err(Error::FirstNotReport {
                packet_type: h.packet_type,
            });
        }
        let size = h.packet_size();
        let (packet, after) = rest.split_at_checked(size).ok_or(Error::LengthPastEnd {
            declared: size,
            available: rest.len(),
        })?;
        if h.padding {
            if !after.is_empty() {
                return Err(Error::PaddingNotLast { index });
            }
            crate::header::body(packet, &h)?;
        }
        rest = after;
        index += 1;
    }
    Ok(index)
}

/// Writes `packets` back to back as one compound datagram. With `pad_to` > 1, the last
/// packet is padded (RFC 3550 §6.4.1: padding bit, zeros, count in the last octet) so the
/// datagram's size is a multiple of `pad_to` (at most 255 bytes of padding). Returns the
/// bytes written.
pub fn write_compound(packets: &[AnyPacket<'_>], pad_to: usize, buf: &mut [u8]) -> Result<usize> {
    let mut pos = 0;
    let mut last_start = 0;
    for p in packets {
        last_start = pos;
        let got = buf.len();
        let dst = buf
            .get_mut(pos..)
            .ok_or(Error::BufferTooSmall { needed: pos, got })?;
        pos += p.write(dst).map_err(|e| match e {
            Error::BufferTooSmall { needed, .. } => Error::BufferTooSmall {
                needed: pos + needed,
                got,
            },
            e => e,
        })?;
    }
    if pad_to > 1 && pos % pad_to != 0 && !packets.is_empty() {
        let padding = pad_to - pos % pad_to;
        let count = u8::try_from(padding).map_err(|_| Error::TooLong {
            what: "RTCP padding",
            len: padding,
            max: 255,
        })?;
        if padding % 4 != 0 {
            return Err(Error::Unaligned {
                what: "RTCP padding",
                len: padding,
            });
        }
        let got = buf.len();
        let end = pos + padding;
        let pad = buf
            .get_mut(pos..end)
            .ok_or(Error::BufferTooSmall { needed: end, got })?;
        pad.fill(0);
        if let Some(last) = pad.last_mut() {
            *last = count;
        }
        let words = (end - last_start) / 4 - 1;
        let words = u16::try_from(words).map_err(|_| Error::TooLong {
            what: "RTCP packet",
            len: end - last_start,
            max: 65536 * 4,
        })?;
        if let Some(header) = buf.get_mut(last_start..last_start + 4) {
            header[0] |= 0x20;
            header[2..4].copy_from_slice(&words.to_be_bytes());
        }
        pos = end;
    }
    Ok(pos)
}

/// Writes `packets` as one compound datagram, as [`write_compound`] does, into a new `Vec`
/// of exactly the datagram's size: the one-call form for callers that do not keep a buffer.
///
/// It sizes the `Vec` from [`Packet::size`] before writing, so it allocates once; the
/// hot path stays [`write_compound`] into a caller's buffer.
pub fn write_compound_to_vec(packets: &[AnyPacket<'_>], pad_to: usize) -> Result<Vec<u8>> {
    let unpadded: usize = packets.iter().map(Packet::size).sum();
    let padding = match unpadded % pad_to.max(1) {
        0 => 0,
        r => pad_to - r,
    };
    // A padding that `write_compound` refuses needs no room: it fails before writing it.
    let mut datagram = vec![0; unpadded + padding.min(255)];
    let n = write_compound(packets, pad_to, &mut datagram)?;
    datagram.truncate(n);
    Ok(datagram)
}

#[cfg(test)]
mod tests;
