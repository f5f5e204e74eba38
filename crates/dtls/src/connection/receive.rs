//! The receive path: records out of datagrams (RFC 6347 §4.1), epochs and the replay
//! window, ChangeCipherSpec, alerts, and handshake fragments in message_seq order
//! (RFC 6347 §4.2.2).

use super::{Connection, Event, MAX_EARLY_RECORDS, Role, State};
use crate::alert::{Alert, AlertDescription, AlertLevel};
use crate::crypto::aead::RecordId;
use crate::error::Error;
use crate::handshake::{self, HandshakeMessage, HandshakeType, encode_message};
use crate::record::{self, ContentType, MAX_PLAINTEXT_LEN, RECORD_HEADER_LEN, RecordHeader};
use crate::replay::ReplayWindow;
use std::time::Instant;

impl Connection {
    pub(super) fn process_datagram(&mut self, now: Instant, datagram: &[u8]) -> Result<(), Error> {
        for rec in record::records(datagram) {
            let Ok(rec) = rec else {
                tracing::trace!("dropping the rest of a malformed datagram");
                break;
            };
            let h = rec.header;
            let plaintext = if h.epoch == 0 {
                // Unprotected application data never counts; once the peer has switched to
                // epoch 1 an unprotected alert could be forged by anyone on the path.
                if h.content_type == ContentType::ApplicationData
                    || (h.content_type == ContentType::Alert && self.read_epoch == 1)
                {
                    continue;
                }
                rec.fragment.to_vec()
            } else if h.epoch == 1 && self.read_epoch == 0 {
                // Reordered ahead of the peer's ChangeCipherSpec: keep a few to open once
                // the keys are switched (RFC 6347 §4.1).
                if self.handshaking()
                    && self.state != State::ServerWaitClientHello
                    && self.early_records.len() < MAX_EARLY_RECORDS
                {
                    let mut raw = Vec::with_capacity(RECORD_HEADER_LEN + rec.fragment.len());
                    h.write(&mut raw);
                    raw.extend_from_slice(rec.fragment);
                    self.early_records.push(raw);
                }
                continue;
            } else if h.epoch == self.read_epoch && h.epoch == 1 {
                let Some(cipher) = &self.read_cipher else {
                    continue;
                };
                if !self.replay.is_fresh(h.sequence_number) {
                    continue;
                }
                let id = RecordId {
                    epoch: h.epoch,
                    sequence_number: h.sequence_number,
                    content_type: h.content_type,
                    version: h.version,
                };
                let Some(p) = cipher.open(&id, rec.fragment) else {
                    tracing::trace!(
                        seq = h.sequence_number,
                        "dropping a record that does not authenticate"
                    );
                    continue;
                };
                self.replay.accept(h.sequence_number);
                p
            } else {
                continue;
            };
            if plaintext.len() > MAX_PLAINTEXT_LEN {
                return Err(Error::RecordOverflow {
                    len: plaintext.len(),
                });
            }
            match h.content_type {
                ContentType::Handshake => self.handle_handshake_record(now, &h, &plaintext)?,
                ContentType::ChangeCipherSpec => self.handle_change_cipher_spec(&plaintext)?,
                ContentType::Alert => self.handle_alert(&plaintext)?,
                ContentType::ApplicationData => {
                    if self.state == State::Connected {
                        self.events.push_back(Event::ApplicationData(plaintext));
                    }
                }
            }
            if matches!(self.state, State::Closed | State::Failed) {
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

    pub(super) fn handle_change_cipher_spec(&mut self, body: &[u8]) -> Result<(), Error> {
        if body != [1] {
            return Err(Error::IllegalParameter("ChangeCipherSpec body"));
        }
        let next = match self.state {
            State::ClientWaitChangeCipherSpec => State::ClientWaitFinished,
            State::ServerWaitChangeCipherSpec => State::ServerWaitFinished,
            // Ahead of the client's last handshake messages (reordered): applied once they
            // are processed, so it never skips one.
            State::ServerWaitCertificate
            | State::ServerWaitKeyExchange
            | State::ServerWaitCertificateVerify => {
                self.hs.early_change_cipher_spec = true;
                return Ok(());
            }
            // Duplicated, or too early to mean anything: the peer retransmits it.
            _ => return Ok(()),
        };
        let Some(cipher) = self.hs.pending_read.take() else {
            return Ok(());
        };
        self.read_cipher = Some(cipher);
        self.read_epoch = 1;
        self.replay = ReplayWindow::new();
        self.state = next;
        Ok(())
    }

    pub(super) fn handle_alert(&mut self, body: &[u8]) -> Result<(), Error> {
        let alert = Alert::parse(body)?;
        self.events.push_back(Event::AlertReceived(alert));
        if alert.description == AlertDescription::CloseNotify {
            if !matches!(self.state, State::Closed) {
                self.send_alert(AlertLevel::Warning, AlertDescription::CloseNotify);
            }
            self.state = State::Closed;
            self.retransmit_at = None;
            self.events.push_back(Event::Closed);
            return Ok(());
        }
        if alert.level == AlertLevel::Fatal {
            return Err(Error::PeerAlert(alert.description));
        }
        Ok(())
    }

    pub(super) fn handle_handshake_record(
        &mut self,
        now: Instant,
        header: &RecordHeader,
        plaintext: &[u8],
    ) -> Result<(), Error> {
        for frag in handshake::parse_fragments(plaintext)? {
            let seq = frag.header.message_seq;
            if self.state == State::ServerWaitClientHello {
                let h = frag.header;
                // Until a cookie proves the address the server keeps nothing, so a first
                // ClientHello must come whole (RFC 6347 §4.2.1); fragments are dropped.
                if h.msg_type != HandshakeType::ClientHello
                    || h.fragment_offset != 0
                    || h.fragment_length != h.length
                {
                    continue;
                }
                let msg = HandshakeMessage::parse(h.msg_type, frag.body)?;
                self.server_client_hello(now, header, seq, msg, frag.body)?;
                continue;
            }
            if seq < self.next_recv_seq {
                // The peer repeats its previous flight: ours was lost (RFC 6347 §4.2.4).
                self.resend_for_peer_repeat(now);
                continue;
            }
            self.reassembler.push(self.next_recv_seq, &frag)?;
            while let Some((ty, body)) = self.reassembler.pop(self.next_recv_seq) {
                let seq = self.next_recv_seq;
                self.next_recv_seq = self.next_recv_seq.wrapping_add(1);
                if self.state == State::Connected {
                    // A ClientHello (or HelloRequest) after the handshake asks to
                    // renegotiate (RFC 5746 §4.4).
                    self.send_alert(AlertLevel::Warning, AlertDescription::NoRenegotiation);
                    continue;
                }
                let msg = HandshakeMessage::parse(ty, &body)?;
                let raw = encode_message(ty, seq, &body);
                match self.role {
                    Role::Client => self.client_message(now, msg, &raw)?,
                    Role::Server => self.server_message(now, msg, &raw)?,
                }
                if matches!(self.state, State::Closed | State::Failed) {
                    return Ok(());
                }
                if self.hs.early_change_cipher_spec
                    && self.state == State::ServerWaitChangeCipherSpec
                {
                    self.hs.early_change_cipher_spec = false;
                    self.handle_change_cipher_spec(&[1])?;
                }
            }
        }
        Ok(())
    }
}
