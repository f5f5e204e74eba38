//! A DTLS 1.3 association once the version is settled: the record layer per epoch,
//! handshake messages in and out (fragmented to the MTU, reassembled in order), flights
//! and their retransmission (RFC 9147 §5.8), ACKs (§7), KeyUpdate (§8), alerts and the
//! exporter. The role-specific handshake steps live in `server` and `client`.

use super::flight::{Acked, Flight};
use super::key_schedule::{ApplicationSecrets, Labels, Secret, hash};
use super::messages::{self as m, ty};
use super::record::{self, Aead, OVERHEAD, Protection, UnifiedHeader};
use crate::ProtocolVersion;
use crate::alert::{Alert, AlertDescription, AlertLevel};
use crate::cert::{Fingerprint, HashFunction};
use crate::config::Config;
use crate::connection::transmit::TransmitQueue;
use crate::connection::{Connected, Event, PeerAuth, Received, Role, State};
use crate::crypto::signature::PeerKey;
use crate::error::Error;
use crate::handshake::MAX_MESSAGE_LEN;
use crate::record::{MAX_PLAINTEXT_LEN, MAX_SEQUENCE_NUMBER};
use crate::suite::{CipherSuite, NamedGroup, SignatureScheme};
use rand_core::CryptoRng;
use srtp::{ProtectionProfile, ReplayWindow};
use std::collections::VecDeque;
use std::sync::Arc;
use std::time::{Duration, Instant};
use zeroize::Zeroizing;

/// Longest retransmission timeout.
const MAX_RETRANSMIT: Duration = Duration::from_secs(60);
/// Records of one epoch accepted out of order.
const REPLAY_WINDOW: usize = 64;
/// Epochs we read at once: the handshake epoch, the current and the next application
/// epoch.
const MAX_READ_EPOCHS: usize = 3;
/// Record numbers remembered to acknowledge.
const MAX_PENDING_ACKS: usize = 64;
/// Byte ranges a message being reassembled may consist of.
const MAX_RANGES: usize = 64;
/// Smallest handshake fragment worth starting at the end of a datagram.
const MIN_FRAGMENT: usize = 64;

/// Events for the owner. A queue of its own so that the session can be forked for fuzzing
/// (`Event` is not `Clone`).
#[derive(Default)]
pub(crate) struct EventQueue(pub(crate) VecDeque<Event>);

#[cfg(feature = "fuzzing")]
impl Clone for EventQueue {
    fn clone(&self) -> Self {
        EventQueue(self.0.iter().map(crate::connection::copy_event).collect())
    }
}

/// The peer's certificate once its fingerprint matched, and its verified scheme.
#[cfg_attr(feature = "fuzzing", derive(Clone))]
pub(crate) struct Peer {
    pub(crate) der: Vec<u8>,
    pub(crate) key: PeerKey,
    pub(crate) scheme: Option<SignatureScheme>,
}

/// The schemes accepted in a DTLS 1.3 CertificateVerify: every scheme we verify but
/// PKCS#1 v1.5, which TLS 1.3 allows only in certificates (RFC 8446 §4.2.3).
pub(crate) fn tls13_schemes() -> Vec<u16> {
    SignatureScheme::available()
        .filter(|s| {
            !matches!(
                s,
                SignatureScheme::RsaPkcs1Sha256
                    | SignatureScheme::RsaPkcs1Sha384
                    | SignatureScheme::RsaPkcs1Sha512
            )
        })
        .map(|s| s.to_u16())
        .collect()
}

/// The scheme our certificate signs a DTLS 1.3 CertificateVerify with, among `offered`
/// (never PKCS#1 v1.5, RFC 8446 §4.2.3): ecdsa_secp256r1_sha256, or RSA-PSS for an RSA key.
pub(crate) fn our_tls13_scheme(config: &Config, offered: &[u16]) -> Option<SignatureScheme> {
    let allowed: Vec<u16> = offered
        .iter()
        .copied()
        .filter(|s| !matches!(*s, 0x0201 | 0x0401 | 0x0501 | 0x0601))
        .collect();
    config.certificate.signing_key().choose_scheme(&allowed)
}

impl Peer {
    /// Verifies a CertificateVerify over `transcript_hash` signed in `server`'s role.
    pub(crate) fn verify(
        &mut self,
        server: bool,
        cv: &m::CertificateVerify13,
        transcript_hash: &[u8],
    ) -> Result<(), Error> {
        if !tls13_schemes().contains(&cv.scheme) {
            return Err(Error::IllegalParameter("signature scheme not offered"));
        }
        let content = m::signed_content(server, transcript_hash);
        self.key.verify(cv.scheme, &content, &cv.signature)?;
        self.scheme = SignatureScheme::from_u16(cv.scheme);
        Ok(())
    }
}

/// The handshake phase. Each variant holds what the handshake knows by then.
#[cfg_attr(feature = "fuzzing", derive(Clone))]
pub(crate) enum Phase {
    ClientWaitServerHello(Box<super::client::Offer>),
    ClientWaitEncryptedExtensions(Box<Handshaking>),
    ClientWaitCertificateRequest(Box<Handshaking>),
    ClientWaitCertificate(Box<Handshaking>),
    ClientWaitCertificateVerify(Box<Handshaking>, Peer),
    ClientWaitFinished(Box<Handshaking>, Peer),
    ServerWaitCertificate(Box<Handshaking>),
    ServerWaitCertificateVerify(Box<Handshaking>, Peer),
    ServerWaitFinished(Box<Handshaking>, Option<Peer>),
    Connected,
    Closed,
    Failed,
}

impl Phase {
    fn expected(&self) -> &'static str {
        match self {
            Phase::ClientWaitServerHello(_) => "ServerHello",
            Phase::ClientWaitEncryptedExtensions(_) => "EncryptedExtensions",
            Phase::ClientWaitCertificateRequest(_) | Phase::ClientWaitCertificate(_) => {
                "Certificate"
            }
            Phase::ServerWaitCertificate(_) => "Certificate",
            Phase::ClientWaitCertificateVerify(..) | Phase::ServerWaitCertificateVerify(..) => {
                "CertificateVerify"
            }
            _ => "Finished",
        }
    }
}

