//! DTLS 1.3 and 1.2 with DTLS-SRTP key exchange.
//!
//! A sans-IO DTLS 1.3 (RFC 9147) and DTLS 1.2 (RFC 6347) client and server that negotiate
//! SRTP keys (RFC 5764). DTLS 1.3 is offered and preferred by default, as browsers do, and a
//! 1.2-only peer gets 1.2 ([`Config::max_version`] caps both roles at 1.2); how 1.3 is
//! built beside 1.2, and what of it is spoken, is in the `v13` module's documentation
//! (`src/v13/mod.rs`). The rest of this page describes the 1.2 side, whose rules for bad
//! input and authentication 1.3 follows too. The connection:
//! the caller feeds datagrams and the current time into a [`Connection`] and takes out
//! datagrams to send, [`Event`]s and the next timeout. Randomness is seeded from the
//! operating system, or comes from any `rand_core` CSPRNG the caller passes
//! (`Connection::client_with_rng`, for reproducible tests); nothing here reads a clock,
//! opens a socket or spawns a thread.
//!
//! What is negotiated: ECDHE_ECDSA with AES-128-GCM, AES-256-GCM or ChaCha20-Poly1305
//! (server preference), X25519, P-256 or P-384, extended master secret (RFC 7627),
//! use_srtp with every DTLS-SRTP profile of the `srtp` crate, secure renegotiation
//! signalling (renegotiation itself is refused), and, when [`Config::connection_id`] asks
//! for one, connection IDs in both versions (RFC 9146, RFC 9147 §9; off by default, the
//! `cid` module and docs/dtls.md say why, and [`connection_id`] reads them for a front end). Both sides present self-signed
//! certificates ([`Certificate::generate`]) and check each other against the fingerprints
//! their signalling announced ([`Connection::require_peer_fingerprints`], RFC 8122).
//!
//! RSA peers (with the default `ring` feature): a client of ours also offers ECDHE_RSA
//! with the same three AEADs, and either side accepts a peer certificate holding an RSA
//! key of 2048 to 4096 bits, verifying RSASSA-PKCS1-v1_5 and RSA-PSS signatures under
//! SHA-256, SHA-384 or SHA-512 (legacy SIP gateways and OpenSSL's default certificates
//! are RSA). Our own certificate is ECDSA P-256 by default (every browser makes ECDSA
//! certificates, and ECDSA is smaller and cheaper); [`Certificate::generate_rsa`] makes an
//! RSA one of 2048, 3072 or 4096 bits for a peer that insists on RSA, and a server holding
//! it picks the ECDHE_RSA suites (and only those), signing with RSA-PSS, or PKCS#1 v1.5
//! when the client offers only that. RSA signing and verification run on `ring`, whose
//! PKCS#1 and PSS code also bounds the modulus and checks the exponent; a build without
//! `ring` refuses RSA certificates, the peer's and our own
//! ([`Error::UnsupportedCertificate`]), and offers no RSA suite or scheme. A peer key
//! below 2048 bits is too weak and one above 4096 would let the peer choose the cost of our
//! every verification: both end the handshake with [`Error::UnsupportedRsaKeySize`].
//!
//! Bad networks and hostile peers (RFC 6347 §4.1.1.1, §4.2.3, §4.2.4): flights are
//! fragmented to the MTU ([`Config::mtu`], [`Connection::set_mtu`], at least [`MIN_MTU`]) and
//! retransmitted on a timer that starts at [`Config::initial_retransmit`] and doubles up to
//! 60 s, and at once when the peer repeats its previous flight (at most once per half the
//! initial timeout, so forged repeats cannot turn a connection into an amplifier); the
//! handshake fails with [`Error::HandshakeTimeout`] after [`Config::handshake_timeout`].
//! Incoming fragments are reassembled in any order, overlapping or duplicated, and messages
//! and epoch-1 records that arrive early wait for their turn, all within fixed memory bounds
//! ([`MAX_MESSAGE_LEN`], [`MAX_BUFFERED_BYTES`]). A server keeps
//! nothing for a ClientHello without a valid cookie but, when the ClientHello comes in
//! fragments (a browser's DTLS 1.3 offer with a post-quantum key share does not fit one
//! datagram), a bounded buffer that puts it together ([`MAX_CLIENT_HELLO_LEN`],
//! [`MAX_CLIENT_HELLO_PIECES`], [`HELLO_FRAGMENT_LIFETIME`]; for a front end serving many
//! addresses, [`PendingHellos`] with at most [`MAX_PENDING_HELLOS`] of them). Nothing is
//! answered before the ClientHello is complete, the cookie covers the complete message,
//! and a HelloVerifyRequest is never larger than the ClientHello it answers. A client
//! offering DTLS 1.3 and 1.2 to a server capped at 1.2 gets a DTLS 1.2 ServerHello
//! without the TLS 1.3 downgrade sentinel (RFC 8446 §4.1.3: that server does not speak
//! 1.3), and groups and extensions we do not know (X25519MLKEM768) are ignored.
//! Renegotiation is refused.
//!
//! **Authentication.** A peer is authenticated only by its certificate matching one of the
//! fingerprints given to [`Connection::require_peer_fingerprints`] (an empty list is
//! [`Error::NoPeerFingerprints`]). A connection given no fingerprints fails its handshake
//! with [`Error::PeerNotAuthenticated`] when the peer certificate arrives, unless the owner
//! called [`Connection::dangerous_accept_any_peer_certificate`] (tests only: anyone on the
//! path can then become the peer). A server with fingerprints always requests, requires
//! and checks the client certificate, whatever [`Config::require_client_certificate`] says.
//!
//! **Failing closed.** Bad input never ends a connection unless it is authenticated. A
//! record that fails to parse, reassemble, decode or authenticate before it is
//! authenticated (plaintext epoch 0: a ChangeCipherSpec whose body is not `01`, a cut
//! handshake header, a fragment past its message, an unknown handshake type, a plaintext
//! over 2^14 bytes, a message body that does not decode, a malformed alert) is dropped
//! silently and counted ([`Connection::dropped_records`]), in every state, the handshake
//! included (RFC 6347 §4.1.2.7). After the handshake, epoch-0 records other than a repeat
//! of the client's final flight (which draws ours again, paced) are dropped without an
//! answer and without touching any state; a new plaintext handshake message once the peer
//! writes in epoch 1 (a forged Finished, a forged ClientHello) is dropped the same way.
//! A well-formed handshake message that breaks the protocol during the handshake (a suite
//! we did not offer, a message out of turn, a bad signature, a fingerprint mismatch, a bad
//! Finished, an extension we did not offer) still fails the handshake with the fatal alert
//! [`Error::alert`] names: the owner delivers only datagrams from the expected peer address.
//! A failure drops every key; the record sequence number never wraps
//! ([`Error::SequenceNumberExhausted`]), and key material is wiped when dropped.
//!
//! ```
//! use dtls::{Certificate, Config, Connection, Event, HashFunction};
//! use std::{sync::Arc, time::Instant};
//!
//! let now = Instant::now();
//! let client_cfg = Config::new(Certificate::generate("client")?);
//! let server_cfg = Config::new(Certificate::generate("server")?);
//! // Each side learns the other's fingerprint from signalling (SDP a=fingerprint).
//! let server_fp = server_cfg.certificate.fingerprint(HashFunction::Sha256);
//! let client_fp = client_cfg.certificate.fingerprint(HashFunction::Sha256);
//!
//! let mut client = Connection::client(Arc::new(client_cfg), now)?;
//! client.require_peer_fingerprints(vec![server_fp])?;
//! // The client's transport address, as the server's socket reports it.
//! let client_address = "192.0.2.1:5004".parse().unwrap();
//! let mut server = Connection::server(Arc::new(server_cfg), client_address, now)?;
//! server.require_peer_fingerprints(vec![client_fp])?;
//!
//! // Stand-in for the network: hand every datagram straight to the other side.
//! while !(client.is_connected() && server.is_connected()) {
//!     while let Some(d) = client.poll_transmit() {
//!         server.handle_datagram(now, &d)?;
//!     }
//!     while let Some(d) = server.poll_transmit() {
//!         client.handle_datagram(now, &d)?;
//!     }
//! }
//! let Some(Event::Connected(info)) = client.poll_event() else { unreachable!() };
//! assert!(info.srtp_profile.is_some() && info.srtp_keys.is_some());
//! // One context protects what we send, the other unprotects what the peer sends.
//! let (_protect, _unprotect) = client.srtp_contexts()?.expect("use_srtp negotiated");
//! # Ok::<(), dtls::Error>(())
//! ```

