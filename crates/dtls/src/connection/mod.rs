//! The sans-IO connection (RFC 6347): datagrams and time in; datagrams, events and the next
//! timeout out. The record layer and flight handling live here; the role-specific handshake
//! steps live in `client` and `server`, the keys in `keys`.
//!
//! Why the handshake is an enum of phases ([`Phase`]) rather than one struct of `Option`s:
//! each phase carries exactly what is known by then (after the hellos the suite and both
//! randoms, after the peer's Certificate its key, after the key exchange the master
//! secret), so a step can only be written against data it has. A missing suite or secret
//! used to be reported as the peer's `illegal_parameter`; now it cannot be expressed, and
//! the one check left that depends on local setup is [`Error::Internal`], which sends
//! internal_error and never blames the peer.

mod client;
mod dtls13;
mod keys;
mod receive;
mod send;
mod server;
pub(crate) mod transmit;

use crate::alert::{Alert, AlertDescription, AlertLevel};
use crate::cert::{Fingerprint, HashFunction};
use crate::cid::{ConnectionId, NegotiatedCids};
use crate::config::Config;
use crate::cookie::CookieSecret;
use crate::crypto::aead::RecordCipher;
use crate::crypto::kx::EphemeralSecret;
use crate::crypto::signature::PeerKey;
use crate::error::Error;
use crate::handshake::{ClientHello, HandshakeMessage, PartialHello, Reassembler};
use crate::random::{BoxedRng, os_rng};
use crate::record::{ContentType, MAX_PLAINTEXT_LEN};
use crate::suite::{CipherSuite, NamedGroup, SignatureScheme};
use keys::Keys;
use rand_core::CryptoRng;
use srtp::{ProtectionProfile, ReplayWindow};
use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};
use transmit::TransmitQueue;
use zeroize::Zeroizing;

/// The exporter label of DTLS-SRTP (RFC 5764 §4.2).
pub const SRTP_EXPORTER_LABEL: &[u8] = b"EXTRACTOR-dtls_srtp";

/// Longest retransmission timeout (RFC 6347 §4.2.4.1).
const MAX_RETRANSMIT: Duration = Duration::from_secs(60);

/// The smallest datagram size [`Connection::set_mtu`] and [`Config::mtu`] accept: a
/// ClientHello with its cookie and a record of every message fragment must still fit.
pub const MIN_MTU: usize = 256;

/// The largest datagram size honoured (the largest UDP payload over IPv4).
pub const MAX_MTU: usize = 65_507;

/// Epoch-1 records kept while the peer's ChangeCipherSpec has not arrived yet.
const MAX_EARLY_RECORDS: usize = 4;

/// How the peer's certificate is authenticated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum PeerAuth {
    /// Nothing configured: the handshake fails when the peer certificate arrives.
    Unset,
    /// The certificate must match one of these (never empty).
    Fingerprints(Vec<Fingerprint>),
    /// Any certificate is accepted (tests only).
    AcceptAny,
}

/// Which side of the handshake we are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// Sends the ClientHello.
    Client,
    /// Answers it.
    Server,
}

/// What [`Connection::handle_datagram`] did with a datagram.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Received {
    /// At least one record was processed: it moved the handshake on, delivered data or
    /// an alert, or drew an answer (a HelloVerifyRequest, a resent flight).
    Processed,
    /// Nothing was processed yet, but records were kept for later: handshake fragments
    /// waiting for earlier ones, or epoch-1 records ahead of the peer's ChangeCipherSpec.
    Buffered,
    /// Every record was dropped without effect: malformed, unauthenticated, replayed, or
    /// arriving after close (counted in [`Connection::dropped_records`] unless moot).
    Dropped,
}

/// Whether a record of the datagram being handled was processed or kept.
#[derive(Debug, Default, Clone, Copy)]
struct Tally {
    processed: bool,
    /// A ClientHello fragment added new bytes to the hello buffer.
    buffered: bool,
}

/// What the connection reports to its owner.
#[derive(Debug)]
#[non_exhaustive]
pub enum Event {
    /// The handshake completed.
    Connected(Box<Connected>),
    /// Application data from the peer.
    ApplicationData(Vec<u8>),
    /// The peer sent an alert (a fatal one also ends the connection with an error).
    AlertReceived(Alert),
    /// The peer closed the connection with close_notify.
    Closed,
}