/// What the handshake keeps from the ServerHello on.
#[cfg_attr(feature = "fuzzing", derive(Clone))]
pub(crate) struct Handshaking {
    pub(crate) client_secret: Secret,
    pub(crate) server_secret: Secret,
    pub(crate) master: Secret,
    /// The server's CertificateRequest context and the scheme we sign with, when a client
    /// was asked for a certificate.
    pub(crate) certificate_request: Option<(Vec<u8>, SignatureScheme)>,
    /// Set by a server once its Finished is sent.
    pub(crate) application: Option<ApplicationSecrets>,
}

/// One epoch we read.
#[cfg_attr(feature = "fuzzing", derive(Clone))]
struct ReadEpoch {
    epoch: u64,
    protection: Protection,
    next: u64,
    replay: ReplayWindow,
}

/// One epoch we write.
#[cfg_attr(feature = "fuzzing", derive(Clone))]
struct WriteEpoch {
    epoch: u64,
    protection: Protection,
    next: u64,
}

/// A handshake message being put together from fragments.
#[cfg_attr(feature = "fuzzing", derive(Clone))]
struct Partial {
    msg_type: u8,
    body: Vec<u8>,
    ranges: Vec<(usize, usize)>,
}

impl Partial {
    fn add(&mut self, offset: usize, bytes: &[u8]) -> bool {
        let end = offset + bytes.len();
        if end > self.body.len() {
            return false;
        }
        if !bytes.is_empty() {
            if self.ranges.len() >= MAX_RANGES {
                return false;
            }
            self.body[offset..end].copy_from_slice(bytes);
            self.ranges.push((offset, end));
            self.ranges.sort_unstable();
            let mut merged: Vec<(usize, usize)> = Vec::with_capacity(self.ranges.len());
            for &(s, e) in &self.ranges {
                match merged.last_mut() {
                    Some(last) if s <= last.1 => last.1 = last.1.max(e),
                    _ => merged.push((s, e)),
                }
            }
            self.ranges = merged;
        }
        true
    }

    fn complete(&self) -> bool {
        self.body.is_empty() || self.ranges == [(0, self.body.len())]
    }
}

/// The secrets of an established association.
#[cfg_attr(feature = "fuzzing", derive(Clone))]
struct Established {
    /// Our and the peer's current application traffic secrets.
    write_secret: Secret,
    read_secret: Secret,
    exporter: Secret,
    /// The KeyUpdate we sent and wait to see acknowledged.
    key_update_pending: bool,
}

/// A DTLS 1.3 association.
#[cfg_attr(feature = "fuzzing", derive(Clone))]
pub(crate) struct Session {
    pub(crate) role: Role,
    pub(crate) config: Arc<Config>,
    pub(crate) peer_auth: PeerAuth,
    pub(crate) phase: Phase,
    /// The transcript: messages in their TLS form (RFC 9147 §5.2).
    pub(crate) transcript: Vec<u8>,
    pub(crate) aead: Aead,
    pub(crate) suite: CipherSuite,
    pub(crate) group: NamedGroup,
    pub(crate) srtp_profile: Option<ProtectionProfile>,
    /// The ClientHello's random, which names the handshake in a key log.
    pub(crate) client_random: [u8; 32],
    epoch0_seq: u64,
    writes: Vec<WriteEpoch>,
    /// The epoch application data, alerts and ACKs go out in.
    write_epoch: u64,
    reads: Vec<ReadEpoch>,
    pub(crate) next_send_msg: u16,
    pub(crate) next_recv_msg: u16,
    partial: Option<Partial>,
    flight: Flight,
    /// Whether the flight waits for an ACK (rather than for the peer's next flight).
    flight_wants_ack: bool,
    retransmit_at: Option<Instant>,
    retransmit_timeout: Duration,
    flight_sent_at: Option<Instant>,
    handshake_deadline: Instant,
    pending_acks: Vec<(u64, u64)>,
    /// When to acknowledge the part of the peer's flight received so far, if the rest
    /// has not come by then (RFC 9147 §7.1).
    ack_at: Option<Instant>,
    /// A record of the datagram being processed showed a gap in the peer's flight.
    ack_gap: bool,
    established: Option<Established>,
    pub(crate) transmit: TransmitQueue,
    pub(crate) events: EventQueue,
    dropped: u64,
    mtu: usize,
    pub(crate) processed: bool,
    /// A client's fallback: the server answered in DTLS 1.2.
    pub(crate) fallback: bool,
    /// The connection IDs the hellos negotiated (RFC 9147 §9): from then on records of
    /// epoch 2 and later carry the peer's in their unified header, and ours must be in
    /// every record we take.
    pub(crate) cids: Option<crate::cid::NegotiatedCids>,
    /// The newest record (epoch, sequence number) that authenticated.
    pub(crate) newest_record: Option<(u64, u64)>,
}

impl Session {
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn new(
        role: Role,
        config: Arc<Config>,
        peer_auth: PeerAuth,
        phase: Phase,
        mtu: usize,
        handshake_deadline: Instant,
    ) -> Self {
        Session {
            role,
            retransmit_timeout: config.initial_retransmit,
            config,
            peer_auth,
            phase,
            transcript: Vec::new(),
            aead: Aead::Aes128Gcm,
            suite: CipherSuite::Tls13Aes128GcmSha256,
            group: NamedGroup::X25519,
            srtp_profile: None,
            client_random: [0; 32],
            epoch0_seq: 0,
            writes: Vec::new(),
            write_epoch: 0,
            reads: Vec::new(),
            next_send_msg: 0,
            next_recv_msg: 0,
            partial: None,
            flight: Flight::default(),
            flight_wants_ack: false,
            retransmit_at: None,
            flight_sent_at: None,
            handshake_deadline,
            pending_acks: Vec::new(),
            ack_at: None,
            ack_gap: false,
            established: None,
            transmit: TransmitQueue::default(),
            events: EventQueue::default(),
            dropped: 0,
            mtu,
            processed: false,
            fallback: false,
            cids: None,
            newest_record: None,
        }
    }

