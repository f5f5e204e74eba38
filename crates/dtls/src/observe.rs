//! A passive DTLS handshake observer for analysers: fed the datagrams of one association
//! as a capture shows them, it reports what the handshake negotiated without taking part
//! in it. Of a DTLS 1.2 handshake it needs nothing else; of a DTLS 1.3 handshake it reports
//! the version, the randoms and the suite by itself (everything after the ServerHello is
//! encrypted, RFC 9147), and the rest when it is given the handshake's key log
//! ([`HandshakeObserver::with_key_log`]).
//!
//! In DTLS 1.2 everything up to ChangeCipherSpec travels in plaintext epoch-0 records
//! (RFC 6347 §4.1, RFC 5246 §7.3): the two randoms, the chosen version and cipher suite,
//! the ServerHello's use_srtp profile (RFC 5764 §4.1.1) and extended_master_secret (RFC
//! 7627), and both Certificate messages. That is exactly what an analyser needs to name the
//! endpoints (their certificate fingerprints, to match SDP `a=fingerprint`) and, given a key
//! log ([`crate::keylog`]), to derive the SRTP keys.
//!
//! In DTLS 1.3 only the hellos are plaintext; EncryptedExtensions (with use_srtp) and both
//! Certificates travel in epoch-2 records under the handshake traffic secrets. Given key
//! log entries holding the handshake's `CLIENT_HANDSHAKE_TRAFFIC_SECRET` and
//! `SERVER_HANDSHAKE_TRAFFIC_SECRET` (under its client random), the observer derives each
//! side's record key, IV and record-number key with the connection's own key schedule,
//! removes the record-number encryption of the unified header and opens the AEAD with the
//! connection's own record layer (`v13::record`), then reads the messages as for 1.2 but
//! in their 1.3 form: the profile from EncryptedExtensions, the fingerprints from the
//! Certificates. The SRTP keys then come from the logged `EXPORTER_SECRET`
//! ([`crate::keylog::export_dtls13_srtp_keying_material`]). Application records (epoch 3
//! on) are not opened: there is nothing in them an analyser of media needs.
//!
//! **Why it is built this way.** It reuses the connection's own record and handshake
//! codecs, its fragment reassembler and, for 1.3, its key schedule and record protection,
//! so a message the observer understands is one our endpoint would, with the same bounds:
//! per side at most [`crate::MAX_BUFFERED_BYTES`] of partial messages, messages of at most
//! [`crate::MAX_MESSAGE_LEN`], and only message_seq values below [`MAX_OBSERVED_MESSAGES`]
//! (a handshake sends fewer than ten per side). None of those codecs is exposed: the
//! public surface is the datagram in and the [`HandshakeSummary`] out, so they stay free
//! to change. The key log is taken at construction as an `Arc` of parsed entries, not
//! looked up per datagram through a callback, because an analyser parses one log for a
//! whole capture and shares it between the observers of every flow; without it the
//! observer behaves exactly as it always did. An epoch-2 record that arrives before the
//! hellos that name its keys (a reordered capture) is held, at most
//! [`MAX_PENDING_PROTECTED_BYTES`] of them, and opened once the hellos are seen.
//! Records of a later epoch (encrypted) are counted and skipped, and so are epoch-2
//! records that do not open (no key log, no secret for the handshake, a suite the
//! observer cannot open, a failed tag: [`ObserverCounters::undecryptable_records`]); a
//! fragment of a message already complete is a retransmission and is skipped; anything
//! malformed is counted and skipped. Nothing is an error and nothing panics: a capture
//! holds whatever anyone sent. Which side sent a datagram is the caller's to say (the
//! sender of the ClientHello is the client), since a capture knows addresses and the
//! observer does not.

