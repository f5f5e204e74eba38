//! ICE-lite in the session: STUN checks answered on the media socket, the nominated
//! address made the destination, media and DTLS read only from checked addresses, and the
//! call ended when consent expires. The rules themselves live in `crate::ice`, which owns
//! the ICE state; this block moves datagrams and events.

use std::net::SocketAddr;
use std::time::Instant;

use super::{Phase, Session};
use crate::event::{Component, Event, Transmit};
use crate::ice::Verdict;

/// Room for any answer a lite agent writes: header 20, XOR-MAPPED-ADDRESS (IPv6) 24,
/// ERROR-CODE with its reason 32, UNKNOWN-ATTRIBUTES 12, MESSAGE-INTEGRITY 24,
/// FINGERPRINT 8.
const ANSWER_ROOM: usize = 160;

impl Session {
    /// A STUN datagram arrived: with ICE-lite configured it is judged and maybe answered;
    /// without, it goes to the application.
    pub(super) fn receive_stun(
        &mut self,
        now: Instant,
        component: Component,
        from: SocketAddr,
        datagram: &[u8],
    ) {
        let Some(ice) = self.ice.as_mut() else {
            self.outbox.event(Event::Stun {
                component,
                from,
                data: datagram.to_vec(),
            });
            return;
        };
        let mut buf = self.outbox.buffer();
        buf.resize(ANSWER_ROOM, 0);
        match ice.on_stun(now, from, datagram, &mut buf) {
            Verdict::Drop(reason) => {
                tracing::debug!(%from, ?reason, "STUN dropped");
                self.counters.stun_rejected += 1;
                self.outbox.recycle(buf);
            }
            Verdict::Ignore => self.outbox.recycle(buf),
            Verdict::Answer {
                len,
                nominated,
                role_conflict,
            } => {
                buf.truncate(len);
                self.outbox.transmit(Transmit {
                    component,
                    destination: from,
                    contents: buf,
                });
                if role_conflict {
                    tracing::debug!(%from, "ICE role conflict answered with 487");
                    self.counters.ice_role_conflicts += 1;
                }
                if let Some(address) = nominated {
                    tracing::info!(%address, "ICE nominated");
                    self.outbox.event(Event::IceNominated { address });
                    // The answer above leaves first; a DTLS client's ClientHello follows.
                    self.set_destination(address, address);
                }
            }
        }
    }

    /// Whether a datagram other than STUN from `from` may be read: always without ICE;
    /// with it, only once an address is nominated and from an address that passed a check.
    pub(super) fn ice_admits(&mut self, from: SocketAddr) -> bool {
        let Some(ice) = &self.ice else {
            return true;
        };
        if ice.nominated().is_some() && ice.is_checked(from) {
            return true;
        }
        self.counters.ice_unchecked += 1;
        false
    }

    /// Ends the session when ICE consent ran out at `now` (RFC 7675 §5.1): nothing more is
    /// sent, not even a BYE, since the peer no longer consents to receive.
    pub(super) fn consent_expired(&mut self, now: Instant) -> bool {
        let Some(ice) = self.ice.as_mut() else {
            return false;
        };
        if !ice.expire(now) {
            return false;
        }
        let address = ice.nominated();
        tracing::info!(?address, "ICE consent expired; the session stops sending");
        self.outbox.clear_transmits();
        self.phase = Phase::Closed;
        self.outbox.event(Event::IceConsentExpired { address });
        self.outbox.event(Event::Closed);
        true
    }
}