    /// Logs both handshake traffic secrets.
    pub(crate) fn log_handshake_secrets(&self, hs: &super::key_schedule::HandshakeSecrets) {
        use crate::keylog::{CLIENT_HANDSHAKE_TRAFFIC_SECRET, SERVER_HANDSHAKE_TRAFFIC_SECRET};
        self.log_secret(CLIENT_HANDSHAKE_TRAFFIC_SECRET, &*hs.client);
        self.log_secret(SERVER_HANDSHAKE_TRAFFIC_SECRET, &*hs.server);
    }

    /// Hands a secret to the configured key log ([`crate::Config::set_key_log`]), if any.
    pub(crate) fn log_secret(&self, label: &str, secret: &[u8]) {
        if let Some(log) = self.config.key_log() {
            log.log(label, &self.client_random, secret);
        }
    }

    pub(crate) fn set_epoch0_seq(&mut self, seq: u64) {
        self.epoch0_seq = self.epoch0_seq.max(seq);
    }

    pub(crate) fn epoch0_seq(&self) -> u64 {
        self.epoch0_seq
    }

    pub(crate) fn state(&self) -> State {
        match self.phase {
            Phase::Connected => State::Connected,
            Phase::Closed => State::Closed,
            Phase::Failed => State::Failed,
            _ => State::Handshaking,
        }
    }

    pub(crate) fn dropped_records(&self) -> u64 {
        self.dropped
    }

    pub(crate) fn set_mtu(&mut self, mtu: usize) {
        self.mtu = mtu;
    }

    pub(crate) fn drop_record(&mut self) {
        self.dropped = self.dropped.saturating_add(1);
    }

    pub(crate) fn poll_timeout(&self) -> Option<Instant> {
        let timers = [self.retransmit_at, self.ack_at];
        let soonest = timers.into_iter().flatten().min();
        match self.state() {
            State::Handshaking => {
                Some(soonest.map_or(self.handshake_deadline, |t| t.min(self.handshake_deadline)))
            }
            _ => soonest,
        }
    }

    pub(crate) fn handle_timeout(&mut self, now: Instant) -> Result<(), Error> {
        if self.state() == State::Handshaking && now >= self.handshake_deadline {
            self.fail_quietly();
            return Err(Error::HandshakeTimeout);
        }
        if self.ack_at.is_some_and(|at| now >= at) {
            // Part of the peer's flight came and the rest did not: say what came.
            self.ack_at = None;
            self.send_partial_ack();
        }
        if let Some(at) = self.retransmit_at {
            if now >= at {
                self.retransmit_timeout = (self.retransmit_timeout * 2).min(MAX_RETRANSMIT);
                tracing::debug!(timeout = ?self.retransmit_timeout, "DTLS 1.3: retransmitting flight");
                self.send_flight(now);
                self.retransmit_at = Some(now + self.retransmit_timeout);
            }
        }
        Ok(())
    }

    fn fail_quietly(&mut self) {
        self.phase = Phase::Failed;
        self.retransmit_at = None;
        self.flight.clear();
        self.partial = None;
        self.established = None;
        self.reads.clear();
    }

    pub(crate) fn fail(&mut self, e: &Error) {
        tracing::debug!(error = %e, "DTLS 1.3 association failed");
        if !matches!(e, Error::PeerAlert(_)) {
            self.send_alert(AlertLevel::Fatal, e.alert());
        }
        self.fail_quietly();
        self.writes.clear();
    }

    /// Processes one datagram (see `Connection::handle_datagram`).
    pub(crate) fn handle_datagram(
        &mut self,
        now: Instant,
        datagram: &[u8],
        rng: &mut dyn CryptoRng,
    ) -> Result<Received, Error> {
        match self.state() {
            State::Closed => return Ok(Received::Dropped),
            State::Failed => return Err(Error::Closed),
            _ => {}
        }
        self.processed = false;
        self.ack_gap = false;
        let result = self.process(now, datagram, rng);
        if std::mem::take(&mut self.ack_gap) && result.is_ok() {
            // One ACK per datagram, however many of its records showed the gap.
            self.send_partial_ack();
        }
        match result {
            Ok(()) if self.processed => Ok(Received::Processed),
            Ok(()) if self.partial.is_some() => Ok(Received::Buffered),
            Ok(()) => Ok(Received::Dropped),
            Err(e) => {
                self.fail(&e);
                Err(e)
            }
        }
    }

    fn process(
        &mut self,
        now: Instant,
        mut d: &[u8],
        rng: &mut dyn CryptoRng,
    ) -> Result<(), Error> {
        while let Some(&first) = d.first() {
            if record::is_unified(first) {
                let local = self.cids.as_ref().map(|c| c.local.as_bytes());
                let cid_len = local.map_or(0, <[u8]>::len);
                let Ok(h) = record::parse_unified_header_with_cid(d, cid_len) else {
                    // Cut short, or a CID of a length we do not know (none negotiated):
                    // where the next record starts is unknown.
                    self.drop_record();
                    break;
                };
                let (rec, rest) = d.split_at(h.header_len + h.record_len);
                d = rest;
                // Our CID in every record once we asked for one (RFC 9147 §9), and only then.
                let want: &[u8] = local.unwrap_or_default();
                if rec.get(1..1 + h.cid_len) != Some(want) {
                    tracing::trace!("DTLS 1.3: dropping a record without our connection ID");
                    self.drop_record();
                    continue;
                }
                let (hb, body) = rec.split_at(h.header_len);
                self.protected_record(now, hb, &h, body, rng)?;
            } else if (20..=26).contains(&first) && d.len() >= 13 {
                let len = usize::from(u16::from_be_bytes([d[11], d[12]]));
                let Some(fragment) = d.get(13..13 + len) else {
                    self.drop_record();
                    break;
                };
                let epoch = u16::from_be_bytes([d[3], d[4]]);
                let mut seq = [0u8; 8];
                seq[2..].copy_from_slice(&d[5..11]);
                let seq = u64::from_be_bytes(seq);
                let version = u16::from_be_bytes([d[1], d[2]]);
                d = &d[13 + len..];
                if epoch != 0 || !matches!(version, m::DTLS_1_2 | 0xFEFF) {
                    self.drop_record();
                    continue;
                }
                self.plaintext_record(now, first, seq, fragment, rng)?;
            } else {
                self.drop_record();
                break;
            }
            if matches!(self.state(), State::Closed | State::Failed) || self.fallback {
                break;
            }
        }
        Ok(())
    }

