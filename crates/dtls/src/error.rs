//! The crate's error type and the alert each error sends (RFC 5246 §7.2).

use crate::alert::AlertDescription;

/// Everything that can go wrong while parsing DTLS bytes or running a handshake.
///
/// Each variant maps to the fatal alert the peer is told about ([`Error::alert`]).
#[derive(Debug, thiserror::Error, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Error {
    /// A structure ended before a field it needs.
    #[error("{what}: truncated, needed {needed} bytes, got {got}")]
    Truncated {
        /// The structure being read.
        what: &'static str,
        /// Bytes the field needs.
        needed: usize,
        /// Bytes that were left.
        got: usize,
    },
    /// A structure had bytes after its last field.
    #[error("{what}: {extra} trailing bytes")]
    TrailingBytes {
        /// The structure being read.
        what: &'static str,
        /// Bytes left over.
        extra: usize,
    },
    /// A length field has a value its structure forbids.
    #[error("{what}: invalid length {len}")]
    InvalidLength {
        /// The field.
        what: &'static str,
        /// The length found.
        len: usize,
    },
    /// A record carried a content type RFC 6347 §4.1 does not define.
    #[error("unknown record content type {0}")]
    UnknownContentType(u8),
    /// A record or hello carried a protocol version other than DTLS 1.0 or 1.2.
    #[error("unsupported protocol version {0:#06x}")]
    UnsupportedVersion(u16),
    /// A handshake message type RFC 6347 §4.3.2 does not define.
    #[error("unknown handshake message type {0}")]
    UnknownHandshakeType(u8),
    /// A handshake message arrived where the state machine expects another.
    #[error("unexpected {got} message while waiting for {expected}")]
    UnexpectedMessage {
        /// What the state machine waits for.
        expected: &'static str,
        /// What arrived.
        got: &'static str,
    },
    /// A field holds a value the protocol forbids at this point.
    #[error("illegal parameter: {0}")]
    IllegalParameter(&'static str),
    /// The same extension appeared twice in one hello (RFC 5246 §7.4.1.4).
    #[error("duplicate extension {0:#06x}")]
    DuplicateExtension(u16),
    /// The server's hello carried an extension the client did not offer (RFC 5246
    /// §7.4.1.4): the extension type.
    #[error("the server sent extension {0:#06x}, which we did not offer")]
    UnsupportedExtension(u16),
    /// Sending another record would take the record sequence number past 2^48 - 1
    /// (RFC 6347 §4.1): the connection ends rather than reuse a nonce.
    #[error("record sequence numbers exhausted")]
    SequenceNumberExhausted,
    /// No cipher suite is acceptable to both sides.
    #[error("no cipher suite in common")]
    NoCommonCipherSuite,
    /// The client offered only cipher suites this implementation never negotiates (none
    /// with ECDHE, ECDSA and an AEAD): RFC 5246 §7.2.2's insufficient_security.
    #[error("the peer offers only cipher suites weaker than any we accept")]
    InsufficientSecurity,
    /// No ECDHE group is acceptable to both sides.
    #[error("no key-exchange group in common")]
    NoCommonGroup,
    /// No signature scheme is acceptable to both sides.
    #[error("no signature scheme in common")]
    NoCommonSignatureScheme,
    /// No SRTP protection profile is acceptable to both sides (RFC 5764 §4.1.2).
    #[error("no SRTP protection profile in common")]
    NoCommonSrtpProfile,
    /// The peer did not negotiate extended_master_secret and the configuration requires it
    /// (RFC 7627 §5.2).
    #[error("the peer does not support extended_master_secret")]
    ExtendedMasterSecretRequired,
    /// The server asked for client authentication and the client sent no certificate.
    #[error("the peer sent no certificate")]
    CertificateRequired,
    /// The peer's certificate could not be parsed.
    #[error("cannot parse the peer certificate")]
    BadCertificate,
    /// The peer's certificate holds a key this implementation cannot verify with; or a
    /// certificate of our own would hold a key we cannot sign with (RSA without the
    /// `ring` feature, P-384).
    #[error("unsupported certificate key")]
    UnsupportedCertificate,
    /// An RSA key of an unsupported size, in bits: a peer's outside 2048 to 4096 (below
    /// 2048 is too weak; above 4096 the peer would choose the cost of our every
    /// verification), or one of our own other than 2048, 3072 or 4096 (the sizes `ring`
    /// signs with).
    #[error("RSA key of {0} bits: a peer's must have 2048 to 4096, our own 2048, 3072 or 4096")]
    UnsupportedRsaKeySize(usize),
    /// The peer's certificate does not match the fingerprint it announced (RFC 8122 §5).
    #[error("the peer certificate does not match the expected fingerprint")]
    FingerprintMismatch,
    /// [`crate::Connection::require_peer_fingerprints`] was given an empty list, which
    /// would authenticate nobody; nothing was changed.
    #[error("an empty fingerprint list authenticates no peer")]
    NoPeerFingerprints,
    /// The peer's certificate arrived but the connection was given no way to check it:
    /// neither [`crate::Connection::require_peer_fingerprints`] nor
    /// [`crate::Connection::dangerous_accept_any_peer_certificate`] was called. A local
    /// configuration error: the alert sent is internal_error, which RFC 5246 §7.2.2 defines
    /// as unrelated to the peer, because bad_certificate would wrongly blame a peer whose
    /// certificate may be perfectly good.
    #[error("no peer fingerprints configured: the peer cannot be authenticated")]
    PeerNotAuthenticated,
    /// A fingerprint string is malformed (RFC 8122 §5).
    #[error("malformed fingerprint")]
    InvalidFingerprint,
    /// A signature (ServerKeyExchange or CertificateVerify) did not verify.
    #[error("signature verification failed")]
    BadSignature,
    /// The peer's Finished did not match the transcript (RFC 5246 §7.4.9).
    #[error("Finished verify_data mismatch")]
    BadFinished,
    /// The peer's ECDHE public value is not a valid point.
    #[error("invalid ECDHE public key")]
    InvalidPublicKey,
    /// The peer sent a fatal alert.
    #[error("peer sent fatal alert {0:?}")]
    PeerAlert(AlertDescription),
    /// The handshake did not complete within the configured time.
    #[error("handshake timed out")]
    HandshakeTimeout,
    /// Application data or keys were requested before the handshake completed.
    #[error("the connection is not established")]
    NotConnected,
    /// The connection is closed or has failed.
    #[error("the connection is closed")]
    Closed,
    /// A plaintext larger than a record can carry (RFC 6347 §4.1).
    #[error("record payload of {len} bytes is too large")]
    RecordOverflow {
        /// The payload size asked for.
        len: usize,
    },
    /// The randomness source failed.
    #[error("the operating system's randomness source failed")]
    Randomness,
    /// Certificate generation failed.
    #[error("certificate generation failed")]
    CertificateGeneration(#[source] rcgen::Error),
    /// A certificate or private key could not be loaded (PEM or DER): what was wrong.
    #[error("cannot load the certificate: {0}")]
    CertificateLoad(&'static str),
    /// Building SRTP keys or contexts from the exported keying material failed.
    #[error("SRTP keys")]
    Srtp(#[from] srtp::Error),
    /// This implementation reached a state it should never be in (a bug, never the
    /// peer's doing): what was missing. The alert sent is internal_error, which RFC 5246
    /// §7.2.2 defines as unrelated to the peer.
    #[error("internal error: {0}")]
    Internal(&'static str),
}

impl Error {
    /// The fatal alert to send for this error (RFC 5246 §7.2.2).
    pub fn alert(&self) -> AlertDescription {
        use AlertDescription as A;
        match self {
            Error::Truncated { .. } | Error::TrailingBytes { .. } | Error::InvalidLength { .. } => {
                A::DecodeError
            }
            Error::UnknownContentType(_) | Error::UnexpectedMessage { .. } => A::UnexpectedMessage,
            Error::UnknownHandshakeType(_) => A::UnexpectedMessage,
            Error::UnsupportedVersion(_) => A::ProtocolVersion,
            Error::IllegalParameter(_) | Error::DuplicateExtension(_) | Error::InvalidPublicKey => {
                A::IllegalParameter
            }
            Error::NoCommonCipherSuite
            | Error::NoCommonGroup
            | Error::NoCommonSignatureScheme
            | Error::NoCommonSrtpProfile
            | Error::ExtendedMasterSecretRequired
            | Error::CertificateRequired
            | Error::HandshakeTimeout => A::HandshakeFailure,
            Error::BadCertificate | Error::FingerprintMismatch | Error::InvalidFingerprint => {
                A::BadCertificate
            }
            Error::UnsupportedCertificate | Error::UnsupportedRsaKeySize(_) => {
                A::UnsupportedCertificate
            }
            Error::UnsupportedExtension(_) => A::UnsupportedExtension,
            Error::InsufficientSecurity => A::InsufficientSecurity,
            Error::BadSignature | Error::BadFinished => A::DecryptError,
            Error::RecordOverflow { .. } => A::RecordOverflow,
            Error::PeerAlert(d) => *d,
            Error::NotConnected
            | Error::NoPeerFingerprints
            | Error::PeerNotAuthenticated
            | Error::SequenceNumberExhausted
            | Error::Closed
            | Error::Randomness
            | Error::CertificateGeneration(_)
            | Error::CertificateLoad(_)
            | Error::Srtp(_)
            | Error::Internal(_) => A::InternalError,
        }
    }
}
