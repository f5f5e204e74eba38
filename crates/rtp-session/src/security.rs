//! Security: SRTP keys from the application (SDES-style, RFC 4568) or from DTLS-SRTP
//! (RFC 5764) on the media sockets, either role, with the peer's certificate fingerprint
//! checked (RFC 8122): one association on the RTP port, and one on the RTCP port when
//! they are not multiplexed. Until keys exist nothing but DTLS (and STUN the application
//! sends) leaves the session.

use std::sync::Arc;
use std::time::Instant;

use crate::config::Security;
use crate::error::Result;
use crate::event::{Component, Event, Transmit};
use crate::session::{Crypto, Session};

impl Session {
    pub(crate) fn configure_security(&mut self, now: Instant) -> Result<()> {
        match std::mem::replace(&mut self.config.security, Security::None) {
            Security::None => self.crypto = Crypto::Clear,
            Security::Srtp {
                profile,
                local,
                remote,
            } => {
                self.crypto = Crypto::Pending;
                self.set_srtp_keys(profile, local, remote)?;
            }
            Security::Dtls {
                role,
                config,
                peer_fingerprints,
            } => {
                self.crypto = Crypto::Pending;
                self.start_dtls(role, config, peer_fingerprints, now);
            }
        }
        Ok(())
    }

    /// Keys SRTP and SRTCP with master keys from the application (SDES, RFC 4568): `local`
    /// protects what we send, `remote` unprotects what the peer sends. From now on every
    /// packet is protected.
    pub fn set_srtp_keys(
        &mut self,
        profile: srtp::ProtectionProfile,
        local: srtp::MasterKey,
        remote: srtp::MasterKey,
    ) -> Result<()> {
        let outbound = srtp::Context::new(profile, local, srtp::Config::default())?;
        let inbound = srtp::Context::new(profile, remote, srtp::Config::default())?;
        self.crypto = Crypto::Keyed {
            outbound: Box::new(outbound),
            inbound: Box::new(inbound),
        };
        Ok(())
    }

    /// Starts DTLS-SRTP (RFC 5764) in `role`, requiring the peer's certificate to match
    /// one of `peer_fingerprints` (RFC 8122): one handshake on the RTP port and, when RTP
    /// and RTCP are not multiplexed, a second on the RTCP port that keys SRTCP (RFC 5764
    /// §4.1: each component has its own association). Media is neither sent nor accepted
    /// until the RTP handshake completes; [`Event::DtlsConnected`] follows once every
    /// component is keyed.
    pub fn start_dtls(
        &mut self,
        role: dtls::Role,
        config: Arc<dtls::Config>,
        peer_fingerprints: Vec<dtls::Fingerprint>,
        now: Instant,
    ) {
        let mut components = vec![Component::Rtp];
        if !self.config.transport.rtcp_mux {
            components.push(Component::Rtcp);
        }
        self.dtls.clear();
        for component in components {
            let mut seed = [0u8; 32];
            self.rng.fill(&mut seed);
            let rng = Box::new(dtls::ChaChaRandom::from_seed(seed));
            let mut conn = match role {
                dtls::Role::Client => dtls::Connection::client(config.clone(), rng, now),
                dtls::Role::Server => {
                    let peer = self
                        .dtls_destination(component)
                        .map(|a| a.to_string())
                        .unwrap_or_default();
                    dtls::Connection::server(config.clone(), rng, peer.as_bytes(), now)
                }
            };
            conn.require_peer_fingerprints(peer_fingerprints.clone());
            self.dtls.push(DtlsLink {
                conn,
                component,
                keyed: false,
            });
        }
        self.crypto = Crypto::Pending;
        self.rtcp_crypto = if self.config.transport.rtcp_mux {
            RtcpCrypto::Shared
        } else {
            RtcpCrypto::Pending
        };
        self.dtls_announcement = None;
        self.pump_dtls();
    }

    fn dtls_destination(&self, component: Component) -> Option<std::net::SocketAddr> {
        match component {
            Component::Rtp => self.latch.current(),
            Component::Rtcp => self.remote_rtcp,
        }
    }

    /// Feeds a DTLS datagram that arrived on `component` to that component's association.
    pub(crate) fn receive_dtls(&mut self, now: Instant, component: Component, datagram: &[u8]) {
        let Some(link) = self.dtls.iter_mut().find(|l| l.component == component) else {
            self.counters.unknown += 1;
            return;
        };
        if let Err(error) = link.conn.handle_datagram(now, datagram) {
            self.dtls_failed(error);
            return;
        }
        self.pump_dtls();
    }

