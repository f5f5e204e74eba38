//! Symmetric RTP (RFC 4961) under safe rules: the RTP destination moves to the address
//! the peer's media really comes from only after several consecutive packets of the
//! established SSRC from that address, and only a bounded number of times.
//!
//! RTCP follows the same probation ([`RtcpLatch`]): its destination moves only after
//! [`crate::Transport::latch_probation`] consecutive authenticated compounds from one new
//! address, never after one. And when the peer's RTCP address came from signalling
//! (`remote_rtcp`, SDP `a=rtcp` or RTP port + 1) while its RTP is still where signalling
//! said, RTCP from another port moves nothing at all: RFC 4961 symmetric RTCP is a
//! *recommendation* many peers do not follow — GStreamer's rtpbin sends RTCP from its
//! `udpsink`'s own socket, not the one it receives on — and latching onto such a send
//! port would silence every report to the peer. The peer's RTCP is still accepted from any
//! port of its host. Only when media shows the signalled addresses are not the peer's real
//! ones (the RTP destination latched elsewhere, typically a NAT) does the RTCP destination
//! follow a probation run, since then the signalled RTCP address is unreachable too.
//! While no RTCP address is known at all, RTCP goes to the RTP destination (rtcp-mux) or
//! its port + 1 (RFC 3550 §11), which is where ffmpeg, among others, listens.

use std::net::SocketAddr;

use crate::config::Transport;
use crate::event::Component;

/// Where the session sends RTP and RTCP: the signalled addresses and the two latches that
/// may move them (see the module documentation).
#[derive(Debug, Clone)]
pub(crate) struct Destinations {
    rtp: Latch,
    /// The RTP address signalling gave (configuration or `Session::set_remote`).
    signalled_rtp: Option<SocketAddr>,
    rtcp: RtcpLatch,
    rtcp_mux: bool,
}

impl Destinations {
    pub(crate) fn new(t: &Transport) -> Self {
        let remote_rtcp = if t.rtcp_mux {
            t.remote_rtp
        } else {
            t.remote_rtcp
        };
        let probation = Probation::new(t.latching, t.latch_probation, t.max_relatches);
        Self {
            rtp: Latch::new(t.remote_rtp, probation.clone()),
            signalled_rtp: t.remote_rtp,
            rtcp: RtcpLatch::new(remote_rtcp, probation),
            rtcp_mux: t.rtcp_mux,
        }
    }

    /// Where RTP goes now (configured or latched).
    pub(crate) fn rtp(&self) -> Option<SocketAddr> {
        self.rtp.current()
    }

    /// Where RTCP goes now: the signalled or latched RTCP address; without one, the RTP
    /// destination (rtcp-mux) or its port + 1 (RFC 3550 §11).
    pub(crate) fn rtcp(&self) -> Option<SocketAddr> {
        self.rtcp.current().or_else(|| {
            let rtp = self.rtp.current()?;
            if self.rtcp_mux {
                return Some(rtp);
            }
            Some(SocketAddr::new(rtp.ip(), rtp.port().checked_add(1)?))
        })
    }

    /// The socket RTCP leaves from.
    pub(crate) fn rtcp_component(&self) -> Component {
        if self.rtcp_mux {
            Component::Rtp
        } else {
            Component::Rtcp
        }
    }

    /// The destination of `component`.
    pub(crate) fn of(&self, component: Component) -> Option<SocketAddr> {
        match component {
            Component::Rtp => self.rtp(),
            Component::Rtcp => self.rtcp(),
        }
    }

    /// New signalling: RTP to `rtp`, RTCP to `rtcp` (to `rtp` with rtcp-mux).
    pub(crate) fn set_remote(&mut self, rtp: SocketAddr, rtcp: SocketAddr) {
        self.rtp.set(rtp);
        self.signalled_rtp = Some(rtp);
        self.rtcp.set(if self.rtcp_mux { rtp } else { rtcp }, true);
    }

    /// A DTLS server with no remote for `component` adopts the source of its first
    /// ClientHello (see `security.rs`).
    pub(crate) fn adopt(&mut self, component: Component, from: SocketAddr) {
        if component == Component::Rtp {
            self.rtp.set(from);
        }
        if component == Component::Rtcp || self.rtcp_mux {
            self.rtcp.set(from, false);
        }
    }

