//! DTLS 1.3 handshake message bodies (RFC 8446 §4 with RFC 9147 §5.3's ClientHello),
//! the handshake header with its TLS form for the transcript (RFC 9147 §5.2), and the
//! ACK body (RFC 9147 §7).
//!
//! Extensions are kept as a typed-by-accessor list rather than one struct: a ClientHello
//! that may still be answered in DTLS 1.2 has its 1.2 view in `handshake::Extensions`,
//! and the 1.3 fields (supported_versions, key_share, cookie) are read here on demand.

use crate::codec::{Reader, Writer};
use crate::error::Error;

/// DTLS 1.3's version number (RFC 9147 §5.3).
pub const DTLS_1_3: u16 = 0xFEFC;
/// DTLS 1.2's version number.
pub const DTLS_1_2: u16 = 0xFEFD;

/// The ServerHello random that makes it a HelloRetryRequest (RFC 8446 §4.1.3).
pub const HRR_RANDOM: [u8; 32] = [
    0xCF, 0x21, 0xAD, 0x74, 0xE5, 0x9A, 0x61, 0x11, 0xBE, 0x1D, 0x8C, 0x02, 0x1E, 0x65, 0xB8, 0x91,
    0xC2, 0xA2, 0x11, 0x16, 0x7A, 0xBB, 0x8C, 0x5E, 0x07, 0x9E, 0x09, 0xE2, 0xC8, 0xA8, 0x33, 0x9C,
];

/// Extension types (RFC 8446 §4.2, RFC 5764 §4.1.1).
pub mod ext {
    /// supported_groups.
    pub const SUPPORTED_GROUPS: u16 = 10;
    /// signature_algorithms.
    pub const SIGNATURE_ALGORITHMS: u16 = 13;
    /// use_srtp.
    pub const USE_SRTP: u16 = 14;
    /// supported_versions.
    pub const SUPPORTED_VERSIONS: u16 = 43;
    /// cookie.
    pub const COOKIE: u16 = 44;
    /// key_share.
    pub const KEY_SHARE: u16 = 51;
    /// connection_id (RFC 9146 §3, RFC 9147 §9).
    pub const CONNECTION_ID: u16 = 54;
}

/// Handshake message types of DTLS 1.3 (RFC 8446 §4).
pub mod ty {
    /// client_hello.
    pub const CLIENT_HELLO: u8 = 1;
    /// server_hello (also HelloRetryRequest).
    pub const SERVER_HELLO: u8 = 2;
    /// new_session_ticket.
    pub const NEW_SESSION_TICKET: u8 = 4;
    /// encrypted_extensions.
    pub const ENCRYPTED_EXTENSIONS: u8 = 8;
    /// certificate.
    pub const CERTIFICATE: u8 = 11;
    /// certificate_request.
    pub const CERTIFICATE_REQUEST: u8 = 13;
    /// certificate_verify.
    pub const CERTIFICATE_VERIFY: u8 = 15;
    /// finished.
    pub const FINISHED: u8 = 20;
    /// key_update.
    pub const KEY_UPDATE: u8 = 24;
    /// request_connection_id (RFC 9147 §9).
    pub const REQUEST_CONNECTION_ID: u8 = 9;
    /// new_connection_id (RFC 9147 §9).
    pub const NEW_CONNECTION_ID: u8 = 10;
    /// message_hash (the synthetic message standing for ClientHello1 after HRR).
    pub const MESSAGE_HASH: u8 = 254;
}

/// Most extensions accepted in one message.
pub const MAX_EXTENSIONS: usize = 64;
/// Most certificates accepted in one Certificate message.
pub const MAX_CERTIFICATES: usize = 8;
/// Most record numbers accepted in one ACK.
pub const MAX_ACKS: usize = 256;

/// An extension block: (type, body) in wire order, no type twice.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ExtensionList(pub Vec<(u16, Vec<u8>)>);

