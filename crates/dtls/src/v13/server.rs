//! The server's side of DTLS 1.3: the stateless HelloRetryRequest with a cookie (RFC 9147
//! §5.1), then ServerHello, EncryptedExtensions, CertificateRequest, Certificate,
//! CertificateVerify and Finished in one flight, and the client's Certificate,
//! CertificateVerify and Finished checked (RFC 8446 §4).
//!
//! Why every first ClientHello gets a HelloRetryRequest, even one with a usable key share:
//! it is DTLS 1.3's return-routability check (RFC 9147 §5.1), the same that the 1.2 server
//! makes with HelloVerifyRequest, and it keeps the server stateless until the client has
//! shown it receives at its address. The cookie carries what the server needs to rebuild
//! the transcript (the hash of the first ClientHello, the suite and group chosen, whether
//! the HelloRetryRequest named a group) under an HMAC with the crate's cookie secret over
//! those fields, the client's address and its random, which the second ClientHello must
//! repeat.

use super::key_schedule::{Labels, hash};
use super::messages::{
    self as m, CertificateRequest13, CertificateVerify13, ClientHello13, ExtensionList,
    ServerHello13, ext, ty,
};
use super::record::Aead;
use super::session::{Handshaking, Peer, Phase, Session, our_tls13_scheme, tls13_schemes};
use crate::config::Config;
use crate::connection::{PeerAuth, Role};
use crate::cookie::CookieSecret;
use crate::crypto::kx::EphemeralSecret;
use crate::error::Error;
use crate::suite::{BulkCipher, CipherSuite, NamedGroup};
use rand_core::CryptoRng;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Instant;

/// Length of our HelloRetryRequest cookie: flags, group, suite, hash, MAC.
const COOKIE_LEN: usize = 1 + 2 + 2 + 32 + 32;

/// The DTLS 1.3 suites a configuration allows, in its preference order: AES-128-GCM
/// where it has an AES-128-GCM suite, ChaCha20-Poly1305 where it has a ChaCha one.
pub(crate) fn suites(config: &Config) -> Vec<(CipherSuite, Aead)> {
    let mut out: Vec<(CipherSuite, Aead)> = Vec::new();
    for s in &config.cipher_suites {
        let pick = match s.bulk_cipher() {
            BulkCipher::Aes128Gcm => (CipherSuite::Tls13Aes128GcmSha256, Aead::Aes128Gcm),
            BulkCipher::Chacha20Poly1305 => (
                CipherSuite::Tls13Chacha20Poly1305Sha256,
                Aead::Chacha20Poly1305,
            ),
            BulkCipher::Aes256Gcm => continue,
        };
        if !out.contains(&pick) {
            out.push(pick);
        }
    }
    out
}

/// What became of a ClientHello offered to the DTLS 1.3 server.
pub(crate) enum HelloOutcome {
    /// Not a DTLS 1.3 offer we take: the 1.2 server answers it.
    NotDtls13,
    /// Answered statelessly (a HelloRetryRequest datagram), or dropped (`None`).
    Answered(Option<Vec<u8>>),
    /// The cookie checked out: the association runs from here.
    Started(Box<Session>),
}

/// What a complete ClientHello means before any state exists, judged from the hello, the
/// configuration and the cookie secret alone (so a many-peer front end can judge it too,
/// `CookieSecret::verify_datagram`).
pub(crate) enum Screened {
    /// Not a DTLS 1.3 offer we take: the 1.2 server answers it.
    NotDtls13,
    /// Answered statelessly (a HelloRetryRequest datagram), or dropped (`None`).
    Answered(Option<Vec<u8>>),
    /// A second ClientHello whose cookie we issued to this address and random: the
    /// handshake may start.
    CookieValid,
}

/// What the server knows of a complete ClientHello.
pub(crate) struct HelloContext<'a> {
    pub(crate) config: &'a Arc<Config>,
    pub(crate) cookie_secret: &'a CookieSecret,
    pub(crate) client_address: SocketAddr,
    pub(crate) record_sequence: u64,
    pub(crate) message_seq: u16,
    pub(crate) body: &'a [u8],
    pub(crate) received: usize,
}

