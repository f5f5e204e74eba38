//! Handshake message bodies (RFC 5246 §7.4 with the DTLS changes of RFC 6347 §4.2.1,
//! RFC 8422 §5 for ECDHE/ECDSA).

use super::HandshakeType;
use super::extensions::Extensions;
use crate::codec::{Reader, Writer};
use crate::error::Error;

/// Most certificates accepted in one chain.
pub const MAX_CERTIFICATES: usize = 8;

/// ClientHello (RFC 6347 §4.2.1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientHello {
    /// client_version.
    pub client_version: u16,
    /// random.
    pub random: [u8; 32],
    /// session_id (at most 32 bytes).
    pub session_id: Vec<u8>,
    /// cookie (empty in the first hello).
    pub cookie: Vec<u8>,
    /// cipher_suites, in preference order.
    pub cipher_suites: Vec<u16>,
    /// compression_methods.
    pub compression_methods: Vec<u8>,
    /// extensions.
    pub extensions: Extensions,
}

/// HelloVerifyRequest (RFC 6347 §4.2.1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HelloVerifyRequest {
    /// server_version (DTLS 1.0 by recommendation of RFC 6347 §4.2.1).
    pub server_version: u16,
    /// cookie.
    pub cookie: Vec<u8>,
}

/// ServerHello (RFC 5246 §7.4.1.3).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerHello {
    /// server_version.
    pub server_version: u16,
    /// random.
    pub random: [u8; 32],
    /// session_id.
    pub session_id: Vec<u8>,
    /// cipher_suite.
    pub cipher_suite: u16,
    /// compression_method.
    pub compression_method: u8,
    /// extensions.
    pub extensions: Extensions,
}

/// Certificate (RFC 5246 §7.4.2): DER certificates, the sender's first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Certificate {
    /// certificate_list.
    pub certificates: Vec<Vec<u8>>,
}

/// ServerKeyExchange for ECDHE_ECDSA (RFC 8422 §5.4) with a named curve.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerKeyExchange {
    /// NamedCurve.
    pub group: u16,
    /// The server's ephemeral public value.
    pub public: Vec<u8>,
    /// SignatureAndHashAlgorithm.
    pub scheme: u16,
    /// The signature over client_random + server_random + params.
    pub signature: Vec<u8>,
}

impl ServerKeyExchange {
    /// The ServerECDHParams bytes that the signature covers after the two randoms.
    pub fn params(group: u16, public: &[u8]) -> Vec<u8> {
        let mut p = vec![3]; // curve_type named_curve
        p.put_u16(group);
        p.put_vec(1, public);
        p
    }
}

/// CertificateRequest (RFC 5246 §7.4.4).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertificateRequest {
    /// certificate_types.
    pub certificate_types: Vec<u8>,
    /// supported_signature_algorithms.
    pub signature_algorithms: Vec<u16>,
    /// certificate_authorities (opaque DER names, not interpreted).
    pub certificate_authorities: Vec<u8>,
}

/// ClientKeyExchange for ECDHE (RFC 8422 §5.7).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientKeyExchange {
    /// The client's ephemeral public value.
    pub public: Vec<u8>,
}

/// CertificateVerify (RFC 5246 §7.4.8).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertificateVerify {
    /// SignatureAndHashAlgorithm.
    pub scheme: u16,
    /// The signature over the handshake messages so far.
    pub signature: Vec<u8>,
}

/// Finished (RFC 5246 §7.4.9).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finished {
    /// verify_data (12 bytes for every suite here).
    pub verify_data: Vec<u8>,
}

/// A parsed handshake message body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HandshakeMessage {
    /// HelloRequest (a renegotiation request, which is refused).
    HelloRequest,
    /// ClientHello.
    ClientHello(ClientHello),
    /// ServerHello.
    ServerHello(ServerHello),
    /// HelloVerifyRequest.
    HelloVerifyRequest(HelloVerifyRequest),
    /// NewSessionTicket (RFC 5077 §3.3): accepted and ignored.
    NewSessionTicket,
    /// Certificate.
    Certificate(Certificate),
    /// ServerKeyExchange.
    ServerKeyExchange(ServerKeyExchange),
    /// CertificateRequest.
    CertificateRequest(CertificateRequest),
    /// ServerHelloDone.
    ServerHelloDone,
    /// CertificateVerify.
    CertificateVerify(CertificateVerify),
    /// ClientKeyExchange.
    ClientKeyExchange(ClientKeyExchange),
    /// Finished.
    Finished(Finished),
}

