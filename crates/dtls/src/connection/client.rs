//! The client's side of the handshake (RFC 6347 §4.2.4 flights 1, 3 and 5).

use super::{Connection, Incoming, Negotiated, Phase, ServerKeyExchanged, Step, unexpected};
use crate::config::Config;
use crate::crypto::kx::EphemeralSecret;
use crate::error::Error;
use crate::handshake::{
    Certificate, CertificateVerify, ClientHello, ClientKeyExchange, Extensions, Finished,
    HANDSHAKE_HEADER_LEN, HandshakeMessage, ServerHello, ServerKeyExchange, UseSrtp,
};
use crate::record::DTLS_1_2;
use crate::suite::{CipherSuite, NamedGroup, SignatureScheme};
use rand_core::CryptoRng;
use srtp::ProtectionProfile;
use std::time::Instant;

/// HelloVerifyRequests a client follows before it gives up on the handshake.
const MAX_HELLO_VERIFY_REQUESTS: u8 = 4;

/// Our ClientHello (flight 1): everything the configuration allows, a fresh random.
pub(super) fn client_hello(cfg: &Config, rng: &mut (impl CryptoRng + ?Sized)) -> ClientHello {
    let mut random = [0u8; 32];
    rng.fill_bytes(&mut random);
    let extensions = Extensions {
        renegotiation_info: Some(Vec::new()),
        supported_groups: Some(cfg.groups.iter().map(|g| g.to_u16()).collect()),
        ec_point_formats: Some(vec![0]),
        signature_algorithms: Some(SignatureScheme::available().map(|s| s.to_u16()).collect()),
        use_srtp: (!cfg.srtp_profiles.is_empty()).then(|| UseSrtp {
            profiles: cfg
                .srtp_profiles
                .iter()
                .filter_map(|p| p.dtls_id())
                .collect(),
            mki: Vec::new(),
        }),
        extended_master_secret: true,
        session_ticket: false,
        connection_id: cfg.connection_id.clone(),
    };
    ClientHello {
        client_version: DTLS_1_2,
        random,
        session_id: Vec::new(),
        cookie: Vec::new(),
        cipher_suites: cfg.cipher_suites.iter().map(|s| s.to_u16()).collect(),
        compression_methods: vec![0],
        extensions,
    }
}

impl Connection {
    /// Sends the ClientHello the phase holds as a new flight (RFC 6347 §4.2.1: the
    /// transcript restarts with the hello that carries the cookie).
    pub(super) fn send_client_hello(&mut self, now: Instant) {
        let Phase::ClientWaitServerHello { hello, .. } = &self.phase else {
            return;
        };
        let message = HandshakeMessage::ClientHello(hello.clone());
        self.begin_flight();
        self.hs.transcript.clear();
        self.add_message(&message, true);
        self.send_flight_with_timer(now);
    }

