//! HelloVerifyRequest cookies (RFC 6347 §4.2.1): an HMAC over the client's transport
//! address and its ClientHello under a server secret, so a server keeps no handshake state
//! for a client until the client proves it receives at its address.
//!
//! The only thing kept before that proof is the bounded buffer that puts a fragmented
//! ClientHello together ([`PendingHellos`] for a front end serving many addresses; why its
//! bounds are what they are is in the `handshake::hello_fragments` module). The cookie is
//! computed over the complete, reassembled message.

use crate::crypto::prf::hmac_sha256;
use crate::handshake::{
    ClientHello, CompleteHello, HANDSHAKE_HEADER_LEN, HandshakeFragment, HandshakeMessage,
    HandshakeType, HelloProgress, HelloVerifyRequest, MAX_CLIENT_HELLO_RECORD_SEQ, PartialHello,
    encode_message, parse_fragments,
};
use crate::record::{ContentType, DTLS_1_0, DTLS_1_2, RECORD_HEADER_LEN, RecordHeader, records};
use crate::v13::server::{HelloContext, Screened};
use crate::{Config, ProtocolVersion};
use rand_core::CryptoRng;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Instant;
use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

/// Length of the cookies we issue.
pub const COOKIE_LEN: usize = 32;

/// The server's cookie key.
pub struct CookieSecret(Zeroizing<[u8; 32]>);

impl std::fmt::Debug for CookieSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("CookieSecret(..)")
    }
}

impl CookieSecret {
    /// A fresh secret from the operating system's randomness.
    pub fn generate() -> Result<Self, crate::Error> {
        Ok(Self::generate_with_rng(&mut crate::random::os_rng()?))
    }

    /// A fresh secret from `rng`.
    pub fn generate_with_rng(rng: &mut (impl CryptoRng + ?Sized)) -> Self {
        let mut k = Zeroizing::new([0u8; 32]);
        rng.fill_bytes(&mut *k);
        CookieSecret(k)
    }

    /// The cookie for a hello from `client_address`. The cookie field itself is left out,
    /// so the second ClientHello maps to the same cookie as the first. The address enters
    /// the MAC in its text form (`192.0.2.1:5004`, `[2001:db8::1]:5004`), which is stable
    /// and names address and port unambiguously. Every variable-length field enters with
    /// its length, as on the wire, so bytes cannot move from one list into the next
    /// without changing the MAC.
    pub(crate) fn cookie(
        &self,
        client_address: SocketAddr,
        hello: &ClientHello,
    ) -> [u8; COOKIE_LEN] {
        let client_address = client_address.to_string();
        let client_address = client_address.as_bytes();
        let mut fields = Vec::new();
        fields.extend_from_slice(&hello.client_version.to_be_bytes());
        fields.extend_from_slice(&hello.random);
        fields.push(hello.session_id.len() as u8);
        fields.extend_from_slice(&hello.session_id);
        fields.extend_from_slice(&((hello.cipher_suites.len() * 2) as u16).to_be_bytes());
        for s in &hello.cipher_suites {
            fields.extend_from_slice(&s.to_be_bytes());
        }
        fields.push(hello.compression_methods.len() as u8);
        fields.extend_from_slice(&hello.compression_methods);
        let len = (client_address.len() as u32).to_be_bytes();
        let mac = hmac_sha256(&*self.0, &[&len, client_address, &fields]);
        let mut out = [0u8; COOKIE_LEN];
        out.copy_from_slice(&mac[..COOKIE_LEN]);
        out
    }

    /// An HMAC-SHA256 under the secret over `parts`, for the DTLS 1.3 HelloRetryRequest
    /// cookie (`v13::server`), which binds other fields than the 1.2 cookie.
    pub(crate) fn mac(&self, parts: &[&[u8]]) -> [u8; 32] {
        let mut out = [0u8; 32];
        out.copy_from_slice(&hmac_sha256(&*self.0, parts)[..32]);
        out
    }

    /// True when `hello` carries the cookie we would issue to `client_address`.
    pub(crate) fn verify(&self, client_address: SocketAddr, hello: &ClientHello) -> bool {
        hello.cookie.len() == COOKIE_LEN
            && bool::from(self.cookie(client_address, hello).ct_eq(&hello.cookie))
    }
}

/// Most source addresses whose incomplete ClientHello a [`PendingHellos`] holds at once.
///
/// The fragments of one ClientHello leave the client back to back, so a legitimate entry
/// lives for the milliseconds between its first and last fragment; 64 entries serve 64
/// clients whose hellos are in flight in the same instant, and a flood of first fragments
/// from spoofed addresses must send 64 of them in that instant to push a real one out.
/// The table never holds more than 64 × [`crate::MAX_CLIENT_HELLO_LEN`] bytes of message
/// (256 KiB).
pub const MAX_PENDING_HELLOS: usize = 64;