    /// An authenticated, valid RTP packet of `ssrc` came from `from`. Returns the new RTP
    /// destination when the session latches onto it (RTCP follows with rtcp-mux).
    pub(crate) fn on_rtp(&mut self, from: SocketAddr, ssrc: u32) -> Option<SocketAddr> {
        let address = self.rtp.on_packet(from, ssrc)?;
        if self.rtcp_mux {
            self.rtcp.set(address, false);
        }
        Some(address)
    }

    /// An authenticated, valid RTCP compound came from `from`. Returns the new RTCP
    /// destination when the session latches onto it.
    pub(crate) fn on_rtcp(&mut self, from: SocketAddr) -> Option<SocketAddr> {
        let rtp_as_signalled = self.rtp.current() == self.signalled_rtp;
        self.rtcp.on_compound(from, rtp_as_signalled)
    }

    /// Whether RTCP from `from` is accepted: from the RTCP destination, from any port of
    /// the RTP peer's host (peers such as GStreamer's rtpbin send RTCP from another socket
    /// than they receive on), or from anywhere while no destination is known. Where RTCP
    /// *goes* changes only after a probation run.
    pub(crate) fn rtcp_source_expected(&self, from: SocketAddr) -> bool {
        match self.rtcp() {
            Some(expected) if expected == from => true,
            Some(_) => self.rtp.current().is_some_and(|rtp| rtp.ip() == from.ip()),
            None => true,
        }
    }
}

/// The probation run both latches share: a candidate address counted through consecutive
/// packets, and the moves left. A disabled run never completes.
#[derive(Debug, Clone)]
struct Probation {
    enabled: bool,
    candidate: Option<(SocketAddr, u32)>,
    probation: u32,
    relatches_left: u32,
}

impl Probation {
    fn new(enabled: bool, probation: u32, max_relatches: u32) -> Self {
        Self {
            enabled,
            candidate: None,
            probation: probation.max(1),
            relatches_left: max_relatches,
        }
    }

    /// Forgets the candidate (a packet from the current destination broke its run).
    fn reset(&mut self) {
        self.candidate = None;
    }

    /// One more packet from `from`, which is not the current destination. True when the run
    /// is complete and a move is allowed: the first destination (`relatch` false) is free,
    /// each later move spends one of the moves left.
    fn observe(&mut self, from: SocketAddr, relatch: bool) -> bool {
        if !self.enabled {
            return false;
        }
        let count = match self.candidate {
            Some((addr, n)) if addr == from => n.saturating_add(1),
            _ => 1,
        };
        if count < self.probation {
            self.candidate = Some((from, count));
            return false;
        }
        self.candidate = None;
        if relatch {
            if self.relatches_left == 0 {
                return false;
            }
            self.relatches_left -= 1;
        }
        true
    }
}

/// The RTP destination and the candidate it may move to.
#[derive(Debug, Clone)]
struct Latch {
    current: Option<SocketAddr>,
    ssrc: Option<u32>,
    probation: Probation,
}

impl Latch {
    fn new(configured: Option<SocketAddr>, probation: Probation) -> Self {
        Self {
            current: configured,
            ssrc: None,
            probation,
        }
    }

    /// Where RTP goes now.
    pub(crate) fn current(&self) -> Option<SocketAddr> {
        self.current
    }

    /// Sets the destination outright (new signalling), forgetting the candidate.
    pub(crate) fn set(&mut self, address: SocketAddr) {
        self.current = Some(address);
        self.probation.reset();
    }

    /// An authenticated, valid RTP packet of `ssrc` came from `from`. Returns the new
    /// destination when the session latches onto it.
    pub(crate) fn on_packet(&mut self, from: SocketAddr, ssrc: u32) -> Option<SocketAddr> {
        if Some(from) == self.current {
            self.ssrc.get_or_insert(ssrc);
            self.probation.reset();
            return None;
        }
        // Only the stream we already follow may move us; the first one sets it.
        if self.ssrc.is_some_and(|s| s != ssrc) {
            return None;
        }
        if !self.probation.observe(from, self.ssrc.is_some()) {
            return None;
        }
        self.ssrc = Some(ssrc);
        self.current = Some(from);
        Some(from)
    }
}

/// The RTCP destination and the candidate it may move to (see the module documentation).
#[derive(Debug, Clone)]
struct RtcpLatch {
    current: Option<SocketAddr>,
    /// The current destination came from signalling.
    signalled: bool,
    probation: Probation,
}