/// The parameters a completed handshake negotiated.
#[derive(Debug)]
#[non_exhaustive]
pub struct Connected {
    /// The protocol version negotiated.
    pub version: crate::ProtocolVersion,
    /// The cipher suite.
    pub cipher_suite: CipherSuite,
    /// The ECDHE group of the key exchange.
    pub key_exchange_group: NamedGroup,
    /// The SRTP protection profile, when use_srtp was negotiated.
    pub srtp_profile: Option<ProtectionProfile>,
    /// The SRTP master keys of both directions (RFC 5764 §4.2), when use_srtp was negotiated.
    pub srtp_keys: Option<srtp::DtlsSrtpKeys>,
    /// Whether extended_master_secret was negotiated (always true in DTLS 1.3, whose key
    /// schedule binds the whole handshake, the property RFC 7627 adds to 1.2).
    pub extended_master_secret: bool,
    /// The peer's DER certificate (absent only for a client that did not authenticate).
    pub peer_certificate: Option<Vec<u8>>,
    /// The SHA-256 fingerprint of the peer certificate.
    pub peer_fingerprint: Option<Fingerprint>,
    /// The signature scheme of the peer's ServerKeyExchange (we are the client) or
    /// CertificateVerify (we are the server), which verified; absent when the peer sent
    /// no certificate.
    pub peer_signature_scheme: Option<SignatureScheme>,
}

/// Where a connection stands, as its owner sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum State {
    /// The handshake is in progress.
    Handshaking,
    /// The handshake completed; keys are available.
    Connected,
    /// Closed with close_notify (ours or the peer's).
    Closed,
    /// Failed: a fatal alert either way, the handshake timeout, or exhausted sequence
    /// numbers. No keys are available.
    Failed,
}

/// What the hellos settled (RFC 5246 §7.4.1): known from the ServerHello on.
#[cfg_attr(feature = "fuzzing", derive(Clone))]
struct Negotiated {
    suite: CipherSuite,
    client_random: [u8; 32],
    server_random: [u8; 32],
    srtp_profile: Option<ProtectionProfile>,
    extended_master_secret: bool,
}

/// A peer certificate that passed the fingerprint check, with its key.
#[cfg_attr(feature = "fuzzing", derive(Clone))]
struct PeerCertificate {
    der: Vec<u8>,
    key: PeerKey,
    /// The scheme of the peer's verified ServerKeyExchange or CertificateVerify.
    scheme: Option<SignatureScheme>,
}

impl PeerCertificate {
    /// Verifies the peer's handshake signature and remembers its scheme.
    fn verify(&mut self, scheme: u16, message: &[u8], signature: &[u8]) -> Result<(), Error> {
        self.key.verify(scheme, message, signature)?;
        self.scheme = SignatureScheme::from_u16(scheme);
        Ok(())
    }
}

/// What a client knows once the server's key exchange verified (RFC 8422 §5.4).
#[cfg_attr(feature = "fuzzing", derive(Clone))]
struct ServerKeyExchanged {
    negotiated: Negotiated,
    peer: PeerCertificate,
    ephemeral: EphemeralSecret,
    peer_public: Vec<u8>,
}

/// The handshake phase: each variant holds exactly what the handshake knows by then
/// (RFC 6347 §4.2.4 flights; RFC 5246 §7.3 message order).
#[cfg_attr(feature = "fuzzing", derive(Clone))]
enum Phase {
    /// Flight 1 (or 3) sent: the ClientHello is kept to repeat with a cookie and to check
    /// the ServerHello's extensions against.
    ClientWaitServerHello {
        hello: ClientHello,
        hello_verify_requests: u8,
    },
    ClientWaitCertificate {
        negotiated: Negotiated,
    },
    ClientWaitKeyExchange {
        negotiated: Negotiated,
        peer: PeerCertificate,
    },
    ClientWaitHelloDone {
        kx: ServerKeyExchanged,
        /// The scheme our CertificateVerify will use, once a CertificateRequest came.
        certificate_requested: Option<SignatureScheme>,
    },
    ClientWaitChangeCipherSpec {
        keys: Keys,
        pending_read: RecordCipher,
        peer: PeerCertificate,
    },
    ClientWaitFinished {
        keys: Keys,
        peer: PeerCertificate,
    },
    /// Nothing kept but what verifies a cookie (RFC 6347 §4.2.1).
    ServerWaitClientHello {
        cookie_secret: Arc<CookieSecret>,
        client_address: SocketAddr,
    },
    ServerWaitCertificate {
        negotiated: Negotiated,
        ephemeral: EphemeralSecret,
    },
    ServerWaitKeyExchange {
        negotiated: Negotiated,
        ephemeral: EphemeralSecret,
        peer: Option<PeerCertificate>,
    },
    ServerWaitCertificateVerify {
        keys: Keys,
        pending_read: RecordCipher,
        peer: PeerCertificate,
    },
    ServerWaitChangeCipherSpec {
        keys: Keys,
        pending_read: RecordCipher,
        peer: Option<PeerCertificate>,
    },
    ServerWaitFinished {
        keys: Keys,
        peer: Option<PeerCertificate>,
    },
    Connected(Keys),
    Closed,
    Failed,
}

