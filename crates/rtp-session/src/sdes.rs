//! SDES (RFC 4568): `srtp::sdes` (reading, writing and negotiating `a=crypto` lines,
//! re-exported here whole) and the outcome as a session's keys,
//! [`SrtpKeys::from_sdes`] and [`SrtpKeys::from_negotiated`].
//!
//! ```
//! use rtp_session::sdes::{CryptoSuite, Priority, answer_offer, parse_offer};
//! use rtp_session::{ChaCha20Rng, Config, Security, SeedableRng, SrtpKeys};
//!
//! let offer = parse_offer([
//!     "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz",
//! ])?;
//! let mut rng = ChaCha20Rng::from_seed([7; 32]); // rtp_session::os_rng() in production
//! let answer = answer_offer(&offer, &[CryptoSuite::AesCm128HmacSha1_80], Priority::Offerer, &mut rng)?;
//! let sdp_line = answer.local().to_line(); // goes into our SDP answer
//! assert!(sdp_line.starts_with("a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:"));
//! let mut config = Config::new();
//! config.security = Security::Srtp(SrtpKeys::from_negotiated(&answer, &Default::default())?);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

pub use srtp::sdes::*;

use crate::config::SrtpKeys;

impl SrtpKeys {
    /// Keys from our `a=crypto` line (its key protects what we send) and the peer's (its
    /// key protects what the peer sends), with the lines' session parameters applied to
    /// the default SRTP settings. See [`Self::from_negotiated`].
    pub fn from_sdes(local: &CryptoAttribute, remote: &CryptoAttribute) -> Result<Self, SdesError> {
        let negotiated = Negotiated::new(local.clone(), remote.clone())?;
        Self::from_negotiated(&negotiated, &srtp::Config::default())
    }

    /// Keys from the outcome of SDES offer/answer ([`answer_offer`] or
    /// [`accept_answer`]), with `base` for what the lines do not say.
    ///
    /// A session keeps one SRTP configuration for both directions, so the two lines must
    /// agree on `KDR` ([`SdesError::Asymmetric`]); `UNENCRYPTED_SRTCP` is shared by
    /// negotiation, and the replay window is at least the larger `WSH`. A session holds
    /// one master key per direction: of a line with several keys (told apart by MKI) only
    /// the first is used, with its MKI and lifetime, and packets under the others fail to
    /// unprotect. Suites and parameters the `srtp` crate cannot honour are refused as
    /// [`CryptoAttribute::profile`] says.
    pub fn from_negotiated(
        negotiated: &Negotiated,
        base: &srtp::Config,
    ) -> Result<Self, SdesError> {
        let profile = negotiated.profile();
        let first = |line: &CryptoAttribute| -> Result<srtp::MasterKey, SdesError> {
            line.keys()
                .first()
                .ok_or(SdesError::Empty)?
                .master_key(profile)
        };
        Ok(Self {
            profile,
            local: first(negotiated.local())?,
            remote: first(negotiated.remote())?,
            config: negotiated.shared_config(base)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::{
        CryptoAttribute, CryptoSuite, Priority, SdesError, accept_answer, answer_offer, parse_offer,
    };
    use crate::{ChaCha20Rng, Component, Config, Event, Security, SeedableRng, Session, SrtpKeys};
    use std::time::Instant;

    /// Two sessions keyed from an SDES offer and its answer, each side from the SDP text
    /// the other wrote, exchange SRTP.
    #[test]
    fn sessions_keyed_by_offer_and_answer_talk() {
        let mut rng = ChaCha20Rng::from_seed([3; 32]);
        let suite = CryptoSuite::AeadAes128Gcm;
        let offer = vec![CryptoAttribute::generate(1, suite, &mut rng).unwrap()];
        let offer_text: Vec<String> = offer.iter().map(|a| a.to_line().to_string()).collect();
        let received = parse_offer(offer_text.iter().map(String::as_str)).unwrap();
        let answered = answer_offer(&received, &[suite], Priority::Offerer, &mut rng).unwrap();
        let answer = CryptoAttribute::parse(&answered.local().to_line()).unwrap();
        let offerer = accept_answer(&offer, &answer).unwrap();

        let (a_addr, b_addr) = (
            "192.0.2.1:5004".parse().unwrap(),
            "192.0.2.2:5004".parse().unwrap(),
        );
        let config = |remote, keys: SrtpKeys| {
            let mut c = Config::new();
            c.transport.remote_rtp = Some(remote);
            c.transport.rtcp_mux = true;
            c.security = Security::Srtp(keys);
            c
        };
        let base = srtp::Config::default();
        let now = Instant::now();
        let a_keys = SrtpKeys::from_negotiated(&offerer, &base).unwrap();
        let b_keys = SrtpKeys::from_sdes(answered.local(), answered.remote()).unwrap();
        assert_eq!(a_keys.profile, srtp::ProtectionProfile::AeadAes128Gcm);
        let rng = |seed| Box::new(ChaCha20Rng::from_seed([seed; 32]));
        let mut a = Session::new(now, config(b_addr, a_keys), rng(1)).unwrap();
        let mut b = Session::new(now, config(a_addr, b_keys), rng(2)).unwrap();
        exchange(&mut a, &mut b, a_addr, now);
        exchange(&mut b, &mut a, b_addr, now);
    }

    /// `from` sends two packets (RFC 3550 A.1 probation) that `to` takes as a new source.
    fn exchange(
        from: &mut Session,
        to: &mut Session,
        from_addr: std::net::SocketAddr,
        now: Instant,
    ) {
        for i in 0..2u16 {
            from.send(now, &[0x11; 160], 160 * u32::from(i), i == 0)
                .unwrap();
            let mut t = from.poll_transmit().unwrap();
            assert_ne!(&t.contents[12..172], &[0x11; 160][..]);
            to.handle_datagram(now, Component::Rtp, from_addr, &mut t.contents);
        }
        let Some(Event::NewSource { ssrc, .. }) = to.poll_event() else {
            panic!("a new source")
        };
        assert_eq!(ssrc, from.local_ssrc());
        assert_eq!(to.counters().unprotect_failures, 0);
    }

    #[test]
    fn lines_that_disagree_are_refused() {
        let mut rng = ChaCha20Rng::from_seed([4; 32]);
        let ours =
            CryptoAttribute::generate(1, CryptoSuite::AesCm128HmacSha1_80, &mut rng).unwrap();
        let theirs =
            CryptoAttribute::generate(1, CryptoSuite::AesCm128HmacSha1_32, &mut rng).unwrap();
        assert_eq!(
            SrtpKeys::from_sdes(&ours, &theirs).unwrap_err(),
            SdesError::AnswerMismatch("the two lines name different crypto suites")
        );
        let kdr = CryptoAttribute::parse(&format!("{} KDR=8", ours.to_line().as_str())).unwrap();
        let plain =
            CryptoAttribute::generate(1, CryptoSuite::AesCm128HmacSha1_80, &mut rng).unwrap();
        assert_eq!(
            SrtpKeys::from_sdes(&kdr, &plain).unwrap_err(),
            SdesError::Asymmetric("KDR")
        );
        let keys = SrtpKeys::from_sdes(&kdr, &kdr).unwrap();
        assert_eq!(keys.config.key_derivation_rate, 256);
        assert!(!format!("{keys:?}").contains(&ours.to_line()[42..62]));
    }
}
