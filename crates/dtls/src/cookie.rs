//! Stateless HelloVerifyRequest cookies (RFC 6347 §4.2.1): an HMAC over the client's
//! transport address and its ClientHello under a server secret, so a server keeps no state
//! for a client until the client proves it receives at its address.

use crate::crypto::prf::hmac_sha256;
use crate::handshake::{
    ClientHello, HandshakeMessage, HandshakeType, HelloVerifyRequest, encode_message,
    parse_fragments,
};
use crate::record::{ContentType, DTLS_1_0, DTLS_1_2, RecordHeader, records};
use rand_core::CryptoRng;
use std::net::SocketAddr;
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

    /// True when `hello` carries the cookie we would issue to `client_address`.
    pub(crate) fn verify(&self, client_address: SocketAddr, hello: &ClientHello) -> bool {
        hello.cookie.len() == COOKIE_LEN
            && bool::from(self.cookie(client_address, hello).ct_eq(&hello.cookie))
    }
}

/// What a stateless front end does with a datagram from an address it has no connection
/// for (RFC 6347 §4.2.1).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum HelloVerdict {
    /// A ClientHello with a valid cookie: create the server connection (with the same
    /// secret, [`crate::Connection::server_with_cookie_secret`]) and give it the datagram.
    Accept,
    /// A ClientHello without a valid cookie: send this HelloVerifyRequest back and forget.
    Challenge(Vec<u8>),
    /// Anything else (including a fragmented first ClientHello): drop it.
    Drop,
}

impl CookieSecret {
    /// Judges the first datagram from `client_address` without keeping any state.
    pub fn verify_datagram(&self, client_address: SocketAddr, datagram: &[u8]) -> HelloVerdict {
        let Some(Ok(rec)) = records(datagram).next() else {
            return HelloVerdict::Drop;
        };
        if rec.header.content_type != ContentType::Handshake || rec.header.epoch != 0 {
            return HelloVerdict::Drop;
        }
        let Ok(fragments) = parse_fragments(rec.fragment) else {
            return HelloVerdict::Drop;
        };
        let Some(f) = fragments.first() else {
            return HelloVerdict::Drop;
        };
        if f.header.msg_type != HandshakeType::ClientHello
            || f.header.fragment_offset != 0
            || f.header.fragment_length != f.header.length
        {
            return HelloVerdict::Drop;
        }
        let Ok(HandshakeMessage::ClientHello(hello)) =
            HandshakeMessage::parse(HandshakeType::ClientHello, f.body)
        else {
            return HelloVerdict::Drop;
        };
        if self.verify(client_address, &hello) {
            HelloVerdict::Accept
        } else {
            let cookie = self.cookie(client_address, &hello);
            HelloVerdict::Challenge(hello_verify_request(
                rec.header.sequence_number,
                f.header.message_seq,
                &cookie,
            ))
        }
    }
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
