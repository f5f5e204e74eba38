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

/// The probation run both latches share: a candidate address counted through consecutive
/// packets, and the moves left.
#[derive(Debug, Clone)]
struct Probation {
    candidate: Option<(SocketAddr, u32)>,
    probation: u32,
    relatches_left: u32,
}

impl Probation {
    fn new(probation: u32, max_relatches: u32) -> Self {
        Self {
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
pub(crate) struct Latch {
    current: Option<SocketAddr>,
    ssrc: Option<u32>,
    enabled: bool,
    probation: Probation,
}

impl Latch {
    pub(crate) fn new(
        configured: Option<SocketAddr>,
        enabled: bool,
        probation: u32,
        max_relatches: u32,
    ) -> Self {
        Self {
            current: configured,
            ssrc: None,
            enabled,
            probation: Probation::new(probation, max_relatches),
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
        if !self.enabled {
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
pub(crate) struct RtcpLatch {
    current: Option<SocketAddr>,
    /// The current destination came from signalling.
    signalled: bool,
    enabled: bool,
    probation: Probation,
}

impl RtcpLatch {
    pub(crate) fn new(
        configured: Option<SocketAddr>,
        enabled: bool,
        probation: u32,
        max_relatches: u32,
    ) -> Self {
        Self {
            current: configured,
            signalled: configured.is_some(),
            enabled,
            probation: Probation::new(probation, max_relatches),
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
        if !self.enabled || (self.signalled && rtp_as_signalled) {
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
        let mut l = Latch::new(Some(addr(5000)), true, 3, 1);
        assert_eq!(l.on_packet(addr(5000), 7), None);
        assert_eq!(l.on_packet(addr(6000), 7), None);
        assert_eq!(l.on_packet(addr(6000), 7), None);
        assert_eq!(l.on_packet(addr(6000), 7), Some(addr(6000)));
        assert_eq!(l.current(), Some(addr(6000)));
    }

    #[test]
    fn another_ssrc_or_an_interleaved_address_resets_nothing_forward() {
        let mut l = Latch::new(Some(addr(5000)), true, 2, 4);
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
        let mut l = Latch::new(None, true, 1, 1);
        assert_eq!(l.on_packet(addr(1), 7), Some(addr(1)));
        assert_eq!(l.on_packet(addr(2), 7), Some(addr(2)));
        assert_eq!(l.on_packet(addr(3), 7), None);
        assert_eq!(l.current(), Some(addr(2)));
    }

    #[test]
    fn rtcp_moves_after_probation_unless_signalled_and_rtp_as_signalled() {
        let mut l = RtcpLatch::new(Some(addr(5001)), true, 3, 4);
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
        let mut off = RtcpLatch::new(None, false, 1, 4);
        assert_eq!(off.on_compound(addr(7000), false), None);
        assert_eq!(off.current(), None);
    }

    #[test]
    fn disabled_latching_keeps_the_configured_address() {
        let mut l = Latch::new(Some(addr(5000)), false, 1, 4);
        assert_eq!(l.on_packet(addr(6000), 7), None);
        assert_eq!(l.current(), Some(addr(5000)));
    }
}