/// What a connection adds to a [`HelloContext`] when the association starts.
pub(crate) struct NewAssociation<'a> {
    pub(crate) peer_auth: &'a PeerAuth,
    pub(crate) mtu: usize,
    pub(crate) handshake_deadline: Instant,
}

/// The MAC that binds a cookie to its fields, the client address and random.
fn cookie_mac(cx: &HelloContext<'_>, fields: &[u8], random: &[u8; 32]) -> [u8; 32] {
    let address = cx.client_address.to_string();
    cx.cookie_secret.mac(&[
        b"DTLS 1.3 HelloRetryRequest",
        address.as_bytes(),
        fields,
        random,
    ])
}

/// The HelloRetryRequest body for these fields (rebuilt identically for the transcript).
fn retry_request(session_id: &[u8], suite: u16, cookie: &[u8], group: Option<u16>) -> Vec<u8> {
    let mut extensions = ExtensionList::default();
    extensions.push(ext::SUPPORTED_VERSIONS, m::DTLS_1_3.to_be_bytes().to_vec());
    let mut c = Vec::with_capacity(2 + cookie.len());
    c.extend_from_slice(&(cookie.len() as u16).to_be_bytes());
    c.extend_from_slice(cookie);
    extensions.push(ext::COOKIE, c);
    if let Some(g) = group {
        extensions.push(ext::KEY_SHARE, g.to_be_bytes().to_vec());
    }
    let hrr = ServerHello13 {
        legacy_version: m::DTLS_1_2,
        random: m::HRR_RANDOM,
        session_id: session_id.to_vec(),
        cipher_suite: suite,
        compression_method: 0,
        extensions,
    };
    let mut body = Vec::new();
    hrr.write_body(&mut body);
    body
}

/// Takes a complete ClientHello while no handshake state exists (see [`HelloOutcome`]).
pub(crate) fn client_hello(
    cx: HelloContext<'_>,
    assoc: NewAssociation<'_>,
    rng: &mut dyn CryptoRng,
    now: Instant,
) -> Result<HelloOutcome, Error> {
    match screen(&cx) {
        Screened::NotDtls13 => Ok(HelloOutcome::NotDtls13),
        Screened::Answered(datagram) => Ok(HelloOutcome::Answered(datagram)),
        Screened::CookieValid => {
            // `screen` parsed the same bytes and found the cookie.
            let ch = ClientHello13::parse(cx.body)?;
            let cookie = ch.extensions.cookie()?.ok_or(Error::Internal("cookie"))?;
            start(&cx, &assoc, &ch, &cookie, rng, now)
        }
    }
}

