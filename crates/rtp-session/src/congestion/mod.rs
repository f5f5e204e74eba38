//! Transport-wide congestion control: transport-cc feedback
//! (draft-holmer-rmcat-transport-wide-cc-extensions-01) and RFC 8888 feedback generated on
//! receive; on send, the transport-wide sequence number written on every RTP packet, the
//! feedback turned into per-packet results, and a GCC-style bandwidth estimate
//! (draft-ietf-rmcat-gcc-02 §5, §6) from them. Design and bounds: docs/feedback-congestion.md.
//!
//! Sans-IO parts, each owning its state: [`window`] (arrival times by sequence number),
//! [`twcc`] and [`ccfb`] (the receive side's two feedback formats and their cadence),
//! [`history`] (the send side's counter and history), [`delay`] (packet groups, trend and
//! over-use detector), [`rate`] (incoming rate and AIMD), [`loss`] (the loss bound) and
//! [`estimator`] (their composition). [`Congestion`] holds the ones the configuration asks for and is what the
//! session talks to: one call when a packet is sent, one when one arrives, one when
//! feedback arrives and one on the timer.
//!
//! **Why per-packet results come from a method, not an event.** Feedback arrives 10–20
//! times a second and describes tens of packets each; an event would carry a `Vec` per
//! message, an allocation the session otherwise avoids in steady state. The session's own
//! estimator consumes the results as they are computed ([`crate::Session::bandwidth_estimate`]);
//! an application that runs its own estimator asks for them
//! ([`CongestionControl::packet_results`]) and drains a bounded queue with
//! [`crate::Session::poll_packet_result`], in the sans-IO style of the other `poll_` methods.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use rtcp::feedback::{CongestionControlFeedback, TransportCc};
use rtcp::{AnyPacket, List};
use rtp_packet::RtpPacket;
use rtp_packet::extension::{ExtensionValue, TransportSequenceNumber};

mod ccfb;
mod delay;
mod estimator;
mod history;
mod loss;
mod rate;
pub(crate) mod restamp;
mod twcc;
mod window;

#[cfg(test)]
mod tests;

pub use history::PacketResult;

/// Packet results queued for [`crate::Session::poll_packet_result`] before the oldest are
/// dropped.
const MAX_QUEUED_RESULTS: usize = 2048;

/// Transport-wide congestion control, from the SDP negotiation. The session does not read
/// SDP for it: the application passes what was negotiated (the `a=extmap` ID of the
/// transport-wide sequence number, and the `a=rtcp-fb` values).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CongestionControl {
    /// The one-byte-header `a=extmap` ID (1 to 14) negotiated for
    /// `http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01`
    /// ([`TransportSequenceNumber::URI`]). When set, every RTP packet sent carries the
    /// transport-wide sequence number, transport-cc feedback about them is consumed (not
    /// handed out as [`crate::Event::Feedback`]) and drives
    /// [`crate::Session::bandwidth_estimate`]. `None` (the default): no extension.
    pub transport_sequence_id: Option<u8>,
    /// `a=rtcp-fb:* transport-cc` was negotiated: with `transport_sequence_id`, the
    /// session records the arrival of every received packet carrying the extension (all
    /// SSRCs) and sends transport-cc feedback about them.
    pub transport_cc_feedback: bool,
    /// `a=rtcp-fb:* ack ccfb` was negotiated (RFC 8888 §6) and transport-cc was not: the
    /// session sends RFC 8888 feedback about every received RTP stream, and (without
    /// `transport_sequence_id`) consumes the peer's RFC 8888 reports about our stream as it
    /// would transport-cc: per-packet results and the estimate.
    pub ccfb_feedback: bool,
    /// The estimate's start, floor and ceiling, in bits per second.
    pub start_bitrate_bps: u64,
    /// The lowest estimate.
    pub min_bitrate_bps: u64,
    /// The highest estimate.
    pub max_bitrate_bps: u64,
    /// Queue every per-packet result for [`crate::Session::poll_packet_result`] (at most
    /// 2,048 waiting; older ones are dropped). Off by default: the session's own estimator
    /// needs no queue.
    pub packet_results: bool,
}

impl Default for CongestionControl {
    /// Nothing negotiated; estimates from 300 kbit/s, between 30 kbit/s and 10 Mbit/s.
    fn default() -> Self {
        Self {
            transport_sequence_id: None,
            transport_cc_feedback: false,
            ccfb_feedback: false,
            start_bitrate_bps: 300_000,
            min_bitrate_bps: 30_000,
            max_bitrate_bps: 10_000_000,
            packet_results: false,
        }
    }
}