use crate::cert::{Fingerprint, HashFunction};
use crate::handshake::{
    HandshakeMessage, HandshakeType, MAX_BUFFERED_MESSAGES, Reassembler, parse_fragments,
};
use crate::keylog::KeyLogEntries;
use crate::record::{ContentType, Record};
use crate::suite::CipherSuite;
use crate::v13::messages as m13;
use crate::v13::record::{is_unified, parse_unified_header};
use std::sync::Arc;

/// Handshake messages with a message_seq at or above this are ignored. It bounds the
/// per-side bookkeeping to one `u64`; a DTLS 1.2 handshake numbers its messages from 0 and
/// sends fewer than ten per side, a DTLS 1.3 one a few more after a HelloRetryRequest.
pub const MAX_OBSERVED_MESSAGES: u16 = 64;

/// Most bytes of DTLS 1.3 epoch-2 records held while the hellos that name their keys are
/// not seen yet (a reordered capture). A whole handshake's protected records take a few
/// kilobytes; what does not fit is counted as undecryptable.
pub const MAX_PENDING_PROTECTED_BYTES: usize = 16 * 1024;

/// DTLS 1.3's version number, as a 1.3 ServerHello's supported_versions names it.
const DTLS_1_3: u16 = m13::DTLS_1_3;

/// The content type of a handshake record.
const HANDSHAKE: u8 = 22;

/// Which endpoint sent a datagram.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Side {
    /// The endpoint that sent the ClientHello.
    Client,
    /// The endpoint that answered it.
    Server,
}

/// What the observed handshake negotiated, as far as the datagrams seen so far tell.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HandshakeSummary {
    /// The negotiated version from the ServerHello (0xFEFD for DTLS 1.2, 0xFEFC for DTLS
    /// 1.3, whose SRTP profile and certificates are encrypted and so stay unknown unless
    /// the observer was given the key log, [`HandshakeObserver::with_key_log`]).
    pub version: Option<u16>,
    /// The ClientHello's random (the last ClientHello's, after a HelloVerifyRequest).
    pub client_random: Option<[u8; 32]>,
    /// The ServerHello's random.
    pub server_random: Option<[u8; 32]>,
    /// The cipher suite the ServerHello chose.
    pub cipher_suite: Option<u16>,
    /// Its IANA name, when known (`TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256`, …).
    pub cipher_suite_name: Option<&'static str>,
    /// The SRTP protection profile of the ServerHello's use_srtp extension (DTLS 1.2) or
    /// of the EncryptedExtensions' (DTLS 1.3).
    pub srtp_profile: Option<u16>,
    /// Whether the ServerHello echoed extended_master_secret (RFC 7627; a DTLS 1.2
    /// extension, so always false for 1.3, whose key schedule has its effect built in).
    pub extended_master_secret: bool,
    /// SHA-256 of the client's first certificate, as `AA:BB:…` (the SDP fingerprint form
    /// without the hash name).
    pub client_fingerprint: Option<String>,
    /// SHA-256 of the server's first certificate, as `AA:BB:…`.
    pub server_fingerprint: Option<String>,
}

/// What the observer did with the records it was given.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ObserverCounters {
    /// Records parsed from the datagrams.
    pub records: u64,
    /// Records of a later epoch (encrypted): DTLS 1.2 records of epoch 1 on and every
    /// DTLS 1.3 record with a unified header. Skipped, unless a key log opens them
    /// ([`ObserverCounters::decrypted_records`]).
    pub encrypted_records: u64,
    /// DTLS 1.3 epoch-2 records opened with the key log's handshake traffic secrets.
    pub decrypted_records: u64,
    /// DTLS 1.3 epoch-2 records that could not be opened: no key log or no secret for the
    /// handshake in it, a suite the observer cannot open, a record that does not
    /// authenticate, or no room to hold it until the hellos are seen.
    pub undecryptable_records: u64,
    /// Handshake fragments of messages already complete (retransmissions), skipped.
    pub retransmitted_fragments: u64,
    /// Records, fragments and messages that did not parse, skipped.
    pub malformed: u64,
    /// Complete handshake messages seen.
    pub messages: u64,
}

