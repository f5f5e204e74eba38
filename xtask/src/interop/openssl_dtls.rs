//! `openssl-dtls`: our DTLS client and server against OpenSSL's `s_server` and `s_client`
//! over loopback UDP, for every SRTP profile and cipher suite both sides speak, with and
//! without client certificates. The keying material OpenSSL exports must equal ours, both
//! sides must name the same profile and suite, and application data must cross both ways.
//! One case runs with key logging on both sides (`-keylogfile` for OpenSSL, our
//! `KeyLogFile`): both files must hold the same `CLIENT_RANDOM` line, and the logged secret
//! with the randoms our passive observer saw on the wire must give the keying material our
//! connection exported.
//!
//! RSA peers: OpenSSL holds RSA-2048 or RSA-3072 certificates (`openssl req -newkey
//! rsa:N`). Our client meets `s_server` under the ECDHE_RSA suites; our server (whose
//! certificate stays ECDSA) meets `s_client` presenting an RSA client certificate. OpenSSL
//! 3 signs with RSA-PSS when it is offered; `-sigalgs` forces each PKCS#1 v1.5 and PSS
//! hash in turn, and the scheme our side verified must be the one forced.
//!
//! RSA on our side: our endpoint holds an RSA-2048 or RSA-3072 certificate of its own
//! ([`Certificate::generate_rsa`]). Our server meets `s_client` offering an ECDHE_ECDSA
//! suite before the ECDHE_RSA one: it must pick the RSA suite (its certificate decides)
//! and sign the ServerKeyExchange with RSA-PSS/SHA-256, or with PKCS#1 v1.5 when
//! `-sigalgs` leaves only that. Our client meets `s_server -Verify 1` and signs its
//! CertificateVerify the same way (`-client_sigalgs` forcing PKCS#1). In every case where
//! OpenSSL received our certificate, the certificate OpenSSL printed must have our
//! SHA-256 fingerprint, and the signature type and digest OpenSSL reports for our side
//! must be the case's.

use super::Context;
use super::dtls_peer::{Peer, Wire, drive, free_udp_port, make_certificate, openssl_fingerprint};
use crate::util::{Result, ensure_apt, output};
use chacha20::ChaCha20Rng;
use dtls::keylog::{KeyLogEntries, KeyLogFile, export_srtp_keying_material};
use dtls::observe::{HandshakeObserver, Side};
use dtls::{
    Certificate, CipherSuite, Config, Connection, Event, HashFunction, NamedGroup,
    SRTP_EXPORTER_LABEL, SignatureScheme,
};
use rand_core::SeedableRng;
use srtp::ProtectionProfile;
use std::io::Write;
use std::net::UdpSocket;
use std::path::Path;
use std::process::Command;
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::dtls_peer::SRTP_PROFILES as PROFILES;

const SUITES: [(CipherSuite, &str); 3] = [
    (
        CipherSuite::EcdheEcdsaAes128GcmSha256,
        "ECDHE-ECDSA-AES128-GCM-SHA256",
    ),
    (
        CipherSuite::EcdheEcdsaAes256GcmSha384,
        "ECDHE-ECDSA-AES256-GCM-SHA384",
    ),
    (
        CipherSuite::EcdheEcdsaChacha20Poly1305Sha256,
        "ECDHE-ECDSA-CHACHA20-POLY1305",
    ),
];

const RSA_SUITES: [(CipherSuite, &str); 3] = [
    (
        CipherSuite::EcdheRsaAes128GcmSha256,
        "ECDHE-RSA-AES128-GCM-SHA256",
    ),
    (
        CipherSuite::EcdheRsaAes256GcmSha384,
        "ECDHE-RSA-AES256-GCM-SHA384",
    ),
    (
        CipherSuite::EcdheRsaChacha20Poly1305Sha256,
        "ECDHE-RSA-CHACHA20-POLY1305",
    ),
];

/// OpenSSL's `-sigalgs` for the RSA cases and the scheme it makes OpenSSL sign with:
/// `None` leaves OpenSSL's default (RSA-PSS with SHA-256 when offered, as we do).
const RSA_SIGALGS: [(Option<&str>, SignatureScheme); 6] = [
    (None, SignatureScheme::RsaPssRsaeSha256),
    (Some("RSA+SHA256"), SignatureScheme::RsaPkcs1Sha256),
    (Some("RSA+SHA384"), SignatureScheme::RsaPkcs1Sha384),
    (Some("RSA+SHA512"), SignatureScheme::RsaPkcs1Sha512),
    (
        Some("rsa_pss_rsae_sha384"),
        SignatureScheme::RsaPssRsaeSha384,
    ),
    (
        Some("rsa_pss_rsae_sha512"),
        SignatureScheme::RsaPssRsaeSha512,
    ),
];

const GROUPS: [(NamedGroup, &str); 2] = [
    (NamedGroup::X25519, "X25519"),
    (NamedGroup::Secp256r1, "P-256"),
];

/// How long one handshake plus data exchange may take.
const RUN_LIMIT: Duration = Duration::from_secs(8);