impl Phase {
    /// What the phase waits for, as [`Error::UnexpectedMessage`] names it.
    fn expected(&self) -> &'static str {
        match self {
            Phase::ClientWaitServerHello { .. } => "ServerHello",
            Phase::ClientWaitCertificate { .. } | Phase::ServerWaitCertificate { .. } => {
                "Certificate"
            }
            Phase::ClientWaitKeyExchange { .. } => "ServerKeyExchange",
            Phase::ClientWaitHelloDone { .. } => "ServerHelloDone",
            Phase::ServerWaitClientHello { .. } => "ClientHello",
            Phase::ServerWaitKeyExchange { .. } => "ClientKeyExchange",
            Phase::ServerWaitCertificateVerify { .. } => "CertificateVerify",
            Phase::ClientWaitChangeCipherSpec { .. } | Phase::ServerWaitChangeCipherSpec { .. } => {
                "ChangeCipherSpec"
            }
            Phase::ClientWaitFinished { .. }
            | Phase::ServerWaitFinished { .. }
            | Phase::Connected(_)
            | Phase::Closed
            | Phase::Failed => "Finished",
        }
    }

    fn state(&self) -> State {
        match self {
            Phase::Connected(_) => State::Connected,
            Phase::Closed => State::Closed,
            Phase::Failed => State::Failed,
            _ => State::Handshaking,
        }
    }
}

/// One message of a flight, kept so the flight can be sent again with new record numbers.
#[derive(Debug, Clone)]
struct FlightEntry {
    epoch: u16,
    content_type: ContentType,
    payload: Vec<u8>,
}

/// What the handshake keeps across its phases.
#[derive(Default)]
#[cfg_attr(feature = "fuzzing", derive(Clone))]
struct Handshake {
    /// The handshake messages so far, for signatures, the session hash and Finished.
    transcript: Vec<u8>,
    /// The client's ChangeCipherSpec arrived before the messages it follows.
    early_change_cipher_spec: bool,
}

/// A DTLS 1.2 connection in either role, driven by its owner (see the crate docs).
///
/// A failure is reported once, as the `Err` of the call that failed
/// ([`Connection::handle_datagram`], [`Connection::handle_timeout`],
/// [`Connection::send_application_data`]); there is no failure event. Every failure has a
/// call that causes it, so the owner learns of it at once and in one place, and nothing
/// is reported twice; [`Connection::state`] says [`State::Failed`] from then on.
pub struct Connection {
    role: Role,
    config: Arc<Config>,
    rng: BoxedRng,
    phase: Phase,
    write_epoch: u16,
    write_seq: [u64; 2],
    write_cipher: Option<RecordCipher>,
    read_epoch: u16,
    read_cipher: Option<RecordCipher>,
    replay: ReplayWindow,
    next_send_seq: u16,
    next_recv_seq: u16,
    reassembler: Reassembler,
    /// A server's fragmented ClientHello before the cookie (bounded, see
    /// `handshake::hello_fragments`).
    hello_fragments: Option<PartialHello>,
    early_records: Vec<Vec<u8>>,
    mtu: usize,
    hs: Handshake,
    flight: Vec<FlightEntry>,
    retransmit_at: Option<Instant>,
    retransmit_timeout: Duration,
    flight_sent_at: Option<Instant>,
    handshake_deadline: Instant,
    transmit: TransmitQueue,
    events: VecDeque<Event>,
    peer_auth: PeerAuth,
    dropped_records: u64,
    received: Tally,
    /// The DTLS 1.3 association, once the version is 1.3 (or, for a client, while its
    /// 1.3 offer waits for an answer); it then handles everything (see `crate::v13`).
    v13: Option<Box<crate::v13::Session>>,
    /// The connection IDs the hellos negotiated (RFC 9146), DTLS 1.2 only.
    cids: Option<NegotiatedCids>,
    /// The sequence number of the newest epoch-1 record that authenticated (DTLS 1.2).
    newest_record: Option<u64>,
}

impl std::fmt::Debug for Connection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Connection")
            .field("role", &self.role)
            .field("state", &self.state())
            .finish_non_exhaustive()
    }
}