impl HandshakeMessage {
    /// The message type.
    pub fn msg_type(&self) -> HandshakeType {
        match self {
            HandshakeMessage::HelloRequest => HandshakeType::HelloRequest,
            HandshakeMessage::ClientHello(_) => HandshakeType::ClientHello,
            HandshakeMessage::ServerHello(_) => HandshakeType::ServerHello,
            HandshakeMessage::HelloVerifyRequest(_) => HandshakeType::HelloVerifyRequest,
            HandshakeMessage::NewSessionTicket => HandshakeType::NewSessionTicket,
            HandshakeMessage::Certificate(_) => HandshakeType::Certificate,
            HandshakeMessage::ServerKeyExchange(_) => HandshakeType::ServerKeyExchange,
            HandshakeMessage::CertificateRequest(_) => HandshakeType::CertificateRequest,
            HandshakeMessage::ServerHelloDone => HandshakeType::ServerHelloDone,
            HandshakeMessage::CertificateVerify(_) => HandshakeType::CertificateVerify,
            HandshakeMessage::ClientKeyExchange(_) => HandshakeType::ClientKeyExchange,
            HandshakeMessage::Finished(_) => HandshakeType::Finished,
        }
    }

    /// Parses a complete message body of type `msg_type`.
    pub fn parse(msg_type: HandshakeType, body: &[u8]) -> Result<Self, Error> {
        let mut r = Reader::new(msg_type.name(), body);
        let msg = match msg_type {
            HandshakeType::HelloRequest => HandshakeMessage::HelloRequest,
            // A DTLS 1.3 message: no DTLS 1.2 form, refused as before the type was known.
            HandshakeType::EncryptedExtensions => return Err(Error::UnknownHandshakeType(8)),
            HandshakeType::ClientHello => {
                let client_version = r.u16()?;
                let random = r.array()?;
                let session_id = short_vec(r.vec8()?, 32, "session_id")?;
                let cookie = r.vec8()?.to_vec();
                let cipher_suites = r.u16_list(true)?;
                let compression_methods = r.vec8()?.to_vec();
                if cipher_suites.is_empty() || compression_methods.is_empty() {
                    return Err(Error::InvalidLength {
                        what: "ClientHello lists",
                        len: 0,
                    });
                }
                let extensions = Extensions::parse(&mut r)?;
                HandshakeMessage::ClientHello(ClientHello {
                    client_version,
                    random,
                    session_id,
                    cookie,
                    cipher_suites,
                    compression_methods,
                    extensions,
                })
            }
            HandshakeType::ServerHello => HandshakeMessage::ServerHello(ServerHello {
                server_version: r.u16()?,
                random: r.array()?,
                session_id: short_vec(r.vec8()?, 32, "session_id")?,
                cipher_suite: r.u16()?,
                compression_method: r.u8()?,
                extensions: Extensions::parse(&mut r)?,
            }),
            HandshakeType::HelloVerifyRequest => {
                HandshakeMessage::HelloVerifyRequest(HelloVerifyRequest {
                    server_version: r.u16()?,
                    cookie: r.vec8()?.to_vec(),
                })
            }
            HandshakeType::NewSessionTicket => {
                r.take(4)?; // ticket_lifetime_hint
                r.vec16()?;
                HandshakeMessage::NewSessionTicket
            }
            HandshakeType::Certificate => {
                let mut list = Reader::new("certificate_list", r.vec24()?);
                let mut certificates = Vec::new();
                while list.remaining() > 0 {
                    if certificates.len() == MAX_CERTIFICATES {
                        return Err(Error::InvalidLength {
                            what: "certificate chain",
                            len: MAX_CERTIFICATES + 1,
                        });
                    }
                    let cert = list.vec24()?;
                    if cert.is_empty() {
                        return Err(Error::InvalidLength {
                            what: "certificate",
                            len: 0,
                        });
                    }
                    certificates.push(cert.to_vec());
                }
                HandshakeMessage::Certificate(Certificate { certificates })
            }
            HandshakeType::ServerKeyExchange => {
                if r.u8()? != 3 {
                    return Err(Error::IllegalParameter("ECCurveType is not named_curve"));
                }
                HandshakeMessage::ServerKeyExchange(ServerKeyExchange {
                    group: r.u16()?,
                    public: nonempty(r.vec8()?, "ECPoint")?,
                    scheme: r.u16()?,
                    signature: nonempty(r.vec16()?, "signature")?,
                })
            }
            HandshakeType::CertificateRequest => {
                HandshakeMessage::CertificateRequest(CertificateRequest {
                    certificate_types: r.vec8()?.to_vec(),
                    signature_algorithms: r.u16_list(true)?,
                    certificate_authorities: r.vec16()?.to_vec(),
                })
            }
            HandshakeType::ServerHelloDone => HandshakeMessage::ServerHelloDone,
            HandshakeType::CertificateVerify => {
                HandshakeMessage::CertificateVerify(CertificateVerify {
                    scheme: r.u16()?,
                    signature: nonempty(r.vec16()?, "signature")?,
                })
            }
            HandshakeType::ClientKeyExchange => {
                HandshakeMessage::ClientKeyExchange(ClientKeyExchange {
                    public: nonempty(r.vec8()?, "ECPoint")?,
                })
            }
            HandshakeType::Finished => HandshakeMessage::Finished(Finished {
                verify_data: r.take(12)?.to_vec(),
            }),
        };
        r.finish()?;
        Ok(msg)
    }

