//! ICE-lite (RFC 8445 §2.5, §7.3) with consent freshness (RFC 7675): the session answers
//! the connectivity checks a full agent (a browser) sends to its media socket, learns and
//! nominates the peer's address from them, and ends the call when the peer stops checking.
//!
//! **What a lite agent does.** It gathers only host candidates (the socket it is bound to,
//! written in the SDP answer by the application), never sends checks of its own, and is
//! always the controlled agent. The full agent (controlling) sends Binding requests with
//! USERNAME `<our ufrag>:<its ufrag>` and MESSAGE-INTEGRITY keyed by our password; we answer
//! each authenticated one with a success response carrying the address it came from
//! (XOR-MAPPED-ADDRESS). A check with USE-CANDIDATE nominates its source address, and from
//! then on RTP, RTCP and DTLS go only there (`Session` sets its destinations to it).
//!
//! **Fail closed, no state per unauthenticated check.** A check is parsed in place and its
//! integrity verified (constant time) before anything is remembered: checks that do not
//! parse, are for another user, or fail integrity are dropped and counted, with no answer
//! (an answer would make us a reflector). Only an authenticated check adds its source to
//! the bounded set of checked addresses (`max_checked_addresses`, the oldest forgotten
//! first). Media and DTLS from an address that never passed a check are dropped by the
//! session. A check carrying ICE-CONTROLLED from a peer that also believes itself
//! controlled is a role conflict: a lite agent cannot take the controlling role, so it
//! answers 487 (Role Conflict, RFC 8445 §7.3.1.1) and changes nothing.
//!
//! **Consent (RFC 7675).** The nominated address keeps consent while authenticated checks
//! keep arriving from it; browsers send one every few seconds. When none arrived for
//! [`IceConfig::consent_timeout`] (30 s, RFC 7675 §5.1), or when no address was nominated
//! within that time of the session's start, consent is lost: the session stops sending at
//! once and closes (`Event::IceConsentExpired`, then `Event::Closed`). Only the peer that
//! knows our password can keep a call alive, and nobody else can end it: forged checks
//! change nothing.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use rand_core::CryptoRng;
use stun::{AttributeType, Class, ErrorCode, Message, MessageWriter, Method};
use zeroize::Zeroizing;

use crate::error::{Error, Result};

/// The characters ICE allows in a ufrag and password (RFC 8839 §5.4 `ice-char`).
const ICE_CHARS: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// Our ICE username fragment and password (RFC 8445 §5.3, RFC 8839 §5.4). `Debug` shows
/// the ufrag, never the password; the password is wiped when dropped.
#[derive(Clone)]
pub struct IceCredentials {
    ufrag: String,
    pwd: Zeroizing<String>,
}

impl IceCredentials {
    /// Credentials from signalling: `ufrag` of 4 to 256 and `pwd` of 22 to 256 `ice-char`s
    /// (RFC 8839 §5.4); anything else is [`Error::BadConfig`].
    pub fn new(ufrag: &str, pwd: &str) -> Result<Self> {
        let ice_chars = |s: &str| s.bytes().all(|b| ICE_CHARS.contains(&b));
        if !(4..=256).contains(&ufrag.len()) || !ice_chars(ufrag) {
            return Err(Error::BadConfig(
                "an ICE ufrag is 4 to 256 characters of [A-Za-z0-9+/]",
            ));
        }
        if !(22..=256).contains(&pwd.len()) || !ice_chars(pwd) {
            return Err(Error::BadConfig(
                "an ICE password is 22 to 256 characters of [A-Za-z0-9+/]",
            ));
        }
        Ok(Self {
            ufrag: ufrag.to_owned(),
            pwd: Zeroizing::new(pwd.to_owned()),
        })
    }

    /// Fresh random credentials: an 8-character ufrag (48 bits) and a 24-character password
    /// (144 bits, above RFC 8445's minimum of 128).
    pub fn random(rng: &mut dyn CryptoRng) -> Self {
        let mut draw = |n: usize| {
            let mut bytes = Zeroizing::new(vec![0u8; n]);
            rng.fill_bytes(&mut bytes);
            bytes
                .iter()
                .map(|b| char::from(ICE_CHARS[usize::from(b & 63)]))
                .collect::<String>()
        };
        let ufrag = draw(8);
        let pwd = Zeroizing::new(draw(24));
        Self { ufrag, pwd }
    }

    /// The username fragment (`a=ice-ufrag`).
    pub fn ufrag(&self) -> &str {
        &self.ufrag
    }

    /// The password (`a=ice-pwd`); the key of every check's MESSAGE-INTEGRITY.
    pub fn pwd(&self) -> &str {
        &self.pwd
    }
}

impl std::fmt::Debug for IceCredentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IceCredentials")
            .field("ufrag", &self.ufrag)
            .finish_non_exhaustive()
    }
}

