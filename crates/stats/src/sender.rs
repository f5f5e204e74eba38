//! The sender side: SR sender info (RFC 3550 §6.4.1) and RTT from the report blocks peers
//! send back.
//!
//! The SR's RTP timestamp must denote the same instant as its NTP timestamp "in the same
//! units and with the same random offset as the RTP timestamps in data packets", which is
//! not the timestamp of the last packet sent: [`MediaClock`] extrapolates the media clock
//! to the moment the report is built.

use std::time::{Duration, Instant};

use rtcp::{NtpTime, ReportBlock, SenderReport};

use crate::rtt::RttStats;
use rtp_packet::ClockRate;

/// A stream's media clock: RTP timestamp `anchor_rtp` at instant `anchor`, advancing at
/// `clock_rate` Hz.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MediaClock {
    anchor: Instant,
    anchor_rtp: u32,
    clock_rate: ClockRate,
}

impl MediaClock {
    /// A clock showing `anchor_rtp` at `anchor`.
    pub fn new(anchor: Instant, anchor_rtp: u32, clock_rate: ClockRate) -> Self {
        Self {
            anchor,
            anchor_rtp,
            clock_rate,
        }
    }

    fn ticks(&self, d: Duration) -> u32 {
        let rate = u64::from(self.clock_rate.hz());
        let whole = d.as_secs().wrapping_mul(rate);
        let part = u64::from(d.subsec_nanos()) * rate / 1_000_000_000;
        whole.wrapping_add(part) as u32
    }

    /// The RTP timestamp at `at` (modulo 2^32; instants before the anchor count back).
    pub fn rtp_at(&self, at: Instant) -> u32 {
        if at >= self.anchor {
            self.anchor_rtp.wrapping_add(self.ticks(at - self.anchor))
        } else {
            self.anchor_rtp.wrapping_sub(self.ticks(self.anchor - at))
        }
    }

    /// The clock rate.
    pub fn clock_rate(&self) -> ClockRate {
        self.clock_rate
    }
}

/// What a sender counts for its SRs, and the RTT it learns from reports about its stream.
#[derive(Debug, Clone)]
pub struct SenderStatistics {
    ssrc: u32,
    clock: MediaClock,
    packets: u32,
    octets: u32,
    rtt: RttStats,
}

impl SenderStatistics {
    /// Statistics for our stream `ssrc` with media clock `clock`.
    pub fn new(ssrc: u32, clock: MediaClock) -> Self {
        Self {
            ssrc,
            clock,
            packets: 0,
            octets: 0,
            rtt: RttStats::new(),
        }
    }

    /// Counts one RTP packet sent with `payload_len` payload octets (RFC 3550 §6.4.1: the
    /// counts exclude headers and padding and wrap modulo 2^32).
    pub fn on_packet_sent(&mut self, payload_len: usize) {
        self.packets = self.packets.wrapping_add(1);
        self.octets = self.octets.wrapping_add(payload_len as u32);
    }

    /// The sender's packet count.
    pub fn packet_count(&self) -> u32 {
        self.packets
    }

    /// The sender's octet count.
    pub fn octet_count(&self) -> u32 {
        self.octets
    }

    /// An SR sent at local instant `now`, wallclock `wallclock`, carrying `reports`.
    pub fn sender_report(
        &self,
        now: Instant,
        wallclock: NtpTime,
        reports: Vec<ReportBlock>,
    ) -> SenderReport<'static> {
        SenderReport {
            ssrc: self.ssrc,
            ntp_time: wallclock,
            rtp_time: self.clock.rtp_at(now),
            packet_count: self.packets,
            octet_count: self.octets,
            reports: reports.into(),
            profile_extensions: Vec::new().into(),
        }
    }

    /// Takes a report block received about our stream, arriving at local wallclock
    /// `arrival`; returns the RTT sample it gives (RFC 3550 §6.4.1), if any. Blocks about
    /// other sources are ignored.
    pub fn on_report_block(&mut self, block: &ReportBlock, arrival: NtpTime) -> Option<Duration> {
        if block.ssrc != self.ssrc {
            return None;
        }
        let rtt = rtcp::round_trip_time(arrival, block.last_sr, block.delay_since_last_sr)?;
        self.rtt.add(rtt);
        Some(rtt)
    }

    /// RTT statistics from the report blocks received.
    pub fn rtt(&self) -> &RttStats {
        &self.rtt
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn media_clock_extrapolates_and_wraps() {
        let t0 = Instant::now();
        let c = MediaClock::new(
            t0 + Duration::from_secs(1),
            u32::MAX - 79,
            ClockRate::NARROWBAND,
        );
        assert_eq!(c.rtp_at(t0 + Duration::from_millis(1020)), 80);
        assert_eq!(c.rtp_at(t0 + Duration::from_millis(980)), u32::MAX - 239);
    }

    #[test]
    fn sender_info_and_rtt_from_a_block() {
        let t0 = Instant::now();
        let mut s = SenderStatistics::new(7, MediaClock::new(t0, 1000, ClockRate::OPUS));
        for _ in 0..3 {
            s.on_packet_sent(120);
        }
        let sr = s.sender_report(
            t0 + Duration::from_millis(500),
            NtpTime::new(3_900_000_000, 0),
            Vec::new(),
        );
        assert_eq!(
            (sr.rtp_time, sr.packet_count, sr.octet_count),
            (1000 + 24_000, 3, 360)
        );
        // The RFC 3550 §6.4.1 example pair gives 6.125 s.
        let block = ReportBlock {
            ssrc: 7,
            last_sr: 0xb705_2000,
            delay_since_last_sr: 0x0005_4000,
            ..Default::default()
        };
        assert_eq!(
            s.on_report_block(&block, NtpTime::new(0xb710, 0x8000_0000)),
            Some(Duration::from_millis(6125))
        );
        assert_eq!(
            s.on_report_block(&ReportBlock { ssrc: 8, ..block }, NtpTime::new(0xb710, 0)),
            None
        );
        assert_eq!(s.rtt().samples(), 1);
    }
}
