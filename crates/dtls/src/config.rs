//! What an endpoint is willing to negotiate, in its own preference order.

use crate::cert::Certificate;
use crate::keylog::KeyLog;
use crate::suite::{CipherSuite, NamedGroup};
use srtp::ProtectionProfile;
use std::sync::Arc;
use std::time::Duration;

/// A DTLS protocol version, in order: a later version compares greater.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ProtocolVersion {
    /// DTLS 1.2 (RFC 6347).
    Dtls12,
    /// DTLS 1.3 (RFC 9147).
    Dtls13,
}

/// Configuration shared by the connections of one endpoint.
#[derive(Debug, Clone)]
pub struct Config {
    /// Our certificate, sent in both roles (WebRTC authenticates both sides).
    pub certificate: Certificate,
    /// Cipher suites in preference order; a server picks the first the client offers.
    pub cipher_suites: Vec<CipherSuite>,
    /// ECDHE groups in preference order.
    pub groups: Vec<NamedGroup>,
    /// SRTP protection profiles in preference order (RFC 5764 §4.1.1). Empty: no use_srtp;
    /// otherwise a handshake without a common profile fails.
    pub srtp_profiles: Vec<ProtectionProfile>,
    /// Refuse peers without extended_master_secret (RFC 7627 §5.2, §5.3). Default true.
    pub require_extended_master_secret: bool,
    /// As a server, send CertificateRequest and require a client certificate. Default true.
    ///
    /// Only `false` together with
    /// [`crate::Connection::dangerous_accept_any_peer_certificate`] lets a client connect
    /// without a certificate: a server that was given fingerprints
    /// ([`crate::Connection::require_peer_fingerprints`]), or nothing at all, always
    /// requests, requires and checks the client certificate, whatever this field says,
    /// because the fingerprints are the only thing that authenticates the client.
    pub require_client_certificate: bool,
    /// Largest datagram we send (default 1200); handshake messages are fragmented to fit
    /// (RFC 6347 §4.1.1.1). Values below [`crate::MIN_MTU`] (256) count as 256.
    pub mtu: usize,
    /// First retransmission timeout (RFC 6347 §4.2.4.1 suggests 1 s), doubled up to 60 s.
    pub initial_retransmit: Duration,
    /// Give up when the handshake has not completed in this time.
    pub handshake_timeout: Duration,
    /// Settings of the SRTP contexts built from the exported keys.
    pub srtp_config: srtp::Config,
    /// The highest version spoken (default [`ProtocolVersion::Dtls13`], as browsers): a
    /// client offers DTLS 1.3 and 1.2 together and speaks whichever the server picks; a
    /// server answers a 1.3 offer in 1.3 and anything else in 1.2. `Dtls12` caps both
    /// roles at 1.2.
    pub max_version: ProtocolVersion,
    /// The connection ID we ask the peer to put in the records it sends us (RFC 9146,
    /// RFC 9147 §9), in both versions; `None` (the default) offers no CID and answers none.
    /// `Some` of a zero-length ID sends CIDs to a peer that wants them but asks for none.
    /// Why it is off by default, and what a server routing by CID must do, is in the
    /// documentation of [`crate::connection_id`]'s module (`src/cid.rs`) and
    /// docs/dtls.md.
    pub connection_id: Option<crate::cid::ConnectionId>,
    /// Where master secrets go, when the owner asked for it ([`Config::set_key_log`]).
    key_log: Option<KeyLogSink>,
}

/// The configured [`KeyLog`], so `Config` keeps deriving `Debug` and `Clone`.
#[derive(Clone)]
struct KeyLogSink(Arc<dyn KeyLog>);

impl std::fmt::Debug for KeyLogSink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("KeyLog(..)")
    }
}

impl Config {
    /// Every suite, group and DTLS-SRTP profile, with extended master secret and client
    /// certificates required.
    pub fn new(certificate: Certificate) -> Self {
        Config {
            certificate,
            cipher_suites: CipherSuite::available(),
            groups: NamedGroup::ALL.to_vec(),
            srtp_profiles: vec![
                ProtectionProfile::AeadAes128Gcm,
                ProtectionProfile::AeadAes256Gcm,
                ProtectionProfile::AesCm128HmacSha1_80,
                ProtectionProfile::AesCm128HmacSha1_32,
            ],
            require_extended_master_secret: true,
            require_client_certificate: true,
            mtu: 1200,
            initial_retransmit: Duration::from_secs(1),
            handshake_timeout: Duration::from_secs(60),
            srtp_config: srtp::Config::default(),
            max_version: ProtocolVersion::Dtls13,
            connection_id: None,
            key_log: None,
        }
    }

    /// DANGEROUS outside debugging: every connection made with this configuration hands
    /// its master secret to `key_log` (label [`crate::keylog::CLIENT_RANDOM_LABEL`]) when
    /// its handshake derives it, so whoever reads the log can decrypt the connection and
    /// its SRTP media. Off unless called; emits one `tracing` warning when called. See
    /// [`crate::keylog`] for the file format and why it is shaped this way.
    pub fn set_key_log(&mut self, key_log: Arc<dyn KeyLog>) {
        tracing::warn!(
            "DTLS key logging is on: master secrets are being logged and whoever reads them \
             can decrypt these connections and their media"
        );
        self.key_log = Some(KeyLogSink(key_log));
    }

    /// The key log set with [`Config::set_key_log`], if any.
    pub fn key_log(&self) -> Option<&Arc<dyn KeyLog>> {
        self.key_log.as_ref().map(|s| &s.0)
    }
}