impl ExtensionList {
    fn parse(r: &mut Reader<'_>) -> Result<Self, Error> {
        let block = r.vec16()?;
        let mut r = Reader::new("extensions", block);
        let mut out: Vec<(u16, Vec<u8>)> = Vec::new();
        while r.remaining() > 0 {
            let t = r.u16()?;
            let body = r.vec16()?;
            if out.iter().any(|(seen, _)| *seen == t) {
                return Err(Error::DuplicateExtension(t));
            }
            if out.len() >= MAX_EXTENSIONS {
                return Err(Error::InvalidLength {
                    what: "extension count",
                    len: out.len(),
                });
            }
            out.push((t, body.to_vec()));
        }
        Ok(ExtensionList(out))
    }

    fn write(&self, out: &mut Vec<u8>) {
        out.put_nested(2, |w| {
            for (t, body) in &self.0 {
                w.put_u16(*t);
                w.put_vec(2, body);
            }
        });
    }

    /// The body of the extension of type `t`, if present.
    pub fn get(&self, t: u16) -> Option<&[u8]> {
        self.0
            .iter()
            .find(|(x, _)| *x == t)
            .map(|(_, b)| b.as_slice())
    }

    /// Adds an extension.
    pub fn push(&mut self, t: u16, body: Vec<u8>) {
        self.0.push((t, body));
    }

    /// A list of u16 values behind a 2-byte length (supported_groups,
    /// signature_algorithms).
    pub fn u16_list(&self, t: u16) -> Result<Option<Vec<u16>>, Error> {
        self.get(t)
            .map(|b| {
                let mut r = Reader::new("extension", b);
                let v = r.u16_list(true)?;
                r.finish()?;
                Ok(v)
            })
            .transpose()
    }

    /// use_srtp: the profiles and the MKI.
    pub fn use_srtp(&self) -> Result<Option<SrtpOffer>, Error> {
        self.get(ext::USE_SRTP)
            .map(|b| {
                let mut r = Reader::new("use_srtp", b);
                let profiles = r.u16_list(true)?;
                let mki = r.vec8()?.to_vec();
                r.finish()?;
                Ok((profiles, mki))
            })
            .transpose()
    }

    /// The cookie extension's cookie.
    pub fn cookie(&self) -> Result<Option<Vec<u8>>, Error> {
        self.get(ext::COOKIE)
            .map(|b| {
                let mut r = Reader::new("cookie", b);
                let c = r.vec16()?.to_vec();
                r.finish()?;
                if c.is_empty() {
                    return Err(Error::InvalidLength {
                        what: "cookie",
                        len: 0,
                    });
                }
                Ok(c)
            })
            .transpose()
    }
}

/// Appends an extension block (EncryptedExtensions' whole body).
pub fn write_extensions(list: &ExtensionList, out: &mut Vec<u8>) {
    list.write(out);
}

/// Parses EncryptedExtensions (RFC 8446 §4.3.1): an extension block and nothing else.
pub fn parse_encrypted_extensions(body: &[u8]) -> Result<ExtensionList, Error> {
    let mut r = Reader::new("EncryptedExtensions", body);
    let list = ExtensionList::parse(&mut r)?;
    r.finish()?;
    Ok(list)
}

/// use_srtp's profiles and MKI.
pub type SrtpOffer = (Vec<u16>, Vec<u8>);

/// Writes use_srtp with one or more profiles and no MKI.
pub fn use_srtp_body(profiles: &[u16]) -> Vec<u8> {
    let mut b = Vec::new();
    b.put_nested(2, |w| profiles.iter().for_each(|p| w.put_u16(*p)));
    b.put_u8(0);
    b
}

/// A list of u16 values behind a 2-byte length.
pub fn u16_list_body(values: &[u16]) -> Vec<u8> {
    let mut b = Vec::new();
    b.put_nested(2, |w| values.iter().for_each(|p| w.put_u16(*p)));
    b
}

