//! The send side of RTCP: the timer's expiry (RFC 3550 §6.3.6), source timeouts
//! (§6.3.5), and compounds of SR or RR + SDES CNAME (+ BYE), protected with SRTCP.

use std::time::{Duration, Instant};

use rtcp::xr::{Dlrr, DlrrItem, ReceiverReferenceTime, XrBlock};
use rtcp::{AnyPacket, ExtendedReport, Goodbye, ReceiverReport, SourceDescription};

use super::security::Protection;
use super::{Phase, SRTP_OVERHEAD, Session, random_unit};
use crate::error::{Error, Result};
use crate::event::{Event, LeaveReason, Transmit};

/// RFC 3550 §6.3.5: a member not heard from for this many intervals has timed out.
const TIMEOUT_INTERVALS: u32 = 5;
/// The most report blocks in one SR or RR (the 5-bit count field).
const MAX_REPORT_BLOCKS: usize = 31;
/// Largest compound written.
const MAX_COMPOUND: usize = 1400;

impl Session {
    /// The RTCP timer fired at `now`.
    pub(crate) fn on_rtcp_timer(&mut self, now: Instant) {
        let unit = random_unit(self.rng.as_mut());
        if self.phase == Phase::Closing {
            if self.timer.on_expire(now, 1, 0, false, unit) {
                self.send_bye(now);
            }
            return;
        }
        let all_senders = self.members.senders(now, Duration::MAX);
        let td = self
            .timer
            .deterministic(self.members.count(), all_senders, false)
            .unwrap_or(Duration::from_secs(5));
        self.expire_sources(now, td);
        let senders = self.members.senders(now, td * 2);
        let we_sent = self.local.sent_within(now, td * 2);
        let members = self.members.count();
        let senders = senders + u32::from(we_sent);
        if self.timer.on_expire(now, members, senders, we_sent, unit) {
            // RFC 4585 §3.5.3: trr-int may suppress this regular compound; the schedule
            // moves on either way, and early feedback is allowed again.
            if self.config.feedback.is_avpf()
                && !self
                    .feedback
                    .avpf
                    .on_regular(now, random_unit(self.rng.as_mut()))
            {
                self.counters.regular_rtcp_suppressed += 1;
                let unit = random_unit(self.rng.as_mut());
                self.timer.on_sent(now, 0, members, senders, we_sent, unit);
                self.service_feedback(now);
                return;
            }
            let size = self.send_compound(now, None);
            let unit = random_unit(self.rng.as_mut());
            self.timer
                .on_sent(now, size, members, senders, we_sent, unit);
        }
    }

    /// Removes members silent for five deterministic intervals (RFC 3550 §6.3.5), and
    /// unvalidated sources after the same time.
    fn expire_sources(&mut self, now: Instant, td: Duration) {
        let (rtt, codec) = (self.rtt, self.config.codec);
        let limit = td * TIMEOUT_INTERVALS;
        let gone = self.members.expire(now, limit, |s| s.quality(rtt, codec));
        if gone.is_empty() {
            return;
        }
        for (ssrc, quality) in gone {
            self.outbox.event(Event::SourceLeft {
                ssrc,
                reason: LeaveReason::Timeout,
                quality,
            });
        }
        let members = self.members.count();
        self.timer.on_members_left(now, members);
    }