    /// The client's step for a message (flights 2, 4 and 6 of the server).
    pub(super) fn client_step(&mut self, now: Instant, phase: Phase, msg: Incoming<'_>) -> Step {
        let raw = msg.raw;
        Ok(Some(match (phase, msg.message) {
            (
                Phase::ClientWaitServerHello {
                    mut hello,
                    hello_verify_requests,
                },
                HandshakeMessage::HelloVerifyRequest(hvr),
            ) => {
                // A server answers every cookie-less or stale ClientHello with a fresh
                // HelloVerifyRequest, and anyone who can send from our address can make it
                // send one we did not ask for (its cookie covers their random, not ours).
                // So a new cookie replaces the old one, a bounded number of times.
                if hello_verify_requests >= MAX_HELLO_VERIFY_REQUESTS {
                    return Err(Error::UnexpectedMessage {
                        expected: "ServerHello",
                        got: "HelloVerifyRequest",
                    });
                }
                hello.cookie = hvr.cookie;
                self.phase = Phase::ClientWaitServerHello {
                    hello,
                    hello_verify_requests: hello_verify_requests + 1,
                };
                self.send_client_hello(now);
                return Ok(None);
            }
            (Phase::ClientWaitServerHello { hello, .. }, HandshakeMessage::ServerHello(sh)) => {
                let body = raw.get(HANDSHAKE_HEADER_LEN..).unwrap_or_default();
                check_offered_extensions(&hello, body)?;
                crate::v13::check_downgrade(&self.config, &sh.random)?;
                let cids = crate::cid::NegotiatedCids::settle(
                    self.config.connection_id.as_ref(),
                    sh.extensions.connection_id.clone(),
                );
                let negotiated = self.client_server_hello(&hello, sh)?;
                self.cids = cids;
                Phase::ClientWaitCertificate { negotiated }
            }
            (Phase::ClientWaitCertificate { negotiated }, HandshakeMessage::Certificate(c)) => {
                let first = c.certificates.first().ok_or(Error::CertificateRequired)?;
                let peer = self.accept_peer_certificate(first)?;
                // RFC 5246 §7.4.2: the server's key must be of the suite's type.
                if peer.key.authentication() != negotiated.suite.authentication() {
                    return Err(Error::UnsupportedCertificate);
                }
                Phase::ClientWaitKeyExchange { negotiated, peer }
            }
            (
                Phase::ClientWaitKeyExchange { negotiated, peer },
                HandshakeMessage::ServerKeyExchange(ske),
            ) => {
                let group = NamedGroup::from_u16(ske.group)
                    .filter(|g| self.config.groups.contains(g))
                    .ok_or(Error::IllegalParameter("group we did not offer"))?;
                let mut signed = Vec::with_capacity(64 + 4 + ske.public.len());
                signed.extend_from_slice(&negotiated.client_random);
                signed.extend_from_slice(&negotiated.server_random);
                signed.extend_from_slice(&ServerKeyExchange::params(ske.group, &ske.public));
                let mut peer = peer;
                peer.verify(ske.scheme, &signed, &ske.signature)?;
                Phase::ClientWaitHelloDone {
                    kx: ServerKeyExchanged {
                        negotiated,
                        peer,
                        ephemeral: EphemeralSecret::generate(group, &mut *self.rng),
                        peer_public: ske.public,
                    },
                    certificate_requested: None,
                }
            }
            (
                Phase::ClientWaitHelloDone {
                    kx,
                    certificate_requested,
                },
                HandshakeMessage::CertificateRequest(cr),
            ) => {
                if certificate_requested.is_some() {
                    return Err(Error::UnexpectedMessage {
                        expected: "ServerHelloDone",
                        got: "CertificateRequest",
                    });
                }
                let scheme = self
                    .config
                    .certificate
                    .signing_key()
                    .choose_scheme(&cr.signature_algorithms)
                    .ok_or(Error::NoCommonSignatureScheme)?;
                Phase::ClientWaitHelloDone {
                    kx,
                    certificate_requested: Some(scheme),
                }
            }
            (
                Phase::ClientWaitHelloDone {
                    kx,
                    certificate_requested,
                },
                HandshakeMessage::ServerHelloDone,
            ) => {
                self.hs.transcript.extend_from_slice(raw);
                self.client_final_flight(now, kx, certificate_requested)?;
                return Ok(None);
            }
            (
                phase @ Phase::ClientWaitChangeCipherSpec { .. },
                HandshakeMessage::NewSessionTicket,
            ) => phase,
            (Phase::ClientWaitFinished { keys, peer }, HandshakeMessage::Finished(f)) => {
                keys.verify_finished(super::Role::Server, &f.verify_data, &self.hs.transcript)?;
                self.retransmit_at = None;
                self.complete(keys, Some(peer))?;
                return Ok(None);
            }
            (phase, m) => return Err(unexpected(phase.expected(), &m)),
        }))
    }

    fn client_server_hello(
        &self,
        hello: &ClientHello,
        sh: ServerHello,
    ) -> Result<Negotiated, Error> {
        if sh.server_version != DTLS_1_2 {
            return Err(Error::UnsupportedVersion(sh.server_version));
        }
        let suite = CipherSuite::from_u16(sh.cipher_suite)
            .filter(|s| self.config.cipher_suites.contains(s))
            .ok_or(Error::IllegalParameter("cipher suite we did not offer"))?;
        if sh.compression_method != 0 {
            return Err(Error::IllegalParameter("compression method"));
        }
        let ext = &sh.extensions;
        if ext
            .renegotiation_info
            .as_ref()
            .is_some_and(|ri| !ri.is_empty())
        {
            return Err(Error::IllegalParameter("renegotiation_info is not empty"));
        }
        if !ext.extended_master_secret && self.config.require_extended_master_secret {
            return Err(Error::ExtendedMasterSecretRequired);
        }
        let srtp_profile = match (&ext.use_srtp, self.config.srtp_profiles.is_empty()) {
            (None, true) => None,
            (None, false) => return Err(Error::NoCommonSrtpProfile),
            (Some(_), true) => return Err(Error::IllegalParameter("use_srtp we did not offer")),
            (Some(srtp), false) => {
                let [id] = srtp.profiles[..] else {
                    return Err(Error::IllegalParameter("use_srtp must select one profile"));
                };
                let profile = ProtectionProfile::from_dtls_id(id)
                    .filter(|p| self.config.srtp_profiles.contains(p))
                    .ok_or(Error::IllegalParameter("SRTP profile we did not offer"))?;
                if !srtp.mki.is_empty() {
                    return Err(Error::IllegalParameter("SRTP MKI we did not offer"));
                }
                Some(profile)
            }
        };
        Ok(Negotiated {
            suite,
            client_random: hello.random,
            server_random: sh.random,
            srtp_profile,
            extended_master_secret: ext.extended_master_secret,
        })
    }