impl CongestionControl {
    /// Checks the settings (used by [`crate::Session::new`]).
    pub(crate) fn check(&self) -> Result<(), &'static str> {
        if self
            .transport_sequence_id
            .is_some_and(|id| !(1..=14).contains(&id))
        {
            return Err("the transport-wide sequence number's extension ID is 1 to 14");
        }
        if self.min_bitrate_bps == 0
            || self.min_bitrate_bps > self.start_bitrate_bps
            || self.start_bitrate_bps > self.max_bitrate_bps
        {
            return Err("congestion control bit rates are 0 < min ≤ start ≤ max");
        }
        Ok(())
    }
}

/// The send side: counter, history, estimator, results for the application.
#[derive(Debug, Clone)]
struct SendSide {
    history: history::SendHistory,
    estimator: estimator::Estimator,
    results: Option<VecDeque<PacketResult>>,
}

/// The session's congestion-control parts (only those the configuration asks for).
#[derive(Debug, Clone, Default)]
pub(crate) struct Congestion {
    id: Option<u8>,
    send: Option<SendSide>,
    twcc: Option<twcc::TwccReceiver>,
    ccfb: Option<ccfb::CcfbReceiver>,
}

/// What the receive side did with a feedback packet handed to [`Congestion::on_feedback`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum FeedbackVerdict {
    /// Not ours to consume: hand it to the application.
    NotOurs,
    /// Consumed.
    Consumed,
    /// Ours, but it did not parse: dropped.
    Malformed,
}

impl Congestion {
    /// The parts `config` asks for, with clocks starting at `origin`.
    pub(crate) fn new(config: &CongestionControl, origin: Instant) -> Self {
        let id = config.transport_sequence_id;
        let sends = id.is_some() || config.ccfb_feedback;
        let send = sends.then(|| SendSide {
            history: history::SendHistory::default(),
            estimator: estimator::Estimator::new(
                config.start_bitrate_bps,
                config.min_bitrate_bps,
                config.max_bitrate_bps,
            ),
            results: config.packet_results.then(VecDeque::new),
        });
        let twcc =
            (id.is_some() && config.transport_cc_feedback).then(|| twcc::TwccReceiver::new(origin));
        let ccfb =
            (twcc.is_none() && config.ccfb_feedback).then(|| ccfb::CcfbReceiver::new(origin));
        Self {
            id,
            send,
            twcc,
            ccfb,
        }
    }

    /// The extension to write on the next packet: its ID and the transport-wide sequence
    /// number.
    pub(crate) fn next_extension(&self) -> Option<(u8, u16)> {
        Some((self.id?, self.send.as_ref()?.history.next_sequence()))
    }

    /// Whether sent packets are recorded ([`Self::on_sent`]): with transport-cc, or RFC
    /// 8888 feedback expected from the peer.
    pub(crate) fn records_sent(&self) -> bool {
        self.send.is_some()
    }

    /// The packet carrying [`Self::next_extension`] (if any) and RTP sequence number
    /// `rtp_sequence` was sent: `size` bytes leaving at `send_time`.
    pub(crate) fn on_sent(&mut self, send_time: Instant, size: usize, rtp_sequence: u16) {
        if let Some(send) = self.send.as_mut() {
            send.history.on_sent(send_time, size, rtp_sequence);
        }
    }

    /// An RTP packet (`size` bytes on the wire) arrived at `now`.
    pub(crate) fn on_rtp(&mut self, now: Instant, packet: &RtpPacket<'_>, size: usize) {
        if let (Some(twcc), Some(id)) = (self.twcc.as_mut(), self.id) {
            let seq = packet
                .header_extension()
                .and_then(|e| e.value::<TransportSequenceNumber>(id).ok().flatten());
            if let Some(TransportSequenceNumber(seq)) = seq {
                twcc.on_packet(now, packet.ssrc(), seq, size);
            }
        }
        if let Some(ccfb) = self.ccfb.as_mut() {
            ccfb.on_packet(now, packet.ssrc(), packet.sequence_number(), size);
        }
    }

    /// When feedback is next due.
    pub(crate) fn deadline(&self) -> Option<Instant> {
        let twcc = self.twcc.as_ref().and_then(twcc::TwccReceiver::deadline);
        let ccfb = self.ccfb.as_ref().and_then(ccfb::CcfbReceiver::deadline);
        twcc.into_iter().chain(ccfb).min()
    }

