//! Security: SRTP keys from the application (SDES-style, RFC 4568) or from DTLS-SRTP
//! (RFC 5764) on the media sockets, either role, with the peer's certificate fingerprint
//! checked (RFC 8122): one association on the RTP port, and one on the RTCP port when
//! they are not multiplexed. Until keys exist nothing but DTLS (and STUN the application
//! sends) leaves the session.
//!
//! **Who may talk DTLS to us.** Each association accepts datagrams only from its
//! component's expected remote: the RTP destination for the RTP port (the configured or
//! SDP address, or the address media latching moved to, which needs a probation run of
//! *authenticated* SRTP) and the RTCP destination for the RTCP port. Anything else is
//! dropped unread and counted in [`crate::Counters::dtls_foreign`]. One exception: before
//! any remote is known for a component, a *server* adopts the source of the first
//! ClientHello, and from then on only that address. This is safe because the address
//! grants nothing: the peer must still prove the certificate its signalling announced
//! (the fingerprint check), and a stranger who gets there first gains at most a handshake
//! that fails — the same denial of service it could cause by flooding the port. A client
//! never adopts an address (it needs one to send its ClientHello). Filtering by address
//! matters because a DTLS connection in the handshake cannot authenticate what it
//! receives: without it anyone could feed it records.
//!
//! **After the handshake.** Once an association is keyed, only records of its epoch (1:
//! DTLS-SRTP never renegotiates) reach it; records of epoch 0 (a forged alert, ClientHello
//! or ChangeCipherSpec in the clear, which anyone can write) or of any other epoch are
//! dropped and counted in [`crate::Counters::dtls_dropped`]. The peer's retransmitted final
//! flight still gets its answer, because it ends with an epoch-1 Finished.
//!
//! **Failure.** A DTLS failure (fingerprint mismatch, timeout, a fatal alert from the peer)
//! is reported as [`crate::Event::DtlsFailed`]; the fatal alert the connection queued is
//! sent to the peer *before* the association is dropped, so that the peer stops too
//! instead of sending into the void. The session is then unkeyed; the application may
//! start again with [`Session::start_dtls`].
//!
//! **Re-applied keys.** [`Session::set_srtp_keys`] with keys equal (compared in constant
//! time) to the ones in use keeps the running contexts: a re-INVITE that repeats its
//! `a=crypto` line must not restart the rollover counter while the sequence number carries
//! on, which would repeat keystream (RFC 3711 §9.1). New keys start fresh contexts.

use std::sync::Arc;
use std::time::Instant;

use std::net::SocketAddr;

use rand_core::{Rng, SeedableRng};