/// ClientHello (RFC 9147 §5.3).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientHello13 {
    /// legacy_version (0xFEFD).
    pub legacy_version: u16,
    /// random.
    pub random: [u8; 32],
    /// legacy_session_id.
    pub session_id: Vec<u8>,
    /// legacy_cookie (empty in DTLS 1.3).
    pub legacy_cookie: Vec<u8>,
    /// cipher_suites.
    pub cipher_suites: Vec<u16>,
    /// legacy_compression_methods.
    pub compression_methods: Vec<u8>,
    /// extensions.
    pub extensions: ExtensionList,
}

impl ClientHello13 {
    /// Parses a ClientHello body.
    pub fn parse(body: &[u8]) -> Result<Self, Error> {
        let mut r = Reader::new("ClientHello", body);
        let legacy_version = r.u16()?;
        let random = r.array()?;
        let session_id = short(r.vec8()?, 32, "legacy_session_id")?;
        let legacy_cookie = short(r.vec8()?, 255, "legacy_cookie")?;
        let cipher_suites = r.u16_list(true)?;
        let compression_methods = r.vec8()?.to_vec();
        let extensions = if r.remaining() == 0 {
            ExtensionList::default()
        } else {
            ExtensionList::parse(&mut r)?
        };
        r.finish()?;
        Ok(ClientHello13 {
            legacy_version,
            random,
            session_id,
            legacy_cookie,
            cipher_suites,
            compression_methods,
            extensions,
        })
    }

    /// Appends the body.
    pub fn write_body(&self, out: &mut Vec<u8>) {
        out.put_u16(self.legacy_version);
        out.extend_from_slice(&self.random);
        out.put_vec(1, &self.session_id);
        out.put_vec(1, &self.legacy_cookie);
        out.put_nested(2, |w| self.cipher_suites.iter().for_each(|s| w.put_u16(*s)));
        out.put_vec(1, &self.compression_methods);
        self.extensions.write(out);
    }

    /// supported_versions (a 1-byte-length list).
    pub fn supported_versions(&self) -> Result<Option<Vec<u16>>, Error> {
        self.extensions
            .get(ext::SUPPORTED_VERSIONS)
            .map(|b| {
                let mut r = Reader::new("supported_versions", b);
                let v = r.u16_list(false)?;
                r.finish()?;
                Ok(v)
            })
            .transpose()
    }

    /// Whether the hello offers DTLS 1.3 (a hello whose supported_versions does not
    /// parse offers nothing).
    pub fn offers_dtls13(&self) -> bool {
        matches!(self.supported_versions(), Ok(Some(v)) if v.contains(&DTLS_1_3))
    }

    /// key_share's client_shares: (group, key_exchange).
    pub fn key_shares(&self) -> Result<Vec<(u16, Vec<u8>)>, Error> {
        let Some(b) = self.extensions.get(ext::KEY_SHARE) else {
            return Ok(Vec::new());
        };
        let mut r = Reader::new("key_share", b);
        let list = r.vec16()?;
        r.finish()?;
        let mut r = Reader::new("key_share", list);
        let mut out: Vec<(u16, Vec<u8>)> = Vec::new();
        while r.remaining() > 0 {
            let g = r.u16()?;
            let k = r.vec16()?;
            if k.is_empty() || out.iter().any(|(x, _)| *x == g) || out.len() >= 8 {
                return Err(Error::IllegalParameter("bad key_share entry"));
            }
            out.push((g, k.to_vec()));
        }
        Ok(out)
    }
}

/// Writes a ClientHello key_share body.
pub fn client_key_share_body(shares: &[(u16, Vec<u8>)]) -> Vec<u8> {
    let mut b = Vec::new();
    b.put_nested(2, |w| {
        for (g, k) in shares {
            w.put_u16(*g);
            w.put_vec(2, k);
        }
    });
    b
}

