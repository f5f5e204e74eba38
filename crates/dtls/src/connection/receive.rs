//! The receive path: records out of datagrams (RFC 6347 §4.1), epochs and the replay
//! window, ChangeCipherSpec, alerts, and handshake fragments in message_seq order
//! (RFC 6347 §4.2.2).
//!
//! Why malformed plaintext is dropped rather than answered with a fatal alert: an epoch-0
//! record carries no authentication, so anyone who can put a datagram on the path can write
//! one, and RFC 6347 §4.1.2.7 lets a DTLS implementation drop invalid records instead of
//! failing. Making them fatal gave every on-path sender a 14-byte kill switch for calls and
//! handshakes. The line is drawn at "does it parse": bytes that do not form a message are
//! dropped and counted ([`Connection::dropped_records`]); a well-formed message that breaks
//! the protocol during the handshake still fails it, because the owner hands us only
//! datagrams from the peer's address and a handshake that continued past such a message
//! could only fail later with a less precise alert. Once the peer writes in epoch 1,
//! nothing new in epoch 0 can be genuine, so it is dropped before it touches the
//! reassembler, the receive sequence or the keys.

use super::{Connection, Event, MAX_EARLY_RECORDS, Phase, Role, State};
use crate::alert::{Alert, AlertDescription, AlertLevel};
use crate::crypto::aead::RecordId;
use crate::error::Error;
use crate::handshake::{
    self, HANDSHAKE_HEADER_LEN, HandshakeMessage, HandshakeType, HelloProgress,
    MAX_CLIENT_HELLO_RECORD_SEQ, encode_message, push_fragment,
};
use crate::record::{self, ContentType, MAX_PLAINTEXT_LEN, RECORD_HEADER_LEN, RecordHeader};

/// A `DTLSInnerPlaintext` (RFC 9146 §4: content, real type, zero padding) split into
/// content and real type: `None` when no non-zero byte names the type, or the type is one
/// a record cannot hold.
fn inner_plaintext(mut inner: Vec<u8>) -> Option<(Vec<u8>, ContentType)> {
    let end = inner.iter().rposition(|&b| b != 0)?;
    let ty = ContentType::from_u8(inner[end])
        .ok()
        .filter(|t| *t != ContentType::Tls12Cid)?;
    inner.truncate(end);
    Some((inner, ty))
}
use srtp::ReplayWindow;
use std::borrow::Cow;
use std::time::Instant;

/// The records of an epoch accepted out of order (RFC 6347 §4.1.2.6: 64 is the
/// recommended minimum). The window is `srtp`'s, the one the workspace keeps for every
/// packet index.
pub(super) const RECORD_REPLAY_WINDOW: usize = 64;

