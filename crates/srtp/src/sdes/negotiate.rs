//! SDES offer/answer (RFC 4568 §7.1) and the two contexts it keys.

use super::attribute::peek_tag;
use super::{CryptoAttribute, CryptoSuite, Result, SdesError, SessionParams};
use crate::config::Config;
use crate::context::Context;
use crate::profile::ProtectionProfile;
use rand_core::CryptoRng;

/// Whose order of preference picks the suite when an offer has several acceptable lines.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Priority {
    /// The first acceptable line of the offer, in the offerer's order (RFC 4568 §7.1.1:
    /// the offerer lists its lines in its order of preference). The default.
    #[default]
    Offerer,
    /// The first suite of our list that the offer has (its first line of that suite).
    Answerer,
}

/// Reads the `a=crypto` lines of one media description of an offer.
///
/// A line whose crypto suite, key method or (mandatory) session parameter is unknown is
/// passed over, as an answerer must (RFC 4568 §7.1.2): it cannot be chosen, and the others
/// still can. Any other fault fails the whole offer: bad base64, a key of the wrong
/// length, a malformed tag, lifetime, MKI or parameter, or a tag used twice
/// ([`SdesError::DuplicateTag`], also among lines passed over). No line at all is
/// [`SdesError::Empty`].
pub fn parse_offer<'a>(lines: impl IntoIterator<Item = &'a str>) -> Result<Vec<CryptoAttribute>> {
    let mut tags = Vec::new();
    let mut offer = Vec::new();
    let mut any = false;
    for line in lines {
        any = true;
        let parsed = CryptoAttribute::parse(line);
        let tag = match &parsed {
            Ok(attr) => Some(attr.tag()),
            Err(_) => peek_tag(line),
        };
        if let Some(tag) = tag {
            if tags.contains(&tag) {
                return Err(SdesError::DuplicateTag(tag));
            }
            tags.push(tag);
        }
        match parsed {
            Ok(attr) => offer.push(attr),
            Err(
                SdesError::UnknownSuite(_)
                | SdesError::UnknownKeyMethod
                | SdesError::UnknownSessionParam(_),
            ) => {}
            Err(e) => return Err(e),
        }
    }
    if !any {
        return Err(SdesError::Empty);
    }
    Ok(offer)
}

/// Answers an offer (RFC 4568 §7.1.2): picks a line whose suite is in `accept` and whose
/// session parameters this crate honours ([`CryptoAttribute::profile`] succeeds), in the
/// order `priority` says, and answers it with the same tag and suite, a fresh key from
/// `rng`, and the offer's `UNENCRYPTED_SRTP`, `UNENCRYPTED_SRTCP` and
/// `UNAUTHENTICATED_SRTP` (which both directions share). Our line states no `KDR`,
/// `WSH`, lifetime or MKI.
///
/// Put [`Negotiated::local`] in the answer's SDP ([`CryptoAttribute::to_line`]). Fails
/// with [`SdesError::DuplicateTag`] for an offer that repeats a tag and
/// [`SdesError::NoAcceptableOffer`] when no line is acceptable.
pub fn answer_offer(
    offer: &[CryptoAttribute],
    accept: &[CryptoSuite],
    priority: Priority,
    rng: &mut (impl CryptoRng + ?Sized),
) -> Result<Negotiated> {
    for (i, attr) in offer.iter().enumerate() {
        if offer[..i].iter().any(|o| o.tag() == attr.tag()) {
            return Err(SdesError::DuplicateTag(attr.tag()));
        }
    }
    let usable = |a: &&CryptoAttribute| accept.contains(&a.suite()) && a.profile().is_ok();
    let chosen = match priority {
        Priority::Offerer => offer.iter().find(usable),
        Priority::Answerer => accept
            .iter()
            .find_map(|s| offer.iter().filter(|a| a.suite() == *s).find(usable)),
    }
    .ok_or(SdesError::NoAcceptableOffer)?;
    let offered = chosen.params();
    let params = SessionParams {
        unencrypted_srtp: offered.unencrypted_srtp,
        unencrypted_srtcp: offered.unencrypted_srtcp,
        unauthenticated_srtp: offered.unauthenticated_srtp,
        ..SessionParams::default()
    };
    let answer =
        CryptoAttribute::generate(chosen.tag(), chosen.suite(), rng)?.with_params(params)?;
    Negotiated::new(answer, chosen.clone())
}

