//! DTLS 1.3 (RFC 9147 on RFC 8446), beside the DTLS 1.2 of the rest of the crate.
//!
//! **Design.** The version is settled by the first ClientHello and the answer to it, so
//! the 1.2 [`crate::Connection`] stays the entry point and hands over to a 1.3 [`Session`]
//! at that moment: a server whose complete ClientHello (reassembled by the 1.2 path's
//! bounded hello buffer, which already puts Chromium's two-fragment 1.3 offer together)
//! offers DTLS 1.3 answers statelessly with a HelloRetryRequest carrying a cookie
//! (`server`), and only the ClientHello that returns a valid cookie creates a session; a
//! client offering 1.3 starts as a session and falls back to the 1.2 state machine when
//! the server answers in 1.2 (`client`). The session owns what differs in 1.3: the
//! key schedule (`key_schedule`, HKDF with the "dtls13" labels), the unified header with
//! record-number encryption and the epochs 0, 2, 3 and beyond (`record`), the message
//! bodies (`messages`), and flights with ACKs, KeyUpdate and alerts (`session`). It shares
//! with 1.2 what does not differ: certificates and fingerprint checks, signatures, the
//! ECDHE groups, the cookie secret, the transmit queue and the events. Failing closed
//! follows the 1.2 rules: an epoch-0 record other than the expected hello, and every
//! record that does not authenticate under a read epoch, is dropped and counted; only an
//! authenticated alert (or a well-formed hello that breaks the protocol) ends an
//! association.
//!
//! Retransmission (RFC 9147 §5.8, §7): a flight is kept whole and resent on a timer that
//! starts at [`crate::Config::initial_retransmit`] and doubles up to 60 s, and at once (at
//! most once per half the initial timeout) when the peer repeats its own previous flight.
//! The peer's next flight acknowledges ours implicitly; a flight nothing answers (the
//! client's final flight, a KeyUpdate) waits for an ACK that names every record it went out
//! in (ACKs accumulate over retransmissions). A server acknowledges the client's final
//! flight as soon as it is verified, and again whenever the client repeats it; a partial
//! ACK does not trim what is resent.
//!
//! What is spoken: TLS_AES_128_GCM_SHA256 and TLS_CHACHA20_POLY1305_SHA256 (the
//! configuration's AES-128-GCM and ChaCha20 suites map to them; AES-256-GCM-SHA384 is not
//! offered), X25519, P-256 and P-384 key shares, ECDSA P-256 certificates of our own and
//! ECDSA or RSA-PSS peers, use_srtp in EncryptedExtensions, the DTLS-SRTP exporter of
//! RFC 8446 §7.5, ACKs, KeyUpdate. Not spoken: PSK and resumption (a NewSessionTicket is
//! acknowledged and ignored), 0-RTT, NewConnectionId and RequestConnectionId (connection
//! IDs themselves are spoken, see `crate::cid`; those messages are acknowledged and
//! ignored), post-quantum key shares (a
//! browser's X25519MLKEM768 share is passed over for its X25519 one).

mod client;
mod flight;
pub(crate) mod key_schedule;
pub mod messages;
pub mod record;
pub(crate) mod server;
mod session;

pub(crate) use client::{check_downgrade, start as client_start};
pub(crate) use session::Session;
