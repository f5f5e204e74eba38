//! The server's side of the handshake (RFC 6347 §4.2.4 flights 2, 4 and 6).

use super::{Connection, Incoming, Negotiated, Phase, Role, Step, unexpected};
use crate::crypto::kx::EphemeralSecret;
use crate::error::Error;
use crate::handshake::{
    Certificate, CertificateRequest, ClientHello, Extensions, Finished, HandshakeMessage,
    ServerHello, ServerKeyExchange, UseSrtp,
};
use crate::record::DTLS_1_2;
use crate::suite::{CipherSuite, NamedGroup, SignatureScheme};
use srtp::ProtectionProfile;
use std::time::Instant;

/// TLS_EMPTY_RENEGOTIATION_INFO_SCSV (RFC 5746 §3.3).
const EMPTY_RENEGOTIATION_INFO_SCSV: u16 = 0x00FF;
/// ecdsa_sign certificate type (RFC 8422 §5.5).
const ECDSA_SIGN: u8 = 64;
/// rsa_sign certificate type (RFC 5246 §7.4.4).
const RSA_SIGN: u8 = 1;
/// The last eight bytes of a TLS 1.3 server's random when it negotiates TLS 1.2 or
/// below (RFC 8446 §4.1.3; DTLS 1.3 uses the same values, RFC 9147 §5.3).
const DOWNGRADE_SENTINELS: [[u8; 8]; 2] = [*b"DOWNGRD\x01", *b"DOWNGRD\x00"];

/// Makes sure a ServerHello random does not end in a downgrade sentinel. We do not speak
/// DTLS 1.3, so nothing was downgraded; a client offering 1.3 (a browser) that found the
/// sentinel would abort the handshake (RFC 8446 §4.1.3). Random bytes hit it with
/// probability 2^-63; then one bit of the last byte is flipped, which matches neither
/// sentinel.
fn clear_downgrade_sentinel(random: &mut [u8; 32]) {
    if DOWNGRADE_SENTINELS.iter().any(|s| random.ends_with(s)) {
        random[31] ^= 0x02;
    }
}

impl Connection {
    /// A complete ClientHello while no handshake state exists, which came in record
    /// `record_sequence` (the highest, when it came in fragments) and `received` bytes:
    /// answer without a valid cookie with a HelloVerifyRequest (never larger than
    /// `received`) and keep nothing; with one, start the handshake.
    pub(super) fn server_client_hello(
        &mut self,
        now: Instant,
        record_sequence: u64,
        message_seq: u16,
        msg: HandshakeMessage,
        body: &[u8],
        received: usize,
    ) -> Result<(), Error> {
        let HandshakeMessage::ClientHello(ch) = msg else {
            return Err(unexpected("ClientHello", &msg));
        };
        if self.dtls13_client_hello(now, record_sequence, message_seq, body, received)? {
            return Ok(());
        }
        let Phase::ServerWaitClientHello {
            cookie_secret,
            client_address,
        } = &self.phase
        else {
            return Err(Error::Internal(
                "a ClientHello outside ServerWaitClientHello",
            ));
        };
        if !cookie_secret.verify(*client_address, &ch) {
            let hvr = cookie_secret.challenge(
                *client_address,
                &ch,
                record_sequence,
                message_seq,
                received,
            );
            if let Some(hvr) = hvr {
                self.transmit.push(hvr);
            }
            return Ok(());
        }
        self.hello_fragments = None;
        self.next_recv_seq = message_seq.wrapping_add(1);
        self.next_send_seq = message_seq;
        self.write_seq[0] = self.write_seq[0].max(record_sequence);
        self.hs.transcript = crate::handshake::encode_message(
            crate::handshake::HandshakeType::ClientHello,
            message_seq,
            body,
        );
        self.server_flight(now, ch)
    }