/// Takes the answer to our offer (RFC 4568 §7.1.3): its tag must be one we offered, with
/// the suite we offered under it, and the same `UNENCRYPTED_*`/`UNAUTHENTICATED_SRTP`
/// parameters ([`SdesError::AnswerMismatch`] otherwise).
pub fn accept_answer(offer: &[CryptoAttribute], answer: &CryptoAttribute) -> Result<Negotiated> {
    let offered = offer
        .iter()
        .find(|o| o.tag() == answer.tag())
        .ok_or(SdesError::AnswerMismatch("its tag was not offered"))?;
    if offered.suite() != answer.suite() {
        return Err(SdesError::AnswerMismatch(
            "its crypto suite is not the one offered under its tag",
        ));
    }
    Negotiated::new(offered.clone(), answer.clone())
}

/// The outcome of SDES offer/answer: our line (whose keys protect what we send) and the
/// peer's (whose keys protect what it sends), of one suite and profile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Negotiated {
    local: CryptoAttribute,
    remote: CryptoAttribute,
    profile: ProtectionProfile,
}

/// The two contexts of a negotiated SDES session.
#[derive(Debug)]
pub struct SrtpContexts {
    /// Protects what we send, with our keys.
    pub send: Context,
    /// Unprotects what the peer sends, with its keys.
    pub receive: Context,
}

impl Negotiated {
    /// Pairs our line with the peer's, as offer/answer did or as both were learned
    /// otherwise. They must have the same tag and suite and the same
    /// `UNENCRYPTED_SRTP`, `UNENCRYPTED_SRTCP` and `UNAUTHENTICATED_SRTP`
    /// ([`SdesError::AnswerMismatch`]), and a profile this crate runs
    /// ([`CryptoAttribute::profile`]).
    pub fn new(local: CryptoAttribute, remote: CryptoAttribute) -> Result<Self> {
        if local.tag() != remote.tag() {
            return Err(SdesError::AnswerMismatch(
                "the two lines have different tags",
            ));
        }
        if local.suite() != remote.suite() {
            return Err(SdesError::AnswerMismatch(
                "the two lines name different crypto suites",
            ));
        }
        let (l, r) = (local.params(), remote.params());
        if (
            l.unencrypted_srtp,
            l.unencrypted_srtcp,
            l.unauthenticated_srtp,
        ) != (
            r.unencrypted_srtp,
            r.unencrypted_srtcp,
            r.unauthenticated_srtp,
        ) {
            return Err(SdesError::AnswerMismatch(
                "UNENCRYPTED_SRTP, UNENCRYPTED_SRTCP or UNAUTHENTICATED_SRTP differ",
            ));
        }
        remote.profile()?;
        let profile = local.profile()?;
        Ok(Self {
            local,
            remote,
            profile,
        })
    }

    /// Our line: in an answer, what to write into the answer's SDP.
    pub fn local(&self) -> &CryptoAttribute {
        &self.local
    }

    /// The peer's line.
    pub fn remote(&self) -> &CryptoAttribute {
        &self.remote
    }

    /// The SRTP profile both directions use.
    pub fn profile(&self) -> ProtectionProfile {
        self.profile
    }

    /// The sending context (our keys, our line's parameters) and the receiving one (the
    /// peer's keys and parameters), each from `base` as [`CryptoAttribute::context`]
    /// builds it.
    pub fn contexts(&self, base: &Config) -> Result<SrtpContexts> {
        Ok(SrtpContexts {
            send: self.local.context(base)?,
            receive: self.remote.context(base)?,
        })
    }

    /// One configuration for both directions, for a user that keeps a single
    /// [`Config`] (such as `rtp_session::SrtpKeys`): `base` with the lines' parameters,
    /// which must agree on `KDR` ([`SdesError::Asymmetric`]); the replay window is the
    /// larger of the two `WSH` hints'.
    pub fn shared_config(&self, base: &Config) -> Result<Config> {
        let (local, remote) = (self.local.config(base), self.remote.config(base));
        if local.key_derivation_rate != remote.key_derivation_rate {
            return Err(SdesError::Asymmetric("KDR"));
        }
        Ok(Config {
            replay_window: local.replay_window.max(remote.replay_window),
            ..remote
        })
    }
}