/// The incomplete ClientHellos of a front end that serves many peers, one per source
/// address, for [`CookieSecret::verify_datagram`].
///
/// Bounded in every direction: at most [`MAX_PENDING_HELLOS`] addresses, each holding at
/// most [`crate::MAX_CLIENT_HELLO_LEN`] bytes in at most [`crate::MAX_CLIENT_HELLO_PIECES`]
/// pieces for at most [`crate::HELLO_FRAGMENT_LIFETIME`]. When a new address finds the
/// table full, the entry that started first is evicted. Fragments that contradict the
/// held ones or break a bound are dropped and counted ([`PendingHellos::dropped`]); none
/// is an error.
#[derive(Debug, Default)]
pub struct PendingHellos {
    entries: Vec<(SocketAddr, PartialHello)>,
    dropped: u64,
    evicted: u64,
}

impl PendingHellos {
    /// An empty table.
    pub fn new() -> Self {
        Self::default()
    }

    /// How many source addresses have an incomplete ClientHello held.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// True when no incomplete ClientHello is held.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Bytes of message body held, over every address.
    pub fn buffered_bytes(&self) -> usize {
        self.entries.iter().map(|(_, p)| p.buffered_bytes()).sum()
    }

    /// How many handshake records or ClientHello fragments were dropped: malformed, of
    /// another message type, inconsistent with the fragments held, or over a bound.
    pub fn dropped(&self) -> u64 {
        self.dropped
    }

    /// How many incomplete ClientHellos were evicted to make room for a new address.
    pub fn evicted(&self) -> u64 {
        self.evicted
    }

    /// Forgets what `client_address` has held.
    fn forget(&mut self, client_address: SocketAddr) {
        self.entries.retain(|(a, _)| *a != client_address);
    }

    /// Forgets every entry older than [`crate::HELLO_FRAGMENT_LIFETIME`].
    fn expire(&mut self, now: Instant) {
        self.entries.retain(|(_, p)| !p.expired(now));
    }

    fn count_drop(&mut self) {
        self.dropped = self.dropped.saturating_add(1);
    }

    /// Takes a fragment (not a whole message) of a ClientHello from `client_address`.
    fn push(
        &mut self,
        now: Instant,
        client_address: SocketAddr,
        record_sequence: u64,
        wire_len: usize,
        fragment: &HandshakeFragment<'_>,
    ) -> Result<HelloProgress, crate::Error> {
        let held = self
            .entries
            .iter_mut()
            .enumerate()
            .find(|(_, (a, _))| *a == client_address);
        if let Some((i, (_, partial))) = held {
            let progress = partial.push(now, record_sequence, wire_len, fragment)?;
            if matches!(progress, HelloProgress::Complete(_)) {
                self.entries.swap_remove(i);
            }
            return Ok(progress);
        }
        let (partial, progress) = PartialHello::start(now, record_sequence, wire_len, fragment)?;
        if matches!(progress, HelloProgress::Complete(_)) {
            return Ok(progress);
        }
        if self.entries.len() >= MAX_PENDING_HELLOS {
            let oldest = self
                .entries
                .iter()
                .enumerate()
                .min_by_key(|(_, (_, p))| p.started())
                .map(|(i, _)| i);
            if let Some(i) = oldest {
                let (address, _) = self.entries.swap_remove(i);
                self.evicted = self.evicted.saturating_add(1);
                tracing::debug!(%address, "pending ClientHello evicted");
            }
        }
        self.entries.push((client_address, partial));
        Ok(progress)
    }
}

/// What a front end does with a datagram from an address it has no connection for
/// (RFC 6347 §4.2.1).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum HelloVerdict {
    /// A ClientHello with a valid cookie: create the server connection (with the same
    /// secret, [`crate::Connection::server_with_cookie_secret`]) and give it these bytes.
    /// They are the datagram itself when the ClientHello came whole, or the ClientHello
    /// reassembled from its fragments as one record.
    Accept(Vec<u8>),
    /// A ClientHello without a valid cookie: send this back and forget. It is a
    /// HelloVerifyRequest (DTLS 1.2) or a HelloRetryRequest carrying a cookie (DTLS 1.3),
    /// never larger than the bytes of the ClientHello it answers.
    Challenge(Vec<u8>),
    /// A fragment of a ClientHello was kept until the rest arrives: send nothing.
    Buffered,
    /// Anything else: drop it.
    Drop,
}