    /// Negotiates from the ClientHello and sends flight 4.
    fn server_flight(&mut self, now: Instant, ch: ClientHello) -> Result<(), Error> {
        if ch.client_version > DTLS_1_2 {
            // DTLS versions count down: 0xFEFF (1.0) is older than 0xFEFD (1.2).
            return Err(Error::UnsupportedVersion(ch.client_version));
        }
        if !ch.compression_methods.contains(&0) {
            return Err(Error::IllegalParameter("null compression not offered"));
        }
        let cfg = self.config.clone();
        let ext = &ch.extensions;
        let suite = cfg
            .cipher_suites
            .iter()
            .copied()
            // The suites our certificate's key type serves: ECDHE_ECDSA for the default
            // P-256 certificate, ECDHE_RSA for an RSA one.
            .filter(|s| s.authentication() == cfg.certificate.authentication())
            .find(|s| ch.cipher_suites.contains(&s.to_u16()))
            .ok_or_else(|| {
                // A client that knows one of our suites met a configuration that disabled
                // it; one that knows none of them asks for weaker security than we give.
                if ch
                    .cipher_suites
                    .iter()
                    .any(|&s| CipherSuite::from_u16(s).is_some())
                {
                    Error::NoCommonCipherSuite
                } else {
                    Error::InsufficientSecurity
                }
            })?;
        // RFC 8422 §4: without supported_groups the client is assumed to accept P-256.
        let offered_groups = ext
            .supported_groups
            .clone()
            .unwrap_or_else(|| vec![NamedGroup::Secp256r1.to_u16()]);
        let group = cfg
            .groups
            .iter()
            .copied()
            .find(|g| offered_groups.contains(&g.to_u16()))
            .ok_or(Error::NoCommonGroup)?;
        let our_scheme = ext
            .signature_algorithms
            .as_deref()
            .and_then(|offered| cfg.certificate.signing_key().choose_scheme(offered))
            .ok_or(Error::NoCommonSignatureScheme)?;
        if ext
            .ec_point_formats
            .as_ref()
            .is_some_and(|f| !f.contains(&0))
        {
            return Err(Error::IllegalParameter("uncompressed points not offered"));
        }
        if ext
            .renegotiation_info
            .as_ref()
            .is_some_and(|ri| !ri.is_empty())
        {
            return Err(Error::IllegalParameter("renegotiation_info is not empty"));
        }
        if !ext.extended_master_secret && cfg.require_extended_master_secret {
            return Err(Error::ExtendedMasterSecretRequired);
        }
        let srtp_profile = if cfg.srtp_profiles.is_empty() {
            None
        } else {
            let offered = ext.use_srtp.as_ref().ok_or(Error::NoCommonSrtpProfile)?;
            let p = cfg
                .srtp_profiles
                .iter()
                .copied()
                .find(|p| p.dtls_id().is_some_and(|id| offered.profiles.contains(&id)))
                .ok_or(Error::NoCommonSrtpProfile)?;
            Some(p)
        };
        let secure_renegotiation = ext.renegotiation_info.is_some()
            || ch.cipher_suites.contains(&EMPTY_RENEGOTIATION_INFO_SCSV);

        let mut server_random = [0u8; 32];
        self.rng.fill_bytes(&mut server_random);
        clear_downgrade_sentinel(&mut server_random);
        let negotiated = Negotiated {
            suite,
            client_random: ch.random,
            server_random,
            srtp_profile,
            extended_master_secret: ext.extended_master_secret,
        };
        let request_certificate = self.wants_client_certificate();
        // RFC 9146 §3: answered only when offered, with the CID we want to receive.
        let cids = crate::cid::NegotiatedCids::settle(
            cfg.connection_id.as_ref(),
            ext.connection_id.clone(),
        );

        self.begin_flight();
        let sh = ServerHello {
            server_version: DTLS_1_2,
            random: server_random,
            session_id: Vec::new(),
            cipher_suite: suite.to_u16(),
            compression_method: 0,
            extensions: Extensions {
                renegotiation_info: secure_renegotiation.then(Vec::new),
                ec_point_formats: ext.ec_point_formats.as_ref().map(|_| vec![0]),
                use_srtp: srtp_profile.map(|p: ProtectionProfile| UseSrtp {
                    profiles: p.dtls_id().into_iter().collect(),
                    mki: Vec::new(),
                }),
                extended_master_secret: ext.extended_master_secret,
                connection_id: cids.as_ref().map(|c| c.local.clone()),
                ..Extensions::default()
            },
        };
        self.cids = cids;
        self.add_message(&HandshakeMessage::ServerHello(sh), true);
        let cert = HandshakeMessage::Certificate(Certificate {
            certificates: vec![cfg.certificate.der().to_vec()],
        });
        self.add_message(&cert, true);
        let ephemeral = EphemeralSecret::generate(group, &mut *self.rng);
        let public = ephemeral.public();
        let mut signed = Vec::with_capacity(64 + 4 + public.len());
        signed.extend_from_slice(&negotiated.client_random);
        signed.extend_from_slice(&negotiated.server_random);
        signed.extend_from_slice(&ServerKeyExchange::params(group.to_u16(), &public));
        let ske = HandshakeMessage::ServerKeyExchange(ServerKeyExchange {
            group: group.to_u16(),
            public,
            scheme: our_scheme.to_u16(),
            signature: cfg.certificate.signing_key().sign(our_scheme, &signed)?,
        });
        self.add_message(&ske, true);
        if request_certificate {
            let cr = HandshakeMessage::CertificateRequest(CertificateRequest {
                certificate_types: if cfg!(feature = "ring") {
                    vec![ECDSA_SIGN, RSA_SIGN]
                } else {
                    vec![ECDSA_SIGN]
                },
                signature_algorithms: SignatureScheme::available().map(|s| s.to_u16()).collect(),
                certificate_authorities: Vec::new(),
            });
            self.add_message(&cr, true);
        }
        self.add_message(&HandshakeMessage::ServerHelloDone, true);
        self.phase = if request_certificate {
            Phase::ServerWaitCertificate {
                negotiated,
                ephemeral,
            }
        } else {
            Phase::ServerWaitKeyExchange {
                negotiated,
                ephemeral,
                peer: None,
            }
        };
        self.send_flight_with_timer(now);
        Ok(())
    }

