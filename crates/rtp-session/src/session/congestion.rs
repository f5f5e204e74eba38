//! The session's side of transport-wide congestion control (`crate::congestion`): sending
//! the feedback the receive side says is due, and handing received feedback to the send
//! side. Transport-cc and RFC 8888 feedback leave on their own cadence, outside the RTCP
//! report schedule (as browsers send them): alone with reduced-size RTCP, otherwise after
//! an empty RR and the SDES CNAME.

use std::time::Instant;

use rtcp::{AnyPacket, ReceiverReport, SourceDescription};

use super::{Phase, Session};
use crate::congestion::FeedbackVerdict;

/// The most feedback messages sent in one timer call (a backlog leaves over a few calls).
const MAX_MESSAGES_PER_CALL: usize = 8;

impl Session {
    /// Sends the congestion-control feedback due at `now`.
    pub(crate) fn send_congestion_feedback(&mut self, now: Instant) {
        // While closing (a reconsidered BYE pending) feedback still goes out, so that its
        // deadline never stays in the past.
        if self.phase == Phase::Closed || self.congestion.deadline().is_none_or(|t| t > now) {
            return;
        }
        let ssrc = self.local.ssrc();
        let report_timestamp = self.wallclock(now).compact();
        // The parts are lent out while the session sends what they built.
        let mut congestion = std::mem::take(&mut self.congestion);
        for _ in 0..MAX_MESSAGES_PER_CALL {
            let Some(feedback) = congestion.poll_feedback(now, ssrc, report_timestamp) else {
                break;
            };
            let sent = if self.config.transport.rtcp_rsize {
                self.send_rtcp(&[feedback])
            } else {
                let cname = self.cname.clone();
                let packets = [
                    AnyPacket::ReceiverReport(ReceiverReport {
                        ssrc,
                        reports: Vec::new().into(),
                        profile_extensions: Vec::new().into(),
                    }),
                    AnyPacket::SourceDescription(SourceDescription::cname(ssrc, &cname)),
                    feedback,
                ];
                self.send_rtcp(&packets)
            };
            match sent {
                Ok(size) => {
                    self.counters.transport_feedback_sent += 1;
                    self.timer.on_rtcp_size(size);
                }
                Err(error) => {
                    tracing::debug!(%error, "congestion-control feedback not sent");
                    break;
                }
            }
        }
        self.congestion = congestion;
    }

    /// Hands an RTPFB packet to the congestion-control send side; true when it was
    /// transport-cc feedback about our packets (consumed, or dropped as malformed).
    pub(crate) fn consume_congestion_feedback(&mut self, now: Instant, packet: &[u8]) -> bool {
        let ssrc = self.local.ssrc();
        match self.congestion.on_feedback(now, packet, ssrc, self.rtt) {
            FeedbackVerdict::NotOurs => false,
            FeedbackVerdict::Consumed => {
                self.counters.transport_feedback_received += 1;
                true
            }
            FeedbackVerdict::Malformed => {
                self.counters.transport_feedback_malformed += 1;
                true
            }
        }
    }
}