/// ServerHello or HelloRetryRequest (RFC 8446 §4.1.3, §4.1.4).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerHello13 {
    /// legacy_version (0xFEFD).
    pub legacy_version: u16,
    /// random ([`HRR_RANDOM`] in a HelloRetryRequest).
    pub random: [u8; 32],
    /// legacy_session_id_echo.
    pub session_id: Vec<u8>,
    /// cipher_suite.
    pub cipher_suite: u16,
    /// legacy_compression_method.
    pub compression_method: u8,
    /// extensions.
    pub extensions: ExtensionList,
}

impl ServerHello13 {
    /// Parses a ServerHello body.
    pub fn parse(body: &[u8]) -> Result<Self, Error> {
        let mut r = Reader::new("ServerHello", body);
        let legacy_version = r.u16()?;
        let random = r.array()?;
        let session_id = short(r.vec8()?, 32, "legacy_session_id_echo")?;
        let cipher_suite = r.u16()?;
        let compression_method = r.u8()?;
        let extensions = if r.remaining() == 0 {
            ExtensionList::default()
        } else {
            ExtensionList::parse(&mut r)?
        };
        r.finish()?;
        Ok(ServerHello13 {
            legacy_version,
            random,
            session_id,
            cipher_suite,
            compression_method,
            extensions,
        })
    }

    /// Appends the body.
    pub fn write_body(&self, out: &mut Vec<u8>) {
        out.put_u16(self.legacy_version);
        out.extend_from_slice(&self.random);
        out.put_vec(1, &self.session_id);
        out.put_u16(self.cipher_suite);
        out.put_u8(self.compression_method);
        self.extensions.write(out);
    }

    /// Whether this is a HelloRetryRequest.
    pub fn is_retry(&self) -> bool {
        self.random == HRR_RANDOM
    }

    /// supported_versions' selected_version.
    pub fn selected_version(&self) -> Result<Option<u16>, Error> {
        self.extensions
            .get(ext::SUPPORTED_VERSIONS)
            .map(|b| {
                let mut r = Reader::new("supported_versions", b);
                let v = r.u16()?;
                r.finish()?;
                Ok(v)
            })
            .transpose()
    }

    /// key_share of a ServerHello: the group and the server's share.
    pub fn key_share(&self) -> Result<Option<(u16, Vec<u8>)>, Error> {
        self.extensions
            .get(ext::KEY_SHARE)
            .map(|b| {
                let mut r = Reader::new("key_share", b);
                let g = r.u16()?;
                let k = r.vec16()?.to_vec();
                r.finish()?;
                Ok((g, k))
            })
            .transpose()
    }

    /// key_share of a HelloRetryRequest: the selected group.
    pub fn selected_group(&self) -> Result<Option<u16>, Error> {
        self.extensions
            .get(ext::KEY_SHARE)
            .map(|b| {
                let mut r = Reader::new("key_share", b);
                let g = r.u16()?;
                r.finish()?;
                Ok(g)
            })
            .transpose()
    }
}

/// CertificateRequest (RFC 8446 §4.3.2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertificateRequest13 {
    /// certificate_request_context.
    pub context: Vec<u8>,
    /// extensions (signature_algorithms is required).
    pub extensions: ExtensionList,
}

impl CertificateRequest13 {
    /// Parses the body.
    pub fn parse(body: &[u8]) -> Result<Self, Error> {
        let mut r = Reader::new("CertificateRequest", body);
        let context = r.vec8()?.to_vec();
        let extensions = ExtensionList::parse(&mut r)?;
        r.finish()?;
        Ok(CertificateRequest13 {
            context,
            extensions,
        })
    }

    /// Appends the body.
    pub fn write_body(&self, out: &mut Vec<u8>) {
        out.put_vec(1, &self.context);
        self.extensions.write(out);
    }
}

/// Certificate (RFC 8446 §4.4.2): DER certificates, the sender's first; the per-entry
/// extensions are read past and not kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Certificate13 {
    /// certificate_request_context.
    pub context: Vec<u8>,
    /// cert_data of each CertificateEntry.
    pub certificates: Vec<Vec<u8>>,
}

