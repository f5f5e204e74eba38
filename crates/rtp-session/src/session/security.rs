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
//! **Connection IDs (RFC 9146 §6).** When the application's `dtls::Config` asks for a
//! connection ID and the peer agreed, a datagram from another address whose record carries
//! that ID is not foreign: it is handed to the keyed association, and the component's
//! remote (and with it the RTP destination, reported as [`crate::Event::Latched`]) moves
//! to the new address only when the datagram held a record that authenticated and was
//! newer than every record before (`dtls::Connection::newest_authenticated_record`), so a
//! replayed or forged record from elsewhere moves nothing (and is counted in
//! [`crate::Counters::dtls_foreign`]).
//!
//! **After the handshake.** Once an association is keyed, only records of its epoch (1:
//! DTLS-SRTP never renegotiates) reach it; records of epoch 0 (a forged alert, ClientHello
//! or ChangeCipherSpec in the clear, which anyone can write) or of any other epoch are
//! dropped and counted in [`crate::Counters::dtls_dropped`]. The peer's retransmitted final
//! flight still gets its answer, because it ends with an epoch-1 Finished. That filter
//! reads DTLS 1.2 record headers; a DTLS 1.3 association (`dtls::Connection::
//! protocol_version`) gets every datagram, because its records after the hellos carry
//! unified headers and it drops everything that does not authenticate itself, plaintext
//! alerts included (and it needs the peer's ACKs and KeyUpdates, which arrive so).
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

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Instant;

use rand_core::{Rng, SeedableRng};

use super::Session;
use crate::config::{Security, SrtpKeys};
use crate::error::{Error, Result};
use crate::event::{Component, Event, Transmit};

/// Where the session stands with SRTP.
enum Crypto {
    /// No security configured: RTP and RTCP in clear.
    Clear,
    /// Security configured, keys not there yet (DTLS running, or failed).
    Pending,
    /// Keyed.
    Keyed(Box<Contexts>),
}

/// A keyed direction pair: one context protects what we send, the other unprotects what
/// we receive.
pub(crate) struct Contexts {
    pub(crate) outbound: srtp::Context,
    pub(crate) inbound: srtp::Context,
}

/// The session's security state: the SRTP contexts of RTP and of RTCP, the keys the
/// application applied, and the DTLS associations that key them.
pub(crate) struct SecurityState {
    crypto: Crypto,
    /// The keys of [`Session::set_srtp_keys`] in use, to recognise them when re-applied.
    srtp_keys: Option<SrtpKeys>,
    dtls: Vec<DtlsLink>,
    rtcp_crypto: RtcpCrypto,
    /// The RTP handshake's result, announced once every component is keyed.
    dtls_announcement: Option<Event>,
}

impl SecurityState {
    /// The state of `security` before it starts: clear for [`Security::None`], otherwise
    /// unkeyed.
    pub(crate) fn new(security: &Security) -> Self {
        Self {
            crypto: match security {
                Security::None => Crypto::Clear,
                _ => Crypto::Pending,
            },
            srtp_keys: None,
            dtls: Vec::new(),
            rtcp_crypto: RtcpCrypto::Shared,
            dtls_announcement: None,
        }
    }

    /// True when packets can be sent: no security, or SRTP keyed.
    pub(crate) fn is_keyed(&self) -> bool {
        !matches!(self.crypto, Crypto::Pending)
    }

    /// How RTP is protected now.
    pub(crate) fn rtp(&mut self) -> Protection<'_> {
        match &mut self.crypto {
            Crypto::Keyed(keys) => Protection::Keyed(keys),
            Crypto::Clear => Protection::Clear,
            Crypto::Pending => Protection::NotKeyed,
        }
    }

    /// How RTCP is protected now.
    pub(crate) fn rtcp(&mut self) -> Protection<'_> {
        match (&mut self.rtcp_crypto, &mut self.crypto) {
            (RtcpCrypto::Own(keys), _) | (RtcpCrypto::Shared, Crypto::Keyed(keys)) => {
                Protection::Keyed(keys)
            }
            (RtcpCrypto::Shared, Crypto::Clear) => Protection::Clear,
            _ => Protection::NotKeyed,
        }
    }

    /// Whether a DTLS association exists.
    pub(crate) fn has_dtls(&self) -> bool {
        !self.dtls.is_empty()
    }

    /// The earliest DTLS retransmission deadline.
    pub(crate) fn dtls_deadline(&self) -> Option<Instant> {
        self.dtls.iter().filter_map(|l| l.conn.poll_timeout()).min()
    }
}

