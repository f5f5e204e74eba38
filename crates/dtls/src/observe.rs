//! A passive DTLS 1.2 handshake observer for analysers: fed the datagrams of one
//! association as a capture shows them, it reports what the handshake negotiated without
//! taking part in it. Of a DTLS 1.3 handshake it reports the version, the randoms and the
//! suite: everything after its ServerHello is encrypted (RFC 9147).
//!
//! In DTLS 1.2 everything up to ChangeCipherSpec travels in plaintext epoch-0 records
//! (RFC 6347 §4.1, RFC 5246 §7.3): the two randoms, the chosen version and cipher suite,
//! the ServerHello's use_srtp profile (RFC 5764 §4.1.1) and extended_master_secret (RFC
//! 7627), and both Certificate messages. That is exactly what an analyser needs to name the
//! endpoints (their certificate fingerprints, to match SDP `a=fingerprint`) and, given a key
//! log ([`crate::keylog`]), to derive the SRTP keys.
//!
//! **Why it is built this way.** It reuses the connection's own record and handshake
//! codecs and its fragment reassembler, so a message the observer understands is one our
//! endpoint would, with the same bounds: per side at most [`crate::MAX_BUFFERED_BYTES`]
//! of partial messages, messages of at most [`crate::MAX_MESSAGE_LEN`], and only
//! message_seq values below [`MAX_OBSERVED_MESSAGES`] (a DTLS 1.2 handshake sends fewer
//! than ten per side). None of those codecs is exposed: the public surface is the
//! datagram in and the [`HandshakeSummary`] out, so they stay free to change. Records of
//! a later epoch (encrypted) are counted and skipped; a fragment of a message already
//! complete is a retransmission and is skipped; anything malformed is counted and
//! skipped. Nothing is an error and nothing panics: a capture holds whatever anyone sent.
//! Which side sent a datagram is the caller's to say (the sender of the ClientHello is the
//! client), since a capture knows addresses and the observer does not.

use crate::cert::{Fingerprint, HashFunction};
use crate::handshake::{
    HandshakeMessage, HandshakeType, MAX_BUFFERED_MESSAGES, Reassembler, parse_fragments,
};
use crate::record::{ContentType, records};
use crate::suite::CipherSuite;

/// Handshake messages with a message_seq at or above this are ignored. It bounds the
/// per-side bookkeeping to one `u64`; a DTLS 1.2 handshake numbers its messages from 0 and
/// sends fewer than ten per side.
pub const MAX_OBSERVED_MESSAGES: u16 = 64;

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
    /// 1.3, whose SRTP profile and certificates are encrypted and so stay unknown here).
    pub version: Option<u16>,
    /// The ClientHello's random (the last ClientHello's, after a HelloVerifyRequest).
    pub client_random: Option<[u8; 32]>,
    /// The ServerHello's random.
    pub server_random: Option<[u8; 32]>,
    /// The cipher suite the ServerHello chose.
    pub cipher_suite: Option<u16>,
    /// Its IANA name, when known (`TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256`, …).
    pub cipher_suite_name: Option<&'static str>,
    /// The SRTP protection profile of the ServerHello's use_srtp extension.
    pub srtp_profile: Option<u16>,
    /// Whether the ServerHello echoed extended_master_secret (RFC 7627).
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
    /// Records of a later epoch (encrypted), skipped.
    pub encrypted_records: u64,
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
}

impl HandshakeObserver {
    /// An observer that has seen nothing.
    pub fn new() -> Self {
        Self::default()
    }

    /// Takes one datagram that `from` sent. Never fails: what it cannot use is counted
    /// ([`HandshakeObserver::counters`]) and skipped.
    pub fn observe(&mut self, datagram: &[u8], from: Side) {
        for record in records(datagram) {
            let record = match record {
                Ok(r) => r,
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
            self.counters.records += 1;
            if record.header.epoch != 0 {
                self.counters.encrypted_records += 1;
                continue;
            }
            if record.header.content_type != ContentType::Handshake {
                continue;
            }
            let Ok(fragments) = parse_fragments(record.fragment) else {
                self.counters.malformed += 1;
                continue;
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
                self.take_complete(from);
            }
        }
    }

    /// Handles every message of `from` that the last fragment completed.
    fn take_complete(&mut self, from: Side) {
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
            self.message(from, msg_type, &body);
        }
    }

    fn side(&mut self, from: Side) -> &mut SideState {
        match from {
            Side::Client => &mut self.client,
            Side::Server => &mut self.server,
        }
    }

    /// Takes what the summary needs from one complete message.
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
                let hello13 = crate::v13::messages::ServerHello13::parse(body).ok();
                if hello13.as_ref().is_some_and(|h| h.is_retry()) {
                    return;
                }
                let selected = hello13.and_then(|h| h.selected_version().ok().flatten());
                let s = &mut self.summary;
                s.version = Some(selected.unwrap_or(hello.server_version));
                s.server_random = Some(hello.random);
                s.cipher_suite = Some(hello.cipher_suite);
                s.cipher_suite_name = cipher_suite_name(hello.cipher_suite);
                s.srtp_profile = hello
                    .extensions
                    .use_srtp
                    .and_then(|u| u.profiles.first().copied());
                s.extended_master_secret = hello.extensions.extended_master_secret;
            }
            HandshakeMessage::Certificate(certificate) => {
                let Some(first) = certificate.certificates.first() else {
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
            _ => {}
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

/// The IANA name of the suites a DTLS 1.2 WebRTC or OpenSSL peer commonly chooses.
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
        _ => return None,
    })
}

#[cfg(test)]
mod tests;