pub fn run(ctx: &Context) -> Result {
    ensure_apt(&[("openssl", "openssl")])?;
    let version = output(Command::new("openssl").arg("version"))?;
    eprintln!("peer: {}", version.trim());
    for who in ["server", "client"] {
        make_certificate(&ctx.dir, who, "prime256v1")?;
        make_certificate(&ctx.dir, &format!("{who}384"), "secp384r1")?;
        for bits in [2048, 3072] {
            make_rsa_certificate(&ctx.dir, &format!("{who}-rsa{bits}"), bits)?;
        }
    }
    let mut cases = Vec::new();
    for (profile, profile_name) in PROFILES {
        for (suite, suite_name) in SUITES {
            for group in GROUPS {
                for client_cert in [false, true] {
                    cases.push(Case {
                        profile,
                        profile_name,
                        suite,
                        suite_name,
                        group,
                        client_cert,
                        peer_cert: "",
                        seed: 0,
                        mtu: None,
                        peer_mtu: None,
                        long_client_hello: false,
                        our_defaults: false,
                        key_log: false,
                        peer_sigalgs: None,
                        expect_scheme: None,
                        only: None,
                        our_rsa: None,
                        expect_our_scheme: None,
                    });
                }
            }
        }
    }
    // ECDHE over P-384, once per client-certificate mode.
    for client_cert in [false, true] {
        cases.push(Case {
            group: (NamedGroup::Secp384r1, "P-384"),
            client_cert,
            ..cases[0]
        });
    }
    // OpenSSL with a P-384 certificate: its ServerKeyExchange or CertificateVerify is
    // signed with a P-384 key.
    cases.push(Case {
        peer_cert: "384",
        client_cert: true,
        ..cases[0]
    });
    // Key logging on both sides, with client certificates so the observer sees both.
    cases.push(Case {
        client_cert: true,
        key_log: true,
        ..cases[0]
    });
    cases.extend(rsa_cases(cases[0]));
    cases.extend(our_rsa_cases(cases[0]));
    // Our RSA certificates, made before any case starts its clock (RSA key generation
    // takes seconds in a debug build).
    for bits in [2048, 3072] {
        let started = Instant::now();
        our_certificate(&Case {
            our_rsa: Some(bits),
            ..cases[0]
        })?;
        eprintln!(
            "our RSA-{bits} certificate generated in {} ms",
            started.elapsed().as_millis()
        );
    }
    let mut rows = Vec::new();
    let mut failures = 0;
    for (i, case) in cases.iter_mut().enumerate() {
        for ours in ["client", "server"] {
            if case.only.is_some_and(|only| only != ours) {
                continue;
            }
            case.seed = (i as u8)
                .wrapping_mul(2)
                .wrapping_add(u8::from(ours == "server"));
            let result = if ours == "client" {
                our_client(ctx, case).map(drop)
            } else {
                our_server(ctx, case).map(drop)
            };
            let verdict = match &result {
                Ok(()) => "PASS".to_string(),
                Err(e) => {
                    failures += 1;
                    format!("FAIL: {e}")
                }
            };
            let client_cert = match (case.client_cert, case.peer_cert, case.key_log) {
                (false, _, _) => "no",
                (true, "384", _) => "yes (P-384)",
                (true, _, true) => "yes, key log",
                (true, _, _) => "yes",
            };
            let peer_key = match case.peer_cert {
                "" => "P-256",
                "384" => "P-384",
                "-rsa2048" => "RSA-2048",
                "-rsa3072" => "RSA-3072",
                other => other,
            };
            let signed = case
                .expect_scheme
                .map_or_else(|| "-".to_string(), |s| format!("{s:?}"));
            let our_key = case
                .our_rsa
                .map_or_else(|| "P-256".to_string(), |bits| format!("RSA-{bits}"));
            let we_signed = case
                .expect_our_scheme
                .map_or_else(|| "-".to_string(), |s| format!("{s:?}"));
            rows.push(format!(
                "{:<7} {:<8} {:<23} {:<30} {:<7} {:<12} {:<8} {:<17} {:<17} {}",
                ours,
                our_key,
                case.profile_name,
                case.suite_name,
                case.group.1,
                client_cert,
                peer_key,
                signed,
                we_signed,
                verdict
            ));
        }
    }
    // Fail closed against a real peer: OpenSSL with an RSA-1024 certificate (security
    // level 0 lets it load the key) must be refused by our client at its Certificate.
    make_rsa_certificate(&ctx.dir, "server-rsa1024", 1024)?;
    let weak = Case {
        peer_cert: "-rsa1024",
        suite: RSA_SUITES[0].0,
        suite_name: "ECDHE-RSA-AES128-GCM-SHA256:@SECLEVEL=0",
        client_cert: false,
        expect_scheme: None,
        only: Some("client"),
        seed: 0xEE,
        ..cases[0]
    };
    let verdict = match our_client(ctx, &weak) {
        Err(e) if e.contains("RSA key of 1024 bits: a peer's must have 2048 to 4096") => {
            "PASS (refused, UnsupportedRsaKeySize(1024))".to_string()
        }
        Ok(_) => {
            failures += 1;
            "FAIL: an RSA-1024 server was accepted".to_string()
        }
        Err(e) => {
            failures += 1;
            format!("FAIL: refused for another reason: {e}")
        }
    };
    rows.push(format!(
        "{:<7} {:<8} {:<23} {:<30} {:<7} {:<12} {:<8} {:<17} {:<17} {}",
        "client",
        "P-256",
        weak.profile_name,
        RSA_SUITES[0].1,
        weak.group.1,
        "no",
        "RSA-1024",
        "-",
        "-",
        verdict
    ));
    eprintln!(
        "\nours    our-key  SRTP profile            cipher suite                   group   \
         client-cert  peer-key OpenSSL signed    we signed         result"
    );
    for r in &rows {
        eprintln!("{r}");
    }
    eprintln!("{} passed, {} failed", rows.len() - failures, failures);
    if failures == 0 {
        Ok(())
    } else {
        Err(format!(
            "{failures} of {} OpenSSL DTLS cases failed",
            rows.len()
        ))
    }
}

