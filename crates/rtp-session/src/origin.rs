//! Where a remote source's RTP comes from, and SSRC conflicts between remote participants
//! (RFC 3550 §8.2).
//!
//! RFC 3550 §8.2 remembers the transport address each SSRC was first heard from. A packet
//! of that SSRC from another address means a collision between two other participants, or
//! a loop, and the RFC drops it, keeping the source it knew. Dropping every packet from a
//! new address would also cut off a peer whose NAT binding changed, or whose ICE path moved,
//! until its entry timed out. This module tells the two apart by order:
//!
//! - A source that *moves* stops sending from the old address. After `run` consecutive
//!   packets from the new address and none from the old one, the new address is believed.
//!   Only those first `run − 1` packets are dropped, which a jitter buffer conceals. The run
//!   is the latching probation ([`crate::Transport::latch_probation`]), for the same reason.
//! - Two senders using one SSRC *interleave*. A packet from the known address that
//!   interrupts a run from another address is an interleave. After
//!   [`CONFLICT_INTERLEAVES`] of them the source is in conflict: its address is frozen, and
//!   packets from any other address are dropped until the source leaves (BYE or timeout).
//!
//! The bound is per source and constant: one candidate address, two counters.

use std::net::SocketAddr;

/// Interleaves that establish a conflict. More than one, so that a straggler reordered
/// across a genuine move, or two, does not freeze the source at its old address.
pub(crate) const CONFLICT_INTERLEAVES: u32 = 3;

/// What to do with one RTP packet of a known SSRC.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum OriginVerdict {
    /// From the source's address: deliver.
    Accept,
    /// From the source's address, and it completes the evidence of a conflict with `other`:
    /// deliver, and report the conflict (once per source).
    Conflict {
        /// The other address sending this SSRC.
        other: SocketAddr,
    },
    /// The source moved here from `from`: deliver.
    Moved {
        /// The address it used before.
        from: SocketAddr,
    },
    /// From another address, not (yet) believed: drop.
    Drop,
}

/// The transport address of one remote source's RTP.
#[derive(Debug, Clone, Default)]
pub(crate) struct Origin {
    address: Option<SocketAddr>,
    candidate: Option<(SocketAddr, u32)>,
    interleaves: u32,
    conflict: bool,
}

impl Origin {
    /// The address the source's RTP is accepted from, once known.
    #[cfg(test)]
    pub(crate) fn address(&self) -> Option<SocketAddr> {
        self.address
    }

    /// Whether a conflict was established (the address is frozen).
    #[cfg(test)]
    pub(crate) fn in_conflict(&self) -> bool {
        self.conflict
    }

    /// An RTP packet of this source came from `from`; `run` is how many consecutive packets
    /// from a new address move the source there.
    pub(crate) fn on_packet(&mut self, from: SocketAddr, run: u32) -> OriginVerdict {
        let Some(address) = self.address else {
            self.address = Some(from);
            return OriginVerdict::Accept;
        };
        if from == address {
            let Some((other, _)) = self.candidate.take() else {
                return OriginVerdict::Accept;
            };
            self.interleaves = self.interleaves.saturating_add(1);
            if !self.conflict && self.interleaves >= CONFLICT_INTERLEAVES {
                self.conflict = true;
                return OriginVerdict::Conflict { other };
            }
            return OriginVerdict::Accept;
        }
        if self.conflict {
            return OriginVerdict::Drop;
        }
        let count = match self.candidate {
            Some((candidate, n)) if candidate == from => n.saturating_add(1),
            _ => 1,
        };
        if count < run.max(1) {
            self.candidate = Some((from, count));
            return OriginVerdict::Drop;
        }
        self.address = Some(from);
        self.candidate = None;
        self.interleaves = 0;
        OriginVerdict::Moved { from: address }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use OriginVerdict::{Accept, Drop};

    fn addr(port: u16) -> SocketAddr {
        SocketAddr::from(([192, 0, 2, 1], port))
    }

    fn moved(port: u16) -> OriginVerdict {
        OriginVerdict::Moved { from: addr(port) }
    }

    /// Feeds `origin` one packet from each port of `ports` with a run of 3, and returns
    /// the verdicts.
    fn play(origin: &mut Origin, ports: &[u16]) -> Vec<OriginVerdict> {
        ports
            .iter()
            .map(|p| origin.on_packet(addr(*p), 3))
            .collect()
    }

    #[test]
    fn the_first_address_is_kept() {
        let mut o = Origin::default();
        assert_eq!(play(&mut o, &[1, 1]), [Accept, Accept]);
        assert_eq!(o.address(), Some(addr(1)));
    }

    #[test]
    fn a_move_is_believed_after_a_run() {
        let mut o = Origin::default();
        assert_eq!(play(&mut o, &[1, 2, 2, 2]), [Accept, Drop, Drop, moved(1)]);
        assert_eq!(o.address(), Some(addr(2)));
        // The old address is now the stranger, and a straggler from it is dropped.
        assert_eq!(play(&mut o, &[1, 2]), [Drop, Accept]);
        assert!(!o.in_conflict());
        // A run of 1 moves at once.
        assert_eq!(o.on_packet(addr(3), 1), moved(2));
    }

    #[test]
    fn a_straggler_across_a_move_is_not_a_conflict() {
        // Reordering at the move: old, new, old (late), new, new, new.
        let mut o = Origin::default();
        let verdicts = play(&mut o, &[1, 2, 1, 2, 2, 2]);
        assert_eq!(verdicts, [Accept, Drop, Accept, Drop, Drop, moved(1)]);
        assert!(!o.in_conflict());
    }

    #[test]
    fn interleaved_senders_are_a_conflict_and_freeze_the_address() {
        let mut o = Origin::default();
        // Two senders alternate: the third interruption establishes the conflict.
        let verdicts = play(&mut o, &[1, 2, 1, 2, 1, 2, 1]);
        let conflict = OriginVerdict::Conflict { other: addr(2) };
        assert_eq!(
            verdicts,
            [Accept, Drop, Accept, Drop, Accept, Drop, conflict]
        );
        assert!(o.in_conflict());
        // Reported once; from now on no run moves the source.
        assert_eq!(play(&mut o, &[2; 10]), [Drop; 10]);
        assert_eq!(play(&mut o, &[1]), [Accept]);
        assert_eq!(o.address(), Some(addr(1)));
    }
}