    /// The server's step for a message (flights 3 and 5 of the client).
    pub(super) fn server_step(&mut self, now: Instant, phase: Phase, msg: Incoming<'_>) -> Step {
        let raw = msg.raw;
        Ok(Some(match (phase, msg.message) {
            (
                Phase::ServerWaitCertificate {
                    negotiated,
                    ephemeral,
                },
                HandshakeMessage::Certificate(c),
            ) => {
                let first = c.certificates.first().ok_or(Error::CertificateRequired)?;
                let peer = self.accept_peer_certificate(first)?;
                Phase::ServerWaitKeyExchange {
                    negotiated,
                    ephemeral,
                    peer: Some(peer),
                }
            }
            (
                Phase::ServerWaitKeyExchange {
                    negotiated,
                    ephemeral,
                    peer,
                },
                HandshakeMessage::ClientKeyExchange(cke),
            ) => {
                let pre_master_secret = ephemeral.agree(&cke.public)?;
                self.hs.transcript.extend_from_slice(raw);
                let (keys, pending_read) =
                    self.derive_keys(negotiated, &ephemeral, &pre_master_secret);
                // The server's flight was received; stop retransmitting it.
                self.retransmit_at = None;
                self.phase = match peer {
                    Some(peer) => Phase::ServerWaitCertificateVerify {
                        keys,
                        pending_read,
                        peer,
                    },
                    None => Phase::ServerWaitChangeCipherSpec {
                        keys,
                        pending_read,
                        peer: None,
                    },
                };
                return Ok(None);
            }
            (
                Phase::ServerWaitCertificateVerify {
                    keys,
                    pending_read,
                    peer,
                },
                HandshakeMessage::CertificateVerify(cv),
            ) => {
                let mut peer = peer;
                peer.verify(cv.scheme, &self.hs.transcript, &cv.signature)?;
                Phase::ServerWaitChangeCipherSpec {
                    keys,
                    pending_read,
                    peer: Some(peer),
                }
            }
            (Phase::ServerWaitFinished { keys, peer }, HandshakeMessage::Finished(f)) => {
                keys.verify_finished(Role::Client, &f.verify_data, &self.hs.transcript)?;
                self.hs.transcript.extend_from_slice(raw);
                self.begin_flight();
                self.add_change_cipher_spec();
                let verify_data = keys.finished_data(false, &self.hs.transcript).to_vec();
                self.add_message(&HandshakeMessage::Finished(Finished { verify_data }), false);
                self.send_flight(now);
                self.complete(keys, peer)?;
                return Ok(None);
            }
            (phase, m) => return Err(unexpected(phase.expected(), &m)),
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_random_never_ends_in_a_downgrade_sentinel() {
        for (sentinel, last) in [(*b"DOWNGRD\x01", 3), (*b"DOWNGRD\x00", 2)] {
            let mut random = [7u8; 32];
            random[24..].copy_from_slice(&sentinel);
            clear_downgrade_sentinel(&mut random);
            assert_eq!(&random[24..31], b"DOWNGRD");
            assert_eq!(random[31], last);
        }
        let mut random = [7u8; 32];
        clear_downgrade_sentinel(&mut random);
        assert_eq!(random, [7u8; 32]);
    }
}