/// The RSA cases, from `base` (an ECDSA case our side's settings come from): OpenSSL with
/// RSA-2048 and RSA-3072 certificates, as server under each ECDHE_RSA suite and as a client
/// authenticating with an RSA certificate to our (ECDSA) server, signing with its default
/// scheme and with each scheme `-sigalgs` forces.
fn rsa_cases(base: Case) -> Vec<Case> {
    let mut cases = Vec::new();
    for peer_cert in ["-rsa2048", "-rsa3072"] {
        let rsa = Case {
            peer_cert,
            expect_scheme: Some(RSA_SIGALGS[0].1),
            ..base
        };
        // Our client against an RSA server: every ECDHE_RSA suite, with and without our
        // client certificate.
        for (i, (suite, suite_name)) in RSA_SUITES.into_iter().enumerate() {
            cases.push(Case {
                suite,
                suite_name,
                client_cert: i == 0,
                only: Some("client"),
                ..rsa
            });
        }
        // Each scheme forced, on both sides of the handshake: ServerKeyExchange from
        // s_server, CertificateVerify from s_client.
        for (sigalgs, scheme) in RSA_SIGALGS {
            for ours in ["client", "server"] {
                let (suite, suite_name) = if ours == "client" {
                    RSA_SUITES[0]
                } else {
                    (base.suite, base.suite_name)
                };
                cases.push(Case {
                    suite,
                    suite_name,
                    client_cert: ours == "server",
                    peer_sigalgs: sigalgs,
                    expect_scheme: Some(scheme),
                    only: Some(ours),
                    ..rsa
                });
            }
        }
    }
    cases
}

/// The cases where our side holds an RSA certificate (2048 and 3072 bits), from `base`
/// (an ECDSA case): our server under each ECDHE_RSA suite, signing with RSA-PSS/SHA-256
/// by default and with PKCS#1 v1.5 when `s_client -sigalgs` offers only that (its P-256
/// client certificate's scheme added); our client authenticating to `s_server -Verify 1`
/// (ECDSA or RSA server certificate), PKCS#1 forced with `-client_sigalgs`.
fn our_rsa_cases(base: Case) -> Vec<Case> {
    let mut cases = Vec::new();
    for bits in [2048, 3072] {
        let ours = Case {
            our_rsa: Some(bits),
            client_cert: true,
            expect_our_scheme: Some(SignatureScheme::RsaPssRsaeSha256),
            ..base
        };
        for (suite, suite_name) in RSA_SUITES {
            cases.push(Case {
                suite,
                suite_name,
                only: Some("server"),
                ..ours
            });
        }
        for (sigalgs, scheme) in [
            ("RSA+SHA256", SignatureScheme::RsaPkcs1Sha256),
            ("RSA+SHA512", SignatureScheme::RsaPkcs1Sha512),
            ("rsa_pss_rsae_sha384", SignatureScheme::RsaPssRsaeSha384),
        ] {
            cases.push(Case {
                suite: RSA_SUITES[0].0,
                suite_name: RSA_SUITES[0].1,
                peer_sigalgs: Some(sigalgs),
                expect_our_scheme: Some(scheme),
                only: Some("server"),
                ..ours
            });
        }
        // Our client: its CertificateVerify, to an ECDSA s_server (PSS by default, PKCS#1
        // forced) and to an RSA one.
        for (sigalgs, scheme) in [
            (None, SignatureScheme::RsaPssRsaeSha256),
            (Some("RSA+SHA256"), SignatureScheme::RsaPkcs1Sha256),
        ] {
            cases.push(Case {
                peer_sigalgs: sigalgs,
                expect_our_scheme: Some(scheme),
                only: Some("client"),
                ..ours
            });
        }
        cases.push(Case {
            suite: RSA_SUITES[0].0,
            suite_name: RSA_SUITES[0].1,
            peer_cert: if bits == 2048 { "-rsa3072" } else { "-rsa2048" },
            expect_scheme: Some(SignatureScheme::RsaPssRsaeSha256),
            only: Some("client"),
            ..ours
        });
    }
    cases
}