/// One sender's reassembly state.
#[derive(Debug, Default)]
struct SideState {
    reassembler: Reassembler,
    /// Bit `n` set: message_seq `n` was complete and handled.
    done: u64,
    /// Its first certificate was fingerprinted.
    certificate_seen: bool,
}

impl SideState {
    fn is_done(&self, seq: u16) -> bool {
        self.done & (1 << seq) != 0
    }

    /// The lowest message_seq not yet complete: the reassembler buffers from there.
    fn base(&self) -> u16 {
        self.done.trailing_ones() as u16
    }
}

/// Watches one DTLS association's datagrams and summarises its handshake (see the module
/// docs).
#[derive(Debug, Default)]
pub struct HandshakeObserver {
    client: SideState,
    server: SideState,
    summary: HandshakeSummary,
    counters: ObserverCounters,
    key_log: Option<Arc<KeyLogEntries>>,
    keys: Option<dtls13::HandshakeKeys>,
    pending: Vec<dtls13::Pending>,
    pending_bytes: usize,
}

impl HandshakeObserver {
    /// An observer that has seen nothing and has no key log: of a DTLS 1.3 handshake it
    /// reports the version, the randoms and the suite.
    pub fn new() -> Self {
        Self::default()
    }

    /// An observer that opens a DTLS 1.3 handshake's epoch-2 records with the handshake
    /// traffic secrets `key_log` holds for it (found by the ClientHello's random), so it
    /// reports the SRTP profile and both fingerprints of a 1.3 handshake too. Of a DTLS 1.2
    /// handshake, and of a 1.3 one the log has no secrets for, it reports what
    /// [`HandshakeObserver::new`]'s would.
    pub fn with_key_log(key_log: Arc<KeyLogEntries>) -> Self {
        HandshakeObserver {
            key_log: Some(key_log),
            ..Self::default()
        }
    }

    /// Takes one datagram that `from` sent. Never fails: what it cannot use is counted
    /// ([`HandshakeObserver::counters`]) and skipped.
    pub fn observe(&mut self, datagram: &[u8], from: Side) {
        let mut rest = datagram;
        while let Some(&first) = rest.first() {
            if is_unified(first) {
                if first & 0x10 != 0 {
                    // A connection ID (RFC 9147 §9) of a length only the receiver knows:
                    // protected, and where the rest of the datagram starts is unknown.
                    self.counters.records += 1;
                    self.counters.encrypted_records += 1;
                    break;
                }
                // A DTLS 1.3 protected record; without a connection ID its header says
                // where it ends.
                let Ok(header) = parse_unified_header(rest) else {
                    self.counters.malformed += 1;
                    break;
                };
                let (record, tail) = rest.split_at(header.header_len + header.record_len);
                rest = tail;
                self.counters.records += 1;
                self.counters.encrypted_records += 1;
                if header.epoch_bits == 2 && self.key_log.is_some() {
                    self.handshake_epoch_record(record, &header, from);
                }
                continue;
            }
            let (record, tail) = match Record::parse(rest) {
                Ok(parsed) => parsed,
                // A tls12_cid record (RFC 9146): protected, and its CID length is the
                // receiver's secret, so where the rest of the datagram starts is unknown.
                Err(crate::Error::UnknownContentType(crate::cid::TLS12_CID)) => {
                    self.counters.records += 1;
                    self.counters.encrypted_records += 1;
                    break;
                }
                Err(_) => {
                    self.counters.malformed += 1;
                    break;
                }
            };
            rest = tail;
            self.counters.records += 1;
            if record.header.epoch != 0 {
                self.counters.encrypted_records += 1;
                continue;
            }
            if record.header.content_type != ContentType::Handshake {
                continue;
            }
            self.fragments(record.fragment, from, false);
        }
        if !self.pending.is_empty() && self.hellos_seen() {
            self.open_pending();
        }
    }