impl Certificate13 {
    /// Parses the body.
    pub fn parse(body: &[u8]) -> Result<Self, Error> {
        let mut r = Reader::new("Certificate", body);
        let context = r.vec8()?.to_vec();
        let list = r.vec24()?;
        r.finish()?;
        let mut r = Reader::new("certificate_list", list);
        let mut certificates = Vec::new();
        while r.remaining() > 0 {
            let der = r.vec24()?;
            let _extensions = r.vec16()?;
            if der.is_empty() || certificates.len() >= MAX_CERTIFICATES {
                return Err(Error::BadCertificate);
            }
            certificates.push(der.to_vec());
        }
        Ok(Certificate13 {
            context,
            certificates,
        })
    }

    /// Appends the body.
    pub fn write_body(&self, out: &mut Vec<u8>) {
        out.put_vec(1, &self.context);
        out.put_nested(3, |w| {
            for c in &self.certificates {
                w.put_vec(3, c);
                w.put_u16(0);
            }
        });
    }
}

/// CertificateVerify (RFC 8446 §4.4.3).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertificateVerify13 {
    /// The SignatureScheme.
    pub scheme: u16,
    /// The signature.
    pub signature: Vec<u8>,
}

impl CertificateVerify13 {
    /// Parses the body.
    pub fn parse(body: &[u8]) -> Result<Self, Error> {
        let mut r = Reader::new("CertificateVerify", body);
        let scheme = r.u16()?;
        let signature = r.vec16()?.to_vec();
        r.finish()?;
        Ok(CertificateVerify13 { scheme, signature })
    }

    /// Appends the body.
    pub fn write_body(&self, out: &mut Vec<u8>) {
        out.put_u16(self.scheme);
        out.put_vec(2, &self.signature);
    }
}

/// The bytes a CertificateVerify signs (RFC 8446 §4.4.3): 64 spaces, the context string
/// of the signer's role, a zero byte, the transcript hash.
pub fn signed_content(server: bool, transcript_hash: &[u8]) -> Vec<u8> {
    let context: &[u8] = if server {
        b"TLS 1.3, server CertificateVerify"
    } else {
        b"TLS 1.3, client CertificateVerify"
    };
    let mut out = vec![0x20; 64];
    out.extend_from_slice(context);
    out.push(0);
    out.extend_from_slice(transcript_hash);
    out
}

/// KeyUpdate (RFC 8446 §4.6.3): whether the peer is asked to update too.
pub fn parse_key_update(body: &[u8]) -> Result<bool, Error> {
    match body {
        [0] => Ok(false),
        [1] => Ok(true),
        _ => Err(Error::IllegalParameter("KeyUpdate request_update")),
    }
}

/// NewConnectionId (RFC 9147 §9): the CIDs offered (each 0 to 255 bytes) and whether
/// they are to be used now (`cid_immediate`, 0) or kept as spares (`cid_spare`, 1).
pub fn parse_new_connection_id(body: &[u8]) -> Result<(Vec<Vec<u8>>, u8), Error> {
    let mut r = Reader::new("NewConnectionId", body);
    let list = r.vec16()?;
    let usage = r.u8()?;
    r.finish()?;
    if usage > 1 {
        return Err(Error::IllegalParameter("NewConnectionId usage"));
    }
    let mut l = Reader::new("NewConnectionId", list);
    let mut cids = Vec::new();
    while l.remaining() > 0 {
        cids.push(l.vec8()?.to_vec());
    }
    Ok((cids, usage))
}

/// RequestConnectionId (RFC 9147 §9): how many CIDs the peer asks for.
pub fn parse_request_connection_id(body: &[u8]) -> Result<u8, Error> {
    let mut r = Reader::new("RequestConnectionId", body);
    let n = r.u8()?;
    r.finish()?;
    Ok(n)
}