/// One handshake against OpenSSL.
#[derive(Clone, Copy)]
pub(super) struct Case {
    pub(super) profile: ProtectionProfile,
    pub(super) profile_name: &'static str,
    pub(super) suite: CipherSuite,
    pub(super) suite_name: &'static str,
    pub(super) group: (NamedGroup, &'static str),
    pub(super) client_cert: bool,
    /// Suffix of OpenSSL's certificate files: "" for P-256, "384" for P-384.
    pub(super) peer_cert: &'static str,
    pub(super) seed: u8,
    /// The MTU both sides are told (`-mtu` for OpenSSL); `None` leaves both at default.
    pub(super) mtu: Option<usize>,
    /// OpenSSL alone is told this `-mtu` (our side keeps its configuration's).
    pub(super) peer_mtu: Option<usize>,
    /// OpenSSL's client offers a long ALPN list (an extension we ignore, as every one we do
    /// not know), which makes its ClientHello as long as Chromium's DTLS 1.3 offer.
    pub(super) long_client_hello: bool,
    /// Our side runs [`Config::new`] as it comes (every suite, group and SRTP profile, MTU
    /// 1200, client certificate required); only the certificate is the case's.
    pub(super) our_defaults: bool,
    /// Both sides log their master secret (OpenSSL's `-keylogfile`, our `KeyLogFile`) and
    /// the logs are checked against each other and the exported keying material.
    pub(super) key_log: bool,
    /// OpenSSL's `-sigalgs` (on `s_client`, our ECDSA scheme is added so our server can
    /// still sign).
    pub(super) peer_sigalgs: Option<&'static str>,
    /// The scheme OpenSSL's signature must have, as our side reports it verified.
    pub(super) expect_scheme: Option<SignatureScheme>,
    /// Runs only with our side in this role ("client" or "server").
    pub(super) only: Option<&'static str>,
    /// Our side holds an RSA certificate of this many bits instead of a P-256 one.
    pub(super) our_rsa: Option<usize>,
    /// The scheme our signature (ServerKeyExchange or CertificateVerify) must have, as
    /// OpenSSL reports it.
    pub(super) expect_our_scheme: Option<SignatureScheme>,
}

/// The length of Chromium 156's DTLS 1.3 ClientHello body.
pub(super) const CHROMIUM_HELLO_LEN: usize = 1413;

/// An ALPN list for `openssl s_client -alpn` that brings its ClientHello (131 bytes with
/// the options of these cases) to [`CHROMIUM_HELLO_LEN`]: the extension adds 6 bytes and
/// one length byte per protocol, 22 protocols of 57 bytes.
fn long_alpn() -> String {
    (0..22)
        .map(|i| format!("{:x<57}", format!("rtp-stack-interop-padding-{i:02}-")))
        .collect::<Vec<_>>()
        .join(",")
}

/// A self-signed RSA certificate of `bits` for OpenSSL, as `openssl req` makes them by
/// default.
fn make_rsa_certificate(dir: &Path, who: &str, bits: u32) -> Result {
    output(
        Command::new("openssl")
            .args(["req", "-x509", "-newkey"])
            .arg(format!("rsa:{bits}"))
            .args(["-nodes", "-days", "2", "-subj"])
            .arg(format!("/CN=openssl-{who}"))
            .arg("-keyout")
            .arg(dir.join(format!("{who}.key")))
            .arg("-out")
            .arg(dir.join(format!("{who}.crt"))),
    )?;
    Ok(())
}

/// Our certificate for `case`: a fresh P-256 one, or the RSA one of its size, generated
/// once per run (RSA key generation takes seconds in a debug build).
fn our_certificate(case: &Case) -> Result<Certificate> {
    static RSA: std::sync::Mutex<Vec<(usize, Certificate)>> = std::sync::Mutex::new(Vec::new());
    let Some(bits) = case.our_rsa else {
        return Certificate::generate("rtp-stack").map_err(|e| e.to_string());
    };
    let mut made = RSA.lock().map_err(|_| "a poisoned lock")?;
    if let Some((_, cert)) = made.iter().find(|(b, _)| *b == bits) {
        return Ok(cert.clone());
    }
    let cert = Certificate::generate_rsa("rtp-stack", bits).map_err(|e| e.to_string())?;
    made.push((bits, cert.clone()));
    Ok(cert)
}

fn our_config(case: &Case, require_client_certificate: bool) -> Result<Config> {
    let mut cfg = Config::new(our_certificate(case)?);
    if case.our_defaults {
        return Ok(cfg);
    }
    cfg.cipher_suites = vec![case.suite];
    if case.our_rsa.is_some() && case.suite != CipherSuite::EcdheEcdsaAes128GcmSha256 {
        // Our preference puts an ECDSA suite first: the certificate must overrule it.
        cfg.cipher_suites = vec![CipherSuite::EcdheEcdsaAes128GcmSha256, case.suite];
    }
    cfg.srtp_profiles = vec![case.profile];
    cfg.require_client_certificate = require_client_certificate;
    Ok(cfg)
}

/// In TLS 1.2 supported_groups also names the curves of acceptable ECDSA certificates
/// (RFC 8422 §5.1.1): both sides list the case's group first (the server follows the
/// client's order) and then the certificate curves.
fn group_list(case: &Case) -> Vec<(NamedGroup, &'static str)> {
    let mut groups = vec![case.group];
    for g in [
        (NamedGroup::Secp256r1, "P-256"),
        (NamedGroup::Secp384r1, "P-384"),
    ] {
        if g.0 != case.group.0 {
            groups.push(g);
        }
    }
    groups
}

fn openssl_groups(case: &Case) -> String {
    let names: Vec<&str> = group_list(case).iter().map(|g| g.1).collect();
    names.join(":")
}

/// Checks what OpenSSL printed against what we negotiated and exported.
fn check_negotiated(
    case: &Case,
    peer: &Peer,
    conn: &Connection,
    info: &dtls::Connected,
) -> Result<Vec<u8>> {
    if info.cipher_suite != case.suite
        || info.srtp_profile != Some(case.profile)
        || info.key_exchange_group != case.group.0
    {
        return Err(format!(
            "we negotiated {:?} / {:?} / {:?}",
            info.cipher_suite, info.srtp_profile, info.key_exchange_group
        ));
    }
    let profile = peer
        .value_after("SRTP Extension negotiated, profile=")
        .ok_or("openssl did not report an SRTP profile")?;
    if profile != case.profile_name {
        return Err(format!("openssl negotiated SRTP profile {profile}"));
    }
    if !peer.seen.contains(case.suite_name) {
        return Err(format!("openssl does not name cipher {}", case.suite_name));
    }
    // s_client prints "Cipher is X", s_server "CIPHER is X".
    let printed_suite = peer
        .value_after("Cipher is ")
        .or_else(|| peer.value_after("CIPHER is "));
    if printed_suite.as_deref() != Some(case.suite_name) {
        return Err(format!(
            "openssl negotiated {printed_suite:?}, the case expects {}",
            case.suite_name
        ));
    }
    if let Some(scheme) = case.expect_our_scheme {
        check_our_signature(peer, scheme)?;
    }
    if let Some(expected) = case.expect_scheme
        && info.peer_signature_scheme != Some(expected)
    {
        return Err(format!(
            "OpenSSL signed with {:?}, the case expects {expected:?}",
            info.peer_signature_scheme
        ));
    }
    let theirs = peer
        .value_after("Keying material:")
        .ok_or("openssl printed no keying material")?;
    let ours = conn
        .export_keying_material(SRTP_EXPORTER_LABEL, case.profile.keying_material_len())
        .map_err(|e| e.to_string())?;
    let ours_hex: String = ours.iter().map(|b| format!("{b:02X}")).collect();
    if !theirs.eq_ignore_ascii_case(&ours_hex) {
        return Err(format!(
            "keying material differs:\n openssl {theirs}\n ours    {ours_hex}"
        ));
    }
    // The same material must split into SRTP keys that our srtp crate accepts.
    conn.srtp_contexts()
        .map_err(|e| e.to_string())?
        .ok_or("no SRTP contexts")?;
    Ok(ours.to_vec())
}

/// OpenSSL's report of our signature ("Peer signature type" and "Peer signing digest",
/// printed by `s_client` for our ServerKeyExchange and by `s_server` for our
/// CertificateVerify) must name `scheme`.
fn check_our_signature(peer: &Peer, scheme: SignatureScheme) -> Result {
    let expected = match scheme {
        SignatureScheme::EcdsaSecp256r1Sha256 => ("ECDSA", "SHA256"),
        SignatureScheme::EcdsaSecp384r1Sha384 => ("ECDSA", "SHA384"),
        SignatureScheme::RsaPssRsaeSha256 => ("RSA-PSS", "SHA256"),
        SignatureScheme::RsaPssRsaeSha384 => ("RSA-PSS", "SHA384"),
        SignatureScheme::RsaPssRsaeSha512 => ("RSA-PSS", "SHA512"),
        SignatureScheme::RsaPkcs1Sha256 => ("RSA", "SHA256"),
        SignatureScheme::RsaPkcs1Sha384 => ("RSA", "SHA384"),
        SignatureScheme::RsaPkcs1Sha512 => ("RSA", "SHA512"),
    };
    let printed = (
        peer.value_after("Peer signature type:"),
        peer.value_after("Peer signing digest:"),
    );
    if (printed.0.as_deref(), printed.1.as_deref()) != (Some(expected.0), Some(expected.1)) {
        return Err(format!(
            "openssl reports our signature as {printed:?}, the case expects {scheme:?}"
        ));
    }
    Ok(())
}

/// The certificate OpenSSL printed for its peer (us) after `heading` ("Server
/// certificate" for `s_client`, "Client certificate" for `s_server`), fingerprinted by
/// `openssl x509`, must be ours.
fn check_printed_certificate(ctx: &Context, peer: &Peer, heading: &str, ours: &Config) -> Result {
    let after = peer
        .seen
        .split_once(heading)
        .map(|(_, rest)| rest)
        .ok_or_else(|| format!("openssl printed no `{heading}`"))?;
    let begin = after
        .find("-----BEGIN CERTIFICATE-----")
        .ok_or("no PEM certificate after the heading")?;
    let end_marker = "-----END CERTIFICATE-----";
    let end = after[begin..]
        .find(end_marker)
        .ok_or("an unterminated PEM certificate")?;
    let pem = &after[begin..begin + end + end_marker.len()];
    let file = ctx.dir.join(format!(
        "printed-by-openssl-{}.crt",
        heading.replace(' ', "-").to_ascii_lowercase()
    ));
    std::fs::write(&file, format!("{pem}\n")).map_err(|e| format!("{}: {e}", file.display()))?;
    let printed = openssl_fingerprint(&file)?;
    let expected = ours.certificate.fingerprint(HashFunction::Sha256);
    if printed != expected {
        return Err(format!(
            "openssl printed a certificate of fingerprint {printed}, ours is {expected}"
        ));
    }
    Ok(())
}

/// Exchanges application data once connected: we send a line, OpenSSL prints it; OpenSSL
/// sends a line from its stdin, we receive it. Returns the SRTP keying material we
/// exported.
fn exchange(
    case: &Case,
    conn: &mut Connection,
    sock: &UdpSocket,
    peer: &mut Peer,
    wire: &mut Wire,
    deadline: Instant,
) -> Result<Vec<u8>> {
    let mut connected = None;
    let mut exported = Vec::new();
    let mut sent_ours = false;
    let mut sent_theirs = false;
    let mut got_theirs = false;
    drive(conn, sock, peer, wire, deadline, |conn, peer, ev| {
        match ev {
            Some(Event::Connected(info)) => connected = Some(info),
            Some(Event::ApplicationData(d)) if d.windows(13).any(|w| w == b"from-openssl!") => {
                got_theirs = true
            }
            Some(Event::AlertReceived(a)) => return Err(format!("openssl sent {a:?}")),
            _ => {}
        }
        let Some(info) = &connected else {
            return Ok(false);
        };
        if !sent_ours {
            peer.wait_for("Keying material:", deadline)?;
            exported = check_negotiated(case, peer, conn, info)?;
            conn.send_application_data(b"from-rust!\n")
                .map_err(|e| e.to_string())?;
            sent_ours = true;
        }
        peer.drain();
        if !sent_theirs && peer.seen.contains("from-rust!") {
            peer.stdin
                .write_all(b"from-openssl!\n")
                .and_then(|()| peer.stdin.flush())
                .map_err(|e| e.to_string())?;
            sent_theirs = true;
        }
        Ok(got_theirs)
    })?;
    conn.close();
    while let Some(d) = conn.poll_transmit() {
        let _ = sock.send(d);
    }
    Ok(exported)
}

/// Where each side's key log goes for our side playing `ours`: (OpenSSL's, ours).
fn key_log_paths(ctx: &Context, ours: &str) -> (std::path::PathBuf, std::path::PathBuf) {
    (
        ctx.dir.join(format!("keylog-openssl-vs-our-{ours}.txt")),
        ctx.dir.join(format!("keylog-our-{ours}.txt")),
    )
}

/// Starts OpenSSL's key log empty and hands its path to `-keylogfile`.
fn openssl_key_log(ctx: &Context, ours: &str, cmd: &mut Command) {
    let (theirs, _) = key_log_paths(ctx, ours);
    let _ = std::fs::remove_file(&theirs);
    cmd.arg("-keylogfile").arg(&theirs);
}

/// Starts our key log empty and puts a `KeyLogFile` writing it into `cfg`.
fn our_key_log(ctx: &Context, ours: &str, cfg: &mut Config) -> Result {
    let (_, mine) = key_log_paths(ctx, ours);
    let _ = std::fs::remove_file(&mine);
    let log = KeyLogFile::new(&mine).map_err(|e| format!("{}: {e}", mine.display()))?;
    cfg.set_key_log(Arc::new(log));
    Ok(())
}

/// The key log line for `client_random` in the file at `path`, and the file's entries.
fn key_log_line(path: &Path, client_random: &[u8; 32]) -> Result<(String, KeyLogEntries)> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let random: String = client_random.iter().map(|b| format!("{b:02x}")).collect();
    let line = text
        .lines()
        .find(|l| {
            l.to_ascii_lowercase()
                .starts_with(&format!("client_random {random} "))
        })
        .ok_or_else(|| {
            format!(
                "{} has no CLIENT_RANDOM line for {random}:\n{text}",
                path.display()
            )
        })?
        .to_ascii_lowercase();
    Ok((line, KeyLogEntries::parse(&text)))
}