    /// Runs the DTLS retransmission timers due at `now`.
    pub(crate) fn dtls_timeout(&mut self, now: Instant) {
        let mut failure = None;
        for link in &mut self.dtls {
            if link.conn.poll_timeout().is_some_and(|t| t <= now) {
                if let Err(error) = link.conn.handle_timeout(now) {
                    failure = Some(error);
                }
            }
        }
        match failure {
            Some(error) => self.dtls_failed(error),
            None => self.pump_dtls(),
        }
    }

    /// The earliest DTLS retransmission deadline.
    pub(crate) fn dtls_deadline(&self) -> Option<Instant> {
        self.dtls.iter().filter_map(|l| l.conn.poll_timeout()).min()
    }

    /// Moves DTLS datagrams into the transmit queue and handles the handshakes' events.
    pub(crate) fn pump_dtls(&mut self) {
        let mut out = Vec::new();
        let mut connected = Vec::new();
        let destinations: Vec<_> = self
            .dtls
            .iter()
            .map(|l| self.dtls_destination(l.component))
            .collect();
        for (index, (link, destination)) in self.dtls.iter_mut().zip(destinations).enumerate() {
            // Held in the connection until the peer's address is known.
            let Some(destination) = destination else {
                continue;
            };
            while let Some(contents) = link.conn.poll_transmit() {
                out.push(Transmit {
                    component: link.component,
                    destination,
                    contents,
                });
            }
            while let Some(event) = link.conn.poll_event() {
                if let dtls::Event::Connected(info) = event {
                    connected.push((index, info));
                }
            }
        }
        for transmit in out {
            self.queue_transmit(transmit);
        }
        for (index, info) in connected {
            self.dtls_connected(index, *info);
        }
    }

    fn dtls_connected(&mut self, index: usize, info: dtls::Connected) {
        let Some(link) = self.dtls.get_mut(index) else {
            return;
        };
        let (Some(profile), contexts) = (info.srtp_profile, link.conn.srtp_contexts()) else {
            self.dtls_failed(dtls::Error::NoCommonSrtpProfile);
            return;
        };
        let (outbound, inbound) = match contexts {
            Ok(Some(pair)) => pair,
            Ok(None) => return self.dtls_failed(dtls::Error::NoCommonSrtpProfile),
            Err(error) => return self.dtls_failed(error),
        };
        link.keyed = true;
        let (outbound, inbound) = (Box::new(outbound), Box::new(inbound));
        match link.component {
            Component::Rtp => {
                self.crypto = Crypto::Keyed { outbound, inbound };
                self.dtls_announcement = Some((profile, info.peer_fingerprint));
            }
            Component::Rtcp => self.rtcp_crypto = RtcpCrypto::Own { outbound, inbound },
        }
        tracing::debug!(profile = profile.name(), component = ?self.dtls[index].component, "DTLS-SRTP keyed");
        if self.dtls.iter().all(|l| l.keyed) {
            if let Some((profile, peer_fingerprint)) = self.dtls_announcement.take() {
                self.queue_event(Event::DtlsConnected {
                    profile,
                    peer_fingerprint,
                });
            }
        }
    }

    pub(crate) fn dtls_failed(&mut self, error: dtls::Error) {
        tracing::warn!(%error, "DTLS-SRTP failed");
        self.dtls.clear();
        self.crypto = Crypto::Pending;
        self.rtcp_crypto = RtcpCrypto::Pending;
        self.queue_event(Event::DtlsFailed { error });
    }

    /// How RTCP is protected now.
    pub(crate) fn rtcp_protection(&mut self) -> RtcpProtection<'_> {
        match (&mut self.rtcp_crypto, &mut self.crypto) {
            (RtcpCrypto::Own { outbound, inbound }, _)
            | (RtcpCrypto::Shared, Crypto::Keyed { outbound, inbound }) => {
                RtcpProtection::Keyed { outbound, inbound }
            }
            (RtcpCrypto::Shared, Crypto::Clear) => RtcpProtection::Clear,
            _ => RtcpProtection::NotKeyed,
        }
    }
}

/// One DTLS association and the component it keys.
pub(crate) struct DtlsLink {
    pub(crate) conn: dtls::Connection,
    pub(crate) component: Component,
    pub(crate) keyed: bool,
}

/// SRTCP keys: those of RTP (application keys, rtcp-mux, or no security), a separate
/// DTLS association on the RTCP port still running, or its keys.
pub(crate) enum RtcpCrypto {
    Shared,
    Pending,
    Own {
        outbound: Box<srtp::Context>,
        inbound: Box<srtp::Context>,
    },
}

/// What protects RTCP at this moment.
pub(crate) enum RtcpProtection<'a> {
    NotKeyed,
    Clear,
    Keyed {
        outbound: &'a mut srtp::Context,
        inbound: &'a mut srtp::Context,
    },
}