impl Connection {
    fn new(role: Role, config: Arc<Config>, rng: BoxedRng, phase: Phase, now: Instant) -> Self {
        Connection {
            role,
            mtu: config.mtu.clamp(MIN_MTU, MAX_MTU),
            retransmit_timeout: config.initial_retransmit,
            handshake_deadline: now + config.handshake_timeout,
            config,
            rng,
            phase,
            write_epoch: 0,
            write_seq: [0; 2],
            write_cipher: None,
            read_epoch: 0,
            read_cipher: None,
            replay: ReplayWindow::new(receive::RECORD_REPLAY_WINDOW),
            next_send_seq: 0,
            next_recv_seq: 0,
            reassembler: Reassembler::default(),
            hello_fragments: None,
            early_records: Vec::new(),
            hs: Handshake::default(),
            flight: Vec::new(),
            retransmit_at: None,
            flight_sent_at: None,
            transmit: TransmitQueue::default(),
            events: VecDeque::new(),
            peer_auth: PeerAuth::Unset,
            dropped_records: 0,
            received: Tally::default(),
            v13: None,
            cids: None,
            newest_record: None,
        }
    }

    /// A client whose randomness is seeded from the operating system; its first flight
    /// (the ClientHello) is ready in [`Connection::poll_transmit`]. Fails only with
    /// [`Error::Randomness`] on a system without a randomness source.
    pub fn client(config: Arc<Config>, now: Instant) -> Result<Self, Error> {
        Ok(Self::client_with_rng(config, os_rng()?, now))
    }

    /// [`Connection::client`] drawing its randoms and ephemeral keys from `rng` (a seeded
    /// generator makes the handshake reproducible).
    pub fn client_with_rng(
        config: Arc<Config>,
        mut rng: impl CryptoRng + Send + 'static,
        now: Instant,
    ) -> Self {
        let hello = client::client_hello(&config, &mut rng);
        let phase = Phase::ClientWaitServerHello {
            hello,
            hello_verify_requests: 0,
        };
        let mut c = Self::new(Role::Client, config, Box::new(rng), phase, now);
        if c.config.max_version >= crate::ProtocolVersion::Dtls13 {
            c.start_dtls13_client(now);
        } else {
            c.send_client_hello(now);
        }
        c
    }

    /// A server for the client at `peer_address`, the transport address bound into the
    /// HelloVerifyRequest cookie, with randomness and cookie secret seeded from the
    /// operating system. Until a ClientHello returns a valid cookie the server keeps
    /// nothing about the client (RFC 6347 §4.2.1) but the bounded buffer that puts a
    /// fragmented ClientHello together ([`crate::MAX_CLIENT_HELLO_LEN`]).
    pub fn server(
        config: Arc<Config>,
        peer_address: SocketAddr,
        now: Instant,
    ) -> Result<Self, Error> {
        Ok(Self::server_with_rng(config, os_rng()?, peer_address, now))
    }

    /// [`Connection::server`] drawing its randoms, ephemeral keys and cookie secret from
    /// `rng`.
    pub fn server_with_rng(
        config: Arc<Config>,
        mut rng: impl CryptoRng + Send + 'static,
        peer_address: SocketAddr,
        now: Instant,
    ) -> Self {
        let secret = Arc::new(CookieSecret::generate_with_rng(&mut rng));
        Self::server_with_cookie_secret(config, rng, secret, peer_address, now)
    }

    /// A server that shares its cookie secret with a front end
    /// ([`CookieSecret::verify_datagram`]), which answers ClientHellos without a valid
    /// cookie and creates connections only for those that return one, handing each the
    /// bytes of its [`crate::HelloVerdict::Accept`].
    pub fn server_with_cookie_secret(
        config: Arc<Config>,
        rng: impl CryptoRng + Send + 'static,
        cookie_secret: Arc<CookieSecret>,
        peer_address: SocketAddr,
        now: Instant,
    ) -> Self {
        let phase = Phase::ServerWaitClientHello {
            cookie_secret,
            client_address: peer_address,
        };
        Self::new(Role::Server, config, Box::new(rng), phase, now)
    }

    /// Requires the peer's certificate to match one of `fingerprints` (the `a=fingerprint`
    /// lines of its SDP, RFC 8122 §5); a mismatch fails the handshake with bad_certificate.
    /// A server then always requests and requires the client certificate, whatever
    /// [`Config::require_client_certificate`] says.
    ///
    /// Call it before the handshake reaches the peer's certificate (for a server, before
    /// the first datagram). An empty list would authenticate nobody: it returns
    /// [`Error::NoPeerFingerprints`] and changes nothing.
    pub fn require_peer_fingerprints(
        &mut self,
        fingerprints: Vec<Fingerprint>,
    ) -> Result<(), Error> {
        if fingerprints.is_empty() {
            return Err(Error::NoPeerFingerprints);
        }
        self.peer_auth = PeerAuth::Fingerprints(fingerprints);
        if let Some(s) = &mut self.v13 {
            s.peer_auth = self.peer_auth.clone();
        }
        Ok(())
    }