impl Connection {
    pub(super) fn process_datagram(&mut self, now: Instant, datagram: &[u8]) -> Result<(), Error> {
        let cid_len = self.cids.as_ref().map(|c| c.local.len());
        for rec in record::records_with_cid(datagram, cid_len) {
            let Ok(rec) = rec else {
                tracing::trace!("dropping the rest of a malformed datagram");
                self.drop_record();
                break;
            };
            let mut h = rec.header;
            // RFC 9146 §4: once we asked for a non-empty CID, every protected record must
            // carry it; a tls12_cid record is parsed only then (before negotiation its
            // CID length is unknown and the rest of the datagram with it), and one with
            // another CID, in plaintext, or an ordinary protected record is dropped.
            let local = self.cids.as_ref().map(|c| c.local.as_bytes());
            let cid_ok = match rec.cid {
                Some(cid) => h.epoch > 0 && local == Some(cid),
                None => h.epoch == 0 || local.is_none_or(<[u8]>::is_empty),
            };
            if !cid_ok {
                tracing::trace!("dropping a record without our connection ID");
                self.drop_record();
                continue;
            }
            let plaintext = if h.epoch == 0 {
                // Unprotected application data never counts; once the peer has switched to
                // epoch 1 an unprotected alert could be forged by anyone on the path.
                if h.content_type == ContentType::ApplicationData
                    || (h.content_type == ContentType::Alert && self.read_epoch == 1)
                {
                    self.drop_record();
                    continue;
                }
                rec.fragment.to_vec()
            } else if h.epoch == 1 && self.read_epoch == 0 {
                // Reordered ahead of the peer's ChangeCipherSpec: keep a few to open once
                // the keys are switched (RFC 6347 §4.1).
                if self.handshaking()
                    && !matches!(self.phase, Phase::ServerWaitClientHello { .. })
                    && self.early_records.len() < MAX_EARLY_RECORDS
                {
                    self.early_records.push(rec.raw.to_vec());
                } else {
                    self.drop_record();
                }
                continue;
            } else if h.epoch == self.read_epoch && h.epoch == 1 {
                let Some(cipher) = &self.read_cipher else {
                    self.drop_record();
                    continue;
                };
                if self.replay.check(h.sequence_number).is_err() {
                    self.drop_record();
                    continue;
                }
                let id = RecordId {
                    epoch: h.epoch,
                    sequence_number: h.sequence_number,
                    content_type: h.content_type,
                    version: h.version,
                };
                let opened = match rec.cid {
                    Some(cid) => cipher.open_cid(&id, cid, rec.fragment).map(inner_plaintext),
                    None => cipher
                        .open(&id, rec.fragment)
                        .map(|p| Some((p, h.content_type))),
                };
                let Some(opened) = opened else {
                    tracing::trace!(
                        seq = h.sequence_number,
                        "dropping a record that does not authenticate"
                    );
                    self.drop_record();
                    continue;
                };
                self.replay.commit(h.sequence_number);
                self.newest_record = self.newest_record.max(Some(h.sequence_number));
                let Some((p, real_type)) = opened else {
                    // Authentic, but its DTLSInnerPlaintext names no content type we take
                    // (all zeros, or tls12_cid inside): dropped.
                    self.drop_record();
                    continue;
                };
                h.content_type = real_type;
                p
            } else {
                self.drop_record();
                continue;
            };
            let authenticated = h.epoch == 1;
            if plaintext.len() > MAX_PLAINTEXT_LEN {
                if authenticated {
                    return Err(Error::RecordOverflow {
                        len: plaintext.len(),
                    });
                }
                tracing::trace!(
                    len = plaintext.len(),
                    "dropping an oversized plaintext record"
                );
                self.drop_record();
                continue;
            }
            match h.content_type {
                ContentType::Handshake => self.handle_handshake_record(now, &h, &plaintext)?,
                ContentType::ChangeCipherSpec => {
                    if plaintext != [1] {
                        // RFC 6347 §4.1.2.7: an invalid record is dropped, never fatal,
                        // so that nobody on the path can end the association with one.
                        tracing::trace!("dropping a malformed ChangeCipherSpec");
                        self.drop_record();
                        continue;
                    }
                    if self.handle_change_cipher_spec() {
                        self.received.processed = true;
                    }
                }
                ContentType::Alert => {
                    if !authenticated && Alert::parse(&plaintext).is_err() {
                        self.drop_record();
                        continue;
                    }
                    self.handle_alert(&plaintext)?;
                    self.received.processed = true;
                }
                ContentType::ApplicationData => {
                    if self.state() == State::Connected {
                        self.events.push_back(Event::ApplicationData(plaintext));
                        self.received.processed = true;
                    }
                }
                ContentType::Tls12Cid => {
                    self.drop_record();
                    continue;
                }
            }
            if matches!(self.state(), State::Closed | State::Failed) {
                return Ok(());
            }
        }
        if self.read_epoch == 1 && !self.early_records.is_empty() {
            for raw in std::mem::take(&mut self.early_records) {
                self.process_datagram(now, &raw)?;
            }
        }
        Ok(())
    }

    /// Whether a plaintext message of this type belongs to the peer's final flight, whose
    /// repeat after the handshake draws ours again: the client's Certificate,
    /// ClientKeyExchange and CertificateVerify. The server's final flight has no plaintext
    /// handshake message (its Finished is encrypted).
    fn is_final_flight_message(&self, ty: HandshakeType) -> bool {
        self.role == Role::Server
            && matches!(
                ty,
                HandshakeType::Certificate
                    | HandshakeType::ClientKeyExchange
                    | HandshakeType::CertificateVerify
            )
    }

    /// Whether the handshake state can take a plaintext (epoch-0) message of type `ty` next.
    /// A plaintext message of any other type is dropped rather than failing the handshake:
    /// it proves nothing about who sent it, and the real peer never sends one, so dropping
    /// it loses nothing. Finished is always encrypted, so it is never taken in plaintext.
    fn takes_plaintext(&self, ty: HandshakeType) -> bool {
        use HandshakeType as T;
        match self.phase {
            Phase::ClientWaitServerHello { .. } => {
                matches!(ty, T::ServerHello | T::HelloVerifyRequest)
            }
            Phase::ClientWaitCertificate { .. } | Phase::ServerWaitCertificate { .. } => {
                ty == T::Certificate
            }
            Phase::ClientWaitKeyExchange { .. } => ty == T::ServerKeyExchange,
            Phase::ClientWaitHelloDone { .. } => {
                matches!(ty, T::CertificateRequest | T::ServerHelloDone)
            }
            Phase::ClientWaitChangeCipherSpec { .. } => ty == T::NewSessionTicket,
            Phase::ServerWaitClientHello { .. } => ty == T::ClientHello,
            Phase::ServerWaitKeyExchange { .. } => ty == T::ClientKeyExchange,
            Phase::ServerWaitCertificateVerify { .. } => ty == T::CertificateVerify,
            Phase::ServerWaitChangeCipherSpec { .. }
            | Phase::ClientWaitFinished { .. }
            | Phase::ServerWaitFinished { .. }
            | Phase::Connected(_)
            | Phase::Closed
            | Phase::Failed => false,
        }
    }