use crate::config::Security;
use crate::error::{Error, Result};
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
                self.start_dtls(role, config, peer_fingerprints, now)?;
            }
            Security::DangerousDtlsAnyPeer { role, config } => {
                self.crypto = Crypto::Pending;
                self.dangerous_start_dtls_any_peer(role, config, now);
            }
        }
        Ok(())
    }

    /// Keys SRTP and SRTCP with master keys from the application (SDES, RFC 4568): `local`
    /// protects what we send, `remote` unprotects what the peer sends. From now on every
    /// packet is protected.
    ///
    /// A key equal (in constant time) to the one already in use for its direction, with
    /// the same profile, keeps that direction's running context — its rollover counter,
    /// SRTCP index and replay window — so that re-applied keys never repeat keystream. A
    /// new key starts a fresh context.
    pub fn set_srtp_keys(
        &mut self,
        profile: srtp::ProtectionProfile,
        local: srtp::MasterKey,
        remote: srtp::MasterKey,
    ) -> Result<()> {
        let (keep_local, keep_remote) = match (&self.srtp_keys, &self.crypto) {
            (Some(applied), Crypto::Keyed { .. }) if applied.profile == profile => {
                (applied.local == local, applied.remote == remote)
            }
            _ => (false, false),
        };
        let outbound = (!keep_local)
            .then(|| srtp::Context::new(profile, local.clone(), srtp::Config::default()))
            .transpose()?;
        let inbound = (!keep_remote)
            .then(|| srtp::Context::new(profile, remote.clone(), srtp::Config::default()))
            .transpose()?;
        match (&mut self.crypto, outbound, inbound) {
            (Crypto::Keyed { outbound, inbound }, new_out, new_in) => {
                if let Some(o) = new_out {
                    **outbound = o;
                }
                if let Some(i) = new_in {
                    **inbound = i;
                }
            }
            (crypto, Some(outbound), Some(inbound)) => {
                *crypto = Crypto::Keyed {
                    outbound: Box::new(outbound),
                    inbound: Box::new(inbound),
                };
            }
            // Keeping a context implies one exists.
            _ => return Err(Error::BadConfig("SRTP context missing")),
        }
        tracing::debug!(keep_local, keep_remote, "SRTP keys applied");
        self.srtp_keys = Some(AppliedKeys {
            profile,
            local,
            remote,
        });
        Ok(())
    }

    /// Starts DTLS-SRTP (RFC 5764) in `role`, requiring the peer's certificate to match
    /// one of `peer_fingerprints` (RFC 8122): one handshake on the RTP port and, when RTP
    /// and RTCP are not multiplexed, a second on the RTCP port that keys SRTCP (RFC 5764
    /// §4.1: each component has its own association). Media is neither sent nor accepted
    /// until the RTP handshake completes; [`Event::DtlsConnected`] follows once every
    /// component is keyed. DTLS is accepted only from the expected remote (see the module
    /// documentation of this rule).
    ///
    /// An empty `peer_fingerprints` is [`Error::NoPeerFingerprints`], and the session is
    /// left as it was.
    pub fn start_dtls(
        &mut self,
        role: dtls::Role,
        config: Arc<dtls::Config>,
        peer_fingerprints: Vec<dtls::Fingerprint>,
        now: Instant,
    ) -> Result<()> {
        if peer_fingerprints.is_empty() {
            return Err(Error::NoPeerFingerprints);
        }
        self.start_dtls_checking(
            role,
            config,
            PeerCheck::Fingerprints(peer_fingerprints),
            now,
        );
        Ok(())
    }

    /// As [`Session::start_dtls`] but accepting **any** peer certificate: the peer is not
    /// authenticated at all ([`crate::Security::DangerousDtlsAnyPeer`]).
    pub fn dangerous_start_dtls_any_peer(
        &mut self,
        role: dtls::Role,
        config: Arc<dtls::Config>,
        now: Instant,
    ) {
        tracing::warn!("DTLS-SRTP without peer authentication: any certificate is accepted");
        self.start_dtls_checking(role, config, PeerCheck::AnyPeer, now);
    }

    fn start_dtls_checking(
        &mut self,
        role: dtls::Role,
        config: Arc<dtls::Config>,
        check: PeerCheck,
        now: Instant,
    ) {
        let mut components = vec![Component::Rtp];
        if !self.config.transport.rtcp_mux {
            components.push(Component::Rtcp);
        }
        self.dtls.clear();
        for component in components {
            let mut seed = [0u8; 32];
            self.rng.fill_bytes(&mut seed);
            let rng = chacha20::ChaCha20Rng::from_seed(seed);
            let mut conn = match role {
                dtls::Role::Client => dtls::Connection::client_with_rng(config.clone(), rng, now),
                dtls::Role::Server => {
                    // Without a destination yet the cookie binds the unspecified address.
                    let peer = self
                        .dtls_destination(component)
                        .unwrap_or(SocketAddr::from(([0, 0, 0, 0], 0)));
                    dtls::Connection::server_with_rng(config.clone(), rng, peer, now)
                }
            };
            match &check {
                // Checked non-empty by `start_dtls`, so this cannot fail.
                PeerCheck::Fingerprints(fingerprints) => {
                    if let Err(error) = conn.require_peer_fingerprints(fingerprints.clone()) {
                        tracing::error!(%error, "DTLS peer fingerprints refused");
                    }
                }
                PeerCheck::AnyPeer => conn.dangerous_accept_any_peer_certificate(),
            }
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
        self.srtp_keys = None;
        self.pump_dtls();
    }

    fn dtls_destination(&self, component: Component) -> Option<SocketAddr> {
        match component {
            Component::Rtp => self.latch.current(),
            Component::Rtcp => self.rtcp_destination(),
        }
    }

    /// Feeds a DTLS datagram that arrived on `component` from `from` to that component's
    /// association, when `from` is its expected remote (see the module documentation).
    pub(crate) fn receive_dtls(
        &mut self,
        now: Instant,
        component: Component,
        from: SocketAddr,
        datagram: &[u8],
    ) {
        let Some(index) = self.dtls.iter().position(|l| l.component == component) else {
            self.counters.unknown += 1;
            return;
        };
        match self.dtls_destination(component) {
            Some(expected) if expected == from => {}
            Some(expected) => {
                tracing::debug!(%from, %expected, "DTLS from a foreign address dropped");
                self.counters.dtls_foreign += 1;
                return;
            }
            None if self.dtls[index].conn.role() == dtls::Role::Server
                && is_client_hello(datagram) =>
            {
                tracing::debug!(%from, ?component, "DTLS peer adopted from its ClientHello");
                match component {
                    Component::Rtp => {
                        self.latch.set(from);
                        if self.config.transport.rtcp_mux {
                            self.rtcp_latch.set(from, false);
                        }
                    }
                    Component::Rtcp => self.rtcp_latch.set(from, false),
                }
            }
            None => {
                self.counters.dtls_foreign += 1;
                return;
            }
        }
        let link = &mut self.dtls[index];
        let dropped_before = link.conn.dropped_records();
        let (result, filtered) = if link.keyed {
            match current_epoch_only(datagram) {
                Filtered::All => (link.conn.handle_datagram(now, datagram).map(drop), 0),
                Filtered::Some(records, n) => {
                    (link.conn.handle_datagram(now, &records).map(drop), n)
                }
                Filtered::None(n) => (Ok(()), n),
            }
        } else {
            (link.conn.handle_datagram(now, datagram).map(drop), 0)
        };
        // Records the session kept from the association, and those the association
        // dropped itself because they failed before authentication (RFC 6347 §4.1.2.7).
        let dropped = link.conn.dropped_records().saturating_sub(dropped_before);
        self.counters.dtls_dropped += filtered + dropped;
        if let Err(error) = result {
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

    /// Moves every DTLS datagram whose destination is known into the transmit queue; the
    /// others wait in their connection. Returns, per link, whether its destination is known.
    fn flush_dtls_transmits(&mut self) -> Vec<bool> {
        let mut out = Vec::new();
        let destinations: Vec<_> = self
            .dtls
            .iter()
            .map(|l| self.dtls_destination(l.component))
            .collect();
        for (link, destination) in self.dtls.iter_mut().zip(&destinations) {
            let Some(destination) = *destination else {
                continue;
            };
            while let Some(contents) = link.conn.poll_transmit() {
                out.push(Transmit {
                    component: link.component,
                    destination,
                    contents: contents.to_vec(),
                });
            }
        }
        for transmit in out {
            self.queue_transmit(transmit);
        }
        destinations.iter().map(Option::is_some).collect()
    }

    /// Moves DTLS datagrams into the transmit queue and handles the handshakes' events.
    pub(crate) fn pump_dtls(&mut self) {
        let mut connected = Vec::new();
        let mut closed = false;
        let addressed = self.flush_dtls_transmits();
        for (index, link) in self.dtls.iter_mut().enumerate() {
            // Held in the connection until the peer's address is known.
            if !addressed[index] {
                continue;
            }
            while let Some(event) = link.conn.poll_event() {
                match event {
                    dtls::Event::Connected(info) => connected.push((index, info)),
                    // The peer closed a handshake still in progress: it will never key.
                    dtls::Event::Closed if !link.keyed => closed = true,
                    _ => {}
                }
            }
        }
        for (index, info) in connected {
            self.dtls_connected(index, *info);
        }
        if closed {
            self.dtls_failed(dtls::Error::PeerAlert(dtls::AlertDescription::CloseNotify));
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
        self.srtp_keys = None;
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
        // The fatal alert each failed connection queued goes to its peer before the
        // association is dropped, so that the peer learns of the failure too.
        self.flush_dtls_transmits();
        self.dtls.clear();
        self.srtp_keys = None;
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

/// How a DTLS connection checks its peer's certificate.
enum PeerCheck {
    Fingerprints(Vec<dtls::Fingerprint>),
    AnyPeer,
}

/// Master keys the application applied, to recognise them when applied again.
pub(crate) struct AppliedKeys {
    profile: srtp::ProtectionProfile,
    local: srtp::MasterKey,
    remote: srtp::MasterKey,
}

/// True when `datagram` starts with a whole-looking ClientHello record: handshake content
/// (22), epoch 0, handshake type 1 (RFC 6347 §4.1, §4.2.2).
fn is_client_hello(datagram: &[u8]) -> bool {
    matches!(
        dtls::internal::records(datagram).next(),
        Some(Ok(r)) if r.header.content_type == dtls::internal::ContentType::Handshake
            && r.header.epoch == 0
            && r.fragment.first() == Some(&1)
    )
}

/// A keyed association's view of a datagram: its records of epoch 1, and how many records
/// were left out (a malformed tail counts as one).
enum Filtered {
    All,
    Some(Vec<u8>, u64),
    None(u64),
}

/// Keeps the records of `datagram` protected under the association's keys (epoch 1).
/// Malformed records end the datagram, as they would in the connection.
fn current_epoch_only(datagram: &[u8]) -> Filtered {
    let mut kept = Vec::new();
    let mut dropped = 0u64;
    for record in dtls::internal::records(datagram) {
        let Ok(record) = record else {
            dropped += 1;
            break;
        };
        if record.header.epoch != 1 {
            dropped += 1;
            continue;
        }
        record.header.write(&mut kept);
        kept.extend_from_slice(record.fragment);
    }
    match (dropped, kept.is_empty()) {
        (0, _) => Filtered::All,
        (n, true) => Filtered::None(n),
        (n, false) => Filtered::Some(kept, n),
    }
}