/// Judges a complete ClientHello without keeping anything (see [`Screened`]): a first
/// hello that offers DTLS 1.3 with a suite, a group and a signature scheme we take gets
/// a HelloRetryRequest carrying our cookie; a second one is checked against that cookie.
pub(crate) fn screen(cx: &HelloContext<'_>) -> Screened {
    let Ok(ch) = ClientHello13::parse(cx.body) else {
        return Screened::NotDtls13;
    };
    // A hello answering a HelloVerifyRequest (a front end's) continues in DTLS 1.2.
    if !ch.offers_dtls13() || !ch.legacy_cookie.is_empty() {
        return Screened::NotDtls13;
    }
    let ours = suites(cx.config);
    let Some(&(suite, _)) = ours
        .iter()
        .find(|(s, _)| ch.cipher_suites.contains(&s.to_u16()))
    else {
        return Screened::NotDtls13;
    };
    let offered_schemes = ch
        .extensions
        .u16_list(ext::SIGNATURE_ALGORITHMS)
        .ok()
        .flatten()
        .unwrap_or_default();
    if our_tls13_scheme(cx.config, &offered_schemes).is_none() {
        // Nothing our certificate may sign a 1.3 CertificateVerify with: 1.2 answers.
        return Screened::NotDtls13;
    }
    let Ok(shares) = ch.key_shares() else {
        return Screened::Answered(None);
    };
    let offered_groups = ch
        .extensions
        .u16_list(ext::SUPPORTED_GROUPS)
        .ok()
        .flatten()
        .unwrap_or_default();
    match ch.extensions.cookie() {
        Ok(Some(cookie)) => {
            if cookie_fields(cx, &ch, &cookie).is_some() {
                Screened::CookieValid
            } else {
                tracing::trace!("DTLS 1.3: a ClientHello with a cookie we did not issue");
                Screened::Answered(None)
            }
        }
        Ok(None) => {
            // Our preferred group among those the client sent a share for, else among
            // those it supports (then the HelloRetryRequest names it).
            let with_share = cx
                .config
                .groups
                .iter()
                .find(|g| shares.iter().any(|(s, _)| *s == g.to_u16()));
            let (group, named) = match with_share {
                Some(g) => (*g, false),
                None => match cx
                    .config
                    .groups
                    .iter()
                    .find(|g| offered_groups.contains(&g.to_u16()))
                {
                    Some(g) => (*g, true),
                    None => return Screened::NotDtls13,
                },
            };
            let ch1 = m::tls_message(ty::CLIENT_HELLO, cx.body);
            let mut fields = Vec::with_capacity(COOKIE_LEN);
            fields.push(u8::from(named) + 1);
            fields.extend_from_slice(&group.to_u16().to_be_bytes());
            fields.extend_from_slice(&suite.to_u16().to_be_bytes());
            fields.extend_from_slice(&hash(&ch1));
            let mac = cookie_mac(cx, &fields, &ch.random);
            let mut cookie = fields;
            cookie.extend_from_slice(&mac);
            let body = retry_request(
                &ch.session_id,
                suite.to_u16(),
                &cookie,
                named.then(|| group.to_u16()),
            );
            let msg = m::dtls_message(ty::SERVER_HELLO, cx.message_seq, &body);
            let mut datagram = Vec::with_capacity(13 + msg.len());
            datagram.push(22);
            datagram.extend_from_slice(&m::DTLS_1_2.to_be_bytes());
            datagram.extend_from_slice(&0u16.to_be_bytes());
            datagram.extend_from_slice(&cx.record_sequence.to_be_bytes()[2..]);
            datagram.extend_from_slice(&(msg.len() as u16).to_be_bytes());
            datagram.extend_from_slice(&msg);
            // Never answer with more than the client sent (RFC 9147 §5.1).
            if datagram.len() > cx.received {
                return Screened::Answered(None);
            }
            tracing::debug!(group = ?group, "DTLS 1.3: HelloRetryRequest with a cookie");
            Screened::Answered(Some(datagram))
        }
        Err(_) => Screened::Answered(None),
    }
}

/// The fields of `cookie` (everything before its MAC) when we issued it to this client
/// address for this random.
fn cookie_fields<'c>(
    cx: &HelloContext<'_>,
    ch: &ClientHello13,
    cookie: &'c [u8],
) -> Option<&'c [u8]> {
    if cookie.len() != COOKIE_LEN {
        return None;
    }
    let (fields, mac) = cookie.split_at(COOKIE_LEN - 32);
    let want = cookie_mac(cx, fields, &ch.random);
    bool::from(subtle::ConstantTimeEq::ct_eq(&want[..], mac)).then_some(fields)
}