#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod alert;
mod cert;
mod cid;
mod codec;
mod config;
mod connection;
mod cookie;
mod crypto;
mod error;
mod handshake;
pub mod keylog;
pub mod observe;
mod random;
mod record;
mod suite;
mod v13;

pub use alert::{Alert, AlertDescription, AlertLevel};
pub use cert::{Certificate, Fingerprint, HashFunction, RSA_DEFAULT_BITS};
pub use cid::{ConnectionId, MAX_CONNECTION_ID_LEN, connection_id};
pub use config::{Config, ProtocolVersion};
pub use connection::{
    Connected, Connection, Event, MAX_MTU, MIN_MTU, Received, Role, SRTP_EXPORTER_LABEL, State,
};
pub use cookie::{CookieSecret, HelloVerdict, MAX_PENDING_HELLOS, PendingHellos};
pub use error::Error;
pub use handshake::{
    HELLO_FRAGMENT_LIFETIME, MAX_BUFFERED_BYTES, MAX_CLIENT_HELLO_LEN, MAX_CLIENT_HELLO_PIECES,
    MAX_MESSAGE_LEN,
};
pub use keylog::{KeyLog, KeyLogFile, export_srtp_keying_material};
pub use suite::{Authentication, CipherSuite, NamedGroup, SignatureScheme};