    /// Appends the message body (without the handshake header).
    pub fn write_body(&self, out: &mut Vec<u8>) {
        match self {
            HandshakeMessage::HelloRequest | HandshakeMessage::ServerHelloDone => {}
            // Lifetime hint 0 and an empty ticket: we never issue tickets, this exists so
            // the message round-trips in tests and fuzzing.
            HandshakeMessage::NewSessionTicket => out.extend_from_slice(&[0; 6]),
            HandshakeMessage::ClientHello(ch) => {
                out.put_u16(ch.client_version);
                out.extend_from_slice(&ch.random);
                out.put_vec(1, &ch.session_id);
                out.put_vec(1, &ch.cookie);
                out.put_nested(2, |w| ch.cipher_suites.iter().for_each(|s| w.put_u16(*s)));
                out.put_vec(1, &ch.compression_methods);
                ch.extensions.write(out);
            }
            HandshakeMessage::ServerHello(sh) => {
                out.put_u16(sh.server_version);
                out.extend_from_slice(&sh.random);
                out.put_vec(1, &sh.session_id);
                out.put_u16(sh.cipher_suite);
                out.put_u8(sh.compression_method);
                sh.extensions.write(out);
            }
            HandshakeMessage::HelloVerifyRequest(hvr) => {
                out.put_u16(hvr.server_version);
                out.put_vec(1, &hvr.cookie);
            }
            HandshakeMessage::Certificate(c) => out.put_nested(3, |w| {
                c.certificates.iter().for_each(|cert| w.put_vec(3, cert))
            }),
            HandshakeMessage::ServerKeyExchange(ske) => {
                out.extend_from_slice(&ServerKeyExchange::params(ske.group, &ske.public));
                out.put_u16(ske.scheme);
                out.put_vec(2, &ske.signature);
            }
            HandshakeMessage::CertificateRequest(cr) => {
                out.put_vec(1, &cr.certificate_types);
                out.put_nested(2, |w| {
                    cr.signature_algorithms.iter().for_each(|a| w.put_u16(*a))
                });
                out.put_vec(2, &cr.certificate_authorities);
            }
            HandshakeMessage::CertificateVerify(cv) => {
                out.put_u16(cv.scheme);
                out.put_vec(2, &cv.signature);
            }
            HandshakeMessage::ClientKeyExchange(cke) => out.put_vec(1, &cke.public),
            HandshakeMessage::Finished(f) => out.extend_from_slice(&f.verify_data),
        }
    }
}

fn short_vec(bytes: &[u8], max: usize, what: &'static str) -> Result<Vec<u8>, Error> {
    if bytes.len() > max {
        return Err(Error::InvalidLength {
            what,
            len: bytes.len(),
        });
    }
    Ok(bytes.to_vec())
}