    /// Counts a record dropped without effect.
    fn drop_record(&mut self) {
        self.dropped_records = self.dropped_records.saturating_add(1);
    }

    /// A well-formed ChangeCipherSpec (body `01`); false when it was moot (duplicated, or
    /// too early to mean anything).
    pub(super) fn handle_change_cipher_spec(&mut self) -> bool {
        let phase = std::mem::replace(&mut self.phase, Phase::Failed);
        let (phase, read) = match phase {
            Phase::ClientWaitChangeCipherSpec {
                keys,
                pending_read,
                peer,
            } => (Phase::ClientWaitFinished { keys, peer }, pending_read),
            Phase::ServerWaitChangeCipherSpec {
                keys,
                pending_read,
                peer,
            } => (Phase::ServerWaitFinished { keys, peer }, pending_read),
            // Ahead of the client's last handshake messages (reordered): applied once they
            // are processed, so it never skips one.
            phase @ (Phase::ServerWaitCertificate { .. }
            | Phase::ServerWaitKeyExchange { .. }
            | Phase::ServerWaitCertificateVerify { .. }) => {
                self.phase = phase;
                self.hs.early_change_cipher_spec = true;
                return true;
            }
            // Duplicated, or too early to mean anything: the peer retransmits it.
            phase => {
                self.phase = phase;
                return false;
            }
        };
        self.phase = phase;
        self.read_cipher = Some(read);
        self.read_epoch = 1;
        self.replay = ReplayWindow::new(RECORD_REPLAY_WINDOW);
        true
    }

    pub(super) fn handle_alert(&mut self, body: &[u8]) -> Result<(), Error> {
        let alert = Alert::parse(body)?;
        self.events.push_back(Event::AlertReceived(alert));
        if alert.description == AlertDescription::CloseNotify {
            if self.state() != State::Closed {
                self.send_alert(AlertLevel::Warning, AlertDescription::CloseNotify);
            }
            self.phase = Phase::Closed;
            self.retransmit_at = None;
            self.events.push_back(Event::Closed);
            return Ok(());
        }
        if alert.level == AlertLevel::Fatal {
            return Err(Error::PeerAlert(alert.description));
        }
        Ok(())
    }