    /// DANGEROUS, for tests only: accepts whatever certificate the peer presents. The peer
    /// is not authenticated, so anyone on the path can become the peer and read and
    /// forge the media. A server with this and [`Config::require_client_certificate`]
    /// false does not even ask the client for a certificate.
    ///
    /// Without this or [`Connection::require_peer_fingerprints`] the handshake fails with
    /// [`Error::PeerNotAuthenticated`] when the peer certificate would be checked.
    pub fn dangerous_accept_any_peer_certificate(&mut self) {
        self.peer_auth = PeerAuth::AcceptAny;
        if let Some(s) = &mut self.v13 {
            s.peer_auth = PeerAuth::AcceptAny;
        }
    }

    /// Sets the largest datagram we send, clamped to [`MIN_MTU`]..=[`MAX_MTU`] (for
    /// example after path MTU discovery). Flights sent from now on, retransmissions
    /// included, are fragmented to it (RFC 6347 §4.1.1.1).
    pub fn set_mtu(&mut self, mtu: usize) {
        self.mtu = mtu.clamp(MIN_MTU, MAX_MTU);
        if let Some(s) = &mut self.v13 {
            s.set_mtu(self.mtu);
        }
    }

    /// How many received records were dropped unprocessed: records that failed to parse,
    /// reassemble, decode or authenticate, and unauthenticated (epoch-0) records that came
    /// after the handshake and are not a repeat of the peer's last flight (RFC 6347
    /// §4.1.2.7). None of them changed any state or drew an answer.
    pub fn dropped_records(&self) -> u64 {
        self.dropped_records + self.v13.as_ref().map_or(0, |s| s.dropped_records())
    }

    /// The largest datagram we send.
    pub fn mtu(&self) -> usize {
        self.mtu
    }

    /// True once the handshake or the connection failed (a fatal alert either way, or the
    /// handshake timeout); no keys are available then.
    pub fn is_failed(&self) -> bool {
        self.state() == State::Failed
    }

    /// Where the connection stands.
    pub fn state(&self) -> State {
        if let Some(s) = &self.v13 {
            return s.state();
        }
        self.phase.state()
    }

    /// Our role.
    pub fn role(&self) -> Role {
        self.role
    }

    /// True once the handshake completed and until the connection closes or fails.
    pub fn is_connected(&self) -> bool {
        self.state() == State::Connected
    }

    /// The next datagram to send, if any. It is borrowed: send or copy it before the next
    /// call into the connection, which reuses its buffer (a steady stream of records
    /// allocates nothing).
    pub fn poll_transmit(&mut self) -> Option<&[u8]> {
        if !self.transmit.is_empty() {
            return self.transmit.pop();
        }
        self.v13.as_mut().and_then(|s| s.transmit.pop())
    }

    /// True when [`Connection::poll_transmit`] has a datagram.
    pub fn has_transmit(&self) -> bool {
        !self.transmit.is_empty() || self.v13.as_ref().is_some_and(|s| !s.transmit.is_empty())
    }

    /// The next event, if any.
    pub fn poll_event(&mut self) -> Option<Event> {
        if let Some(e) = self.events.pop_front() {
            return Some(e);
        }
        self.v13.as_mut().and_then(|s| s.events.0.pop_front())
    }

    /// When [`Connection::handle_timeout`] should be called next.
    pub fn poll_timeout(&self) -> Option<Instant> {
        if let Some(s) = &self.v13 {
            return s.poll_timeout();
        }
        match self.state() {
            State::Connected | State::Closed | State::Failed => self.retransmit_at,
            _ => Some(
                self.retransmit_at
                    .map_or(self.handshake_deadline, |t| t.min(self.handshake_deadline)),
            ),
        }
    }

    /// Advances timers: retransmits the last flight when its timer expired (RFC 6347
    /// §4.2.4) and fails the handshake after the configured timeout.
    pub fn handle_timeout(&mut self, now: Instant) -> Result<(), Error> {
        if let Some(s) = &mut self.v13 {
            return s.handle_timeout(now);
        }
        if self.handshaking() && now >= self.handshake_deadline {
            tracing::debug!("handshake timed out");
            self.drop_handshake_state();
            self.flight.clear();
            return Err(Error::HandshakeTimeout);
        }
        if let Some(at) = self.retransmit_at {
            if now >= at {
                self.retransmit_timeout = (self.retransmit_timeout * 2).min(MAX_RETRANSMIT);
                tracing::debug!(timeout = ?self.retransmit_timeout, "retransmitting flight");
                self.send_flight(now);
                self.retransmit_at = Some(now + self.retransmit_timeout);
            }
        }
        Ok(())
    }

