//! RTP Control Protocol Feedback for Congestion Control (RFC 8888 §3.1): RTPFB, FMT 11.
//!
//! ```text
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |V=2|P| FMT=11  |   PT = 205    |          length               |
//! |                 SSRC of RTCP packet sender                    |
//! |                   SSRC of 1st RTP Stream                      |
//! |          begin_seq            |          num_reports          |
//! |R|ECN|  Arrival time offset    | ...                           .
//! .                                                               .
//! |                   SSRC of nth RTP Stream                      |
//! |          begin_seq            |          num_reports          |
//! |R|ECN|  Arrival time offset    | ...                           |
//! |                        Report Timestamp                       |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! ```

use super::{fmt, split_feedback};
use crate::error::{Error, Result};
use crate::header::packet_type;
use crate::packet::Packet;
use crate::wire::{Element, FixedElement, List, Reader, Writer, count_field, pad4};

/// ECN marking of a received packet (RFC 3168 codepoints).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Ecn {
    /// 00: Not-ECT.
    #[default]
    NotEct,
    /// 01: ECT(1).
    Ect1,
    /// 10: ECT(0).
    Ect0,
    /// 11: CE.
    Ce,
}

/// One 16-bit metric block: what happened to one packet (RFC 8888 §3.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct CcfbMetric {
    /// R: the packet was received.
    pub received: bool,
    /// ECN: its ECN marking.
    pub ecn: Ecn,
    /// Arrival time offset (13 bits): report timestamp minus arrival time, in 1/1024 s;
    /// 0x1FFF means "too large", 0x1FFE "unavailable".
    pub arrival_time_offset: u16,
}

impl FixedElement for CcfbMetric {
    const SIZE: usize = 2;
    const WHAT: &'static str = "CCFB metric block";

    fn read(r: &mut Reader<'_>) -> Result<Self> {
        let v = r.u16()?;
        let ecn = match (v >> 13) & 3 {
            0 => Ecn::NotEct,
            1 => Ecn::Ect1,
            2 => Ecn::Ect0,
            _ => Ecn::Ce,
        };
        Ok(Self {
            received: v & 0x8000 != 0,
            ecn,
            arrival_time_offset: v & 0x1fff,
        })
    }

    fn write(&self, w: &mut Writer<'_>) -> Result<()> {
        if self.arrival_time_offset > 0x1fff {
            let value = self.arrival_time_offset.into();
            return Err(Error::OutOfRange {
                what: "CCFB arrival time offset",
                value,
            });
        }
        let ecn = match self.ecn {
            Ecn::NotEct => 0,
            Ecn::Ect1 => 1,
            Ecn::Ect0 => 2,
            Ecn::Ce => 3,
        };
        w.u16((u16::from(self.received) << 15) | (ecn << 13) | self.arrival_time_offset)
    }
}

/// The reports on one RTP stream (RFC 8888 §3.1).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CcfbStreamReport<'a> {
    /// SSRC of the RTP stream.
    pub ssrc: u32,
    /// begin_seq: sequence number of the first packet reported on.
    pub begin_seq: u16,
    /// One metric block per packet from begin_seq (num_reports of them).
    pub metrics: List<'a, CcfbMetric>,
}

impl<'a> Element<'a> for CcfbStreamReport<'a> {
    const FIXED_SIZE: Option<usize> = None;

    fn decode(bytes: &'a [u8]) -> Result<(Self, usize)> {
        let mut r = Reader::new(bytes, "CCFB stream report");
        let ssrc = r.u32()?;
        let begin_seq = r.u16()?;
        let num_reports = usize::from(r.u16()?);
        let (metrics, _) = List::parse_count(r.rest(), num_reports, "CCFB metric blocks")?;
        // Metric blocks are padded to 32 bits.
        let used = 8 + pad4(2 * num_reports);
        if used > bytes.len() {
            return Err(Error::Truncated {
                what: "CCFB stream report",
                needed: used,
                got: bytes.len(),
            });
        }
        Ok((
            Self {
                ssrc,
                begin_seq,
                metrics,
            },
            used,
        ))
    }

    fn wire_size(&self) -> usize {
        8 + pad4(self.metrics.wire_size())
    }

    fn encode(&self, out: &mut [u8]) -> Result<()> {
        let num: u16 = count_field("CCFB num_reports", self.metrics.len())?;
        let size = self.wire_size();
        let mut w = Writer::new(out, size)?;
        w.u32(self.ssrc)?;
        w.u16(self.begin_seq)?;
        w.u16(num)?;
        w.list(&self.metrics)?;
        w.finish().map(drop)
    }
}

/// Congestion control feedback (RFC 8888): RTPFB, FMT 11. Unlike the other feedback
/// messages it has no "SSRC of media source"; each stream report names its stream.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CongestionControlFeedback<'a> {
    /// SSRC of RTCP packet sender.
    pub sender_ssrc: u32,
    /// The per-stream reports.
    pub reports: List<'a, CcfbStreamReport<'a>>,
    /// Report Timestamp: when the report was sent, the middle 32 bits of an NTP timestamp.
    pub report_timestamp: u32,
}

impl<'a> Packet<'a> for CongestionControlFeedback<'a> {
    fn parse(packet: &'a [u8]) -> Result<Self> {
        let body = split_feedback(packet, packet_type::RTPFB, fmt::CCFB)?.rest();
        let mut r = Reader::new(body, "CCFB packet");
        let sender_ssrc = r.u32()?;
        let rest = r.rest();
        let (reports, timestamp) = match rest.len().checked_sub(4) {
            Some(n) => rest.split_at(n),
            None => {
                return Err(Error::Truncated {
                    what: "CCFB packet",
                    needed: 8,
                    got: body.len(),
                });
            }
        };
        let report_timestamp = Reader::new(timestamp, "CCFB report timestamp").u32()?;
        Ok(Self {
            sender_ssrc,
            reports: List::parse_all(reports, "CCFB reports")?,
            report_timestamp,
        })
    }

    fn size(&self) -> usize {
        12 + self.reports.wire_size()
    }

    fn write(&self, buf: &mut [u8]) -> Result<usize> {
        let size = self.size();
        let mut w = Writer::packet(buf, fmt::CCFB.into(), packet_type::RTPFB, size)?;
        w.u32(self.sender_ssrc)?;
        w.list(&self.reports)?;
        w.u32(self.report_timestamp)?;
        Ok(w.written())
    }
}
