//! Handshake messages (RFC 6347 §4.2.2, §4.3.2): the 12-byte DTLS handshake header and the
//! message bodies.

mod extensions;
mod hello_fragments;
mod messages;
mod reassembly;

pub use extensions::{Extensions, UseSrtp};
pub(crate) use hello_fragments::{
    CompleteHello, HelloProgress, MAX_CLIENT_HELLO_RECORD_SEQ, PartialHello, push_fragment,
};
pub use hello_fragments::{HELLO_FRAGMENT_LIFETIME, MAX_CLIENT_HELLO_LEN, MAX_CLIENT_HELLO_PIECES};
pub use messages::{
    Certificate, CertificateRequest, CertificateVerify, ClientHello, ClientKeyExchange, Finished,
    HandshakeMessage, HelloVerifyRequest, ServerHello, ServerKeyExchange,
};
pub use reassembly::{MAX_BUFFERED_BYTES, MAX_MESSAGE_LEN};
pub(crate) use reassembly::{MAX_BUFFERED_MESSAGES, Pieces, Reassembler};

use crate::codec::{Reader, Writer};
use crate::error::Error;

/// Length of the DTLS handshake header (RFC 6347 §4.2.2).
pub const HANDSHAKE_HEADER_LEN: usize = 12;

/// The handshake message type (RFC 5246 §7.4, RFC 6347 §4.3.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HandshakeType {
    /// hello_request(0).
    HelloRequest,
    /// client_hello(1).
    ClientHello,
    /// server_hello(2).
    ServerHello,
    /// hello_verify_request(3).
    HelloVerifyRequest,
    /// new_session_ticket(4) (RFC 5077).
    NewSessionTicket,
    /// encrypted_extensions(8) (RFC 8446 §4.3.1): DTLS 1.3 only, sent encrypted; known here
    /// so that the passive observer reassembles a decrypted 1.3 flight with the same
    /// reassembler (a DTLS 1.2 peer never gets past the state machine with it).
    EncryptedExtensions,
    /// certificate(11).
    Certificate,
    /// server_key_exchange(12).
    ServerKeyExchange,
    /// certificate_request(13).
    CertificateRequest,
    /// server_hello_done(14).
    ServerHelloDone,
    /// certificate_verify(15).
    CertificateVerify,
    /// client_key_exchange(16).
    ClientKeyExchange,
    /// finished(20).
    Finished,
}

impl HandshakeType {
    /// The wire value.
    pub fn to_u8(self) -> u8 {
        match self {
            HandshakeType::HelloRequest => 0,
            HandshakeType::ClientHello => 1,
            HandshakeType::ServerHello => 2,
            HandshakeType::HelloVerifyRequest => 3,
            HandshakeType::NewSessionTicket => 4,
            HandshakeType::EncryptedExtensions => 8,
            HandshakeType::Certificate => 11,
            HandshakeType::ServerKeyExchange => 12,
            HandshakeType::CertificateRequest => 13,
            HandshakeType::ServerHelloDone => 14,
            HandshakeType::CertificateVerify => 15,
            HandshakeType::ClientKeyExchange => 16,
            HandshakeType::Finished => 20,
        }
    }

    /// The type for a wire value.
    pub fn from_u8(v: u8) -> Result<Self, Error> {
        Ok(match v {
            0 => HandshakeType::HelloRequest,
            1 => HandshakeType::ClientHello,
            2 => HandshakeType::ServerHello,
            3 => HandshakeType::HelloVerifyRequest,
            4 => HandshakeType::NewSessionTicket,
            8 => HandshakeType::EncryptedExtensions,
            11 => HandshakeType::Certificate,
            12 => HandshakeType::ServerKeyExchange,
            13 => HandshakeType::CertificateRequest,
            14 => HandshakeType::ServerHelloDone,
            15 => HandshakeType::CertificateVerify,
            16 => HandshakeType::ClientKeyExchange,
            20 => HandshakeType::Finished,
            other => return Err(Error::UnknownHandshakeType(other)),
        })
    }