/// ICE-lite settings of a session ([`crate::Config::ice`]).
#[derive(Debug, Clone)]
pub struct IceConfig {
    /// Our credentials, as written in our SDP.
    pub local: IceCredentials,
    /// The peer's ufrag from its SDP. When known, a check's USERNAME must be exactly
    /// `<local ufrag>:<remote ufrag>`; without it, only our half is checked.
    pub remote_ufrag: Option<String>,
    /// How long the nominated address keeps consent without an authenticated check, and
    /// how long the session waits for a nomination (RFC 7675 §5.1: 30 s).
    pub consent_timeout: Duration,
    /// The most source addresses remembered as having passed a check.
    pub max_checked_addresses: usize,
}

impl IceConfig {
    /// ICE-lite with `local` credentials, the peer's `remote_ufrag` when signalling gave it,
    /// a 30-second consent timeout and up to 8 checked addresses.
    pub fn new(local: IceCredentials, remote_ufrag: Option<String>) -> Self {
        Self {
            local,
            remote_ufrag,
            consent_timeout: Duration::from_secs(30),
            max_checked_addresses: 8,
        }
    }
}

/// Why a STUN message was dropped without an answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Refusal {
    /// Not a STUN message by RFC 8489's framing, or a bad FINGERPRINT.
    Malformed,
    /// Not a Binding request (responses to us cannot exist: a lite agent sends no checks).
    NotARequest,
    /// No USERNAME, or one that is not ours.
    UnknownUser,
    /// No MESSAGE-INTEGRITY, or one that fails with our password.
    BadIntegrity,
}

/// What to do with a STUN datagram.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Verdict {
    /// Drop it (counted by the session).
    Drop(Refusal),
    /// A Binding indication (a keepalive): nothing to do.
    Ignore,
    /// Send the `len` bytes written into the output buffer back to the sender. `nominated`
    /// is the address newly nominated by this check, when it changed.
    Answer {
        len: usize,
        nominated: Option<SocketAddr>,
        role_conflict: bool,
    },
}

/// ICE-lite state: the checked addresses, the nominated one and the consent deadline.
#[derive(Debug)]
pub(crate) struct IceLite {
    config: IceConfig,
    /// Addresses that passed an authenticated check, with the time of their latest one.
    checked: Vec<(SocketAddr, Instant)>,
    nominated: Option<SocketAddr>,
    /// When consent (or the wait for a nomination) runs out.
    deadline: Instant,
    expired: bool,
}

/// Comprehension-required attributes a Binding request may carry (RFC 8489, RFC 8445).
const UNDERSTOOD: &[AttributeType] = &[
    AttributeType::USERNAME,
    AttributeType::MESSAGE_INTEGRITY,
    AttributeType::MESSAGE_INTEGRITY_SHA256,
    AttributeType::PRIORITY,
    AttributeType::USE_CANDIDATE,
];

impl IceLite {
    pub(crate) fn new(config: IceConfig, now: Instant) -> Self {
        let deadline = now + config.consent_timeout;
        Self {
            checked: Vec::with_capacity(config.max_checked_addresses.min(64)),
            config,
            nominated: None,
            deadline,
            expired: false,
        }
    }

    /// The nominated address: where media and DTLS go.
    pub(crate) fn nominated(&self) -> Option<SocketAddr> {
        self.nominated
    }

    /// Whether `from` passed an authenticated check (media and DTLS are read only from
    /// such addresses).
    pub(crate) fn is_checked(&self, from: SocketAddr) -> bool {
        self.checked.iter().any(|(a, _)| *a == from)
    }

    /// When consent runs out, while it has not.
    pub(crate) fn deadline(&self) -> Option<Instant> {
        (!self.expired).then_some(self.deadline)
    }

    /// Whether consent ran out at `now` (reported once).
    pub(crate) fn expire(&mut self, now: Instant) -> bool {
        if self.expired || now < self.deadline {
            return false;
        }
        self.expired = true;
        true
    }

