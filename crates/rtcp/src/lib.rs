//! RTCP packets: every packet type of RFC 3550 §6, extended reports (RFC 3611), feedback
//! messages (RFC 4585, RFC 5104, REMB, transport-cc, RFC 8888), compound packets with the
//! RFC 3550 §6.1 validity rules, reduced-size RTCP (RFC 5506), and NTP timestamps.
//!
//! Every packet type implements [`Packet`]: `parse` from wire bytes, `size`, and `write`
//! into a caller's buffer. Parsing borrows the datagram and allocates nothing: repeated
//! structures are [`List`]s that decode on demand, byte strings are `Cow::Borrowed`. The
//! same types, with `Vec`s and owned strings, build packets.
//!
//! ```
//! use rtcp::{AnyPacket, Compound, Packet, ReceiverReport, SourceDescription, write_compound};
//!
//! let packets = [
//!     AnyPacket::ReceiverReport(ReceiverReport { ssrc: 1, ..Default::default() }),
//!     AnyPacket::SourceDescription(SourceDescription::cname(1, "user@host")),
//! ];
//! let mut buf = [0u8; 1500];
//! let n = write_compound(&packets, 0, &mut buf).unwrap();
//! rtcp::validate(&buf[..n], rtcp::Rules::default()).unwrap();
//! for packet in Compound::new(&buf[..n]) {
//!     match packet.unwrap() {
//!         AnyPacket::ReceiverReport(rr) => assert_eq!(rr.ssrc, 1),
//!         AnyPacket::SourceDescription(sdes) => assert_eq!(sdes.chunks.len(), 1),
//!         other => panic!("unexpected {other:?}"),
//!     }
//! }
//! ```

#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod application;
mod compound;
mod error;
pub mod feedback;
mod goodbye;
mod header;
mod ntp;
mod packet;
mod raw;
mod receiver_report;
mod report_block;
mod sender_report;
mod source_description;
mod wire;
pub mod xr;

pub use application::ApplicationDefined;
pub use compound::{AnyPacket, Compound, Rules, validate, write_compound, write_compound_to_vec};
pub use error::{Error, Result};
pub use goodbye::Goodbye;
pub use header::{Header, packet_type};
pub use ntp::{NtpTime, round_trip_time};
pub use packet::Packet;
pub use raw::RawPacket;
pub use receiver_report::ReceiverReport;
pub use report_block::ReportBlock;
pub use sender_report::SenderReport;
pub use source_description::{SdesChunk, SdesItem, SdesItemType, SourceDescription};
pub use wire::{Element, List, ListIter};
pub use xr::ExtendedReport;