fn nonempty(bytes: &[u8], what: &'static str) -> Result<Vec<u8>, Error> {
    if bytes.is_empty() {
        return Err(Error::InvalidLength { what, len: 0 });
    }
    Ok(bytes.to_vec())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::handshake::UseSrtp;

    fn round_trip(msg: HandshakeMessage) -> Vec<u8> {
        let mut body = Vec::new();
        msg.write_body(&mut body);
        assert_eq!(HandshakeMessage::parse(msg.msg_type(), &body).unwrap(), msg);
        body
    }

    #[test]
    fn client_hello_wire_bytes() {
        let body = round_trip(HandshakeMessage::ClientHello(ClientHello {
            client_version: 0xFEFD,
            random: [0x11; 32],
            session_id: vec![],
            cookie: vec![0xC0, 0x0C],
            cipher_suites: vec![0xC02B],
            compression_methods: vec![0],
            extensions: Extensions {
                extended_master_secret: true,
                use_srtp: Some(UseSrtp {
                    profiles: vec![1],
                    mki: vec![],
                }),
                ..Extensions::default()
            },
        }));
        let mut want = vec![0xFE, 0xFD];
        want.extend([0x11; 32]);
        want.extend([
            0, // session_id
            2, 0xC0, 0x0C, // cookie
            0, 2, 0xC0, 0x2B, // cipher_suites
            1, 0, // compression_methods: null
            0, 13, // extensions
            0, 14, 0, 5, 0, 2, 0, 1, 0, // use_srtp SRTP_AES128_CM_HMAC_SHA1_80, no MKI
            0, 23, 0, 0, // extended_master_secret
        ]);
        assert_eq!(body, want);
    }

    #[test]
    fn other_messages_round_trip() {
        round_trip(HandshakeMessage::ServerHello(ServerHello {
            server_version: 0xFEFD,
            random: [2; 32],
            session_id: vec![1; 32],
            cipher_suite: 0xCCA9,
            compression_method: 0,
            extensions: Extensions::default(),
        }));
        assert_eq!(
            round_trip(HandshakeMessage::HelloVerifyRequest(HelloVerifyRequest {
                server_version: 0xFEFF,
                cookie: vec![9; 3],
            })),
            [0xFE, 0xFF, 3, 9, 9, 9]
        );
        round_trip(HandshakeMessage::Certificate(Certificate {
            certificates: vec![vec![0x30, 0], vec![0x30, 1, 0]],
        }));
        assert_eq!(
            round_trip(HandshakeMessage::ServerKeyExchange(ServerKeyExchange {
                group: 29,
                public: vec![5; 2],
                scheme: 0x0403,
                signature: vec![6; 3],
            })),
            [3, 0, 29, 2, 5, 5, 4, 3, 0, 3, 6, 6, 6]
        );
        round_trip(HandshakeMessage::CertificateRequest(CertificateRequest {
            certificate_types: vec![64],
            signature_algorithms: vec![0x0403, 0x0503],
            certificate_authorities: vec![],
        }));
        round_trip(HandshakeMessage::CertificateVerify(CertificateVerify {
            scheme: 0x0403,
            signature: vec![1, 2],
        }));
        round_trip(HandshakeMessage::ClientKeyExchange(ClientKeyExchange {
            public: vec![4; 65],
        }));
        round_trip(HandshakeMessage::Finished(Finished {
            verify_data: vec![7; 12],
        }));
        round_trip(HandshakeMessage::ServerHelloDone);
        round_trip(HandshakeMessage::NewSessionTicket);
    }

    #[test]
    fn malformed_bodies_are_typed_errors() {
        assert_eq!(
            HandshakeMessage::parse(HandshakeType::Finished, &[0; 11]),
            Err(Error::Truncated {
                what: "Finished",
                needed: 12,
                got: 11
            })
        );
        assert_eq!(
            HandshakeMessage::parse(HandshakeType::ServerHelloDone, &[0]),
            Err(Error::TrailingBytes {
                what: "ServerHelloDone",
                extra: 1
            })
        );
        assert_eq!(
            HandshakeMessage::parse(HandshakeType::ServerKeyExchange, &[1, 0, 23]),
            Err(Error::IllegalParameter("ECCurveType is not named_curve"))
        );
        assert_eq!(
            HandshakeMessage::parse(HandshakeType::ClientKeyExchange, &[0]),
            Err(Error::InvalidLength {
                what: "ECPoint",
                len: 0
            })
        );
        let mut long_sid = vec![0xFE, 0xFD];
        long_sid.extend([0; 32]);
        long_sid.push(33);
        long_sid.extend([0; 33]);
        assert_eq!(
            HandshakeMessage::parse(HandshakeType::ClientHello, &long_sid),
            Err(Error::InvalidLength {
                what: "session_id",
                len: 33
            })
        );
    }
}
