//! DTLS on a flow: the handshake as a passive observer sees it, and the SRTP keys a key
//! log gives for it.
//!
//! The handshake is read by `dtls::observe::HandshakeObserver` (the `dtls` crate's own
//! codecs: nothing about DTLS is parsed here beyond telling which address sent the
//! ClientHello). With a key log holding the handshake's secrets, the SRTP keying material
//! is exported and split by `srtp::DtlsSrtpKeys` into the client's and the server's write
//! keys (RFC 5764 §4.2): the client's key for what the client sends, the server's for the
//! other direction. For DTLS 1.2 the log's `CLIENT_RANDOM` master secret and the two
//! randoms give it (`dtls::keylog::export_srtp_keying_material`, RFC 5705 with the RFC 5764
//! label). For DTLS 1.3 the observer is given the key log so that it opens the encrypted
//! handshake with the logged handshake traffic secrets (the SRTP profile is in
//! EncryptedExtensions, the certificates are encrypted too), and the keying material comes
//! from the logged `EXPORTER_SECRET` (`dtls::keylog::export_dtls13_srtp_keying_material`,
//! RFC 8446 §7.5 with DTLS 1.3's labels).

use std::net::SocketAddr;
use std::sync::Arc;

use dtls::keylog::{
    Dtls13Secret, KeyLogEntries, export_dtls13_srtp_keying_material, export_srtp_keying_material,
};
use dtls::observe::{HandshakeObserver, Side};
use srtp::{DtlsSrtpKeys, ProtectionProfile};

use crate::keys::{KeyEntry, Selector};

/// DTLS 1.3's version number.
const DTLS_1_3: u16 = 0xfefc;

/// What the report shows of a DTLS handshake.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct DtlsInfo {
    /// Protocol version (`DTLS 1.2`, `DTLS 1.3`).
    pub version: Option<String>,
    /// Cipher suite name.
    pub suite: Option<String>,
    /// The negotiated SRTP protection profile.
    pub srtp_profile: Option<String>,
    /// The client's certificate fingerprint (SHA-256, colon-separated hex).
    pub client_fingerprint: Option<String>,
    /// The server's certificate fingerprint.
    pub server_fingerprint: Option<String>,
    /// The DTLS client's address (the sender of the ClientHello).
    pub client: Option<SocketAddr>,
    /// DTLS datagrams seen.
    pub datagrams: u64,
    /// DTLS datagrams seen before the ClientHello (no side to give them).
    pub before_client_hello: u64,
    /// Whether SRTP keys were derived from the key log.
    pub keyed: bool,
}

/// A parsed key log, shared by every flow.
#[derive(Clone)]
pub struct KeyLog(pub Arc<KeyLogEntries>);

impl std::fmt::Debug for KeyLog {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "KeyLog({} secrets, redacted)", self.0.len())
    }
}

/// The DTLS state of one flow pair.
#[derive(Debug, Default)]
pub struct DtlsFlow {
    observer: HandshakeObserver,
    client: Option<(SocketAddr, SocketAddr)>,
    datagrams: u64,
    before_client_hello: u64,
    keyed: bool,
}

impl DtlsFlow {
    /// A flow whose handshake is read with `keylog`, if any (a DTLS 1.3 handshake needs it
    /// for anything past its suite).
    pub fn new(keylog: Option<&KeyLog>) -> Self {
        DtlsFlow {
            observer: keylog.map_or_else(HandshakeObserver::new, |k| {
                HandshakeObserver::with_key_log(k.0.clone())
            }),
            ..DtlsFlow::default()
        }
    }

    /// One DTLS datagram from `src` to `dst`.
    pub fn observe(&mut self, src: SocketAddr, dst: SocketAddr, datagram: &[u8]) {
        self.datagrams += 1;
        // A handshake record (22) whose first message is a ClientHello (1): its sender is
        // the client. Until one is seen, no datagram can be given a side.
        if self.client.is_none() && datagram.first() == Some(&22) && datagram.get(13) == Some(&1) {
            self.client = Some((src, dst));
        }
        let Some((client, _)) = self.client else {
            self.before_client_hello += 1;
            return;
        };
        let side = if src == client {
            Side::Client
        } else {
            Side::Server
        };
        self.observer.observe(datagram, side);
    }

    /// SRTP keys derived from `keylog` once the handshake's randoms and profile are known
    /// and the log holds its master secret; handed out once.
    pub fn take_keys(&mut self, keylog: Option<&KeyLog>) -> Option<Vec<KeyEntry>> {
        if self.keyed {
            return None;
        }
        let keylog = keylog?;
        let (client, server) = self.client?;
        let s = self.observer.summary();
        let (cr, sr) = (s.client_random?, s.server_random?);
        let profile = ProtectionProfile::from_dtls_id(s.srtp_profile?)?;
        let mut material = vec![0u8; profile.keying_material_len()];
        if s.version == Some(DTLS_1_3) {
            let exporter = keylog.0.dtls13_secret(Dtls13Secret::Exporter, &cr)?;
            export_dtls13_srtp_keying_material(s.cipher_suite?, exporter, &mut material).ok()?;
        } else {
            let secret = keylog.0.master_secret(&cr)?;
            export_srtp_keying_material(secret, &cr, &sr, &mut material);
        }
        let keys = DtlsSrtpKeys::from_keying_material(profile, &material);
        material.fill(0);
        let keys = keys.ok()?;
        self.keyed = true;
        tracing::debug!(%client, %server, profile = profile.name(), "DTLS-SRTP keys from the key log");
        Some(vec![
            KeyEntry::from_master(
                Selector::Flow {
                    src: client,
                    dst: server,
                },
                format!("key log (DTLS client {client})"),
                profile,
                keys.client_write,
            ),
            KeyEntry::from_master(
                Selector::Flow {
                    src: server,
                    dst: client,
                },
                format!("key log (DTLS server {server})"),
                profile,
                keys.server_write,
            ),
        ])
    }

    /// The report's view.
    pub fn info(&self) -> DtlsInfo {
        let s = self.observer.summary();
        DtlsInfo {
            version: s.version.map(|v| match v {
                0xfefd => "DTLS 1.2".to_owned(),
                0xfeff => "DTLS 1.0".to_owned(),
                DTLS_1_3 => "DTLS 1.3".to_owned(),
                other => format!("0x{other:04x}"),
            }),
            suite: s.cipher_suite.map(|c| {
                s.cipher_suite_name
                    .map_or_else(|| format!("0x{c:04x}"), str::to_owned)
            }),
            srtp_profile: s.srtp_profile.map(|p| {
                ProtectionProfile::from_dtls_id(p)
                    .map_or_else(|| format!("0x{p:04x}"), |p| p.name().to_owned())
            }),
            client_fingerprint: s.client_fingerprint.clone(),
            server_fingerprint: s.server_fingerprint.clone(),
            client: self.client.map(|(c, _)| c),
            datagrams: self.datagrams,
            before_client_hello: self.before_client_hello,
            keyed: self.keyed,
        }
    }
}

/// Why a key log could not be used.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct KeylogError(pub String);

/// Reads an NSS key log into `options`, for the DTLS handshakes of the capture.
pub fn load_keylog(options: &mut crate::analyze::Options, text: &str) -> Result<(), KeylogError> {
    let entries = KeyLogEntries::parse(text);
    if entries.is_empty() {
        return Err(KeylogError(format!(
            "no CLIENT_RANDOM or DTLS 1.3 secret line in the key log ({} lines skipped)",
            entries.skipped_lines()
        )));
    }
    options.keylog = Some(KeyLog(Arc::new(entries)));
    Ok(())
}
