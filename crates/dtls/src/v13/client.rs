//! The client's side of DTLS 1.3: a ClientHello that offers DTLS 1.3 and 1.2 together
//! (so a 1.2-only server still answers), the HelloRetryRequest, the server's flight, and
//! our final flight (RFC 8446 §4, RFC 9147 §5).
//!
//! A server that answers in DTLS 1.2 (a ServerHello without supported_versions, or a
//! HelloVerifyRequest) hands the association back to the 1.2 state machine, which takes
//! the same ClientHello as its own (`fallback`). Before it does, the ServerHello random
//! is checked for the RFC 8446 §4.1.3 downgrade sentinel: a server that speaks 1.3 but
//! answered 1.2 to our 1.3 offer means someone removed it on the way.

use super::key_schedule::{Labels, hash};
use super::messages::{
    self as m, CertificateRequest13, CertificateVerify13, ClientHello13, ExtensionList,
    ServerHello13, ext, ty,
};
use super::record::Aead;
use super::server::suites;
use super::session::{Handshaking, Phase, Session, our_tls13_scheme, tls13_schemes};
use crate::config::Config;
use crate::connection::{PeerAuth, Role};
use crate::crypto::kx::EphemeralSecret;
use crate::error::Error;
use crate::suite::{CipherSuite, NamedGroup, SignatureScheme};
use rand_core::CryptoRng;
use std::sync::Arc;
use std::time::Instant;

/// The last eight bytes of a ServerHello random that negotiated below the server's best
/// (RFC 8446 §4.1.3; RFC 9147 §5.3 keeps them).
const DOWNGRADE_SENTINELS: [[u8; 8]; 2] = [*b"DOWNGRD\x01", *b"DOWNGRD\x00"];

/// What the client offered and waits to hear about.
#[cfg_attr(feature = "fuzzing", derive(Clone))]
pub(crate) struct Offer {
    pub(crate) hello: ClientHello13,
    /// The body of the first ClientHello as sent.
    pub(crate) first_body: Vec<u8>,
    shares: Vec<EphemeralSecret>,
    /// The suite of the HelloRetryRequest, once one came.
    retried: Option<u16>,
    suites: Vec<(CipherSuite, Aead)>,
}

fn key_share_entry(e: &EphemeralSecret) -> (u16, Vec<u8>) {
    (e.group().to_u16(), e.public())
}

/// A client offering DTLS 1.3 and 1.2, its ClientHello sent.
pub(crate) fn start(
    config: Arc<Config>,
    peer_auth: PeerAuth,
    mtu: usize,
    handshake_deadline: Instant,
    rng: &mut dyn CryptoRng,
    now: Instant,
) -> Session {
    let ours = suites(&config);
    let mut random = [0u8; 32];
    rng.fill_bytes(&mut random);
    let share_group = config.groups.first().copied().unwrap_or(NamedGroup::X25519);
    let shares = vec![EphemeralSecret::generate(share_group, rng)];
    let mut extensions = ExtensionList::default();
    // The 1.2 extensions first, as the 1.2 client writes them (RFC 5746 empty
    // renegotiation_info, supported_groups, uncompressed points, signature schemes,
    // use_srtp, extended_master_secret), then the 1.3 ones.
    extensions.push(0xFF01, vec![0]);
    extensions.push(
        ext::SUPPORTED_GROUPS,
        m::u16_list_body(&config.groups.iter().map(|g| g.to_u16()).collect::<Vec<_>>()),
    );
    extensions.push(11, vec![1, 0]);
    extensions.push(
        ext::SIGNATURE_ALGORITHMS,
        m::u16_list_body(
            &SignatureScheme::available()
                .map(|s| s.to_u16())
                .collect::<Vec<_>>(),
        ),
    );
    let profiles: Vec<u16> = config
        .srtp_profiles
        .iter()
        .filter_map(|p| p.dtls_id())
        .collect();
    if !profiles.is_empty() {
        extensions.push(ext::USE_SRTP, m::use_srtp_body(&profiles));
    }
    extensions.push(23, Vec::new());
    if let Some(cid) = &config.connection_id {
        // RFC 9146 §3 (both versions): the CID we want to receive.
        extensions.push(ext::CONNECTION_ID, cid.extension_body());
    }
    extensions.push(ext::SUPPORTED_VERSIONS, vec![4, 0xFE, 0xFC, 0xFE, 0xFD]);
    extensions.push(
        ext::KEY_SHARE,
        m::client_key_share_body(&shares.iter().map(key_share_entry).collect::<Vec<_>>()),
    );
    let mut cipher_suites: Vec<u16> = ours.iter().map(|(s, _)| s.to_u16()).collect();
    cipher_suites.extend(config.cipher_suites.iter().map(|s| s.to_u16()));
    let hello = ClientHello13 {
        legacy_version: m::DTLS_1_2,
        random,
        session_id: Vec::new(),
        legacy_cookie: Vec::new(),
        cipher_suites,
        compression_methods: vec![0],
        extensions,
    };
    let mut body = Vec::new();
    hello.write_body(&mut body);
    let offer = Offer {
        hello,
        first_body: body.clone(),
        shares,
        retried: None,
        suites: ours,
    };
    let mut s = Session::new(
        Role::Client,
        config,
        peer_auth,
        Phase::ClientWaitServerHello(Box::new(offer)),
        mtu,
        handshake_deadline,
    );
    s.client_random = random;
    s.begin_flight(false);
    s.add_message(0, ty::CLIENT_HELLO, &body, true);
    s.send_flight_with_timer(now);
    s
}