impl CookieSecret {
    /// Judges a datagram from `client_address`, an address without a connection. A
    /// ClientHello that comes whole is judged without keeping anything; one that comes in
    /// fragments, in one datagram or several, in any order and with duplicates, is
    /// collected in `pending` (bounded, see [`PendingHellos`]) and judged once complete.
    /// Nothing is answered before then, and the cookie is checked on the complete
    /// message, so fragments create no state beyond `pending`.
    ///
    /// `config` is the configuration of the server connections the front end creates
    /// (the same `Arc` it gives [`crate::Connection::server_with_cookie_secret`]). When it
    /// allows DTLS 1.3 and the hello offers 1.3 with a suite, group and signature scheme
    /// it can take, the challenge is the 1.3 HelloRetryRequest with a cookie (RFC 9147
    /// §5.1) and the accepted hello is the second one returning it, so the connection
    /// speaks 1.3; any other hello gets the 1.2 HelloVerifyRequest, exactly as the
    /// connection itself would answer.
    pub fn verify_datagram(
        &self,
        config: &Arc<Config>,
        pending: &mut PendingHellos,
        now: Instant,
        client_address: SocketAddr,
        datagram: &[u8],
    ) -> HelloVerdict {
        pending.expire(now);
        let verdict = self.judge_datagram(config, pending, now, client_address, datagram);
        if matches!(verdict, HelloVerdict::Accept(_)) {
            pending.forget(client_address);
        }
        verdict
    }

    fn judge_datagram(
        &self,
        config: &Arc<Config>,
        pending: &mut PendingHellos,
        now: Instant,
        client_address: SocketAddr,
        datagram: &[u8],
    ) -> HelloVerdict {
        let mut buffered = false;
        for rec in records(datagram) {
            let Ok(rec) = rec else {
                pending.count_drop();
                break;
            };
            let header = rec.header;
            if header.content_type != ContentType::Handshake || header.epoch != 0 {
                continue;
            }
            let Ok(fragments) = parse_fragments(rec.fragment) else {
                pending.count_drop();
                continue;
            };
            // A record's header is counted with its first fragment.
            let mut header_share = RECORD_HEADER_LEN;
            for f in fragments {
                let wire_len =
                    std::mem::take(&mut header_share) + HANDSHAKE_HEADER_LEN + f.body.len();
                let h = f.header;
                if h.msg_type == HandshakeType::ClientHello
                    && h.fragment_offset == 0
                    && h.fragment_length == h.length
                {
                    if header.sequence_number > MAX_CLIENT_HELLO_RECORD_SEQ {
                        return HelloVerdict::Drop;
                    }
                    return self.judge(
                        config,
                        client_address,
                        header.sequence_number,
                        h.message_seq,
                        f.body,
                        datagram.len(),
                        || datagram.to_vec(),
                    );
                }
                match pending.push(now, client_address, header.sequence_number, wire_len, &f) {
                    Ok(HelloProgress::Buffered) => buffered = true,
                    Ok(HelloProgress::Duplicate) => {}
                    Ok(HelloProgress::Complete(hello)) => {
                        return self.judge(
                            config,
                            client_address,
                            hello.record_sequence,
                            hello.message_seq,
                            &hello.body,
                            hello.received,
                            || hello_record(header.version, &hello),
                        );
                    }
                    Err(e) => {
                        tracing::trace!(error = %e, address = %client_address, "ClientHello fragment dropped");
                        pending.count_drop();
                    }
                }
            }
        }
        if buffered {
            HelloVerdict::Buffered
        } else {
            HelloVerdict::Drop
        }
    }

    /// The verdict on a complete ClientHello body that came in `received` bytes.
    #[allow(clippy::too_many_arguments)]
    fn judge(
        &self,
        config: &Arc<Config>,
        client_address: SocketAddr,
        record_sequence: u64,
        message_seq: u16,
        body: &[u8],
        received: usize,
        accepted: impl FnOnce() -> Vec<u8>,
    ) -> HelloVerdict {
        if config.max_version >= ProtocolVersion::Dtls13 {
            let cx = HelloContext {
                config,
                cookie_secret: self,
                client_address,
                record_sequence,
                message_seq,
                body,
                received,
            };
            match crate::v13::server::screen(&cx) {
                Screened::NotDtls13 => {}
                Screened::Answered(Some(retry)) => return HelloVerdict::Challenge(retry),
                Screened::Answered(None) => return HelloVerdict::Drop,
                Screened::CookieValid => return HelloVerdict::Accept(accepted()),
            }
        }
        let Ok(HandshakeMessage::ClientHello(hello)) =
            HandshakeMessage::parse(HandshakeType::ClientHello, body)
        else {
            return HelloVerdict::Drop;
        };
        if self.verify(client_address, &hello) {
            return HelloVerdict::Accept(accepted());
        }
        match self.challenge(
            client_address,
            &hello,
            record_sequence,
            message_seq,
            received,
        ) {
            Some(hvr) => HelloVerdict::Challenge(hvr),
            None => HelloVerdict::Drop,
        }
    }