/// The second ClientHello carries a cookie: checks it and sends the server's flight.
fn start(
    cx: &HelloContext<'_>,
    assoc: &NewAssociation<'_>,
    ch: &ClientHello13,
    cookie: &[u8],
    rng: &mut dyn CryptoRng,
    now: Instant,
) -> Result<HelloOutcome, Error> {
    let Some(fields) = cookie_fields(cx, ch, cookie) else {
        tracing::trace!("DTLS 1.3: a ClientHello with a cookie we did not issue");
        return Ok(HelloOutcome::Answered(None));
    };
    let named = fields[0] == 2;
    let group_id = u16::from_be_bytes([fields[1], fields[2]]);
    let suite_id = u16::from_be_bytes([fields[3], fields[4]]);
    let ch1_hash = &fields[5..37];
    let (suite, aead) = suites(cx.config)
        .into_iter()
        .find(|(s, _)| s.to_u16() == suite_id)
        .ok_or(Error::Internal(
            "a cookie names a suite no longer configured",
        ))?;
    if !ch.cipher_suites.contains(&suite_id) {
        return Err(Error::IllegalParameter(
            "the second ClientHello dropped the suite",
        ));
    }
    let group = NamedGroup::from_u16(group_id).ok_or(Error::Internal("cookie group"))?;
    let shares = ch.key_shares()?;
    let peer_public = shares
        .iter()
        .find(|(g, _)| *g == group_id)
        .map(|(_, k)| k.clone())
        .ok_or(Error::IllegalParameter(
            "no key share for the selected group",
        ))?;
    if ch.compression_methods != [0] {
        return Err(Error::IllegalParameter("compression offered in DTLS 1.3"));
    }
    let cfg = cx.config.clone();
    let offered_schemes = ch
        .extensions
        .u16_list(ext::SIGNATURE_ALGORITHMS)?
        .unwrap_or_default();
    let our_scheme =
        our_tls13_scheme(&cfg, &offered_schemes).ok_or(Error::NoCommonSignatureScheme)?;
    let srtp_profile = if cfg.srtp_profiles.is_empty() {
        None
    } else {
        let (offered, _mki) = ch
            .extensions
            .use_srtp()?
            .ok_or(Error::NoCommonSrtpProfile)?;
        Some(
            cfg.srtp_profiles
                .iter()
                .copied()
                .find(|p| p.dtls_id().is_some_and(|id| offered.contains(&id)))
                .ok_or(Error::NoCommonSrtpProfile)?,
        )
    };
    let wants_certificate =
        cfg.require_client_certificate || *assoc.peer_auth != PeerAuth::AcceptAny;
    let client_cid = ch
        .extensions
        .get(ext::CONNECTION_ID)
        .map(crate::cid::ConnectionId::parse_extension)
        .transpose()?;
    let cids = crate::cid::NegotiatedCids::settle(cfg.connection_id.as_ref(), client_cid);

    let mut s = Session::new(
        Role::Server,
        cfg.clone(),
        assoc.peer_auth.clone(),
        Phase::Failed,
        assoc.mtu,
        assoc.handshake_deadline,
    );
    s.aead = aead;
    s.suite = suite;
    s.group = group;
    s.srtp_profile = srtp_profile;
    s.client_random = ch.random;
    s.cids = cids;
    s.next_recv_msg = cx.message_seq.wrapping_add(1);
    s.next_send_msg = cx.message_seq;
    s.set_epoch0_seq(cx.record_sequence);
    // The transcript after a HelloRetryRequest (RFC 8446 §4.4.1).
    let hrr = retry_request(&ch.session_id, suite_id, cookie, named.then_some(group_id));
    s.transcript = m::tls_message(ty::MESSAGE_HASH, ch1_hash);
    s.transcript
        .extend_from_slice(&m::tls_message(ty::SERVER_HELLO, &hrr));
    s.transcript
        .extend_from_slice(&m::tls_message(ty::CLIENT_HELLO, cx.body));

    let ephemeral = EphemeralSecret::generate(group, rng);
    let shared = ephemeral.agree(&peer_public)?;
    let mut random = [0u8; 32];
    rng.fill_bytes(&mut random);
    let mut extensions = ExtensionList::default();
    extensions.push(ext::SUPPORTED_VERSIONS, m::DTLS_1_3.to_be_bytes().to_vec());
    let public = ephemeral.public();
    let mut share = Vec::with_capacity(4 + public.len());
    share.extend_from_slice(&group_id.to_be_bytes());
    share.extend_from_slice(&(public.len() as u16).to_be_bytes());
    share.extend_from_slice(&public);
    extensions.push(ext::KEY_SHARE, share);
    if let Some(c) = &s.cids {
        // RFC 9146 §3: answered only when offered, with the CID we want to receive.
        extensions.push(ext::CONNECTION_ID, c.local.extension_body());
    }
    let sh = ServerHello13 {
        legacy_version: m::DTLS_1_2,
        random,
        session_id: ch.session_id.clone(),
        cipher_suite: suite_id,
        compression_method: 0,
        extensions,
    };
    let mut body = Vec::new();
    sh.write_body(&mut body);
    s.begin_flight(false);
    s.add_message(0, ty::SERVER_HELLO, &body, true);

    let l = Labels::DTLS13;
    let hs = l.handshake(&shared, &s.transcript_hash());
    s.log_handshake_secrets(&hs);
    s.install_write(2, &*hs.server);
    s.install_read(2, &*hs.client);

    let mut ee = ExtensionList::default();
    if let Some(id) = srtp_profile.and_then(|p| p.dtls_id()) {
        ee.push(ext::USE_SRTP, m::use_srtp_body(&[id]));
    }
    let mut body = Vec::new();
    m::write_extensions(&ee, &mut body);
    s.add_message(2, ty::ENCRYPTED_EXTENSIONS, &body, true);
    if wants_certificate {
        let mut extensions = ExtensionList::default();
        extensions.push(
            ext::SIGNATURE_ALGORITHMS,
            m::u16_list_body(&tls13_schemes()),
        );
        let cr = CertificateRequest13 {
            context: Vec::new(),
            extensions,
        };
        let mut body = Vec::new();
        cr.write_body(&mut body);
        s.add_message(2, ty::CERTIFICATE_REQUEST, &body, true);
    }
    let mut body = Vec::new();
    m::Certificate13 {
        context: Vec::new(),
        certificates: vec![cfg.certificate.der().to_vec()],
    }
    .write_body(&mut body);
    s.add_message(2, ty::CERTIFICATE, &body, true);
    let key = cfg.certificate.signing_key();
    let cv = CertificateVerify13 {
        scheme: our_scheme.to_u16(),
        signature: key.sign(our_scheme, &m::signed_content(true, &s.transcript_hash()))?,
    };
    let mut body = Vec::new();
    cv.write_body(&mut body);
    s.add_message(2, ty::CERTIFICATE_VERIFY, &body, true);
    let finished = l.finished(&*hs.server, &s.transcript_hash());
    s.add_message(2, ty::FINISHED, &finished, true);
    let application = l.application(&*hs.master, &s.transcript_hash());
    s.install_read(3, &*application.client);
    let handshaking = Box::new(Handshaking {
        client_secret: hs.client,
        server_secret: hs.server,
        master: hs.master,
        certificate_request: None,
        application: Some(application),
    });
    s.phase = if wants_certificate {
        Phase::ServerWaitCertificate(handshaking)
    } else {
        Phase::ServerWaitFinished(handshaking, None)
    };
    tracing::debug!(suite = suite.name(), group = ?group, "DTLS 1.3: server flight");
    s.send_flight_with_timer(now);
    Ok(HelloOutcome::Started(Box::new(s)))
}