    /// Takes the handshake fragments of one record's content; `protected` when it came
    /// out of a DTLS 1.3 epoch-2 record.
    fn fragments(&mut self, content: &[u8], from: Side, protected: bool) {
        let Ok(fragments) = parse_fragments(content) else {
            self.counters.malformed += 1;
            return;
        };
        for fragment in fragments {
            let seq = fragment.header.message_seq;
            if seq >= MAX_OBSERVED_MESSAGES {
                self.counters.malformed += 1;
                continue;
            }
            let side = self.side(from);
            if side.is_done(seq) {
                self.counters.retransmitted_fragments += 1;
                continue;
            }
            let base = side.base();
            if side.reassembler.push(base, &fragment).is_err() {
                self.counters.malformed += 1;
                continue;
            }
            self.take_complete(from, protected);
        }
    }

    /// Handles every message of `from` that the last fragment completed.
    fn take_complete(&mut self, from: Side, protected: bool) {
        let side = self.side(from);
        let base = side.base();
        let end = base
            .saturating_add(MAX_BUFFERED_MESSAGES)
            .min(MAX_OBSERVED_MESSAGES);
        let mut complete = Vec::new();
        for seq in base..end {
            if side.is_done(seq) {
                continue;
            }
            if let Some(message) = side.reassembler.pop(seq) {
                side.done |= 1 << seq;
                complete.push(message);
            }
        }
        for (msg_type, body) in complete {
            self.counters.messages += 1;
            if protected {
                self.protected_message(from, msg_type, &body);
            } else {
                self.message(from, msg_type, &body);
            }
        }
    }

    fn side(&mut self, from: Side) -> &mut SideState {
        match from {
            Side::Client => &mut self.client,
            Side::Server => &mut self.server,
        }
    }

    /// Takes what the summary needs from one complete message of a plaintext record.
    fn message(&mut self, from: Side, msg_type: HandshakeType, body: &[u8]) {
        let wanted = matches!(
            (from, msg_type),
            (Side::Client, HandshakeType::ClientHello)
                | (Side::Server, HandshakeType::ServerHello)
                | (_, HandshakeType::Certificate)
        );
        if !wanted {
            return;
        }
        // DTLS 1.3 sends its certificates encrypted only: one in the clear is not the
        // handshake's.
        if msg_type == HandshakeType::Certificate && self.summary.version == Some(DTLS_1_3) {
            return;
        }
        let Ok(message) = HandshakeMessage::parse(msg_type, body) else {
            self.counters.malformed += 1;
            return;
        };
        match message {
            HandshakeMessage::ClientHello(hello) => self.summary.client_random = Some(hello.random),
            HandshakeMessage::ServerHello(hello) => {
                // A DTLS 1.3 ServerHello names its version in supported_versions (RFC 8446
                // §4.2.1) under the legacy 1.2 value; a HelloRetryRequest negotiates
                // nothing yet, and the ServerHello after it says it all again.
                let hello13 = m13::ServerHello13::parse(body).ok();
                if hello13.as_ref().is_some_and(|h| h.is_retry()) {
                    return;
                }
                let selected = hello13.and_then(|h| h.selected_version().ok().flatten());
                let s = &mut self.summary;
                let version = selected.unwrap_or(hello.server_version);
                s.version = Some(version);
                s.server_random = Some(hello.random);
                s.cipher_suite = Some(hello.cipher_suite);
                s.cipher_suite_name = cipher_suite_name(hello.cipher_suite);
                s.srtp_profile = hello
                    .extensions
                    .use_srtp
                    .and_then(|u| u.profiles.first().copied());
                s.extended_master_secret = hello.extensions.extended_master_secret;
                if version == DTLS_1_3 {
                    // Certificates seen in the clear before the ServerHello said 1.3 were
                    // not this handshake's.
                    s.client_fingerprint = None;
                    s.server_fingerprint = None;
                    self.client.certificate_seen = false;
                    self.server.certificate_seen = false;
                }
            }
            HandshakeMessage::Certificate(certificate) => {
                self.fingerprint(from, certificate.certificates.first());
            }
            _ => {}
        }
    }