/// Both key logs name this handshake's client random with the same master secret, and
/// that secret with the randoms seen on the wire gives the keying material we exported.
/// The randoms and the certificates come from our passive observer, so this also checks
/// it on OpenSSL's messages.
fn check_key_logs(ctx: &Context, case: &Case, ours: &str, wire: &Wire, exported: &[u8]) -> Result {
    let (our_side, their_side) = if ours == "client" {
        (Side::Client, Side::Server)
    } else {
        (Side::Server, Side::Client)
    };
    let mut observer = HandshakeObserver::new();
    for d in &wire.ours {
        observer.observe(d, our_side);
    }
    for d in &wire.theirs {
        observer.observe(d, their_side);
    }
    let summary = observer.summary();
    let (Some(client_random), Some(server_random)) = (summary.client_random, summary.server_random)
    else {
        return Err(format!("the observer saw no hellos: {summary:?}"));
    };
    if summary.cipher_suite != Some(case.suite.to_u16())
        || summary.srtp_profile != case.profile.dtls_id()
        || summary.version != Some(0xFEFD)
        || !summary.extended_master_secret
    {
        return Err(format!("the observer read {summary:?}"));
    }
    let openssl_crt = ctx.dir.join(format!(
        "{}{}.crt",
        if ours == "client" { "server" } else { "client" },
        case.peer_cert
    ));
    let openssl_fp = openssl_fingerprint(&openssl_crt)?.to_string();
    let observed_openssl_fp = if ours == "client" {
        &summary.server_fingerprint
    } else {
        &summary.client_fingerprint
    };
    if observed_openssl_fp.as_deref() != openssl_fp.strip_prefix("sha-256 ") {
        return Err(format!(
            "the observer fingerprinted OpenSSL's certificate as {observed_openssl_fp:?}, \
             openssl says {openssl_fp}"
        ));
    }
    let (theirs_path, mine_path) = key_log_paths(ctx, ours);
    let (their_line, _) = key_log_line(&theirs_path, &client_random)?;
    let (our_line, entries) = key_log_line(&mine_path, &client_random)?;
    if their_line != our_line {
        return Err(format!(
            "the key logs differ:\n openssl {their_line}\n ours    {our_line}"
        ));
    }
    if entries.len() != 1 || entries.skipped_lines() != 0 {
        return Err(format!("our key log holds {entries:?}"));
    }
    let secret = entries
        .master_secret(&client_random)
        .ok_or("our key log lost its secret")?;
    if case.suite == CipherSuite::EcdheEcdsaAes256GcmSha384 {
        return Err("the key log case needs a SHA-256 suite".into());
    }
    let mut material = vec![0u8; exported.len()];
    export_srtp_keying_material(secret, &client_random, &server_random, &mut material);
    if material != exported {
        return Err(
            "the keying material derived from the key log differs from the exported".into(),
        );
    }
    Ok(())
}