impl Session {
    /// Removes SRTP or SRTCP from `datagram`, which came from `from`, in place: the length
    /// of the packet left, or `None` when it is dropped (unkeyed, or failing authentication
    /// or the replay check), counted.
    pub(crate) fn unprotect(
        &mut self,
        kind: Kind,
        from: SocketAddr,
        datagram: &mut [u8],
    ) -> Option<usize> {
        let protection = match kind {
            Kind::Rtp => self.security.rtp(),
            Kind::Rtcp => self.security.rtcp(),
        };
        let result = match (protection, kind) {
            (Protection::NotKeyed, _) => {
                self.counters.dropped_unkeyed += 1;
                return None;
            }
            (Protection::Clear, _) => return Some(datagram.len()),
            (Protection::Keyed(keys), Kind::Rtp) => {
                let cryptex = srtp::is_cryptex(datagram);
                keys.inbound.unprotect_rtp(datagram).inspect(|_| {
                    if cryptex {
                        self.counters.cryptex_received += 1;
                    }
                })
            }
            (Protection::Keyed(keys), Kind::Rtcp) => keys.inbound.unprotect_rtcp(datagram),
        };
        match result {
            Ok(len) => Some(len),
            Err(error) => {
                tracing::debug!(%error, %from, ?kind, "SRTP packet dropped");
                self.counters.unprotect_failures += 1;
                None
            }
        }
    }

    /// Starts what `security` asks for (taken out of the configuration, so that no key
    /// stays there).
    pub(crate) fn configure_security(&mut self, now: Instant) -> Result<()> {
        match std::mem::replace(&mut self.config.security, Security::None) {
            Security::None => {}
            Security::Srtp(keys) => self.set_srtp_keys(keys)?,
            Security::Dtls {
                role,
                config,
                peer_fingerprints,
            } => self.start_dtls(now, role, config, peer_fingerprints)?,
            Security::DangerousDtlsAnyPeer { role, config } => {
                self.dangerous_start_dtls_any_peer(now, role, config);
            }
        }
        Ok(())
    }