impl Session {
    /// The server's step for a message of the client's final flight.
    pub(crate) fn server_message(
        &mut self,
        _now: Instant,
        t: u8,
        body: &[u8],
    ) -> Result<(), Error> {
        let phase = std::mem::replace(&mut self.phase, Phase::Failed);
        match (phase, t) {
            (Phase::ServerWaitCertificate(hs), ty::CERTIFICATE) => {
                let c = m::Certificate13::parse(body)?;
                if !c.context.is_empty() {
                    return Err(Error::IllegalParameter("certificate_request_context"));
                }
                let first = c.certificates.first().ok_or(Error::CertificateRequired)?;
                let peer = self.accept_peer(first)?;
                self.transcript.extend_from_slice(&m::tls_message(t, body));
                self.phase = Phase::ServerWaitCertificateVerify(hs, peer);
                Ok(())
            }
            (Phase::ServerWaitCertificateVerify(hs, mut peer), ty::CERTIFICATE_VERIFY) => {
                let cv = CertificateVerify13::parse(body)?;
                peer.verify(false, &cv, &self.transcript_hash())?;
                self.transcript.extend_from_slice(&m::tls_message(t, body));
                self.phase = Phase::ServerWaitFinished(hs, Some(peer));
                Ok(())
            }
            (Phase::ServerWaitFinished(mut hs, peer), ty::FINISHED) => {
                if !Labels::DTLS13.verify_finished(
                    &*hs.client_secret,
                    &self.transcript_hash(),
                    body,
                ) {
                    return Err(Error::BadFinished);
                }
                let application = hs
                    .application
                    .take()
                    .ok_or(Error::Internal("server without application secrets"))?;
                self.install_write(3, &*application.server);
                self.stop_retransmitting();
                self.begin_flight(false);
                self.send_ack();
                self.complete(application, peer.map(|p: Peer| p))
            }
            (phase, t) => {
                self.phase = phase;
                Err(self.unexpected(t))
            }
        }
    }
}