/// Our client against `openssl s_server`.
pub(super) fn our_client(ctx: &Context, case: &Case) -> Result<Wire> {
    let port = free_udp_port()?;
    let mut cmd = Command::new("openssl");
    cmd.args(["s_server", "-dtls1_2", "-accept"])
        .arg(format!("127.0.0.1:{port}"))
        .arg("-cert")
        .arg(ctx.dir.join(format!("server{}.crt", case.peer_cert)))
        .arg("-key")
        .arg(ctx.dir.join(format!("server{}.key", case.peer_cert)))
        .args(["-groups", &openssl_groups(case)])
        .args(["-cipher", case.suite_name, "-use_srtp", case.profile_name])
        .args(["-keymatexport", "EXTRACTOR-dtls_srtp", "-keymatexportlen"])
        .arg(case.profile.keying_material_len().to_string());
    if case.client_cert {
        cmd.args(["-Verify", "1"]);
    }
    if let Some(sigalgs) = case.peer_sigalgs {
        // With our RSA certificate the case is about our CertificateVerify: the list
        // OpenSSL requests it under.
        let option = if case.our_rsa.is_some() {
            "-client_sigalgs"
        } else {
            "-sigalgs"
        };
        cmd.args([option, sigalgs]);
    }
    if let Some(mtu) = case.mtu.or(case.peer_mtu) {
        cmd.args(["-mtu", &mtu.to_string()]);
    }
    if case.key_log {
        openssl_key_log(ctx, "client", &mut cmd);
    }
    let deadline = Instant::now() + RUN_LIMIT;
    let mut peer = Peer::start("openssl", &mut cmd)?;
    peer.wait_for("ACCEPT", deadline)?;
    let sock = UdpSocket::bind("127.0.0.1:0").map_err(|e| e.to_string())?;
    sock.connect(("127.0.0.1", port))
        .map_err(|e| e.to_string())?;
    sock.set_read_timeout(Some(Duration::from_millis(5)))
        .map_err(|e| e.to_string())?;
    let mut cfg = our_config(case, false)?;
    cfg.groups = group_list(case).iter().map(|g| g.0).collect();
    if let Some(mtu) = case.mtu {
        cfg.mtu = mtu;
    }
    if case.key_log {
        our_key_log(ctx, "client", &mut cfg)?;
    }
    let cfg = Arc::new(cfg);
    let mut conn = Connection::client_with_rng(
        cfg.clone(),
        ChaCha20Rng::from_seed([case.seed; 32]),
        Instant::now(),
    );
    // OpenSSL's own reading of its certificate is what we must match (RFC 8122).
    let server_crt = ctx.dir.join(format!("server{}.crt", case.peer_cert));
    conn.require_peer_fingerprints(vec![openssl_fingerprint(&server_crt)?])
        .map_err(|e| e.to_string())?;
    let mut wire = Wire::default();
    let exported = exchange(case, &mut conn, &sock, &mut peer, &mut wire, deadline)?;
    if case.key_log {
        check_key_logs(ctx, case, "client", &wire, &exported)?;
    }
    if case.client_cert {
        check_printed_certificate(ctx, &peer, "Client certificate", &cfg)
            .map_err(|e| format!("{e}; openssl printed:\n{}", peer.seen))?;
    }
    Ok(wire)
}