    /// An epoch-0 record: only the hellos are taken. A plaintext alert is dropped in every
    /// state: anyone on the path could have written it, so it proves nothing (a server
    /// that refuses our hello in plaintext leaves us to time out, as a lost one would).
    fn plaintext_record(
        &mut self,
        now: Instant,
        content_type: u8,
        seq: u64,
        fragment: &[u8],
        rng: &mut dyn CryptoRng,
    ) -> Result<(), Error> {
        let waiting_hello = matches!(self.phase, Phase::ClientWaitServerHello(_));
        match content_type {
            22 => {
                let Ok(frags) = m::parse_fragments(fragment) else {
                    self.drop_record();
                    return Ok(());
                };
                if frags.is_empty() {
                    self.drop_record();
                    return Ok(());
                }
                for f in frags {
                    if waiting_hello
                        && f.message_seq == self.next_recv_msg
                        && matches!(f.msg_type, ty::SERVER_HELLO | 3)
                    {
                        if f.offset == 0 && f.body.len() as u32 == f.length {
                            self.processed = true;
                            self.client_hello_answer(now, seq, f.msg_type, f.body, rng)?;
                            self.ack_server_hello(seq);
                            return Ok(());
                        }
                        // A fragment: put together within the message bound; fragments
                        // that disagree with the ones held start over (the latest wins).
                        if f.length as usize > MAX_MESSAGE_LEN {
                            self.drop_record();
                            continue;
                        }
                        if self.partial.as_ref().is_some_and(|p| {
                            p.msg_type != f.msg_type || p.body.len() != f.length as usize
                        }) {
                            self.partial = None;
                        }
                        let p = self.partial.get_or_insert_with(|| Partial {
                            msg_type: f.msg_type,
                            body: vec![0; f.length as usize],
                            ranges: Vec::new(),
                        });
                        if !p.add(f.offset as usize, f.body) {
                            self.drop_record();
                            continue;
                        }
                        if p.complete() {
                            if let Some(p) = self.partial.take() {
                                self.processed = true;
                                self.client_hello_answer(now, seq, p.msg_type, &p.body, rng)?;
                                self.ack_server_hello(seq);
                                return Ok(());
                            }
                        }
                        continue;
                    }
                    if self.role == Role::Server
                        && f.msg_type == ty::CLIENT_HELLO
                        && f.message_seq < self.next_recv_msg
                        && self.state() == State::Handshaking
                    {
                        // The client repeats its hello: our flight was lost.
                        if self.resend_for_peer_repeat(now) {
                            self.processed = true;
                        }
                        continue;
                    }
                    self.drop_record();
                }
                Ok(())
            }
            _ => {
                self.drop_record();
                Ok(())
            }
        }
    }

    fn protected_record(
        &mut self,
        now: Instant,
        header_bytes: &[u8],
        h: &UnifiedHeader,
        body: &[u8],
        rng: &mut dyn CryptoRng,
    ) -> Result<(), Error> {
        let Some(i) = self
            .reads
            .iter()
            .position(|r| (r.epoch & 0b11) as u8 == h.epoch_bits)
        else {
            self.drop_record();
            return Ok(());
        };
        let re = &self.reads[i];
        let Some(low) = re.protection.unmask(h, body) else {
            self.drop_record();
            return Ok(());
        };
        let bits = if h.long_sequence { 16 } else { 8 };
        let seq = record::reconstruct(re.next, low, bits);
        if seq > MAX_SEQUENCE_NUMBER || re.replay.check(seq).is_err() {
            self.drop_record();
            return Ok(());
        }
        let Some((content_type, plaintext)) = re.protection.open(header_bytes, h, seq, body) else {
            tracing::trace!(
                seq,
                "DTLS 1.3: dropping a record that does not authenticate"
            );
            self.drop_record();
            return Ok(());
        };
        let epoch = re.epoch;
        let re = &mut self.reads[i];
        re.replay.commit(seq);
        re.next = re.next.max(seq + 1);
        self.newest_record = self.newest_record.max(Some((epoch, seq)));
        if plaintext.len() > MAX_PLAINTEXT_LEN {
            return Err(Error::RecordOverflow {
                len: plaintext.len(),
            });
        }
        self.processed = true;
        match content_type {
            22 => self.handshake_record(now, epoch, seq, &plaintext, rng),
            23 => {
                if epoch < 3 {
                    return Err(Error::UnexpectedMessage {
                        expected: "handshake",
                        got: "application data",
                    });
                }
                self.peer_wrote_application_epoch();
                if self.state() == State::Connected {
                    self.events.0.push_back(Event::ApplicationData(plaintext));
                }
                Ok(())
            }
            21 => {
                let alert = Alert::parse(&plaintext)?;
                self.handle_alert(alert)
            }
            26 => {
                let acked = m::parse_ack(&plaintext)?;
                self.handle_ack(now, &acked);
                Ok(())
            }
            other => Err(Error::UnknownContentType(other)),
        }
    }