    /// Handles a STUN datagram from `from`, writing an answer into `out` when one is due.
    /// Nothing is remembered unless the check authenticates.
    pub(crate) fn on_stun(
        &mut self,
        now: Instant,
        from: SocketAddr,
        datagram: &[u8],
        out: &mut [u8],
    ) -> Verdict {
        let Ok(message) = Message::parse(datagram) else {
            return Verdict::Drop(Refusal::Malformed);
        };
        if message.has_fingerprint() && message.verify_fingerprint().is_err() {
            return Verdict::Drop(Refusal::Malformed);
        }
        if message.method() != Method::BINDING {
            return Verdict::Drop(Refusal::NotARequest);
        }
        match message.class() {
            Class::Request => {}
            Class::Indication => return Verdict::Ignore,
            _ => return Verdict::Drop(Refusal::NotARequest),
        }
        if !self.is_for_us(&message) {
            return Verdict::Drop(Refusal::UnknownUser);
        }
        let key = self.config.local.pwd.as_bytes();
        let authentic = if message.has_integrity() {
            message.verify_integrity(key).is_ok()
        } else if message.has_integrity_sha256() {
            message.verify_integrity_sha256(key).is_ok()
        } else {
            false
        };
        if !authentic {
            return Verdict::Drop(Refusal::BadIntegrity);
        }
        // Authenticated from here on: answering cannot be abused by anyone without our
        // password.
        let (unknown, n) = unknown_required(&message);
        if n > 0 {
            let error = ErrorCode::new(ErrorCode::UNKNOWN_ATTRIBUTE, "Unknown Attribute");
            return self.answer_error(&message, error, unknown.get(..n), out);
        }
        if message.ice_controlled().is_some() {
            // Both sides think they are controlled; a lite agent cannot switch, so the
            // full agent must (RFC 8445 §7.3.1.1, §6.1.1).
            let error = ErrorCode::new(ErrorCode::ROLE_CONFLICT, "Role Conflict");
            return match self.answer_error(&message, error, None, out) {
                Verdict::Answer { len, .. } => Verdict::Answer {
                    len,
                    nominated: None,
                    role_conflict: true,
                },
                other => other,
            };
        }
        let nominate = matches!(message.use_candidate(), Ok(true));
        self.remember(now, from);
        let mut newly = None;
        if nominate && self.nominated != Some(from) {
            self.nominated = Some(from);
            newly = Some(from);
        }
        if self.nominated == Some(from) {
            self.deadline = now + self.config.consent_timeout;
        }
        match write_success(&message, from, self.config.local.pwd.as_bytes(), out) {
            Some(len) => Verdict::Answer {
                len,
                nominated: newly,
                role_conflict: false,
            },
            None => Verdict::Drop(Refusal::Malformed),
        }
    }

    /// USERNAME is `<our ufrag>:<peer ufrag>` (RFC 8445 §7.2.2), the peer's half checked
    /// when signalling gave it.
    fn is_for_us(&self, message: &Message<'_>) -> bool {
        let Some(Ok(username)) = message.username() else {
            return false;
        };
        let Some((ours, theirs)) = username.split_once(':') else {
            return false;
        };
        ours == self.config.local.ufrag
            && self
                .config
                .remote_ufrag
                .as_deref()
                .is_none_or(|remote| remote == theirs)
    }

    /// Adds or refreshes `from` in the checked set, forgetting the least recently checked
    /// address that is not nominated when the set is full.
    fn remember(&mut self, now: Instant, from: SocketAddr) {
        if let Some(entry) = self.checked.iter_mut().find(|(a, _)| *a == from) {
            entry.1 = now;
            return;
        }
        if self.checked.len() >= self.config.max_checked_addresses.max(1) {
            let nominated = self.nominated;
            let oldest = self
                .checked
                .iter()
                .enumerate()
                .filter(|(_, (a, _))| Some(*a) != nominated)
                .min_by_key(|(_, (_, t))| *t)
                .map(|(i, _)| i);
            match oldest {
                Some(i) => {
                    self.checked.swap_remove(i);
                }
                None => return,
            }
        }
        self.checked.push((from, now));
    }

    fn answer_error(
        &self,
        request: &Message<'_>,
        error: std::result::Result<ErrorCode<'_>, stun::Error>,
        unknown: Option<&[AttributeType]>,
        out: &mut [u8],
    ) -> Verdict {
        let key = self.config.local.pwd.as_bytes();
        let written = (|| {
            let mut w = MessageWriter::new(
                out,
                Class::ErrorResponse,
                Method::BINDING,
                request.transaction_id(),
            )?;
            w.error_code(error?)?;
            if let Some(types) = unknown {
                w.unknown_attributes(types)?;
            }
            w.message_integrity(key)?;
            w.finish_with_fingerprint()
        })();
        match written {
            Ok(len) => Verdict::Answer {
                len,
                nominated: None,
                role_conflict: false,
            },
            Err(_) => Verdict::Drop(Refusal::Malformed),
        }
    }
}

/// The success response to `request` from `from` (RFC 8445 §7.3.1.2: XOR-MAPPED-ADDRESS,
/// then MESSAGE-INTEGRITY with our password and FINGERPRINT).
fn write_success(
    request: &Message<'_>,
    from: SocketAddr,
    key: &[u8],
    out: &mut [u8],
) -> Option<usize> {
    let mut w = MessageWriter::new(
        out,
        Class::SuccessResponse,
        Method::BINDING,
        request.transaction_id(),
    )
    .ok()?;
    w.xor_mapped_address(from).ok()?;
    w.message_integrity(key).ok()?;
    w.finish_with_fingerprint().ok()
}

/// The comprehension-required attributes of `message` this agent does not understand: at
/// most four are reported (all an answer needs), in a fixed array so that judging a check
/// allocates nothing.
fn unknown_required(message: &Message<'_>) -> ([AttributeType; 4], usize) {
    let mut list = [AttributeType::new(0); 4];
    let mut len = 0;
    for attribute in message.attributes() {
        let t = attribute.attr_type();
        if t.is_comprehension_required() && !UNDERSTOOD.contains(&t) {
            if let Some(slot) = list.get_mut(len) {
                *slot = t;
                len += 1;
            }
        }
    }
    (list, len)
}
