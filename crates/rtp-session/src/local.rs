//! Our own sending source (RFC 3550 §8): its SSRC, sequence number and timestamp offset,
//! and the sender statistics its SRs report.

use std::time::{Duration, Instant};

use rtp_packet::{ClockRate, PayloadType, RtpHeader};

/// The sending side of the session. The SSRC is the configured one or random; it changes
/// only through [`LocalSource::change_ssrc`], after a collision (RFC 3550 §8.2).
pub(crate) struct LocalSource {
    ssrc: u32,
    sequence: u16,
    timestamp_offset: u32,
    clock_rate: ClockRate,
    stats: Option<stats::SenderStatistics>,
    /// The last RTP packet sent: a sender while within two RTCP intervals.
    last_sent: Option<Instant>,
}

impl LocalSource {
    /// A source with `ssrc`, a random first sequence number and timestamp offset (RFC 3550
    /// §5.1), sending media of `clock_rate`.
    pub(crate) fn new(
        ssrc: u32,
        sequence: u16,
        timestamp_offset: u32,
        clock_rate: ClockRate,
    ) -> Self {
        Self {
            ssrc,
            sequence,
            timestamp_offset,
            clock_rate,
            stats: None,
            last_sent: None,
        }
    }

    pub(crate) fn ssrc(&self) -> u32 {
        self.ssrc
    }

    /// The header of the next packet: media `timestamp` plus our offset, our next sequence
    /// number and SSRC.
    pub(crate) fn next_header(&self, payload_type: PayloadType, timestamp: u32) -> RtpHeader {
        let rtp_timestamp = timestamp.wrapping_add(self.timestamp_offset);
        RtpHeader::new(payload_type, self.sequence, rtp_timestamp, self.ssrc)
    }

    /// Records the packet of [`LocalSource::next_header`] with `payload_len` bytes as sent
    /// at `now`: the sequence number moves on only for a packet that left.
    pub(crate) fn on_sent(&mut self, now: Instant, rtp_timestamp: u32, payload_len: usize) {
        self.sequence = self.sequence.wrapping_add(1);
        let (ssrc, clock_rate) = (self.ssrc, self.clock_rate);
        let sender = self.stats.get_or_insert_with(|| {
            let clock = stats::MediaClock::new(now, rtp_timestamp, clock_rate);
            stats::SenderStatistics::new(ssrc, clock)
        });
        sender.on_packet_sent(payload_len);
        self.last_sent = Some(now);
    }

    /// Whether we sent RTP within `window` before `now` (a sender, RFC 3550 §6.3.8).
    pub(crate) fn sent_within(&self, now: Instant, window: Duration) -> bool {
        self.last_sent
            .is_some_and(|t| now.saturating_duration_since(t) < window)
    }

    /// The report opening a compound at `now` (RFC 3550 §6.4): an SR when we have sent
    /// since the SSRC was chosen, otherwise an RR from `ssrc`; either carries `blocks`.
    pub(crate) fn report(
        &self,
        now: Instant,
        wallclock: rtcp::NtpTime,
        ssrc: u32,
        blocks: Vec<rtcp::ReportBlock>,
    ) -> rtcp::AnyPacket<'static> {
        match self.stats.as_ref() {
            Some(sender) if self.last_sent.is_some() => {
                rtcp::AnyPacket::SenderReport(sender.sender_report(now, wallclock, blocks))
            }
            _ => rtcp::AnyPacket::ReceiverReport(rtcp::ReceiverReport {
                ssrc,
                reports: blocks.into(),
                profile_extensions: Vec::new().into(),
            }),
        }
    }

    /// A report block about our stream arrived at `arrival`: the RTT it gives.
    pub(crate) fn on_report_block(
        &mut self,
        block: &rtcp::ReportBlock,
        arrival: rtcp::NtpTime,
    ) -> Option<Duration> {
        self.stats.as_mut()?.on_report_block(block, arrival)
    }

    /// Continues as `ssrc` after a collision: a new source, with nothing sent yet.
    pub(crate) fn change_ssrc(&mut self, ssrc: u32) {
        self.ssrc = ssrc;
        self.stats = None;
        self.last_sent = None;
    }
}