    /// The peer writes with its application keys, so it has our whole handshake: a
    /// client's final flight needs no more retransmission.
    fn peer_wrote_application_epoch(&mut self) {
        if self.role == Role::Client
            && self.state() == State::Connected
            && self.flight_wants_ack
            && self
                .established
                .as_ref()
                .is_none_or(|e| !e.key_update_pending)
        {
            self.retransmit_at = None;
            self.flight.clear();
        }
    }

    fn handle_alert(&mut self, alert: Alert) -> Result<(), Error> {
        self.events.0.push_back(Event::AlertReceived(alert));
        if alert.description == AlertDescription::CloseNotify {
            if self.state() != State::Closed {
                self.send_alert(AlertLevel::Warning, AlertDescription::CloseNotify);
            }
            self.phase = Phase::Closed;
            self.retransmit_at = None;
            self.events.0.push_back(Event::Closed);
            return Ok(());
        }
        // Every other alert ends a DTLS 1.3 association (RFC 8446 §6.2), whatever its level
        // says, except user_canceled, which precedes a close_notify.
        if alert.description.to_u8() == 90 {
            return Ok(());
        }
        Err(Error::PeerAlert(alert.description))
    }

    /// An ACK (RFC 9147 §7.3): what it covers is never sent again; when it covers part
    /// of the flight, the rest goes out at once (the timer restarts at its current
    /// value); when it covers all of it, retransmission stops.
    fn handle_ack(&mut self, now: Instant, acked: &[(u64, u64)]) {
        if self.retransmit_at.is_none() {
            // Nothing outstanding (a server's flight stays kept after the client's
            // answer, to repeat it if the client repeats itself).
            return;
        }
        match self.flight.acknowledge(acked) {
            Acked::Nothing => {}
            Acked::Partly => {
                tracing::trace!("DTLS 1.3: flight partly acknowledged, sending the rest");
                self.send_flight(now);
                self.retransmit_at = Some(now + self.retransmit_timeout);
            }
            Acked::All => {
                tracing::trace!("DTLS 1.3: flight acknowledged");
                self.retransmit_at = None;
                if self.flight_wants_ack {
                    self.flight.clear();
                    self.key_update_acknowledged();
                }
            }
        }
    }

    /// Our KeyUpdate was acknowledged: from now on we write in the next epoch.
    fn key_update_acknowledged(&mut self) {
        let Some(est) = &mut self.established else {
            return;
        };
        if !est.key_update_pending {
            return;
        }
        est.key_update_pending = false;
        let next = Labels::DTLS13.next_traffic_secret(&*est.write_secret);
        est.write_secret = next.clone();
        let epoch = self.write_epoch + 1;
        self.install_write(epoch, &*next);
        tracing::debug!(epoch, "DTLS 1.3: now writing in the next epoch");
    }

    fn handshake_record(
        &mut self,
        now: Instant,
        epoch: u64,
        seq: u64,
        plaintext: &[u8],
        rng: &mut dyn CryptoRng,
    ) -> Result<(), Error> {
        let frags = m::parse_fragments(plaintext)?;
        if self.pending_acks.len() < MAX_PENDING_ACKS && !self.pending_acks.contains(&(epoch, seq))
        {
            self.pending_acks.push((epoch, seq));
        }
        let mut repeated = false;
        let mut out_of_order = false;
        let mut not_kept = false;
        for f in frags {
            if f.message_seq < self.next_recv_msg {
                repeated = true;
                continue;
            }
            if f.message_seq > self.next_recv_msg {
                // Ahead of a gap: the peer's retransmission brings it again, and an
                // ACK now tells it what not to bring (RFC 9147 §7.1).
                out_of_order = true;
                continue;
            }
            if f.length as usize > MAX_MESSAGE_LEN {
                return Err(Error::InvalidLength {
                    what: "handshake message",
                    len: f.length as usize,
                });
            }
            let partial = self.partial.get_or_insert_with(|| Partial {
                msg_type: f.msg_type,
                body: vec![0; f.length as usize],
                ranges: Vec::new(),
            });
            if partial.msg_type != f.msg_type || partial.body.len() != f.length as usize {
                return Err(Error::IllegalParameter("fragments of one message disagree"));
            }
            if !partial.add(f.offset as usize, f.body) {
                not_kept = true;
                continue;
            }
            if !partial.complete() {
                continue;
            }
            let Some(p) = self.partial.take() else {
                continue;
            };
            self.next_recv_msg = self.next_recv_msg.wrapping_add(1);
            self.handshake_message(now, epoch, p.msg_type, &p.body, rng)?;
            if matches!(self.state(), State::Closed | State::Failed) {
                return Ok(());
            }
        }
        if out_of_order || not_kept {
            // What was passed over is not kept, so the record may not be acknowledged
            // (RFC 9147 §7): the peer must send it again.
            self.pending_acks.retain(|&r| r != (epoch, seq));
        }
        if repeated {
            self.peer_repeated(now);
        } else if self.state() == State::Handshaking && !self.pending_acks.is_empty() {
            // Part of the peer's flight is here: acknowledge it now if something before
            // it is missing, otherwise if the rest does not follow within a quarter of
            // the retransmission timeout. Our next flight, or our final ACK, makes this
            // one unnecessary.
            if out_of_order {
                self.ack_gap = true;
            } else if self.ack_at.is_none() {
                self.ack_at = Some(now + self.retransmit_timeout / 4);
            }
        }
        Ok(())
    }

    /// The peer sent a handshake message again: our answer (our next flight, or our ACK)
    /// was lost.
    fn peer_repeated(&mut self, now: Instant) {
        match (self.role, self.state()) {
            (Role::Server, State::Connected) => {
                // The client did not get the ACK of its final flight.
                self.send_ack();
            }
            (_, State::Connected) if !self.flight.is_empty() => {
                self.resend_for_peer_repeat(now);
            }
            (_, State::Handshaking) => {
                self.resend_for_peer_repeat(now);
            }
            _ => {}
        }
    }