/// A DTLS 1.2 ServerHello answering our DTLS 1.3 offer must not carry the downgrade
/// sentinel (RFC 8446 §4.1.3): fails with illegal_parameter when it does.
pub(crate) fn check_downgrade(config: &Config, random: &[u8; 32]) -> Result<(), Error> {
    if config.max_version >= crate::ProtocolVersion::Dtls13
        && DOWNGRADE_SENTINELS.iter().any(|s| random.ends_with(s))
    {
        return Err(Error::IllegalParameter(
            "downgrade sentinel in a 1.2 ServerHello",
        ));
    }
    Ok(())
}

impl Session {
    /// The body of the ClientHello we sent first (for the 1.2 fallback).
    pub(crate) fn first_hello_body(&self) -> Option<&[u8]> {
        match &self.phase {
            Phase::ClientWaitServerHello(offer) => Some(&offer.first_body),
            _ => None,
        }
    }

    /// A whole ServerHello, HelloRetryRequest or HelloVerifyRequest (`msg_type` 3) while
    /// we wait for the server's answer.
    pub(crate) fn client_hello_answer(
        &mut self,
        now: Instant,
        _record_sequence: u64,
        msg_type: u8,
        body: &[u8],
        rng: &mut dyn CryptoRng,
    ) -> Result<(), Error> {
        if msg_type == 3 {
            // A HelloVerifyRequest: a DTLS 1.2 server.
            self.fallback = true;
            return Ok(());
        }
        let Ok(sh) = ServerHello13::parse(body) else {
            // Unauthenticated bytes that do not parse change nothing.
            self.processed = false;
            self.drop_record();
            return Ok(());
        };
        match sh.selected_version()? {
            Some(m::DTLS_1_3) => {}
            None if !sh.is_retry() => {
                check_downgrade(&self.config, &sh.random)?;
                self.fallback = true;
                return Ok(());
            }
            _ => return Err(Error::IllegalParameter("supported_versions")),
        }
        let Phase::ClientWaitServerHello(mut offer) =
            std::mem::replace(&mut self.phase, Phase::Failed)
        else {
            return Err(Error::Internal(
                "a ServerHello outside ClientWaitServerHello",
            ));
        };
        let Some(&(suite, aead)) = offer
            .suites
            .iter()
            .find(|(s, _)| s.to_u16() == sh.cipher_suite)
        else {
            return Err(Error::IllegalParameter("a suite we did not offer"));
        };
        if sh.session_id != offer.hello.session_id || sh.compression_method != 0 {
            return Err(Error::IllegalParameter("legacy_session_id_echo"));
        }
        self.next_recv_msg = self.next_recv_msg.wrapping_add(1);
        if sh.is_retry() {
            if offer.retried.is_some() {
                return Err(Error::UnexpectedMessage {
                    expected: "ServerHello",
                    got: "a second HelloRetryRequest",
                });
            }
            for (t, _) in &sh.extensions.0 {
                if !matches!(*t, ext::SUPPORTED_VERSIONS | ext::COOKIE | ext::KEY_SHARE) {
                    return Err(Error::UnsupportedExtension(*t));
                }
            }
            let cookie = sh.extensions.cookie()?;
            let group = sh.selected_group()?;
            let mut hello = offer.hello.clone();
            if let Some(g) = group {
                let named = NamedGroup::from_u16(g)
                    .filter(|n| self.config.groups.contains(n))
                    .ok_or(Error::IllegalParameter("a group we did not offer"))?;
                if offer.shares.iter().any(|e| e.group() == named) {
                    return Err(Error::IllegalParameter("a retry for a group we sent"));
                }
                offer.shares = vec![EphemeralSecret::generate(named, rng)];
                let body = m::client_key_share_body(
                    &offer.shares.iter().map(key_share_entry).collect::<Vec<_>>(),
                );
                for (t, b) in &mut hello.extensions.0 {
                    if *t == ext::KEY_SHARE {
                        *b = body.clone();
                    }
                }
            } else if cookie.is_none() {
                return Err(Error::IllegalParameter("a retry that changes nothing"));
            }
            if let Some(c) = cookie {
                let mut b = Vec::with_capacity(2 + c.len());
                b.extend_from_slice(&(c.len() as u16).to_be_bytes());
                b.extend_from_slice(&c);
                hello.extensions.push(ext::COOKIE, b);
            }
            let ch1 = std::mem::take(&mut self.transcript);
            self.transcript = m::tls_message(ty::MESSAGE_HASH, &hash(&ch1));
            self.transcript
                .extend_from_slice(&m::tls_message(ty::SERVER_HELLO, body));
            let mut ch2 = Vec::new();
            hello.write_body(&mut ch2);
            offer.hello = hello;
            offer.retried = Some(sh.cipher_suite);
            self.phase = Phase::ClientWaitServerHello(offer);
            self.begin_flight(false);
            self.add_message(0, ty::CLIENT_HELLO, &ch2, true);
            self.send_flight_with_timer(now);
            return Ok(());
        }
        if offer.retried.is_some_and(|s| s != sh.cipher_suite) {
            return Err(Error::IllegalParameter("the suite changed after the retry"));
        }
        let offered_cid = self.config.connection_id.is_some();
        for (t, _) in &sh.extensions.0 {
            let allowed = matches!(*t, ext::SUPPORTED_VERSIONS | ext::KEY_SHARE)
                || (*t == ext::CONNECTION_ID && offered_cid);
            if !allowed {
                return Err(Error::UnsupportedExtension(*t));
            }
        }
        let peer_cid = sh
            .extensions
            .get(ext::CONNECTION_ID)
            .map(crate::cid::ConnectionId::parse_extension)
            .transpose()?;
        self.cids =
            crate::cid::NegotiatedCids::settle(self.config.connection_id.as_ref(), peer_cid);
        let (group, public) = sh
            .key_share()?
            .ok_or(Error::IllegalParameter("no key_share"))?;
        let ephemeral = offer
            .shares
            .iter()
            .find(|e| e.group().to_u16() == group)
            .ok_or(Error::IllegalParameter(
                "a key share for a group we did not send",
            ))?;
        let shared = ephemeral.agree(&public)?;
        self.suite = suite;
        self.aead = aead;
        self.group = ephemeral.group();
        self.transcript
            .extend_from_slice(&m::tls_message(ty::SERVER_HELLO, body));
        let hs = Labels::DTLS13.handshake(&shared, &self.transcript_hash());
        self.log_handshake_secrets(&hs);
        self.install_read(2, &*hs.server);
        self.install_write(2, &*hs.client);
        self.stop_retransmitting();
        self.begin_flight(false);
        self.phase = Phase::ClientWaitEncryptedExtensions(Box::new(Handshaking {
            client_secret: hs.client,
            server_secret: hs.server,
            master: hs.master,
            certificate_request: None,
            application: None,
        }));
        Ok(())
    }