    /// The HelloVerifyRequest datagram for `hello`, or `None` when it would be larger
    /// than the `received` bytes that brought the ClientHello: before the cookie a server
    /// never sends more than it got (RFC 6347 §4.2.1, no amplification). With a 32-byte
    /// cookie it is 60 bytes, and the smallest ClientHello record is 67.
    pub(crate) fn challenge(
        &self,
        client_address: SocketAddr,
        hello: &ClientHello,
        record_sequence: u64,
        message_seq: u16,
        received: usize,
    ) -> Option<Vec<u8>> {
        let cookie = self.cookie(client_address, hello);
        let hvr = hello_verify_request(record_sequence, message_seq, &cookie);
        if hvr.len() > received {
            tracing::debug!(
                len = hvr.len(),
                received,
                "HelloVerifyRequest larger than its ClientHello, not sent"
            );
            return None;
        }
        Some(hvr)
    }
}

/// A reassembled ClientHello as one epoch-0 record, for the connection a front end
/// creates.
fn hello_record(version: u16, hello: &CompleteHello) -> Vec<u8> {
    let payload = encode_message(HandshakeType::ClientHello, hello.message_seq, &hello.body);
    let mut out = Vec::with_capacity(RECORD_HEADER_LEN + payload.len());
    RecordHeader {
        content_type: ContentType::Handshake,
        version,
        epoch: 0,
        sequence_number: hello.record_sequence,
        length: u16::try_from(payload.len()).unwrap_or(u16::MAX),
    }
    .write(&mut out);
    out.extend_from_slice(&payload);
    out
}

/// A HelloVerifyRequest datagram answering a ClientHello that came in record
/// `record_sequence` with `message_seq` (RFC 6347 §4.2.1: the server reuses both, and
/// states DTLS 1.0 as its version).
pub(crate) fn hello_verify_request(
    record_sequence: u64,
    message_seq: u16,
    cookie: &[u8],
) -> Vec<u8> {
    let msg = HandshakeMessage::HelloVerifyRequest(HelloVerifyRequest {
        server_version: DTLS_1_0,
        cookie: cookie.to_vec(),
    });
    let mut body = Vec::new();
    msg.write_body(&mut body);
    let payload = encode_message(HandshakeType::HelloVerifyRequest, message_seq, &body);
    let mut out = Vec::with_capacity(13 + payload.len());
    RecordHeader {
        content_type: ContentType::Handshake,
        version: DTLS_1_2,
        epoch: 0,
        sequence_number: record_sequence,
        length: payload.len() as u16,
    }
    .write(&mut out);
    out.extend_from_slice(&payload);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::handshake::Extensions;
    use chacha20::ChaCha20Rng;
    use rand_core::SeedableRng;

    #[test]
    fn cookie_binds_address_and_hello() {
        let secret = CookieSecret::generate_with_rng(&mut ChaCha20Rng::from_seed([5; 32]));
        let mut hello = ClientHello {
            client_version: 0xFEFD,
            random: [1; 32],
            session_id: vec![],
            cookie: vec![],
            cipher_suites: vec![0xC02B],
            compression_methods: vec![0],
            extensions: Extensions::default(),
        };
        let addr: SocketAddr = "192.0.2.1:5000".parse().unwrap();
        hello.cookie = secret.cookie(addr, &hello).to_vec();
        assert!(secret.verify(addr, &hello));
        assert!(!secret.verify("192.0.2.1:5001".parse().unwrap(), &hello));
        let mut other = hello.clone();
        other.random[0] ^= 1;
        assert!(!secret.verify(addr, &other));
        let other_secret = CookieSecret::generate_with_rng(&mut ChaCha20Rng::from_seed([6; 32]));
        assert!(!other_secret.verify(addr, &hello));
        hello.cookie.pop();
        assert!(!secret.verify(addr, &hello));
    }

    #[test]
    fn cookie_binds_each_list_with_its_length() {
        // Bytes moved between the cipher-suite list and the compression list must make a
        // different hello, not the same MAC input.
        let secret = CookieSecret::generate_with_rng(&mut ChaCha20Rng::from_seed([5; 32]));
        let hello = ClientHello {
            client_version: 0xFEFD,
            random: [1; 32],
            session_id: vec![],
            cookie: vec![],
            cipher_suites: vec![0xC02B, 0x0000],
            compression_methods: vec![1],
            extensions: Extensions::default(),
        };
        let shifted = ClientHello {
            cipher_suites: vec![0xC02B],
            compression_methods: vec![0, 0, 1],
            ..hello.clone()
        };
        let addr: SocketAddr = "192.0.2.1:5000".parse().unwrap();
        assert_ne!(secret.cookie(addr, &hello), secret.cookie(addr, &shifted));
    }
}
