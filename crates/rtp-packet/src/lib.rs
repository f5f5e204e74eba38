//! RTP packets (RFC 3550 §5): a zero-copy view, a writer into a caller's buffer and an owned
//! packet; RFC 8285 header extensions with typed values; sequence-number arithmetic and
//! RFC 3550 A.1 source validation; the per-SSRC map;
//! the RFC 3551 payload-type table and clock conversions; RFC 7983 demultiplexing; the
//! one definition of a video frame's span ([`frame`]), shared by the payload reassembler and
//! the jitter buffer.
//!
//! ```
//! use rtp_packet::{PacketWriter, PayloadType, RtpHeader, RtpPacket};
//!
//! let mut buf = [0u8; 1500];
//! let mut header = RtpHeader::new(PayloadType::PCMA, 1000, 8000, 0xdead_beef);
//! header.marker = true;
//! let len = PacketWriter::new(&mut buf, &header)?.finish(&[0xd5; 160], 0)?;
//!
//! let packet = RtpPacket::parse(&buf[..len])?;
//! assert_eq!(packet.payload_type(), PayloadType::PCMA);
//! assert_eq!(packet.payload().len(), 160);
//! # Ok::<(), rtp_packet::Error>(())
//! ```

#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod clock;
pub mod demux;
mod error;
pub mod extension;
pub mod frame;
pub mod framing;
mod header;
mod owned;
mod packet;
pub mod payload;
mod payload_type;
pub mod sequence;
pub mod ssrc_map;
mod writer;

pub use clock::ClockRate;
pub use demux::{PacketKind, classify};
pub use error::Error;
pub use extension::{ExtensionForm, HeaderExtension};
pub use header::{CsrcList, MAX_CSRCS, RtpHeader};
pub use owned::{OwnedExtension, OwnedPacket};
pub use packet::{Csrcs, FIXED_HEADER_LEN, RTP_VERSION, RtpPacket};
pub use payload_type::{MediaKind, PayloadType, StaticPayload};
pub use sequence::{SeqVerdict, SequenceTracker, ValidationConfig};
pub use ssrc_map::SsrcMap;
pub use writer::PacketWriter;