/// An ACK's record numbers (RFC 9147 §7): (epoch, sequence number).
pub fn parse_ack(body: &[u8]) -> Result<Vec<(u64, u64)>, Error> {
    let mut r = Reader::new("ACK", body);
    let list = r.vec16()?;
    r.finish()?;
    if list.len() % 16 != 0 || list.len() / 16 > MAX_ACKS {
        return Err(Error::InvalidLength {
            what: "ACK",
            len: list.len(),
        });
    }
    Ok(list
        .chunks_exact(16)
        .map(|c| {
            let (e, s) = c.split_at(8);
            (
                u64::from_be_bytes(e.try_into().unwrap_or_default()),
                u64::from_be_bytes(s.try_into().unwrap_or_default()),
            )
        })
        .collect())
}

/// Writes an ACK body.
pub fn ack_body(records: &[(u64, u64)]) -> Vec<u8> {
    let mut b = Vec::with_capacity(2 + records.len() * 16);
    b.put_u16((records.len() * 16) as u16);
    for (e, s) in records {
        b.extend_from_slice(&e.to_be_bytes());
        b.extend_from_slice(&s.to_be_bytes());
    }
    b
}

/// One DTLS handshake fragment (RFC 9147 §5.2): the 12-byte header and its bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fragment<'a> {
    /// msg_type.
    pub msg_type: u8,
    /// Length of the whole body.
    pub length: u32,
    /// message_seq.
    pub message_seq: u16,
    /// fragment_offset.
    pub offset: u32,
    /// The fragment's bytes.
    pub body: &'a [u8],
}

/// Splits a handshake record into its fragments.
pub fn parse_fragments(mut plaintext: &[u8]) -> Result<Vec<Fragment<'_>>, Error> {
    let mut out = Vec::new();
    while !plaintext.is_empty() {
        let mut r = Reader::new("handshake header", plaintext);
        let msg_type = r.u8()?;
        let length = r.u24()?;
        let message_seq = r.u16()?;
        let offset = r.u24()?;
        let body = r.vec24()?;
        if u64::from(offset) + body.len() as u64 > u64::from(length) || out.len() >= 16 {
            return Err(Error::InvalidLength {
                what: "handshake fragment",
                len: body.len(),
            });
        }
        out.push(Fragment {
            msg_type,
            length,
            message_seq,
            offset,
            body,
        });
        plaintext = r.take(r.remaining())?;
    }
    Ok(out)
}

/// A whole message with the DTLS header (for the wire).
pub fn dtls_message(msg_type: u8, message_seq: u16, body: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(12 + body.len());
    out.put_u8(msg_type);
    out.put_u24(body.len() as u32);
    out.put_u16(message_seq);
    out.put_u24(0);
    out.put_u24(body.len() as u32);
    out.extend_from_slice(body);
    out
}

/// A whole message with the TLS header, as the transcript hashes it (RFC 9147 §5.2).
pub fn tls_message(msg_type: u8, body: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(4 + body.len());
    out.put_u8(msg_type);
    out.put_u24(body.len() as u32);
    out.extend_from_slice(body);
    out
}