/// Our server against `openssl s_client`.
pub(super) fn our_server(ctx: &Context, case: &Case) -> Result<Wire> {
    let sock = UdpSocket::bind("127.0.0.1:0").map_err(|e| e.to_string())?;
    let port = sock.local_addr().map_err(|e| e.to_string())?.port();
    sock.set_read_timeout(Some(Duration::from_millis(5)))
        .map_err(|e| e.to_string())?;
    let mut cmd = Command::new("openssl");
    // Against our RSA certificate OpenSSL offers an ECDHE_ECDSA suite first: our server
    // must still pick the case's ECDHE_RSA one.
    let ciphers = if case.our_rsa.is_some() {
        format!("ECDHE-ECDSA-AES128-GCM-SHA256:{}", case.suite_name)
    } else {
        case.suite_name.to_string()
    };
    cmd.args(["s_client", "-dtls1_2", "-connect"])
        .arg(format!("127.0.0.1:{port}"))
        .args(["-groups", &openssl_groups(case)])
        .args(["-cipher", &ciphers, "-use_srtp", case.profile_name])
        .args(["-keymatexport", "EXTRACTOR-dtls_srtp", "-keymatexportlen"])
        .arg(case.profile.keying_material_len().to_string());
    if case.client_cert {
        cmd.arg("-cert")
            .arg(ctx.dir.join(format!("client{}.crt", case.peer_cert)))
            .arg("-key")
            .arg(ctx.dir.join(format!("client{}.key", case.peer_cert)));
    }
    if let Some(mtu) = case.mtu.or(case.peer_mtu) {
        cmd.args(["-mtu", &mtu.to_string()]);
    }
    if let Some(sigalgs) = case.peer_sigalgs {
        // The client's list is also what our server may sign with: keep our scheme in it.
        cmd.args(["-sigalgs", &format!("{sigalgs}:ECDSA+SHA256")]);
    }
    if case.long_client_hello {
        cmd.args(["-alpn", &long_alpn()]);
    }
    if case.key_log {
        openssl_key_log(ctx, "server", &mut cmd);
    }
    let deadline = Instant::now() + RUN_LIMIT;
    let mut peer = Peer::start("openssl", &mut cmd)?;
    // The first datagram tells us the client's address.
    let mut buf = vec![0u8; 65536];
    let (n, from) = loop {
        match sock.recv_from(&mut buf) {
            Ok(x) => break x,
            Err(_) if Instant::now() < deadline => continue,
            Err(e) => return Err(format!("no ClientHello from openssl: {e}")),
        }
    };
    sock.connect(from).map_err(|e| e.to_string())?;
    let mut cfg = our_config(case, case.client_cert)?;
    if !case.our_defaults {
        cfg.groups = vec![case.group.0];
    }
    if let Some(mtu) = case.mtu {
        cfg.mtu = mtu;
    }
    if case.key_log {
        our_key_log(ctx, "server", &mut cfg)?;
    }
    let cfg = Arc::new(cfg);
    let mut conn = Connection::server_with_rng(
        cfg.clone(),
        ChaCha20Rng::from_seed([case.seed; 32]),
        from,
        Instant::now(),
    );
    if case.client_cert {
        let client_crt = ctx.dir.join(format!("client{}.crt", case.peer_cert));
        conn.require_peer_fingerprints(vec![openssl_fingerprint(&client_crt)?])
            .map_err(|e| e.to_string())?;
    } else {
        // The cases without a client certificate check the wire format of a handshake
        // that asks for none, which only the opt-out allows: a server given fingerprints
        // always asks for the client's certificate.
        conn.dangerous_accept_any_peer_certificate();
    }
    let mut wire = Wire::default();
    wire.theirs.push(buf[..n].to_vec());
    conn.handle_datagram(Instant::now(), &buf[..n])
        .map_err(|e| e.to_string())?;
    let exported = exchange(case, &mut conn, &sock, &mut peer, &mut wire, deadline)?;
    if case.key_log {
        check_key_logs(ctx, case, "server", &wire, &exported)?;
    }
    check_printed_certificate(ctx, &peer, "Server certificate", &cfg)
        .map_err(|e| format!("{e}; openssl printed:\n{}", peer.seen))?;
    Ok(wire)
}