    /// Takes what the summary needs from one complete message of a DTLS 1.3 epoch-2
    /// record: the server's EncryptedExtensions and both Certificates (RFC 8446 §4.3.1,
    /// §4.4.2).
    fn protected_message(&mut self, from: Side, msg_type: HandshakeType, body: &[u8]) {
        match (from, msg_type.to_u8()) {
            (Side::Server, m13::ty::ENCRYPTED_EXTENSIONS) => {
                let Ok(Some((profiles, _mki))) =
                    m13::parse_encrypted_extensions(body).and_then(|e| e.use_srtp())
                else {
                    self.counters.malformed += 1;
                    return;
                };
                self.summary.srtp_profile = profiles.first().copied();
            }
            (_, m13::ty::CERTIFICATE) => {
                let Ok(certificate) = m13::Certificate13::parse(body) else {
                    self.counters.malformed += 1;
                    return;
                };
                self.fingerprint(from, certificate.certificates.first());
            }
            _ => {}
        }
    }

    /// Records the fingerprint of `from`'s first certificate, once.
    fn fingerprint(&mut self, from: Side, first: Option<&Vec<u8>>) {
        let Some(first) = first else {
            // An empty Certificate: a client declining to authenticate.
            return;
        };
        let side = self.side(from);
        if side.certificate_seen {
            return;
        }
        side.certificate_seen = true;
        let fingerprint = Some(colon_hex(&Fingerprint::of(HashFunction::Sha256, first)));
        match from {
            Side::Client => self.summary.client_fingerprint = fingerprint,
            Side::Server => self.summary.server_fingerprint = fingerprint,
        }
    }

    /// What the handshake negotiated, from what was seen so far.
    pub fn summary(&self) -> HandshakeSummary {
        self.summary.clone()
    }

    /// What became of the records seen so far.
    pub fn counters(&self) -> ObserverCounters {
        self.counters
    }
}

/// `AA:BB:…`, upper-case hex.
fn colon_hex(fingerprint: &Fingerprint) -> String {
    let mut out = String::with_capacity(fingerprint.value.len() * 3);
    for (i, b) in fingerprint.value.iter().enumerate() {
        if i > 0 {
            out.push(':');
        }
        out.push_str(&format!("{b:02X}"));
    }
    out
}

/// The IANA name of the suites a DTLS 1.2 WebRTC or OpenSSL peer commonly chooses, and of
/// the TLS 1.3 suites.
pub fn cipher_suite_name(value: u16) -> Option<&'static str> {
    if let Some(suite) = CipherSuite::from_u16(value) {
        return Some(suite.name());
    }
    Some(match value {
        0xC009 => "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA",
        0xC00A => "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA",
        0xC013 => "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA",
        0xC014 => "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA",
        0x009C => "TLS_RSA_WITH_AES_128_GCM_SHA256",
        0x009D => "TLS_RSA_WITH_AES_256_GCM_SHA384",
        0x002F => "TLS_RSA_WITH_AES_128_CBC_SHA",
        0x0035 => "TLS_RSA_WITH_AES_256_CBC_SHA",
        0x1301 => "TLS_AES_128_GCM_SHA256",
        0x1302 => "TLS_AES_256_GCM_SHA384",
        0x1303 => "TLS_CHACHA20_POLY1305_SHA256",
        0x1304 => "TLS_AES_128_CCM_SHA256",
        0x1305 => "TLS_AES_128_CCM_8_SHA256",
        _ => return None,
    })
}

mod dtls13;

#[cfg(test)]
mod tests;