    /// The next feedback packet due at `now`, from `sender_ssrc`; `report_timestamp` is
    /// the middle 32 bits of the NTP time now (for RFC 8888).
    pub(crate) fn poll_feedback(
        &mut self,
        now: Instant,
        sender_ssrc: u32,
        report_timestamp: u32,
    ) -> Option<AnyPacket<'_>> {
        if let Some(twcc) = self.twcc.as_mut() {
            return twcc
                .poll_feedback(now, sender_ssrc)
                .map(AnyPacket::TransportCc);
        }
        let reports = self.ccfb.as_mut()?.poll_feedback(now)?;
        Some(AnyPacket::CongestionControlFeedback(
            CongestionControlFeedback {
                sender_ssrc,
                reports: List::Wire {
                    bytes: reports.bytes,
                    count: reports.count,
                },
                report_timestamp,
            },
        ))
    }

    /// An RTPFB packet arrived at `now`: transport-cc feedback (when we write the
    /// extension), or RFC 8888 feedback about our stream `local_ssrc` (when it was
    /// negotiated), is consumed: results to the estimator and the queue.
    pub(crate) fn on_feedback(
        &mut self,
        now: Instant,
        packet: &[u8],
        local_ssrc: u32,
        rtt: Option<Duration>,
    ) -> FeedbackVerdict {
        let Some(send) = self.send.as_mut() else {
            return FeedbackVerdict::NotOurs;
        };
        let fmt = match packet {
            [first, rtcp::packet_type::RTPFB, ..] => first & 0x1f,
            _ => return FeedbackVerdict::NotOurs,
        };
        let SendSide {
            history,
            estimator,
            results,
        } = send;
        let mut on_result = |result: PacketResult| {
            estimator.on_result(&result);
            if let Some(queue) = results.as_mut() {
                if queue.len() >= MAX_QUEUED_RESULTS {
                    queue.pop_front();
                }
                queue.push_back(result);
            }
        };
        if fmt == rtcp::feedback::fmt::TRANSPORT_CC && self.id.is_some() {
            let Ok(feedback) = <TransportCc<'_> as rtcp::Packet<'_>>::parse(packet) else {
                return FeedbackVerdict::Malformed;
            };
            history.on_feedback(&feedback, on_result);
        } else if fmt == rtcp::feedback::fmt::CCFB && self.id.is_none() {
            let Ok(feedback) = <CongestionControlFeedback<'_> as rtcp::Packet<'_>>::parse(packet)
            else {
                return FeedbackVerdict::Malformed;
            };
            for report in feedback.reports.iter().filter(|r| r.ssrc == local_ssrc) {
                let metrics = report.metrics.iter();
                history.on_ccfb(
                    report.begin_seq,
                    metrics,
                    feedback.report_timestamp,
                    &mut on_result,
                );
            }
        } else {
            return FeedbackVerdict::NotOurs;
        }
        estimator.on_feedback(now, rtt);
        FeedbackVerdict::Consumed
    }

    /// The bandwidth estimate, bits per second, when transport-cc is in use.
    pub(crate) fn estimate(&self) -> Option<u64> {
        self.send.as_ref().map(|s| s.estimator.estimate())
    }

    /// The next queued per-packet result.
    pub(crate) fn poll_result(&mut self) -> Option<PacketResult> {
        self.send.as_mut()?.results.as_mut()?.pop_front()
    }

    /// Whether `datagram` is one transport-cc feedback packet alone, which the session
    /// takes even without reduced-size RTCP when it sends the transport-wide sequence
    /// number: Chromium sends its transport-cc feedback in datagrams of its own whether or
    /// not `rtcp-rsize` was negotiated (see `crates/rtcp/tests/chromium_capture.rs`).
    pub(crate) fn is_lone_feedback(&self, datagram: &[u8]) -> bool {
        self.send.is_some()
            && matches!(datagram, [first, rtcp::packet_type::RTPFB, ..]
                if first & 0x1f == rtcp::feedback::fmt::TRANSPORT_CC)
            && rtcp::validate(datagram, rtcp::Rules { reduced_size: true }) == Ok(1)
    }
}

/// The bytes of a transport-wide sequence number element (for the writer's length).
pub(crate) const EXTENSION_ELEMENT_LEN: usize =
    1 + std::mem::size_of::<<TransportSequenceNumber as ExtensionValue>::Bytes>();