    /// Sends RTCP feedback (RFC 4585 §6: NACK, PLI, FIR, REMB, ...) now: alone when
    /// reduced-size RTCP was negotiated (RFC 5506), otherwise in a compound after an RR or
    /// SR and SDES CNAME. This sends at once, outside the RFC 4585 §3.5 timing; the
    /// feedback the session generates itself (NACK, PLI, FIR with [`crate::Feedback`])
    /// follows that timing.
    pub fn send_feedback(&mut self, feedback: &[AnyPacket<'_>]) -> Result<()> {
        if self.phase != Phase::Open {
            return Err(Error::Closed);
        }
        let cname = self.cname.clone();
        let mut packets: Vec<AnyPacket<'_>> = Vec::new();
        if !self.config.transport.rtcp_rsize {
            let ssrc = self.local.ssrc();
            packets.push(AnyPacket::ReceiverReport(ReceiverReport {
                ssrc,
                reports: Vec::new().into(),
                profile_extensions: Vec::new().into(),
            }));
            packets.push(AnyPacket::SourceDescription(SourceDescription::cname(
                ssrc, &cname,
            )));
        }
        packets.extend(feedback.iter().cloned());
        let size = self.send_rtcp(&packets)?;
        // Compounds sent on the timer are counted when the timer reschedules.
        self.timer.on_rtcp_size(size);
        Ok(())
    }

    /// Sends the BYE compound and closes.
    pub(crate) fn send_bye(&mut self, now: Instant) {
        let ssrc = self.local.ssrc();
        self.send_compound(now, Some(ssrc));
        self.phase = Phase::Closed;
        self.outbox.event(Event::Closed);
    }

    /// Builds, protects and queues a compound: SR (when we sent since the last report)
    /// or RR, SDES CNAME, and a BYE for `bye` when given (RFC 3550 §6.1). Returns its
    /// size before SRTCP, or 0 when nothing could be sent (no keys, no peer address).
    pub(crate) fn send_compound(&mut self, now: Instant, bye: Option<u32>) -> usize {
        if matches!(self.security.rtcp(), Protection::NotKeyed) || self.paths.rtcp().is_none() {
            return 0;
        }
        let blocks = self.report_blocks(now);
        let ssrc = bye.unwrap_or(self.local.ssrc());
        let wallclock = self.wallclock(now);
        let cname = self.cname.clone();
        let mut packets = vec![
            self.local.report(now, wallclock, ssrc, blocks),
            AnyPacket::SourceDescription(SourceDescription::cname(ssrc, &cname)),
        ];
        if self.config.send_xr && bye.is_none() {
            packets.push(AnyPacket::ExtendedReport(self.extended_report(now, ssrc)));
        }
        // Feedback waiting for this regular compound (RFC 4585 §3.5.2, regular mode).
        let pending = if bye.is_none() {
            self.take_pending_feedback()
        } else {
            Vec::new()
        };
        packets.extend(pending);
        if let Some(ssrc) = bye {
            let reason = self
                .config
                .bye_reason
                .as_ref()
                .map(|r| r.as_bytes().to_vec().into());
            packets.push(AnyPacket::Goodbye(Goodbye {
                sources: vec![ssrc].into(),
                reason,
            }));
        }
        match self.send_rtcp(&packets) {
            Ok(size) => size,
            Err(error) => {
                tracing::warn!(%error, "RTCP compound not sent");
                0
            }
        }
    }

    /// The one way RTCP leaves: `packets` written as a compound, protected with SRTCP when
    /// keyed and queued to the RTCP destination. Returns the compound's size before SRTCP.
    pub(super) fn send_rtcp(&mut self, packets: &[AnyPacket<'_>]) -> Result<usize> {
        let destination = self.paths.rtcp().ok_or(Error::NoRemote)?;
        let mut buf = self.outbox.buffer();
        buf.resize(MAX_COMPOUND + SRTP_OVERHEAD, 0);
        let protected = rtcp::write_compound(packets, 0, &mut buf)
            .map_err(Error::from)
            .and_then(|size| {
                let len = match self.security.rtcp() {
                    Protection::Keyed(keys) => keys.outbound.protect_rtcp(&mut buf, size)?,
                    Protection::Clear => size,
                    Protection::NotKeyed => return Err(Error::NotKeyed),
                };
                Ok((size, len))
            });
        let (size, len) = match protected {
            Ok(sizes) => sizes,
            Err(error) => {
                self.outbox.recycle(buf);
                return Err(error);
            }
        };
        buf.truncate(len);
        self.counters.rtcp_sent += 1;
        self.outbox.transmit(Transmit {
            component: self.paths.rtcp_component(),
            destination,
            contents: buf,
        });
        Ok(size)
    }

    /// RFC 3611 XR: our Receiver Reference Time (§4.4) and DLRR sub-blocks (§4.5)
    /// answering the latest RRTR of each source.
    fn extended_report(&self, now: Instant, ssrc: u32) -> ExtendedReport<'static> {
        let mut blocks = vec![XrBlock::ReceiverReferenceTime(ReceiverReferenceTime {
            ntp_time: self.wallclock(now),
        })];
        let items: Vec<DlrrItem> = self
            .members
            .iter()
            .filter_map(|(_, s)| s.stats.dlrr_item(now))
            .take(MAX_REPORT_BLOCKS)
            .collect();
        if !items.is_empty() {
            blocks.push(XrBlock::Dlrr(Dlrr {
                items: items.into(),
            }));
        }
        ExtendedReport {
            ssrc,
            blocks: blocks.into(),
        }
    }

    /// One report block per validated remote source that sent since the last report
    /// (RFC 3550 §6.4), at most 31; feeds each source's quality alerts.
    fn report_blocks(&mut self, now: Instant) -> Vec<rtcp::ReportBlock> {
        let (rtt, codec) = (self.rtt, self.config.codec);
        let mut blocks = Vec::new();
        let mut alerts = Vec::new();
        for (ssrc, source) in self.members.iter_mut() {
            if blocks.len() >= MAX_REPORT_BLOCKS || !source.validated {
                continue;
            }
            if let Some((block, _)) = source.stats.report(now) {
                let quality = source.quality(rtt, codec);
                let fraction = f64::from(block.fraction_lost) / 256.0;
                for alert in source.check_alerts(&quality, fraction) {
                    alerts.push((ssrc, alert));
                }
                blocks.push(block);
            }
        }
        for (ssrc, alert) in alerts {
            self.outbox.event(Event::QualityAlert { ssrc, alert });
        }
        blocks
    }
}