impl RtcpLatch {
    fn new(configured: Option<SocketAddr>, probation: Probation) -> Self {
        Self {
            current: configured,
            signalled: configured.is_some(),
            probation,
        }
    }

    /// Where RTCP goes now.
    pub(crate) fn current(&self) -> Option<SocketAddr> {
        self.current
    }

    /// Sets the destination outright: from signalling (`signalled`), or following the RTP
    /// destination with rtcp-mux.
    pub(crate) fn set(&mut self, address: SocketAddr, signalled: bool) {
        self.current = Some(address);
        self.signalled = signalled;
        self.probation.reset();
    }

    /// An authenticated, valid RTCP compound came from `from`. `rtp_as_signalled` says the
    /// RTP destination is still the signalled one. Returns the new destination when the
    /// session latches onto `from`.
    pub(crate) fn on_compound(
        &mut self,
        from: SocketAddr,
        rtp_as_signalled: bool,
    ) -> Option<SocketAddr> {
        if Some(from) == self.current {
            self.probation.reset();
            return None;
        }
        if self.signalled && rtp_as_signalled {
            return None;
        }
        if !self.probation.observe(from, self.current.is_some()) {
            return None;
        }
        self.current = Some(from);
        self.signalled = false;
        Some(from)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn addr(port: u16) -> SocketAddr {
        SocketAddr::from(([192, 0, 2, 1], port))
    }

    #[test]
    fn latches_after_probation_of_the_same_ssrc() {
        let mut l = Latch::new(Some(addr(5000)), Probation::new(true, 3, 1));
        assert_eq!(l.on_packet(addr(5000), 7), None);
        assert_eq!(l.on_packet(addr(6000), 7), None);
        assert_eq!(l.on_packet(addr(6000), 7), None);
        assert_eq!(l.on_packet(addr(6000), 7), Some(addr(6000)));
        assert_eq!(l.current(), Some(addr(6000)));
    }

    #[test]
    fn another_ssrc_or_an_interleaved_address_resets_nothing_forward() {
        let mut l = Latch::new(Some(addr(5000)), Probation::new(true, 2, 4));
        l.on_packet(addr(5000), 7);
        // An attacker's SSRC never moves us.
        for _ in 0..10 {
            assert_eq!(l.on_packet(addr(6666), 99), None);
        }
        // Alternating addresses never complete probation.
        for _ in 0..10 {
            assert_eq!(l.on_packet(addr(6000), 7), None);
            assert_eq!(l.on_packet(addr(5000), 7), None);
        }
        assert_eq!(l.current(), Some(addr(5000)));
    }

    #[test]
    fn relatching_is_bounded() {
        let mut l = Latch::new(None, Probation::new(true, 1, 1));
        assert_eq!(l.on_packet(addr(1), 7), Some(addr(1)));
        assert_eq!(l.on_packet(addr(2), 7), Some(addr(2)));
        assert_eq!(l.on_packet(addr(3), 7), None);
        assert_eq!(l.current(), Some(addr(2)));
    }

    #[test]
    fn rtcp_moves_after_probation_unless_signalled_and_rtp_as_signalled() {
        let mut l = RtcpLatch::new(Some(addr(5001)), Probation::new(true, 3, 4));
        for _ in 0..10 {
            assert_eq!(l.on_compound(addr(7000), true), None);
        }
        assert_eq!(l.current(), Some(addr(5001)));
        // RTP moved (NAT): now a run moves RTCP, and an interruption restarts it.
        assert_eq!(l.on_compound(addr(7000), false), None);
        assert_eq!(l.on_compound(addr(5001), false), None);
        assert_eq!(l.on_compound(addr(7000), false), None);
        assert_eq!(l.on_compound(addr(7000), false), None);
        assert_eq!(l.on_compound(addr(7000), false), Some(addr(7000)));
        let mut off = RtcpLatch::new(None, Probation::new(false, 1, 4));
        assert_eq!(off.on_compound(addr(7000), false), None);
        assert_eq!(off.current(), None);
    }

    #[test]
    fn disabled_latching_keeps_the_configured_address() {
        let mut l = Latch::new(Some(addr(5000)), Probation::new(false, 1, 4));
        assert_eq!(l.on_packet(addr(6000), 7), None);
        assert_eq!(l.current(), Some(addr(5000)));
    }
}