    fn handshake_message(
        &mut self,
        now: Instant,
        epoch: u64,
        msg_type: u8,
        body: &[u8],
        rng: &mut dyn CryptoRng,
    ) -> Result<(), Error> {
        if self.state() == State::Connected {
            return self.post_handshake(now, epoch, msg_type, body);
        }
        if epoch != 2 {
            return Err(Error::UnexpectedMessage {
                expected: self.phase.expected(),
                got: "a message outside the handshake epoch",
            });
        }
        let _ = rng;
        match self.role {
            Role::Server => self.server_message(now, msg_type, body),
            Role::Client => self.client_message(now, msg_type, body),
        }
    }

    fn post_handshake(
        &mut self,
        now: Instant,
        epoch: u64,
        msg_type: u8,
        body: &[u8],
    ) -> Result<(), Error> {
        match msg_type {
            ty::KEY_UPDATE if epoch >= 3 => {
                let request = m::parse_key_update(body)?;
                let Some(est) = &mut self.established else {
                    return Err(Error::Internal("connected without secrets"));
                };
                let next = Labels::DTLS13.next_traffic_secret(&*est.read_secret);
                est.read_secret = next.clone();
                let new_epoch = epoch + 1;
                self.install_read(new_epoch, &*next);
                tracing::debug!(epoch = new_epoch, "DTLS 1.3: peer updated its keys");
                self.send_ack();
                if request {
                    self.start_key_update(now, false)?;
                }
                Ok(())
            }
            ty::NEW_SESSION_TICKET if self.role == Role::Client && epoch >= 3 => {
                // No resumption: acknowledged and forgotten.
                self.send_ack();
                Ok(())
            }
            ty::NEW_CONNECTION_ID | ty::REQUEST_CONNECTION_ID if epoch >= 3 => {
                // RFC 9147 §9: only with CIDs negotiated. We keep the CIDs of the
                // handshake: new ones are acknowledged and not used, a request is
                // acknowledged and not answered (a SHOULD).
                if msg_type == ty::NEW_CONNECTION_ID {
                    let (cids, _usage) = m::parse_new_connection_id(body)?;
                    tracing::debug!(count = cids.len(), "DTLS 1.3: NewConnectionId not used");
                } else {
                    let n = m::parse_request_connection_id(body)?;
                    tracing::debug!(n, "DTLS 1.3: RequestConnectionId not answered");
                }
                if self.cids.is_none() {
                    return Err(Error::UnexpectedMessage {
                        expected: "KeyUpdate",
                        got: "a connection ID message without connection IDs",
                    });
                }
                self.send_ack();
                Ok(())
            }
            _ => Err(Error::UnexpectedMessage {
                expected: "KeyUpdate",
                got: "a handshake message after the handshake",
            }),
        }
    }

    /// Sends a KeyUpdate (RFC 9147 §8); the new write epoch starts once it is
    /// acknowledged. Does nothing while one, or our final handshake flight, is
    /// outstanding.
    pub(crate) fn start_key_update(
        &mut self,
        now: Instant,
        request_peer: bool,
    ) -> Result<(), Error> {
        if self.state() != State::Connected {
            return Err(Error::NotConnected);
        }
        let Some(est) = &mut self.established else {
            return Err(Error::NotConnected);
        };
        // One update at a time, and none while our final handshake flight still waits for
        // its ACK (the update would replace the flight being retransmitted).
        if est.key_update_pending || !self.flight.is_empty() {
            return Ok(());
        }
        est.key_update_pending = true;
        self.flight.clear();
        let epoch = self.write_epoch;
        self.add_message(epoch, ty::KEY_UPDATE, &[u8::from(request_peer)], false);
        self.flight_wants_ack = true;
        self.send_flight_with_timer(now);
        Ok(())
    }

    /// A client that took a ServerHello (not a HelloRetryRequest, which our second hello
    /// answers) names its epoch-0 record in the ACKs of the server's flight, so a server
    /// resending only what is missing leaves it out (RFC 9147 §7.1).
    fn ack_server_hello(&mut self, seq: u64) {
        if !matches!(self.phase, Phase::ClientWaitServerHello(_))
            && self.state() == State::Handshaking
            && self.pending_acks.len() < MAX_PENDING_ACKS
        {
            self.pending_acks.push((0, seq));
        }
    }

    /// Forgets the records waiting for an ACK (our next flight acknowledges them).
    pub(crate) fn clear_pending_acks(&mut self) {
        self.pending_acks.clear();
        self.ack_at = None;
    }

    /// Acknowledges the handshake records received since the last ACK.
    pub(crate) fn send_ack(&mut self) {
        self.ack_at = None;
        self.write_ack();
        self.pending_acks.clear();
    }

    /// Acknowledges the part of the peer's flight received so far, keeping the record
    /// numbers: a later ACK of the same flight names them again, in case this one is lost.
    fn send_partial_ack(&mut self) {
        self.write_ack();
    }

    fn write_ack(&mut self) {
        if self.pending_acks.is_empty() || self.write_epoch < 2 {
            return;
        }
        let mut acks = self.pending_acks.clone();
        acks.sort_unstable();
        let body = m::ack_body(&acks);
        let epoch = self.write_epoch;
        if let Err(e) = self.send_record(epoch, 26, &body) {
            tracing::debug!(error = %e, "ACK not sent");
        }
    }

    // ---- keys ----

    pub(crate) fn install_read(&mut self, epoch: u64, secret: &[u8]) {
        let keys = Labels::DTLS13.traffic_keys(secret, self.aead.key_len());
        let protection = Protection::new(self.aead, &keys.key, &keys.iv, &keys.sn);
        self.reads.retain(|r| r.epoch & 0b11 != epoch & 0b11);
        if self.reads.len() >= MAX_READ_EPOCHS {
            self.reads.remove(0);
        }
        self.reads.push(ReadEpoch {
            epoch,
            protection,
            next: 0,
            replay: ReplayWindow::new(REPLAY_WINDOW),
        });
    }