    /// The message's name in RFC 5246, for errors and logs.
    pub fn name(self) -> &'static str {
        match self {
            HandshakeType::HelloRequest => "HelloRequest",
            HandshakeType::ClientHello => "ClientHello",
            HandshakeType::ServerHello => "ServerHello",
            HandshakeType::HelloVerifyRequest => "HelloVerifyRequest",
            HandshakeType::NewSessionTicket => "NewSessionTicket",
            HandshakeType::EncryptedExtensions => "EncryptedExtensions",
            HandshakeType::Certificate => "Certificate",
            HandshakeType::ServerKeyExchange => "ServerKeyExchange",
            HandshakeType::CertificateRequest => "CertificateRequest",
            HandshakeType::ServerHelloDone => "ServerHelloDone",
            HandshakeType::CertificateVerify => "CertificateVerify",
            HandshakeType::ClientKeyExchange => "ClientKeyExchange",
            HandshakeType::Finished => "Finished",
        }
    }
}

/// The DTLS handshake header (RFC 6347 §4.2.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HandshakeHeader {
    /// msg_type.
    pub msg_type: HandshakeType,
    /// Length of the whole message body.
    pub length: u32,
    /// message_seq.
    pub message_seq: u16,
    /// Offset of this fragment in the body.
    pub fragment_offset: u32,
    /// Length of this fragment.
    pub fragment_length: u32,
}

impl HandshakeHeader {
    /// Appends the 12-byte header.
    pub fn write(&self, out: &mut Vec<u8>) {
        out.put_u8(self.msg_type.to_u8());
        out.put_u24(self.length);
        out.put_u16(self.message_seq);
        out.put_u24(self.fragment_offset);
        out.put_u24(self.fragment_length);
    }
}

/// One handshake fragment borrowed from a record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HandshakeFragment<'a> {
    /// The header.
    pub header: HandshakeHeader,
    /// The fragment's bytes of the body.
    pub body: &'a [u8],
}

/// Splits a handshake record's plaintext into its fragments (several per record are allowed,
/// RFC 6347 §4.2.3).
pub fn parse_fragments(mut plaintext: &[u8]) -> Result<Vec<HandshakeFragment<'_>>, Error> {
    let mut out = Vec::new();
    while !plaintext.is_empty() {
        let mut r = Reader::new("handshake header", plaintext);
        let msg_type = HandshakeType::from_u8(r.u8()?)?;
        let length = r.u24()?;
        let message_seq = r.u16()?;
        let fragment_offset = r.u24()?;
        let fragment_length = r.u24()?;
        let body = r.take(fragment_length as usize)?;
        if u64::from(fragment_offset) + u64::from(fragment_length) > u64::from(length) {
            return Err(Error::InvalidLength {
                what: "handshake fragment",
                len: fragment_length as usize,
            });
        }
        out.push(HandshakeFragment {
            header: HandshakeHeader {
                msg_type,
                length,
                message_seq,
                fragment_offset,
                fragment_length,
            },
            body,
        });
        plaintext = r.take(r.remaining())?;
    }
    Ok(out)
}

/// The bytes of a whole, unfragmented handshake message as the transcript hashes it.
pub fn encode_message(msg_type: HandshakeType, message_seq: u16, body: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(HANDSHAKE_HEADER_LEN + body.len());
    let length = body.len() as u32;
    HandshakeHeader {
        msg_type,
        length,
        message_seq,
        fragment_offset: 0,
        fragment_length: length,
    }
    .write(&mut out);
    out.extend_from_slice(body);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn two_messages_in_one_record() {
        let mut rec = encode_message(HandshakeType::ServerHelloDone, 4, &[]);
        rec.extend(encode_message(HandshakeType::Finished, 5, &[1, 2, 3]));
        assert_eq!(&rec[..12], &[14, 0, 0, 0, 0, 4, 0, 0, 0, 0, 0, 0]);
        let frags = parse_fragments(&rec).unwrap();
        assert_eq!(frags.len(), 2);
        assert_eq!(frags[1].header.msg_type, HandshakeType::Finished);
        assert_eq!(frags[1].header.message_seq, 5);
        assert_eq!(frags[1].body, &[1, 2, 3]);
    }

    #[test]
    fn rejects_fragment_past_message_end() {
        let rec = [20, 0, 0, 2, 0, 0, 0, 0, 1, 0, 0, 2, 9, 9];
        assert_eq!(
            parse_fragments(&rec),
            Err(Error::InvalidLength {
                what: "handshake fragment",
                len: 2
            })
        );
        assert_eq!(
            parse_fragments(&[99; 12]),
            Err(Error::UnknownHandshakeType(99))
        );
    }
}