    /// Flight 5: [Certificate] ClientKeyExchange [CertificateVerify] ChangeCipherSpec
    /// Finished.
    fn client_final_flight(
        &mut self,
        now: Instant,
        kx: ServerKeyExchanged,
        certificate_requested: Option<SignatureScheme>,
    ) -> Result<(), Error> {
        let ServerKeyExchanged {
            negotiated,
            peer,
            ephemeral,
            peer_public,
        } = kx;
        let pre_master_secret = ephemeral.agree(&peer_public)?;
        self.begin_flight();
        if certificate_requested.is_some() {
            let cert = HandshakeMessage::Certificate(Certificate {
                certificates: vec![self.config.certificate.der().to_vec()],
            });
            self.add_message(&cert, true);
        }
        let cke = HandshakeMessage::ClientKeyExchange(ClientKeyExchange {
            public: ephemeral.public(),
        });
        self.add_message(&cke, true);
        let (keys, pending_read) = self.derive_keys(negotiated, &ephemeral, &pre_master_secret);
        if let Some(scheme) = certificate_requested {
            let key = self.config.certificate.signing_key();
            let cv = HandshakeMessage::CertificateVerify(CertificateVerify {
                scheme: scheme.to_u16(),
                signature: key.sign(scheme, &self.hs.transcript)?,
            });
            self.add_message(&cv, true);
        }
        self.add_change_cipher_spec();
        let verify_data = keys.finished_data(true, &self.hs.transcript).to_vec();
        self.add_message(&HandshakeMessage::Finished(Finished { verify_data }), true);
        self.send_flight_with_timer(now);
        self.phase = Phase::ClientWaitChangeCipherSpec {
            keys,
            pending_read,
            peer,
        };
        Ok(())
    }
}

/// RFC 5246 §7.4.1.4: a server must not send an extension the client did not offer; the
/// client aborts with unsupported_extension. The parsed [`ServerHello`] keeps only the
/// extensions this implementation knows, so the types are read from the body.
fn check_offered_extensions(hello: &ClientHello, server_hello: &[u8]) -> Result<(), Error> {
    let offered = extension_types(&hello.extensions);
    for ty in server_hello_extension_types(server_hello) {
        if !offered.contains(&ty) {
            return Err(Error::UnsupportedExtension(ty));
        }
    }
    Ok(())
}

/// The extension types an extensions block we wrote holds.
fn extension_types(ext: &Extensions) -> Vec<u16> {
    let mut block = Vec::new();
    ext.write(&mut block);
    block_types(block.get(2..).unwrap_or_default())
}

/// The extension types of a ServerHello body that already parsed (RFC 5246 §7.4.1.3):
/// version, random, session_id, cipher_suite, compression_method, extensions.
fn server_hello_extension_types(body: &[u8]) -> Vec<u16> {
    let Some(&sid_len) = body.get(34) else {
        return Vec::new();
    };
    let at = 35 + usize::from(sid_len) + 3;
    block_types(body.get(at + 2..).unwrap_or_default())
}

/// The types of a sequence of extensions (type, 16-bit length, body).
fn block_types(mut block: &[u8]) -> Vec<u16> {
    let mut types = Vec::new();
    while let [t0, t1, l0, l1, rest @ ..] = block {
        types.push(u16::from_be_bytes([*t0, *t1]));
        let len = usize::from(u16::from_be_bytes([*l0, *l1]));
        block = rest.get(len..).unwrap_or_default();
    }
    types
}