    /// Processes one received datagram and says what became of it. A fatal error queues
    /// the alert to send, ends the connection and is returned. Records that do not
    /// authenticate, and unauthenticated records that do not parse, reassemble or decode,
    /// are dropped silently and counted ([`Connection::dropped_records`], RFC 6347
    /// §4.1.2.7): they never end a connection or a handshake.
    pub fn handle_datagram(&mut self, now: Instant, datagram: &[u8]) -> Result<Received, Error> {
        if self.v13.is_some() {
            return self.dtls13_datagram(now, datagram);
        }
        match self.state() {
            // After close_notify the peer's answering close_notify and stragglers are moot.
            State::Closed => return Ok(Received::Dropped),
            State::Failed => return Err(Error::Closed),
            _ => {}
        }
        self.received = Tally::default();
        let (held_bytes, held_records) =
            (self.reassembler.buffered_bytes(), self.early_records.len());
        match self.process_datagram(now, datagram) {
            Ok(()) if self.received.processed => Ok(Received::Processed),
            Ok(())
                if self.received.buffered
                    || self.reassembler.buffered_bytes() > held_bytes
                    || self.early_records.len() > held_records =>
            {
                Ok(Received::Buffered)
            }
            Ok(()) => Ok(Received::Dropped),
            Err(e) => {
                self.fail(&e);
                Err(e)
            }
        }
    }

    /// Sends application data in one record (RFC 6347 §4.1.1: records never span
    /// datagrams).
    pub fn send_application_data(&mut self, data: &[u8]) -> Result<(), Error> {
        if let Some(s) = &mut self.v13 {
            return s.send_application_data(data);
        }
        if self.state() != State::Connected {
            return Err(Error::NotConnected);
        }
        if data.len() > MAX_PLAINTEXT_LEN {
            return Err(Error::RecordOverflow { len: data.len() });
        }
        match self.send_record(1, ContentType::ApplicationData, data) {
            Ok(()) => Ok(()),
            Err(e) => {
                // No alert can go out either: it would need a sequence number too.
                self.fail(&e);
                Err(e)
            }
        }
    }

    /// The DTLS version of this association, once the hellos settled it: `None` before
    /// (a server waiting for a ClientHello, a client waiting for the answer to its offer).
    /// A DTLS 1.3 association takes its records under unified headers (RFC 9147 §4) in
    /// epochs 2 and up; an owner that filters datagrams by record header must let those
    /// through.
    pub fn protocol_version(&self) -> Option<crate::ProtocolVersion> {
        self.settled_version()
    }

    /// Updates our sending keys (DTLS 1.3 KeyUpdate, RFC 9147 §8), and with `request_peer`
    /// asks the peer to update its own. The new epoch starts once the peer acknowledged
    /// the KeyUpdate; one outstanding update at a time (a call while one is outstanding,
    /// or while our final handshake flight waits for its ACK, does nothing). A DTLS 1.2 connection, or one not connected, gets
    /// [`Error::NotConnected`].
    pub fn update_keys(&mut self, now: Instant, request_peer: bool) -> Result<(), Error> {
        self.dtls13_update_keys(now, request_peer)
    }

    /// The connection ID the peer puts in the records it sends us, once the hellos
    /// negotiated CIDs (RFC 9146, RFC 9147 §9; [`Config::connection_id`]): ours, as
    /// configured. `None` while nothing is negotiated (before the peer's hello, or when
    /// either side did not offer the extension). Empty: the peer's records carry none.
    pub fn local_connection_id(&self) -> Option<&ConnectionId> {
        self.negotiated_cids().map(|c| &c.local)
    }

    /// The connection ID we put in the records we send, once negotiated (see
    /// [`Connection::local_connection_id`]): the one the peer asked for. Empty: our records
    /// carry none.
    pub fn peer_connection_id(&self) -> Option<&ConnectionId> {
        self.negotiated_cids().map(|c| &c.peer)
    }

    /// The record number (epoch, sequence number) of the newest record from the peer that
    /// authenticated, if any. A front end compares it before and after
    /// [`Connection::handle_datagram`] to learn whether a datagram held an authenticated
    /// record newer than every one before, the condition RFC 9146 §6 sets for following a
    /// peer whose CID records come from a new address (see [`crate::connection_id`]).
    pub fn newest_authenticated_record(&self) -> Option<(u64, u64)> {
        match &self.v13 {
            Some(s) => s.newest_record,
            None => self.newest_record.map(|seq| (1, seq)),
        }
    }

    fn negotiated_cids(&self) -> Option<&NegotiatedCids> {
        match &self.v13 {
            Some(s) => s.cids.as_ref(),
            None => self.cids.as_ref(),
        }
    }