/// Not part of the API: the wire codecs, for the fuzz targets, the interop drivers and
/// the tests that forge hostile input. It may change in any release without notice.
///
/// Why one hidden module rather than public `record` and `handshake` modules: users of a
/// DTLS connection never need the record or message codecs, and every type made public is
/// a promise. Fuzzing and hostile-peer tests do need to build and parse raw records and
/// messages, so they get exactly those here, as rustls's `internal` module does.
#[doc(hidden)]
pub mod internal {
    pub use crate::cert::peer_key;
    pub use crate::cid::{CONNECTION_ID_EXTENSION, TLS12_CID};
    pub use crate::crypto::aead::RecordId;
    pub use crate::crypto::signature::{PeerKey, RsaKey};
    pub use crate::handshake::{
        ClientHello, Extensions, HANDSHAKE_HEADER_LEN, HandshakeFragment, HandshakeHeader,
        HandshakeMessage, HandshakeType, HelloVerifyRequest, ServerHello, UseSrtp, encode_message,
        parse_fragments,
    };
    pub use crate::record::{
        ContentType, DTLS_1_0, DTLS_1_2, RECORD_HEADER_LEN, Record, RecordHeader, Records, records,
        records_with_cid,
    };
    /// DTLS 1.3 codecs: the handshake messages and the unified header.
    pub mod dtls13 {
        pub use crate::v13::messages::*;
        pub use crate::v13::record::{
            CID_BIT, UnifiedHeader, is_unified, parse_unified_header,
            parse_unified_header_with_cid, reconstruct,
        };
    }

    /// With the `fuzzing` feature only: a copy of `connection` in its current state, keys
    /// and handshake secrets included, drawing its randomness from `rng` from now on. The
    /// fuzz targets build a mid-handshake connection once and fork it per input; nothing
    /// else may copy a live connection's secrets, so without the feature this does not
    /// exist.
    #[cfg(feature = "fuzzing")]
    pub fn fork(
        connection: &crate::Connection,
        rng: impl rand_core::CryptoRng + Send + 'static,
    ) -> crate::Connection {
        connection.fork(Box::new(rng))
    }

    /// The HelloVerifyRequest cookie `secret` issues to a ClientHello from
    /// `client_address`, for tests that answer a challenge by hand.
    pub fn cookie(
        secret: &crate::CookieSecret,
        client_address: std::net::SocketAddr,
        hello: &ClientHello,
    ) -> [u8; 32] {
        secret.cookie(client_address, hello)
    }
}