    /// Keys SRTP and SRTCP with master keys from the application (SDES, RFC 4568): `local`
    /// protects what we send, `remote` unprotects what the peer sends, both contexts with
    /// `keys.config`. From now on every packet is protected.
    ///
    /// A key equal (in constant time) to the one already in use for its direction, with
    /// the same profile and settings, keeps that direction's running context — its rollover
    /// counter, SRTCP index and replay window — so that re-applied keys never repeat
    /// keystream. A new key starts a fresh context.
    pub fn set_srtp_keys(&mut self, keys: SrtpKeys) -> Result<()> {
        let state = &mut self.security;
        let (keep_local, keep_remote) = match (&state.srtp_keys, &state.crypto) {
            (Some(applied), Crypto::Keyed(_))
                if applied.profile == keys.profile && applied.config == keys.config =>
            {
                (applied.local == keys.local, applied.remote == keys.remote)
            }
            _ => (false, false),
        };
        let context = |key: &srtp::MasterKey| {
            srtp::Context::new(keys.profile, key.clone(), keys.config.clone())
        };
        let outbound = (!keep_local).then(|| context(&keys.local)).transpose()?;
        let inbound = (!keep_remote).then(|| context(&keys.remote)).transpose()?;
        match (&mut state.crypto, outbound, inbound) {
            (Crypto::Keyed(keys), new_out, new_in) => {
                if let Some(o) = new_out {
                    keys.outbound = o;
                }
                if let Some(i) = new_in {
                    keys.inbound = i;
                }
            }
            (crypto, Some(outbound), Some(inbound)) => {
                *crypto = Crypto::Keyed(Box::new(Contexts { outbound, inbound }));
            }
            // Keeping a context implies one exists.
            _ => return Err(Error::BadConfig("SRTP context missing")),
        }
        tracing::debug!(keep_local, keep_remote, "SRTP keys applied");
        state.srtp_keys = Some(keys);
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
        now: Instant,
        role: dtls::Role,
        config: Arc<dtls::Config>,
        peer_fingerprints: Vec<dtls::Fingerprint>,
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
        now: Instant,
        role: dtls::Role,
        config: Arc<dtls::Config>,
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
        self.security.dtls.clear();
        for component in components {
            let mut seed = [0u8; 32];
            self.rng.fill_bytes(&mut seed);
            let rng = chacha20::ChaCha20Rng::from_seed(seed);
            let mut conn = match role {
                dtls::Role::Client => dtls::Connection::client_with_rng(config.clone(), rng, now),
                dtls::Role::Server => {
                    // Without a destination yet the cookie binds the unspecified address.
                    let peer = self
                        .paths
                        .of(component)
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
            self.security.dtls.push(DtlsLink {
                conn,
                component,
                keyed: false,
            });
        }
        let state = &mut self.security;
        state.crypto = Crypto::Pending;
        state.rtcp_crypto = if self.config.transport.rtcp_mux {
            RtcpCrypto::Shared
        } else {
            RtcpCrypto::Pending
        };
        state.dtls_announcement = None;
        state.srtp_keys = None;
        self.pump_dtls();
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
        let Some(index) = self
            .security
            .dtls
            .iter()
            .position(|l| l.component == component)
        else {
            self.counters.unknown += 1;
            return;
        };
        // RFC 9146 §6: a record carrying our connection ID may come from a new address
        // (a NAT rebinding); it is handed to the association, and the peer's address
        // moves only when it authenticated and was newer than every record before.
        let mut moved_from = None;
        match self.paths.of(component) {
            Some(expected) if expected == from => {}
            Some(expected) if carries_our_cid(&self.security.dtls[index], datagram) => {
                tracing::debug!(%from, %expected, "DTLS record with our connection ID from a new address");
                moved_from = Some(self.security.dtls[index].conn.newest_authenticated_record());
            }
            Some(expected) => {
                tracing::debug!(%from, %expected, "DTLS from a foreign address dropped");
                self.counters.dtls_foreign += 1;
                return;
            }
            None if self.security.dtls[index].conn.role() == dtls::Role::Server
                && is_client_hello(datagram) =>
            {
                tracing::debug!(%from, ?component, "DTLS peer adopted from its ClientHello");
                self.paths.adopt(component, from);
            }
            None => {
                self.counters.dtls_foreign += 1;
                return;
            }
        }
        let link = &mut self.security.dtls[index];
        let dropped_before = link.conn.dropped_records();
        // The epoch filter reads DTLS 1.2 record headers; a DTLS 1.3 association gets every
        // datagram, and drops what does not authenticate itself.
        let dtls12 = link.conn.protocol_version() == Some(dtls::ProtocolVersion::Dtls12);
        let cid_len = link.conn.local_connection_id().map(dtls::ConnectionId::len);
        let (result, filtered) = if link.keyed && dtls12 {
            match current_epoch_only(datagram, cid_len) {
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
        let newest = link.conn.newest_authenticated_record();
        if let Err(error) = result {
            self.dtls_failed(error);
            return;
        }
        if let Some(before) = moved_from {
            if newest > before {
                tracing::debug!(%from, ?component, "DTLS peer moved (RFC 9146 §6)");
                self.paths.adopt(component, from);
                if component == Component::Rtp {
                    self.outbox.event(crate::Event::Latched { address: from });
                }
            } else {
                self.counters.dtls_foreign += 1;
            }
        }
        self.pump_dtls();
    }

    /// Runs the DTLS retransmission timers due at `now`.
    pub(crate) fn dtls_timeout(&mut self, now: Instant) {
        let mut failure = None;
        for link in &mut self.security.dtls {
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

    /// Moves every DTLS datagram whose destination is known into the transmit queue; the
    /// others wait in their connection. Returns, per link, whether its destination is known.
    fn flush_dtls_transmits(&mut self) -> Vec<bool> {
        let mut out = Vec::new();
        let destinations: Vec<_> = self
            .security
            .dtls
            .iter()
            .map(|l| self.paths.of(l.component))
            .collect();
        for (link, destination) in self.security.dtls.iter_mut().zip(&destinations) {
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
            self.outbox.transmit(transmit);
        }
        destinations.iter().map(Option::is_some).collect()
    }

    /// Moves DTLS datagrams into the transmit queue and handles the handshakes' events.
    pub(crate) fn pump_dtls(&mut self) {
        let mut connected = Vec::new();
        let mut closed = false;
        let addressed = self.flush_dtls_transmits();
        for (index, link) in self.security.dtls.iter_mut().enumerate() {
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
        let state = &mut self.security;
        let Some(link) = state.dtls.get_mut(index) else {
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
        let component = link.component;
        let keys = Box::new(Contexts { outbound, inbound });
        state.srtp_keys = None;
        match component {
            Component::Rtp => {
                state.crypto = Crypto::Keyed(keys);
                state.dtls_announcement = Some(Event::DtlsConnected {
                    profile,
                    peer_fingerprint: info.peer_fingerprint,
                    cipher_suite: info.cipher_suite,
                    key_exchange_group: info.key_exchange_group,
                    extended_master_secret: info.extended_master_secret,
                });
            }
            Component::Rtcp => state.rtcp_crypto = RtcpCrypto::Own(keys),
        }
        tracing::debug!(profile = profile.name(), ?component, "DTLS-SRTP keyed");
        if state.dtls.iter().all(|l| l.keyed) {
            if let Some(announcement) = state.dtls_announcement.take() {
                self.outbox.event(announcement);
            }
        }
    }

    pub(crate) fn dtls_failed(&mut self, error: dtls::Error) {
        tracing::warn!(%error, "DTLS-SRTP failed");
        // The fatal alert each failed connection queued goes to its peer before the
        // association is dropped, so that the peer learns of the failure too. Without
        // rtcp-mux the other component's association is dropped with it: it says
        // close_notify rather than going silent (`close` does nothing to a failed one).
        for link in &mut self.security.dtls {
            link.conn.close();
        }
        self.flush_dtls_transmits();
        let state = &mut self.security;
        state.dtls.clear();
        state.srtp_keys = None;
        state.crypto = Crypto::Pending;
        state.rtcp_crypto = RtcpCrypto::Pending;
        self.outbox.event(Event::DtlsFailed { error });
    }
}

/// One DTLS association and the component it keys.
struct DtlsLink {
    conn: dtls::Connection,
    component: Component,
    keyed: bool,
}

/// SRTCP keys: those of RTP (application keys, rtcp-mux, or no security), a separate
/// DTLS association on the RTCP port still running, or its keys.
enum RtcpCrypto {
    Shared,
    Pending,
    Own(Box<Contexts>),
}

/// What protects RTP or RTCP at this moment.
pub(crate) enum Protection<'a> {
    NotKeyed,
    Clear,
    Keyed(&'a mut Contexts),
}

/// Which protocol a packet to unprotect is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Rtp,
    Rtcp,
}

/// How a DTLS connection checks its peer's certificate.
enum PeerCheck {
    Fingerprints(Vec<dtls::Fingerprint>),
    AnyPeer,
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
/// Whether `datagram` carries, in a record of a keyed association, the connection ID
/// that association asked its peer for (RFC 9146, RFC 9147 §9; none when the ID is empty).
fn carries_our_cid(link: &DtlsLink, datagram: &[u8]) -> bool {
    let Some(ours) = link.conn.local_connection_id().filter(|c| !c.is_empty()) else {
        return false;
    };
    link.keyed && dtls::connection_id(datagram, ours.len()) == Some(ours.as_bytes())
}

fn current_epoch_only(datagram: &[u8], cid_len: Option<usize>) -> Filtered {
    let mut kept = Vec::new();
    let mut dropped = 0u64;
    for record in dtls::internal::records_with_cid(datagram, cid_len) {
        let Ok(record) = record else {
            dropped += 1;
            break;
        };
        if record.header.epoch != 1 {
            dropped += 1;
            continue;
        }
        kept.extend_from_slice(record.raw);
    }
    match (dropped, kept.is_empty()) {
        (0, _) => Filtered::All,
        (n, true) => Filtered::None(n),
        (n, false) => Filtered::Some(kept, n),
    }
}