    /// The client's step for a message of the server's flight (epoch 2).
    pub(crate) fn client_message(&mut self, now: Instant, t: u8, body: &[u8]) -> Result<(), Error> {
        let phase = std::mem::replace(&mut self.phase, Phase::Failed);
        let next = match (phase, t) {
            (Phase::ClientWaitEncryptedExtensions(hs), ty::ENCRYPTED_EXTENSIONS) => {
                let ee = m::parse_encrypted_extensions(body)?;
                for (t, _) in &ee.0 {
                    if !matches!(*t, ext::USE_SRTP | ext::SUPPORTED_GROUPS) {
                        return Err(Error::UnsupportedExtension(*t));
                    }
                }
                self.srtp_profile = match ee.use_srtp()? {
                    None if self.config.srtp_profiles.is_empty() => None,
                    None => return Err(Error::NoCommonSrtpProfile),
                    Some((profiles, mki)) => {
                        let [id] = profiles[..] else {
                            return Err(Error::IllegalParameter("use_srtp must name one profile"));
                        };
                        if !mki.is_empty() {
                            return Err(Error::IllegalParameter("an SRTP MKI we did not offer"));
                        }
                        Some(
                            self.config
                                .srtp_profiles
                                .iter()
                                .copied()
                                .find(|p| p.dtls_id() == Some(id))
                                .ok_or(Error::IllegalParameter(
                                    "an SRTP profile we did not offer",
                                ))?,
                        )
                    }
                };
                Phase::ClientWaitCertificateRequest(hs)
            }
            (Phase::ClientWaitCertificateRequest(mut hs), ty::CERTIFICATE_REQUEST) => {
                let cr = CertificateRequest13::parse(body)?;
                let schemes = cr.extensions.u16_list(ext::SIGNATURE_ALGORITHMS)?.ok_or(
                    Error::IllegalParameter("CertificateRequest without schemes"),
                )?;
                let scheme = our_tls13_scheme(&self.config, &schemes)
                    .ok_or(Error::NoCommonSignatureScheme)?;
                hs.certificate_request = Some((cr.context, scheme));
                Phase::ClientWaitCertificate(hs)
            }
            (
                Phase::ClientWaitCertificateRequest(hs) | Phase::ClientWaitCertificate(hs),
                ty::CERTIFICATE,
            ) => {
                let c = m::Certificate13::parse(body)?;
                if !c.context.is_empty() {
                    return Err(Error::IllegalParameter("certificate_request_context"));
                }
                let first = c.certificates.first().ok_or(Error::CertificateRequired)?;
                let peer = self.accept_peer(first)?;
                Phase::ClientWaitCertificateVerify(hs, peer)
            }
            (Phase::ClientWaitCertificateVerify(hs, mut peer), ty::CERTIFICATE_VERIFY) => {
                let cv = CertificateVerify13::parse(body)?;
                peer.verify(true, &cv, &self.transcript_hash())?;
                Phase::ClientWaitFinished(hs, peer)
            }
            (Phase::ClientWaitFinished(hs, peer), ty::FINISHED) => {
                let l = Labels::DTLS13;
                if !l.verify_finished(&*hs.server_secret, &self.transcript_hash(), body) {
                    return Err(Error::BadFinished);
                }
                self.transcript.extend_from_slice(&m::tls_message(t, body));
                let application = l.application(&*hs.master, &self.transcript_hash());
                self.begin_flight(true);
                if let Some((context, scheme)) = &hs.certificate_request {
                    let mut b = Vec::new();
                    m::Certificate13 {
                        context: context.clone(),
                        certificates: vec![self.config.certificate.der().to_vec()],
                    }
                    .write_body(&mut b);
                    self.add_message(2, ty::CERTIFICATE, &b, true);
                    let key = self.config.certificate.signing_key();
                    let cv = CertificateVerify13 {
                        scheme: scheme.to_u16(),
                        signature: key
                            .sign(*scheme, &m::signed_content(false, &self.transcript_hash()))?,
                    };
                    let mut b = Vec::new();
                    cv.write_body(&mut b);
                    self.add_message(2, ty::CERTIFICATE_VERIFY, &b, true);
                }
                let finished = l.finished(&*hs.client_secret, &self.transcript_hash());
                self.add_message(2, ty::FINISHED, &finished, true);
                self.install_read(3, &*application.server);
                self.install_write(3, &*application.client);
                self.clear_pending_acks();
                self.send_flight_with_timer(now);
                let _ = tls13_schemes;
                return self.complete(application, Some(peer));
            }
            (phase, t) => {
                self.phase = phase;
                return Err(self.unexpected(t));
            }
        };
        self.transcript.extend_from_slice(&m::tls_message(t, body));
        self.phase = next;
        Ok(())
    }
}
