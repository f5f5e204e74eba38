//! H.264 video (RFC 6184): packetization modes 0 and 1 (single NAL unit packets, STAP-A,
//! FU-A), access-unit reassembly with key frame detection, and the `a=fmtp` parameters.
//!
//! - [`H264Packetizer`] splits an access unit, given as an Annex B byte stream or as NAL
//!   units, into payloads of at most an MTU.
//! - [`H264Packet::parse`] reads one payload; the interleaved mode's STAP-B, MTAP16,
//!   MTAP24 and FU-B are refused with a typed error, so a stream of mode 2 fails loudly.
//! - [`H264Depacketizer`] rebuilds access units and writes their NAL units, Annex B or
//!   length-prefixed, into the caller's buffer ([`H264Frame::write`]), with the IDR, SPS and
//!   PPS it holds.
//! - [`H264Fmtp`] reads and writes `profile-level-id`, `packetization-mode`,
//!   `level-asymmetry-allowed` and `sprop-parameter-sets`.
//!
//! # Why H.264 has its own packetizer but shares the reassembler
//!
//! The VP8 and VP9 packetizer ([`Packetizer`](super::Packetizer)) cuts one frame into
//! contiguous chunks behind a descriptor. H.264 does not fit that shape: a payload may
//! carry several NAL units (STAP-A, each behind its own size), a fragmented NAL unit loses
//! its header octet to the FU indicator and header, and the cut happens per NAL unit, not
//! per frame. So [`H264Packetizer`] is its own iterator; it borrows the even split of an
//! oversized NAL unit into FU-As from the shared splitter.
//!
//! The receiving side does fit the shared [`Depacketizer`](super::reassembly::Depacketizer):
//! ordering, loss reporting, decoding order and the memory bound are the same problem. Two
//! things differ, and the reassembler learnt them rather than H.264 copying it. First,
//! RFC 6184 has no start-of-frame bit: a packet starts an access unit when the packet
//! before it carried the marker bit or another timestamp. The reassembler infers the start
//! from that packet once it has arrived
//! ([`ReassemblyDescriptor::START_FROM_PREVIOUS`](super::reassembly::ReassemblyDescriptor::START_FROM_PREVIOUS));
//! when it is missing, a gap after a packet of the same timestamp that ended nothing lies
//! inside this access unit (not a start), and otherwise the payload's first NAL unit
//! decides (an access unit delimiter, SEI, parameter set, or a slice with
//! `first_mb_in_slice` = 0 can open an access unit, ITU-T H.264 §7.4.1.2.3). That hint
//! errs one way only: when an access unit's first packet (say the STAP-A with its
//! parameter sets) is overtaken by the whole of a slice with `first_mb_in_slice` = 0 and
//! the packet before both is missing, the access unit is handed out without it (its
//! [`H264Frame::sps`] and [`H264Frame::pps`] say so) and the first packet is then late.
//! Waiting instead would cost a second access unit whenever the marker packet before one
//! is lost, the far more common event. Second, the
//! payload is stored whole and read once the access unit is complete, so FU-As are
//! checked to chain into whole NAL units and the output is written straight into the
//! caller's buffer in the format asked for, with no copy per NAL unit and no allocation
//! once the reassembler's buffers have grown.

mod depacketizer;
mod fmtp;
mod nal;
mod packet;
mod packetizer;

pub use depacketizer::{H264Depacketizer, H264Frame, H264Pushed, NalFormat};
pub use fmtp::{H264Fmtp, H264Profile, ProfileLevelId};
pub use packet::{FuA, H264Packet, StapA, StapUnits};
pub use packetizer::{H264Packetizer, H264Payload, PacketizationMode};

#[cfg(test)]
mod tests;