    /// Sends close_notify and closes the connection (RFC 5246 §7.2.1).
    pub fn close(&mut self) {
        if let Some(s) = &mut self.v13 {
            s.close();
            return;
        }
        if matches!(self.state(), State::Closed | State::Failed) {
            return;
        }
        self.send_alert(AlertLevel::Warning, AlertDescription::CloseNotify);
        self.phase = Phase::Closed;
        self.retransmit_at = None;
    }

    /// Keying material exported under `label` without context (RFC 5705 §4); only after
    /// the handshake completed.
    pub fn export_keying_material(
        &self,
        label: &[u8],
        len: usize,
    ) -> Result<Zeroizing<Vec<u8>>, Error> {
        if let Some(s) = &self.v13 {
            return s.export(label, len);
        }
        Ok(self.established()?.export(label, len))
    }

    /// The two SRTP master keys (RFC 5764 §4.2), when use_srtp was negotiated.
    pub fn srtp_keys(&self) -> Result<Option<srtp::DtlsSrtpKeys>, Error> {
        if let Some(s) = &self.v13 {
            if s.state() != State::Connected {
                return Err(Error::NotConnected);
            }
            return s.srtp_keys();
        }
        self.established()?.srtp_keys()
    }

    /// Ready SRTP contexts: one protecting what we send, one unprotecting what the peer
    /// sends (the client writes with the client key, RFC 5764 §4.2).
    pub fn srtp_contexts(&self) -> Result<Option<(srtp::Context, srtp::Context)>, Error> {
        let (profile, srtp_keys) = match &self.v13 {
            Some(_) => (self.dtls13_srtp_profile(), self.srtp_keys()?),
            None => {
                let keys = self.established()?;
                (keys.srtp_profile(), keys.srtp_keys()?)
            }
        };
        let (Some(profile), Some(srtp_keys)) = (profile, srtp_keys) else {
            return Ok(None);
        };
        let (local, remote) = match self.role {
            Role::Client => (srtp_keys.client_write, srtp_keys.server_write),
            Role::Server => (srtp_keys.server_write, srtp_keys.client_write),
        };
        let cfg = self.config.srtp_config.clone();
        Ok(Some((
            srtp::Context::new(profile, local, cfg.clone())?,
            srtp::Context::new(profile, remote, cfg)?,
        )))
    }

    fn established(&self) -> Result<&Keys, Error> {
        match &self.phase {
            Phase::Connected(keys) => Ok(keys),
            _ => Err(Error::NotConnected),
        }
    }

    /// Whether a server requests (and then requires) the client certificate: always,
    /// unless the configuration does not require one and the owner explicitly accepts any
    /// peer.
    fn wants_client_certificate(&self) -> bool {
        self.config.require_client_certificate || self.peer_auth != PeerAuth::AcceptAny
    }

    fn handshaking(&self) -> bool {
        self.state() == State::Handshaking
    }

    fn fail(&mut self, e: &Error) {
        tracing::debug!(error = %e, "connection failed");
        if !matches!(e, Error::PeerAlert(_)) {
            self.send_alert(AlertLevel::Fatal, e.alert());
        }
        self.drop_handshake_state();
    }

    /// The association failed: nothing more is retransmitted, and what the handshake was
    /// holding (its state, reassembly buffers, records of the next epoch) is let go.
    fn drop_handshake_state(&mut self) {
        self.phase = Phase::Failed;
        self.retransmit_at = None;
        self.hs = Handshake::default();
        self.reassembler.clear();
        self.hello_fragments = None;
        self.early_records.clear();
    }

    /// Checks the peer certificate against the required fingerprints and parses its key.
    fn accept_peer_certificate(&self, der: &[u8]) -> Result<PeerCertificate, Error> {
        match &self.peer_auth {
            PeerAuth::Unset => return Err(Error::PeerNotAuthenticated),
            PeerAuth::Fingerprints(fps) if !fps.iter().any(|f| f.matches(der)) => {
                return Err(Error::FingerprintMismatch);
            }
            PeerAuth::Fingerprints(_) | PeerAuth::AcceptAny => {}
        }
        Ok(PeerCertificate {
            key: crate::cert::peer_key(der)?,
            der: der.to_vec(),
            scheme: None,
        })
    }