fn short(bytes: &[u8], max: usize, what: &'static str) -> Result<Vec<u8>, Error> {
    if bytes.len() > max {
        return Err(Error::InvalidLength {
            what,
            len: bytes.len(),
        });
    }
    Ok(bytes.to_vec())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hello_round_trip_and_extensions() {
        let mut ch = ClientHello13 {
            legacy_version: DTLS_1_2,
            random: [1; 32],
            session_id: vec![],
            legacy_cookie: vec![],
            cipher_suites: vec![0x1301, 0xC02B],
            compression_methods: vec![0],
            extensions: ExtensionList::default(),
        };
        ch.extensions
            .push(ext::SUPPORTED_VERSIONS, vec![4, 0xFE, 0xFC, 0xFE, 0xFD]);
        ch.extensions
            .push(ext::KEY_SHARE, client_key_share_body(&[(29, vec![9; 32])]));
        let mut body = Vec::new();
        ch.write_body(&mut body);
        let back = ClientHello13::parse(&body).unwrap();
        assert_eq!(back, ch);
        assert!(back.offers_dtls13());
        assert_eq!(back.key_shares().unwrap(), vec![(29, vec![9; 32])]);
        assert_eq!(back.extensions.cookie().unwrap(), None);
        // A duplicated extension is refused.
        let mut dup = ch.clone();
        dup.extensions.push(ext::KEY_SHARE, vec![0, 0]);
        let mut body = Vec::new();
        dup.write_body(&mut body);
        assert_eq!(
            ClientHello13::parse(&body),
            Err(Error::DuplicateExtension(ext::KEY_SHARE))
        );
    }

    #[test]
    fn server_hello_certificate_ack_round_trip() {
        let mut sh = ServerHello13 {
            legacy_version: DTLS_1_2,
            random: HRR_RANDOM,
            session_id: vec![],
            cipher_suite: 0x1301,
            compression_method: 0,
            extensions: ExtensionList::default(),
        };
        sh.extensions
            .push(ext::SUPPORTED_VERSIONS, vec![0xFE, 0xFC]);
        sh.extensions.push(ext::KEY_SHARE, vec![0, 23]);
        let mut body = Vec::new();
        sh.write_body(&mut body);
        let back = ServerHello13::parse(&body).unwrap();
        assert!(back.is_retry());
        assert_eq!(back.selected_version(), Ok(Some(DTLS_1_3)));
        assert_eq!(back.selected_group(), Ok(Some(23)));
        let c = Certificate13 {
            context: vec![],
            certificates: vec![vec![1, 2, 3]],
        };
        let mut body = Vec::new();
        c.write_body(&mut body);
        assert_eq!(body, [0, 0, 0, 8, 0, 0, 3, 1, 2, 3, 0, 0]);
        assert_eq!(Certificate13::parse(&body).unwrap(), c);
        let ack = ack_body(&[(2, 5), (3, 0)]);
        assert_eq!(ack.len(), 34);
        assert_eq!(parse_ack(&ack).unwrap(), vec![(2, 5), (3, 0)]);
        assert!(parse_ack(&ack[..33]).is_err());
        assert_eq!(parse_key_update(&[1]), Ok(true));
        assert!(parse_key_update(&[2]).is_err());
    }

    #[test]
    fn fragments_and_headers() {
        let m = dtls_message(ty::FINISHED, 3, &[7; 4]);
        assert_eq!(&m[..12], &[20, 0, 0, 4, 0, 3, 0, 0, 0, 0, 0, 4]);
        assert_eq!(
            tls_message(ty::FINISHED, &[7; 4]),
            [20, 0, 0, 4, 7, 7, 7, 7]
        );
        let f = parse_fragments(&m).unwrap();
        assert_eq!(
            (f[0].msg_type, f[0].message_seq, f[0].body),
            (20, 3, &[7u8; 4][..])
        );
        let bad = [20, 0, 0, 2, 0, 0, 0, 0, 1, 0, 0, 2, 9, 9];
        assert!(parse_fragments(&bad).is_err());
    }

    #[test]
    fn connection_id_messages_parse_strictly() {
        // Two CIDs (01 02, and the empty one), cid_spare.
        assert_eq!(
            parse_new_connection_id(&[0, 4, 2, 1, 2, 0, 1]).unwrap(),
            (vec![vec![1, 2], vec![]], 1)
        );
        assert_eq!(parse_new_connection_id(&[0, 0, 0]).unwrap(), (vec![], 0));
        assert!(parse_new_connection_id(&[0, 0, 2]).is_err(), "usage");
        assert!(
            parse_new_connection_id(&[0, 2, 3, 1, 0]).is_err(),
            "cut CID"
        );
        assert!(parse_new_connection_id(&[0, 0]).is_err(), "no usage");
        assert!(parse_new_connection_id(&[0, 0, 0, 0]).is_err(), "trailing");
        assert_eq!(parse_request_connection_id(&[3]).unwrap(), 3);
        assert!(parse_request_connection_id(&[]).is_err());
        assert!(parse_request_connection_id(&[1, 1]).is_err());
    }
}