    /// The fragments of one handshake record. Before authentication (epoch 0) anything
    /// that does not parse, reassemble or decode is dropped and counted, never fatal
    /// (RFC 6347 §4.1.2.7): such a record may come from anyone on the path. Well-formed
    /// messages that break the protocol still fail the handshake.
    pub(super) fn handle_handshake_record(
        &mut self,
        now: Instant,
        header: &RecordHeader,
        plaintext: &[u8],
    ) -> Result<(), Error> {
        let authenticated = header.epoch == 1;
        let fragments = match handshake::parse_fragments(plaintext) {
            Ok(f) => f,
            Err(e) if !authenticated => {
                tracing::trace!(error = %e, "dropping a malformed handshake record");
                self.drop_record();
                return Ok(());
            }
            Err(e) => return Err(e),
        };
        // Counted once per record, however many of its fragments are dropped.
        let mut dropped = false;
        // A record's header is counted with its first fragment.
        let mut header_share = RECORD_HEADER_LEN;
        for frag in fragments {
            let seq = frag.header.message_seq;
            let wire_len =
                std::mem::take(&mut header_share) + HANDSHAKE_HEADER_LEN + frag.body.len();
            if matches!(self.phase, Phase::ServerWaitClientHello { .. }) {
                if !self.server_hello_fragment(now, header, &frag, wire_len, plaintext.len())? {
                    dropped = true;
                }
                continue;
            }
            if seq < self.next_recv_seq {
                if self.state() == State::Connected
                    && !authenticated
                    && !self.is_final_flight_message(frag.header.msg_type)
                {
                    dropped = true;
                    continue;
                }
                // The peer repeats its previous flight: ours was lost (RFC 6347 §4.2.4).
                if self.resend_for_peer_repeat(now) {
                    self.received.processed = true;
                }
                continue;
            }
            if !authenticated && (self.read_epoch == 1 || self.state() == State::Connected) {
                // Once the peer writes in epoch 1, a new plaintext message can only be
                // forged (a real peer's Finished and anything later is encrypted): it is
                // dropped without touching the reassembler, the sequence or the keys.
                dropped = true;
                continue;
            }
            if self.reassembler.push(self.next_recv_seq, &frag).is_err() {
                dropped = true;
                continue;
            }
            while let Some((ty, body)) = self.reassembler.pop(self.next_recv_seq) {
                let seq = self.next_recv_seq;
                if self.state() == State::Connected {
                    // Only epoch-1 messages get here. A ClientHello (or HelloRequest)
                    // after the handshake asks to renegotiate (RFC 5746 §4.4).
                    self.next_recv_seq = self.next_recv_seq.wrapping_add(1);
                    if matches!(ty, HandshakeType::ClientHello | HandshakeType::HelloRequest) {
                        self.send_alert(AlertLevel::Warning, AlertDescription::NoRenegotiation);
                        self.received.processed = true;
                    }
                    continue;
                }
                if !authenticated && !self.takes_plaintext(ty) {
                    // A plaintext message of a type this state cannot take may come from
                    // anyone on the path: dropped, and its slot stays open for the real one.
                    tracing::trace!(?ty, "dropping an unexpected plaintext handshake message");
                    dropped = true;
                    continue;
                }
                let msg = match HandshakeMessage::parse(ty, &body) {
                    Ok(m) => m,
                    Err(e) if !authenticated => {
                        // The message slot stays open for the real message.
                        tracing::trace!(error = %e, "dropping a handshake message that does not decode");
                        dropped = true;
                        continue;
                    }
                    Err(e) => return Err(e),
                };
                self.next_recv_seq = self.next_recv_seq.wrapping_add(1);
                let raw = encode_message(ty, seq, &body);
                self.handshake_message(now, msg, &raw)?;
                self.received.processed = true;
                if matches!(self.state(), State::Closed | State::Failed) {
                    return Ok(());
                }
                if self.hs.early_change_cipher_spec
                    && matches!(self.phase, Phase::ServerWaitChangeCipherSpec { .. })
                {
                    self.hs.early_change_cipher_spec = false;
                    self.handle_change_cipher_spec();
                }
            }
        }
        if dropped {
            self.drop_record();
        }
        Ok(())
    }

    /// A handshake fragment while a server waits for a ClientHello (RFC 6347 §4.2.1): a
    /// whole ClientHello is answered at once; a fragment of one is collected in the
    /// bounded hello buffer (`handshake::hello_fragments`), and nothing is answered until
    /// the message is complete. Returns false when the fragment was dropped.
    fn server_hello_fragment(
        &mut self,
        now: Instant,
        header: &RecordHeader,
        frag: &handshake::HandshakeFragment<'_>,
        wire_len: usize,
        record_len: usize,
    ) -> Result<bool, Error> {
        let h = frag.header;
        // A ClientHello numbered beyond any real client's first records is dropped too: the
        // server numbers its flight after it, and near 2^48 it would have none left.
        if h.msg_type != HandshakeType::ClientHello
            || header.sequence_number > MAX_CLIENT_HELLO_RECORD_SEQ
        {
            return Ok(false);
        }
        let whole = h.fragment_offset == 0 && h.fragment_length == h.length;
        let (record_sequence, message_seq, body, received) = if whole {
            (
                header.sequence_number,
                h.message_seq,
                Cow::Borrowed(frag.body),
                RECORD_HEADER_LEN + record_len,
            )
        } else {
            match push_fragment(
                &mut self.hello_fragments,
                now,
                header.sequence_number,
                wire_len,
                frag,
            ) {
                Ok(HelloProgress::Buffered) => {
                    self.received.buffered = true;
                    return Ok(true);
                }
                Ok(HelloProgress::Duplicate) => return Ok(true),
                Ok(HelloProgress::Complete(c)) => (
                    c.record_sequence,
                    c.message_seq,
                    Cow::Owned(c.body),
                    c.received,
                ),
                Err(e) => {
                    tracing::trace!(error = %e, "ClientHello fragment dropped");
                    return Ok(false);
                }
            }
        };
        let Ok(msg) = HandshakeMessage::parse(HandshakeType::ClientHello, &body) else {
            return Ok(false);
        };
        self.server_client_hello(now, record_sequence, message_seq, msg, &body, received)?;
        self.received.processed = true;
        Ok(true)
    }
}