    /// Completes the handshake: keeps the session keys, drops the handshake secrets and
    /// reports the negotiated parameters.
    fn complete(&mut self, keys: Keys, peer: Option<PeerCertificate>) -> Result<(), Error> {
        let peer_signature_scheme = peer.as_ref().and_then(|p| p.scheme);
        let peer_certificate = peer.map(|p| p.der);
        let connected = Connected {
            version: crate::ProtocolVersion::Dtls12,
            peer_signature_scheme,
            cipher_suite: keys.suite(),
            key_exchange_group: keys.group(),
            srtp_profile: keys.srtp_profile(),
            srtp_keys: keys.srtp_keys()?,
            extended_master_secret: keys.extended_master_secret(),
            peer_fingerprint: peer_certificate
                .as_ref()
                .map(|c| Fingerprint::of(HashFunction::Sha256, c)),
            peer_certificate,
        };
        tracing::debug!(suite = keys.suite().name(), profile = ?connected.srtp_profile, "handshake complete");
        self.phase = Phase::Connected(keys);
        self.hs = Handshake::default();
        self.events.push_back(Event::Connected(Box::new(connected)));
        Ok(())
    }
}

/// A handshake message for the role's state machine: parsed, and as the transcript takes
/// it (header and body, unfragmented).
struct Incoming<'a> {
    message: HandshakeMessage,
    raw: &'a [u8],
}

/// What a role's step did: moved on to the phase returned (the message then joins the
/// transcript), or, with `None`, set the phase and the transcript itself (it sent a
/// flight or completed the handshake).
type Step = Result<Option<Phase>, Error>;

impl Connection {
    /// Runs one handshake message through the role's state machine. The phase is taken
    /// out for the step, so a step consumes what it knew; on an error it stays Failed, as
    /// every error here fails the connection.
    fn handshake_message(
        &mut self,
        now: Instant,
        message: HandshakeMessage,
        raw: &[u8],
    ) -> Result<(), Error> {
        let phase = std::mem::replace(&mut self.phase, Phase::Failed);
        let msg = Incoming { message, raw };
        let next = match self.role {
            Role::Client => self.client_step(now, phase, msg)?,
            Role::Server => self.server_step(now, phase, msg)?,
        };
        if let Some(next) = next {
            self.phase = next;
            self.hs.transcript.extend_from_slice(raw);
        }
        Ok(())
    }
}

/// A copy of an event, for forked connections (fuzzing only).
#[cfg(feature = "fuzzing")]
pub(crate) fn copy_event(e: &Event) -> Event {
    match e {
        Event::Connected(c) => Event::Connected(Box::new(Connected {
            version: c.version,
            cipher_suite: c.cipher_suite,
            key_exchange_group: c.key_exchange_group,
            srtp_profile: c.srtp_profile,
            srtp_keys: c.srtp_keys.clone(),
            extended_master_secret: c.extended_master_secret,
            peer_certificate: c.peer_certificate.clone(),
            peer_fingerprint: c.peer_fingerprint.clone(),
            peer_signature_scheme: c.peer_signature_scheme,
        })),
        Event::ApplicationData(d) => Event::ApplicationData(d.clone()),
        Event::AlertReceived(a) => Event::AlertReceived(*a),
        Event::Closed => Event::Closed,
    }
}

/// A copy of a connection in its current state with `rng` as its randomness, for the fuzz
/// targets (`internal::fork`). Only with the `fuzzing` feature: nothing else may duplicate
/// a live connection's secrets.
#[cfg(feature = "fuzzing")]
impl Connection {
    pub(crate) fn fork(&self, rng: BoxedRng) -> Connection {
        let events = self.events.iter().map(copy_event).collect();
        Connection {
            role: self.role,
            config: self.config.clone(),
            rng,
            phase: self.phase.clone(),
            write_epoch: self.write_epoch,
            write_seq: self.write_seq,
            write_cipher: self.write_cipher.clone(),
            read_epoch: self.read_epoch,
            read_cipher: self.read_cipher.clone(),
            replay: self.replay.clone(),
            next_send_seq: self.next_send_seq,
            next_recv_seq: self.next_recv_seq,
            reassembler: self.reassembler.clone(),
            hello_fragments: self.hello_fragments.clone(),
            early_records: self.early_records.clone(),
            mtu: self.mtu,
            hs: self.hs.clone(),
            flight: self.flight.clone(),
            retransmit_at: self.retransmit_at,
            retransmit_timeout: self.retransmit_timeout,
            flight_sent_at: self.flight_sent_at,
            handshake_deadline: self.handshake_deadline,
            transmit: self.transmit.clone(),
            events,
            peer_auth: self.peer_auth.clone(),
            dropped_records: self.dropped_records,
            received: self.received,
            v13: self.v13.clone(),
            cids: self.cids.clone(),
            newest_record: self.newest_record,
        }
    }
}

#[cfg(test)]
mod tests;

fn unexpected(expected: &'static str, got: &HandshakeMessage) -> Error {
    Error::UnexpectedMessage {
        expected,
        got: got.msg_type().name(),
    }
}