    pub(crate) fn install_write(&mut self, epoch: u64, secret: &[u8]) {
        let keys = Labels::DTLS13.traffic_keys(secret, self.aead.key_len());
        let protection = Protection::new(self.aead, &keys.key, &keys.iv, &keys.sn);
        self.writes.retain(|w| w.epoch + 1 >= epoch);
        self.writes.push(WriteEpoch {
            epoch,
            protection,
            next: 0,
        });
        self.write_epoch = epoch;
    }

    /// Completes the handshake: keeps the application secrets and reports the parameters.
    pub(crate) fn complete(
        &mut self,
        app: ApplicationSecrets,
        peer: Option<Peer>,
    ) -> Result<(), Error> {
        use crate::keylog::{CLIENT_TRAFFIC_SECRET_0, EXPORTER_SECRET, SERVER_TRAFFIC_SECRET_0};
        self.log_secret(CLIENT_TRAFFIC_SECRET_0, &*app.client);
        self.log_secret(SERVER_TRAFFIC_SECRET_0, &*app.server);
        self.log_secret(EXPORTER_SECRET, &*app.exporter);
        let (write_secret, read_secret) = match self.role {
            Role::Client => (app.client.clone(), app.server.clone()),
            Role::Server => (app.server.clone(), app.client.clone()),
        };
        self.established = Some(Established {
            write_secret,
            read_secret,
            exporter: app.exporter.clone(),
            key_update_pending: false,
        });
        let peer_signature_scheme = peer.as_ref().and_then(|p| p.scheme);
        let peer_certificate = peer.map(|p| p.der);
        let connected = Connected {
            version: ProtocolVersion::Dtls13,
            cipher_suite: self.suite,
            key_exchange_group: self.group,
            srtp_profile: self.srtp_profile,
            srtp_keys: self.srtp_keys()?,
            extended_master_secret: true,
            peer_fingerprint: peer_certificate
                .as_ref()
                .map(|c| Fingerprint::of(HashFunction::Sha256, c)),
            peer_certificate,
            peer_signature_scheme,
        };
        tracing::debug!(suite = self.suite.name(), profile = ?self.srtp_profile, "DTLS 1.3 handshake complete");
        self.phase = Phase::Connected;
        self.transcript = Vec::new();
        self.events
            .0
            .push_back(Event::Connected(Box::new(connected)));
        Ok(())
    }

    pub(crate) fn export(&self, label: &[u8], len: usize) -> Result<Zeroizing<Vec<u8>>, Error> {
        match (&self.phase, &self.established) {
            (Phase::Connected, Some(est)) => {
                Ok(Labels::DTLS13.export(&*est.exporter, label, &[], len))
            }
            _ => Err(Error::NotConnected),
        }
    }

    pub(crate) fn srtp_keys(&self) -> Result<Option<srtp::DtlsSrtpKeys>, Error> {
        let Some(profile) = self.srtp_profile else {
            return Ok(None);
        };
        let Some(est) = &self.established else {
            return Err(Error::NotConnected);
        };
        let material = Labels::DTLS13.export(
            &*est.exporter,
            crate::SRTP_EXPORTER_LABEL,
            &[],
            profile.keying_material_len(),
        );
        Ok(Some(srtp::DtlsSrtpKeys::from_keying_material(
            profile, &material,
        )?))
    }

    /// Checks the peer certificate against the required fingerprints and parses its key.
    pub(crate) fn accept_peer(&self, der: &[u8]) -> Result<Peer, Error> {
        match &self.peer_auth {
            PeerAuth::Unset => return Err(Error::PeerNotAuthenticated),
            PeerAuth::Fingerprints(fps) if !fps.iter().any(|f| f.matches(der)) => {
                return Err(Error::FingerprintMismatch);
            }
            PeerAuth::Fingerprints(_) | PeerAuth::AcceptAny => {}
        }
        Ok(Peer {
            key: crate::cert::peer_key(der)?,
            der: der.to_vec(),
            scheme: None,
        })
    }

    pub(crate) fn transcript_hash(&self) -> [u8; 32] {
        hash(&self.transcript)
    }

    // ---- send path ----

    pub(crate) fn send_application_data(&mut self, data: &[u8]) -> Result<(), Error> {
        if self.state() != State::Connected {
            return Err(Error::NotConnected);
        }
        if data.len() > MAX_PLAINTEXT_LEN {
            return Err(Error::RecordOverflow { len: data.len() });
        }
        let epoch = self.write_epoch;
        self.send_record(epoch, 23, data).inspect_err(|e| {
            let e = e.clone();
            self.fail(&e);
        })
    }

    pub(crate) fn close(&mut self) {
        if matches!(self.state(), State::Closed | State::Failed) {
            return;
        }
        self.send_alert(AlertLevel::Warning, AlertDescription::CloseNotify);
        self.phase = Phase::Closed;
        self.retransmit_at = None;
    }

    pub(crate) fn send_alert(&mut self, level: AlertLevel, description: AlertDescription) {
        let bytes = Alert { level, description }.to_bytes();
        let epoch = self.write_epoch;
        if let Err(e) = self.send_record(epoch, 21, &bytes) {
            tracing::debug!(error = %e, "alert not sent");
        }
    }

    /// One record in a datagram of its own.
    fn send_record(&mut self, epoch: u64, content_type: u8, payload: &[u8]) -> Result<(), Error> {
        let mut datagram = self.transmit.buffer();
        let r = self.seal(epoch, content_type, payload, &mut datagram);
        match r {
            Ok(_) => self.transmit.push(datagram),
            Err(_) => self.transmit.recycle(datagram),
        }
        r.map(|_| ())
    }

