//! The send side of RTCP: the timer's expiry (RFC 3550 §6.3.6), source timeouts
//! (§6.3.5), and compounds of SR or RR + SDES CNAME (+ BYE), protected with SRTCP.

use std::time::{Duration, Instant};

use rtcp::xr::{Dlrr, DlrrItem, ReceiverReferenceTime, XrBlock};
use rtcp::{AnyPacket, ExtendedReport, Goodbye, ReceiverReport, SourceDescription};

use crate::event::{Component, Event, LeaveReason, Transmit};
use crate::security::RtcpProtection;
use crate::session::{SRTP_OVERHEAD, Session, random_unit};

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
        if self.closing {
            if self.timer.on_expire(now, 1, 0, false, unit) {
                self.send_bye(now);
            }
            return;
        }
        let td = self
            .timer
            .deterministic(self.members(), self.senders(now, Duration::MAX), false)
            .unwrap_or(Duration::from_secs(5));
        self.expire_sources(now, td);
        let senders = self.senders(now, td * 2);
        let we_sent = self
            .local
            .last_sent
            .is_some_and(|t| now.saturating_duration_since(t) < td * 2);
        let members = self.members();
        if self
            .timer
            .on_expire(now, members, senders + u32::from(we_sent), we_sent, unit)
        {
            let size = self.send_compound(now, None);
            let unit = random_unit(self.rng.as_mut());
            self.timer.on_sent(
                now,
                size,
                members,
                senders + u32::from(we_sent),
                we_sent,
                unit,
            );
        }
    }

    /// Remote sources that sent RTP within `window`.
    fn senders(&self, now: Instant, window: Duration) -> u32 {
        let recent = |t: &Instant| now.saturating_duration_since(*t) < window;
        self.sources
            .values()
            .filter(|s| s.validated && s.last_rtp.as_ref().is_some_and(recent))
            .count() as u32
    }

    /// Removes members silent for five deterministic intervals (RFC 3550 §6.3.5), and
    /// unvalidated sources after the same time.
    fn expire_sources(&mut self, now: Instant, td: Duration) {
        let limit = td * TIMEOUT_INTERVALS;
        let gone: Vec<u32> = self
            .sources
            .iter()
            .filter(|(_, s)| now.saturating_duration_since(s.last_heard) > limit)
            .map(|(ssrc, _)| *ssrc)
            .collect();
        if gone.is_empty() {
            return;
        }
        for ssrc in gone {
            if self.sources.remove(&ssrc).is_some_and(|s| s.validated) {
                self.queue_event(Event::SourceLeft {
                    ssrc,
                    reason: LeaveReason::Timeout,
                });
            }
        }
        let members = self.members();
        self.timer.on_members_left(now, members);
    }

    /// Sends RTCP feedback (RFC 4585 §6: NACK, PLI, FIR, REMB, ...) now: alone when
    /// reduced-size RTCP was negotiated (RFC 5506), otherwise in a compound after an RR or
    /// SR and SDES CNAME. The RFC 4585 §3.5 early-feedback timing is the application's.
    pub fn send_feedback(&mut self, feedback: &[AnyPacket<'_>]) -> crate::Result<()> {
        if self.closing {
            return Err(crate::Error::Closed);
        }

        let destination = self.rtcp_destination().ok_or(crate::Error::NoRemote)?;
        let mut packets: Vec<AnyPacket<'_>> = Vec::new();
        if !self.config.transport.rtcp_rsize {
            let ssrc = self.local.ssrc;
            packets.push(AnyPacket::ReceiverReport(ReceiverReport {
                ssrc,
                reports: Vec::new().into(),
                profile_extensions: Vec::new().into(),
            }));
            packets.push(AnyPacket::SourceDescription(SourceDescription::cname(
                ssrc,
                &self.cname,
            )));
        }
        packets.extend(feedback.iter().cloned());
        let mut buf = vec![0u8; MAX_COMPOUND + SRTP_OVERHEAD];
        let size = rtcp::write_compound(&packets, 0, &mut buf)?;
        drop(packets);
        let len = match self.rtcp_protection() {
            RtcpProtection::Keyed { outbound, .. } => outbound.protect_rtcp(&mut buf, size)?,
            RtcpProtection::Clear => size,
            RtcpProtection::NotKeyed => return Err(crate::Error::NotKeyed),
        };
        buf.truncate(len);
        self.timer.on_rtcp_size(size);
        let component = if self.config.transport.rtcp_mux {
            Component::Rtp
        } else {
            Component::Rtcp
        };
        self.counters.rtcp_sent += 1;
        self.queue_transmit(Transmit {
            component,
            destination,
            contents: buf,
        });
        Ok(())
    }

    /// Sends the BYE compound and closes.
    pub(crate) fn send_bye(&mut self, now: Instant) {
        let ssrc = self.local.ssrc;
        self.send_compound(now, Some(ssrc));
        self.closed = true;
        self.queue_event(Event::Closed);
    }

    /// Builds, protects and queues a compound: SR (when we sent since the last report)
    /// or RR, SDES CNAME, and a BYE for `bye` when given (RFC 3550 §6.1). Returns its
    /// size before SRTCP, or 0 when nothing could be sent (no keys, no peer address).
    pub(crate) fn send_compound(&mut self, now: Instant, bye: Option<u32>) -> usize {
        if matches!(self.rtcp_protection(), RtcpProtection::NotKeyed) {
            return 0;
        }
        let Some(destination) = self.rtcp_destination() else {
            return 0;
        };
        let blocks = self.report_blocks(now);
        let ssrc = bye.unwrap_or(self.local.ssrc);
        let wallclock = self.wallclock(now);
        let report = match self.local.stats.as_ref() {
            Some(sender) if self.local.last_sent.is_some() => {
                AnyPacket::SenderReport(sender.sender_report(now, wallclock, blocks))
            }
            _ => AnyPacket::ReceiverReport(ReceiverReport {
                ssrc,
                reports: blocks.into(),
                profile_extensions: Vec::new().into(),
            }),
        };
        let mut packets = vec![
            report,
            AnyPacket::SourceDescription(SourceDescription::cname(ssrc, &self.cname)),
        ];
        if self.config.send_xr && bye.is_none() {
            packets.push(AnyPacket::ExtendedReport(self.extended_report(now, ssrc)));
        }
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
        let mut buf = vec![0u8; MAX_COMPOUND + SRTP_OVERHEAD];
        let size = match rtcp::write_compound(&packets, 0, &mut buf) {
            Ok(n) => n,
            Err(error) => {
                tracing::warn!(%error, "RTCP compound not written");
                return 0;
            }
        };
        drop(packets);
        let len = match self.rtcp_protection() {
            RtcpProtection::Keyed { outbound, .. } => match outbound.protect_rtcp(&mut buf, size) {
                Ok(n) => n,
                Err(error) => {
                    tracing::warn!(%error, "SRTCP protect failed");
                    return 0;
                }
            },
            RtcpProtection::Clear => size,
            RtcpProtection::NotKeyed => return 0,
        };
        buf.truncate(len);
        let component = if self.config.transport.rtcp_mux {
            Component::Rtp
        } else {
            Component::Rtcp
        };
        self.counters.rtcp_sent += 1;
        self.queue_transmit(Transmit {
            component,
            destination,
            contents: buf,
        });
        size
    }

    /// RFC 3611 XR: our Receiver Reference Time (§4.4) and DLRR sub-blocks (§4.5)
    /// answering the latest RRTR of each source.
    fn extended_report(&self, now: Instant, ssrc: u32) -> ExtendedReport<'static> {
        let mut blocks = vec![XrBlock::ReceiverReferenceTime(ReceiverReferenceTime {
            ntp_time: self.wallclock(now),
        })];
        let items: Vec<DlrrItem> = self
            .sources
            .values()
            .filter_map(|s| s.stats.dlrr_item(now))
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
        for (ssrc, source) in self.sources.iter_mut() {
            if blocks.len() >= MAX_REPORT_BLOCKS || !source.validated {
                continue;
            }
            if let Some((block, _)) = source.stats.report(now) {
                let quality = source.quality(rtt, codec);
                let fraction = f64::from(block.fraction_lost) / 256.0;
                for alert in source.check_alerts(&quality, fraction) {
                    alerts.push((*ssrc, alert));
                }
                blocks.push(block);
            }
        }
        for (ssrc, alert) in alerts {
            self.queue_event(Event::QualityAlert { ssrc, alert });
        }
        blocks
    }
}
