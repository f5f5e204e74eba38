//! Symmetric RTP (RFC 4961) under safe rules: the RTP destination moves to the address
//! the peer's media really comes from only after several consecutive packets of the
//! established SSRC from that address, and only a bounded number of times.

use std::net::SocketAddr;

/// The RTP destination and the candidate it may move to.
#[derive(Debug, Clone)]
pub(crate) struct Latch {
    current: Option<SocketAddr>,
    ssrc: Option<u32>,
    candidate: Option<(SocketAddr, u32)>,
    enabled: bool,
    probation: u32,
    relatches_left: u32,
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
            candidate: None,
            enabled,
            probation: probation.max(1),
            relatches_left: max_relatches,
        }
    }

    /// Where RTP goes now.
    pub(crate) fn current(&self) -> Option<SocketAddr> {
        self.current
    }

    /// Sets the destination outright (new signalling), forgetting the candidate.
    pub(crate) fn set(&mut self, address: SocketAddr) {
        self.current = Some(address);
        self.candidate = None;
    }

    /// An authenticated, valid RTP packet of `ssrc` came from `from`. Returns the new
    /// destination when the session latches onto it.
    pub(crate) fn on_packet(&mut self, from: SocketAddr, ssrc: u32) -> Option<SocketAddr> {
        if Some(from) == self.current {
            self.ssrc.get_or_insert(ssrc);
            self.candidate = None;
            return None;
        }
        if !self.enabled {
            return None;
        }
        // Only the stream we already follow may move us; the first one sets it.
        if self.ssrc.is_some_and(|s| s != ssrc) {
            return None;
        }
        let count = match self.candidate {
            Some((addr, n)) if addr == from => n + 1,
            _ => 1,
        };
        if count < self.probation {
            self.candidate = Some((from, count));
            return None;
        }
        self.candidate = None;
        if self.ssrc.is_some() {
            if self.relatches_left == 0 {
                return None;
            }
            self.relatches_left -= 1;
        }
        self.ssrc = Some(ssrc);
        self.current = Some(from);
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
    fn disabled_latching_keeps_the_configured_address() {
        let mut l = Latch::new(Some(addr(5000)), false, 1, 4);
        assert_eq!(l.on_packet(addr(6000), 7), None);
        assert_eq!(l.current(), Some(addr(5000)));
    }
}