    /// Appends one record of `epoch` to `out`; returns its record number.
    fn seal(
        &mut self,
        epoch: u64,
        content_type: u8,
        payload: &[u8],
        out: &mut Vec<u8>,
    ) -> Result<(u64, u64), Error> {
        if epoch == 0 {
            let seq = self.epoch0_seq;
            if seq > MAX_SEQUENCE_NUMBER {
                return Err(Error::SequenceNumberExhausted);
            }
            self.epoch0_seq += 1;
            out.push(content_type);
            out.extend_from_slice(&m::DTLS_1_2.to_be_bytes());
            out.extend_from_slice(&0u16.to_be_bytes());
            out.extend_from_slice(&seq.to_be_bytes()[2..]);
            out.extend_from_slice(&(payload.len() as u16).to_be_bytes());
            out.extend_from_slice(payload);
            return Ok((0, seq));
        }
        let w = self
            .writes
            .iter_mut()
            .find(|w| w.epoch == epoch)
            .ok_or(Error::Internal("no keys for the epoch"))?;
        let seq = w.next;
        if seq > MAX_SEQUENCE_NUMBER {
            return Err(Error::SequenceNumberExhausted);
        }
        w.next += 1;
        let cid = self.cids.as_ref().map_or(&[][..], |c| c.peer.as_bytes());
        w.protection
            .seal(epoch, seq, cid, content_type, payload, out);
        Ok((epoch, seq))
    }

    fn overhead(&self, epoch: u64) -> usize {
        if epoch == 0 {
            13
        } else {
            OVERHEAD + self.cids.as_ref().map_or(0, |c| c.peer.len())
        }
    }

    /// Adds a handshake message to the flight (and, when `transcript`, to the transcript).
    pub(crate) fn add_message(&mut self, epoch: u64, msg_type: u8, body: &[u8], transcript: bool) {
        let bytes = m::dtls_message(msg_type, self.next_send_msg, body);
        self.next_send_msg = self.next_send_msg.wrapping_add(1);
        if transcript {
            self.transcript
                .extend_from_slice(&m::tls_message(msg_type, body));
        }
        self.flight.push(epoch, bytes);
    }

    /// Starts our next flight, which acknowledges the peer's implicitly.
    pub(crate) fn begin_flight(&mut self, wants_ack: bool) {
        self.flight.clear();
        self.flight_wants_ack = wants_ack;
        self.ack_at = None;
    }

    /// Sends what the peer has not acknowledged of the flight (all of it, the first
    /// time), fragments cut to the MTU, records packed into datagrams.
    pub(crate) fn send_flight(&mut self, now: Instant) {
        self.flight_sent_at = Some(now);
        let flight = std::mem::take(&mut self.flight);
        let mut sent = Vec::new();
        let mut datagram = self.transmit.buffer();
        for p in flight.pending() {
            let (epoch, header, body) = flight.message(p.message);
            let overhead = self.overhead(epoch);
            let mut offset = p.start;
            loop {
                let fixed = overhead + 12;
                let mut room = self.mtu.saturating_sub(datagram.len() + fixed);
                if room < (p.end - offset).min(MIN_FRAGMENT) && !datagram.is_empty() {
                    let full = std::mem::replace(&mut datagram, self.transmit.buffer());
                    self.transmit.push(full);
                    room = self.mtu.saturating_sub(fixed);
                }
                // A record's overhead can leave almost no room under a small MTU when the
                // peer asked for a long connection ID (255 bytes with a 256-byte MTU):
                // then a fragment of MIN_FRAGMENT bytes goes out in a datagram over the
                // MTU rather than the flight never going out at all.
                let len = room.max(MIN_FRAGMENT).min(p.end - offset);
                let mut fragment = Vec::with_capacity(12 + len);
                fragment.extend_from_slice(header.get(..6).unwrap_or_default());
                fragment.extend_from_slice(&(offset as u32).to_be_bytes()[1..]);
                fragment.extend_from_slice(&(len as u32).to_be_bytes()[1..]);
                fragment.extend_from_slice(&body[offset..offset + len]);
                let start = datagram.len();
                match self.seal(epoch, 22, &fragment, &mut datagram) {
                    Ok(n) => sent.push((n, p.message, offset, len)),
                    Err(_) => datagram.truncate(start),
                }
                offset += len;
                if offset >= p.end {
                    break;
                }
            }
        }
        self.flight = flight;
        for (record, message, offset, len) in sent {
            self.flight.record_sent(record, message, offset, len);
        }
        self.transmit.push_unless_empty(datagram);
    }

    pub(crate) fn send_flight_with_timer(&mut self, now: Instant) {
        self.send_flight(now);
        self.retransmit_timeout = self.config.initial_retransmit;
        self.retransmit_at = Some(now + self.retransmit_timeout);
    }

    pub(crate) fn stop_retransmitting(&mut self) {
        self.retransmit_at = None;
    }

    /// Resends our flight for a peer that repeated its own, at most once per half the
    /// initial timeout (see the 1.2 connection's `resend_for_peer_repeat`).
    fn resend_for_peer_repeat(&mut self, now: Instant) -> bool {
        if self.flight.is_empty() {
            return false;
        }
        let gap = self.config.initial_retransmit / 2;
        if self
            .flight_sent_at
            .is_some_and(|at| now.saturating_duration_since(at) < gap)
        {
            return false;
        }
        self.send_flight(now);
        true
    }

    /// The owner's view of a message that broke the protocol.
    pub(crate) fn unexpected(&self, got: u8) -> Error {
        Error::UnexpectedMessage {
            expected: self.phase.expected(),
            got: message_name(got),
        }
    }
}

/// A message type's name, for errors.
pub(crate) fn message_name(t: u8) -> &'static str {
    match t {
        ty::CLIENT_HELLO => "ClientHello",
        ty::SERVER_HELLO => "ServerHello",
        ty::NEW_SESSION_TICKET => "NewSessionTicket",
        ty::ENCRYPTED_EXTENSIONS => "EncryptedExtensions",
        ty::CERTIFICATE => "Certificate",
        ty::CERTIFICATE_REQUEST => "CertificateRequest",
        ty::CERTIFICATE_VERIFY => "CertificateVerify",
        ty::FINISHED => "Finished",
        ty::KEY_UPDATE => "KeyUpdate",
        _ => "an unknown handshake message",
    }
}
