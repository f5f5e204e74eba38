//! Security: SRTP keys from the application (SDES-style, RFC 4568) or from a DTLS-SRTP
//! handshake on the RTP socket (RFC 5764), either role, with the peer's certificate
//! fingerprint checked (RFC 8122). Until keys exist nothing but DTLS leaves the session.

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

    /// Starts a DTLS-SRTP handshake (RFC 5764) on the RTP socket in `role`, requiring the
    /// peer's certificate to match one of `peer_fingerprints` (RFC 8122). Media is neither
    /// sent nor accepted until it completes ([`Event::DtlsConnected`]).
    pub fn start_dtls(
        &mut self,
        role: dtls::Role,
        config: Arc<dtls::Config>,
        peer_fingerprints: Vec<dtls::Fingerprint>,
        now: Instant,
    ) {
        let mut seed = [0u8; 32];
        self.rng.fill(&mut seed);
        let rng = Box::new(dtls::ChaChaRandom::from_seed(seed));
        let mut conn = match role {
            dtls::Role::Client => dtls::Connection::client(config, rng, now),
            dtls::Role::Server => {
                let peer = self
                    .latch
                    .current()
                    .map(|a| a.to_string())
                    .unwrap_or_default();
                dtls::Connection::server(config, rng, peer.as_bytes(), now)
            }
        };
        conn.require_peer_fingerprints(peer_fingerprints);
        self.crypto = Crypto::Pending;
        self.dtls = Some(conn);
        self.pump_dtls();
    }

    /// Moves DTLS datagrams into the transmit queue and handles its events.
    pub(crate) fn pump_dtls(&mut self) {
        let Some(destination) = self.latch.current() else {
            return;
        };
        let mut out = Vec::new();
        let mut connected = None;
        if let Some(conn) = self.dtls.as_mut() {
            while let Some(d) = conn.poll_transmit() {
                out.push(d);
            }
            while let Some(event) = conn.poll_event() {
                if let dtls::Event::Connected(info) = event {
                    connected = Some(info);
                }
            }
        }
        for contents in out {
            self.queue_transmit(Transmit {
                component: Component::Rtp,
                destination,
                contents,
            });
        }
        if let Some(info) = connected {
            self.dtls_connected(*info);
        }
    }

    fn dtls_connected(&mut self, info: dtls::Connected) {
        let contexts = self.dtls.as_ref().map(|c| c.srtp_contexts());
        match (contexts, info.srtp_profile) {
            (Some(Ok(Some((outbound, inbound)))), Some(profile)) => {
                self.crypto = Crypto::Keyed {
                    outbound: Box::new(outbound),
                    inbound: Box::new(inbound),
                };
                tracing::debug!(profile = profile.name(), "DTLS-SRTP keyed");
                self.queue_event(Event::DtlsConnected {
                    profile,
                    peer_fingerprint: info.peer_fingerprint,
                });
            }
            (Some(Err(error)), _) => self.dtls_failed(error),
            _ => self.dtls_failed(dtls::Error::NoCommonSrtpProfile),
        }
    }

    pub(crate) fn dtls_failed(&mut self, error: dtls::Error) {
        tracing::warn!(%error, "DTLS-SRTP failed");
        self.dtls = None;
        self.crypto = Crypto::Pending;
        self.queue_event(Event::DtlsFailed { error });
    }
}
