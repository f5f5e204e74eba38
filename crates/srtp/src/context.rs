//! The cryptographic context (RFC 3711 §3.2): master keys selected by MKI, their derived
//! session keys, and per-SSRC stream state in a bounded hash map.

use crate::config::{Config, SsrcPolicy};
use crate::error::{Error, Result};
use crate::kdf::Prf;
use crate::key::{MasterKey, SRTCP_MAX_LIFETIME};
use crate::profile::ProtectionProfile;
use crate::replay::ReplayWindow;
use crate::session::{Kind, SessionKeys};
use crate::srtcp::MAX_SRTCP_INDEX;
use rtp_packet::SsrcMap;

/// One master key with its derived session keys and usage counters.
pub(crate) struct KeySlot {
    pub(crate) master: MasterKey,
    prf: Prf,
    rtp: (u64, SessionKeys),
    rtcp: (u64, SessionKeys),
    pub(crate) srtp_protected: u64,
    pub(crate) srtcp_protected: u64,
    warned: bool,
}

impl KeySlot {
    fn new(profile: ProtectionProfile, master: MasterKey) -> Self {
        let prf = Prf::new(master.key());
        let rtp = (0, SessionKeys::derive(profile, &prf, &master, Kind::Rtp, 0));
        let rtcp = (
            0,
            SessionKeys::derive(profile, &prf, &master, Kind::Rtcp, 0),
        );
        Self {
            master,
            prf,
            rtp,
            rtcp,
            srtp_protected: 0,
            srtcp_protected: 0,
            warned: false,
        }
    }

    pub(crate) fn srtcp_lifetime(&self) -> u64 {
        self.master.lifetime().min(SRTCP_MAX_LIFETIME)
    }

    /// The session keys for `kind` and key id `r`: the cached ones, or freshly derived
    /// ones in `scratch` (RFC 3711 §4.3.1, key derivation rate above zero).
    pub(crate) fn session<'a>(
        &'a self,
        profile: ProtectionProfile,
        kind: Kind,
        r: u64,
        scratch: &'a mut Option<SessionKeys>,
    ) -> &'a SessionKeys {
        let cached = match kind {
            Kind::Rtp => &self.rtp,
            Kind::Rtcp => &self.rtcp,
        };
        if cached.0 == r {
            return &cached.1;
        }
        scratch.insert(SessionKeys::derive(
            profile,
            &self.prf,
            &self.master,
            kind,
            r,
        ))
    }

    /// Keeps keys derived into `scratch` for the next packets.
    /// Keys for an older `r` (a late packet) are dropped: the stream has moved on.
    pub(crate) fn keep(&mut self, kind: Kind, r: u64, scratch: Option<SessionKeys>) {
        let cached = match kind {
            Kind::Rtp => &mut self.rtp,
            Kind::Rtcp => &mut self.rtcp,
        };
        if let Some(keys) = scratch.filter(|_| r > cached.0) {
            *cached = (r, keys);
        }
    }

    /// Whether the key has been used for as many `kind` packets as its lifetime allows
    /// (RFC 3711 §9.2), counting protected and authenticated packets alike.
    pub(crate) fn expired(&self, kind: Kind) -> bool {
        match kind {
            Kind::Rtp => self.srtp_protected >= self.master.lifetime(),
            Kind::Rtcp => self.srtcp_protected >= self.srtcp_lifetime(),
        }
    }

    /// Counts one protected or authenticated packet and says once, in the log, when
    /// re-keying is due.
    pub(crate) fn count(&mut self, kind: Kind) {
        match kind {
            Kind::Rtp => self.srtp_protected += 1,
            Kind::Rtcp => self.srtcp_protected += 1,
        }
        if !self.warned && self.rekey_due() {
            self.warned = true;
            tracing::warn!(mki = ?self.master.mki(), "SRTP master key close to its lifetime: re-key due");
        }
    }

    fn rekey_due(&self) -> bool {
        let near = |used: u64, limit: u64| limit - used.min(limit) <= (limit / 2).min(REKEY_MARGIN);
        near(self.srtp_protected, self.master.lifetime())
            || near(self.srtcp_protected, self.srtcp_lifetime())
    }
}

/// Packets left under a master key when [`Context::rekey_due`] turns true (as libsrtp's
/// soft key limit).
pub const REKEY_MARGIN: u64 = 1 << 16;

/// The state of one SSRC (RFC 3711 §3.2.1, §3.3.1, §3.4).
pub(crate) struct Stream {
    /// SRTP indices received (or sent); its highest is `2^16 * ROC + s_l`.
    pub(crate) rtp: ReplayWindow,
    /// The ROC assumed for the stream's first packet.
    pub(crate) initial_roc: u32,
    /// SRTCP indices received.
    pub(crate) rtcp: ReplayWindow,
    /// The next SRTCP index to send.
    pub(crate) next_rtcp_index: u32,
    /// Whether this context has protected a packet of the stream: its `rtp` window is
    /// then the sender's record of indices used, which must never be forgotten.
    pub(crate) sent: bool,
}

impl Stream {
    pub(crate) fn new(window: usize, roc: u32) -> Self {
        Self {
            rtp: ReplayWindow::new(window),
            initial_roc: roc,
            rtcp: ReplayWindow::new(window),
            next_rtcp_index: 0,
            sent: false,
        }
    }
}

/// How much of the active master key's lifetime is used. Both directions count
/// (RFC 3711 §9.2): a sending context counts the packets it protected, a receiving one
/// the packets it authenticated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct KeyUsage {
    /// SRTP packets protected (or authenticated) with the key.
    pub srtp_protected: u64,
    /// The most SRTP packets the key may protect or authenticate.
    pub srtp_lifetime: u64,
    /// SRTCP packets protected (or authenticated) with the key.
    pub srtcp_protected: u64,
    /// The most SRTCP packets the key may protect or authenticate.
    pub srtcp_lifetime: u64,
}

/// An SRTP/SRTCP cryptographic context for one direction of one session (RFC 3711 §3.2):
/// the sender's context protects, the receiver's unprotects. It holds one or more
/// master keys (selected by MKI when there are several) and per-SSRC state, created on a
/// stream's first protected or authenticated packet.
///
/// ```
/// use srtp::{Context, Config, MasterKey, ProtectionProfile};
/// let profile = ProtectionProfile::AesCm128HmacSha1_80;
/// let key = || MasterKey::new(profile, &[1; 16], &[2; 14]).unwrap();
/// let mut tx = Context::new(profile, key(), Config::default()).unwrap();
/// let mut rx = Context::new(profile, key(), Config::default()).unwrap();
///
/// let mut buf = [0u8; 1500];
/// let rtp = [0x80, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 42, 0xAA, 0xBB];
/// buf[..rtp.len()].copy_from_slice(&rtp);
/// let n = tx.protect_rtp(&mut buf, rtp.len()).unwrap();
/// assert_eq!(n, rtp.len() + 10);
/// let m = rx.unprotect_rtp(&mut buf[..n]).unwrap();
/// assert_eq!(&buf[..m], &rtp);
/// ```
pub struct Context {
    pub(crate) profile: ProtectionProfile,
    pub(crate) config: Config,
    pub(crate) kdr_shift: Option<u32>,
    pub(crate) keys: Vec<KeySlot>,
    pub(crate) active: usize,
    pub(crate) mki_len: usize,
    pub(crate) streams: SsrcMap<Stream>,
}

impl Context {
    /// A context with one master key.
    pub fn new(profile: ProtectionProfile, key: MasterKey, config: Config) -> Result<Self> {
        Self::with_keys(profile, vec![key], config)
    }

    /// A context with several master keys, each with a distinct MKI of one common length
    /// (RFC 3711 §3.1). The first key protects until [`Self::set_active_key`] picks another.
    pub fn with_keys(
        profile: ProtectionProfile,
        keys: Vec<MasterKey>,
        config: Config,
    ) -> Result<Self> {
        let kdr_shift = config.validate()?;
        let Some(first) = keys.first() else {
            return Err(Error::BadConfig("a context needs at least one master key"));
        };
        let mki_len = first.mki().len();
        let mut ctx = Self {
            profile,
            config,
            kdr_shift,
            keys: Vec::with_capacity(keys.len()),
            active: 0,
            mki_len,
            streams: SsrcMap::default(),
        };
        for key in keys {
            ctx.add_key(key)?;
        }
        Ok(ctx)
    }

    /// Adds a master key, for example ahead of a re-key announced by MKI. With more than
    /// one key, every key needs a distinct MKI of the same length.
    pub fn add_key(&mut self, key: MasterKey) -> Result<()> {
        let (kl, sl) = (
            self.profile.master_key_len(),
            self.profile.master_salt_len(),
        );
        if key.key().len() != kl {
            return Err(Error::BadKeyLength {
                what: "master key",
                expected: kl,
                got: key.key().len(),
            });
        }
        if key.salt().len() != sl {
            return Err(Error::BadKeyLength {
                what: "master salt",
                expected: sl,
                got: key.salt().len(),
            });
        }
        if key.mki().len() != self.mki_len {
            return Err(Error::BadKeyLength {
                what: "MKI",
                expected: self.mki_len,
                got: key.mki().len(),
            });
        }
        if !self.keys.is_empty()
            && (self.mki_len == 0 || self.keys.iter().any(|k| k.master.mki() == key.mki()))
        {
            return Err(Error::BadConfig("several master keys need distinct MKIs"));
        }
        self.keys.push(KeySlot::new(self.profile, key));
        Ok(())
    }

    /// Makes the key with this MKI the one that protects from now on.
    pub fn set_active_key(&mut self, mki: &[u8]) -> Result<()> {
        self.active = self
            .keys
            .iter()
            .position(|k| k.master.mki() == mki)
            .ok_or(Error::UnknownMki)?;
        Ok(())
    }

    /// Removes the key with this MKI; the active key cannot be removed.
    pub fn remove_key(&mut self, mki: &[u8]) -> Result<()> {
        let i = self
            .keys
            .iter()
            .position(|k| k.master.mki() == mki)
            .ok_or(Error::UnknownMki)?;
        if i == self.active {
            return Err(Error::BadConfig("the active master key cannot be removed"));
        }
        self.keys.remove(i);
        if i < self.active {
            self.active -= 1;
        }
        Ok(())
    }

    /// The profile this context protects with.
    pub fn profile(&self) -> ProtectionProfile {
        self.profile
    }

    /// How much of the active master key's lifetime is used (RFC 3711 §9.2).
    pub fn key_usage(&self) -> KeyUsage {
        let k = &self.keys[self.active];
        KeyUsage {
            srtp_protected: k.srtp_protected,
            srtp_lifetime: k.master.lifetime(),
            srtcp_protected: k.srtcp_protected,
            srtcp_lifetime: k.srtcp_lifetime(),
        }
    }

    /// True once the active master key is within [`REKEY_MARGIN`] packets (or half its
    /// lifetime, if shorter) of its SRTP or SRTCP limit: re-key now, before protecting
    /// (or, on a receiving context, unprotecting) fails with [`Error::KeyExpired`].
    pub fn rekey_due(&self) -> bool {
        self.keys[self.active].rekey_due()
    }

    /// The rollover counter of an SSRC's stream (RFC 3711 §3.3.1), if the stream exists.
    pub fn roc(&self, ssrc: u32) -> Option<u32> {
        let s = self.streams.get(&ssrc)?;
        Some(s.rtp.highest().map_or(s.initial_roc, |h| (h >> 16) as u32))
    }

    /// Sets the rollover counter of an SSRC, creating its stream if needed: a late joiner
    /// learns the ROC out of band (RFC 3711 §3.3.1, RFC 4568 §6.4.1). The replay window
    /// restarts. Under [`SsrcPolicy::Registered`] this is also how an SSRC is admitted.
    ///
    /// On a stream this context has sent on, the ROC may only move forwards (indices
    /// already used would otherwise come round again): a lower ROC fails with
    /// [`Error::BadConfig`], the current one changes nothing.
    pub fn set_roc(&mut self, ssrc: u32, roc: u32) -> Result<()> {
        if let Some(s) = self.streams.get_mut(&ssrc) {
            if let (true, Some(h)) = (s.sent, s.rtp.highest()) {
                let current = (h >> 16) as u32;
                if roc < current {
                    return Err(Error::BadConfig(
                        "set_roc cannot move a stream this context sent on backwards",
                    ));
                }
                if roc == current {
                    return Ok(());
                }
            }
            let h = s.rtp.highest().map(|h| u64::from(roc) << 16 | (h & 0xffff));
            s.rtp.reset(h);
            s.initial_roc = roc;
            return Ok(());
        }
        self.check_room()?;
        self.streams
            .insert(ssrc, Stream::new(self.config.replay_window, roc));
        Ok(())
    }

    /// The SRTCP index the next packet this context protects for `ssrc` will carry
    /// (RFC 3711 §3.4), if the stream exists: 0 before its first, [`MAX_SRTCP_INDEX`]` + 1`
    /// once the index space is used up. Persist it with the ROC to resume a sending
    /// stream under the same master key ([`Self::set_srtcp_index`]).
    pub fn srtcp_index(&self, ssrc: u32) -> Option<u32> {
        self.streams.get(&ssrc).map(|s| s.next_rtcp_index)
    }

    /// Sets the SRTCP index the next packet protected for `ssrc` carries, creating the
    /// stream if needed (and, as [`Self::set_roc`] does, admitting the SSRC under
    /// [`SsrcPolicy::Registered`]): a sender resuming a stream under the
    /// same master key, or one told where to start. The receive side needs nothing of
    /// the kind, since its replay window takes any first index.
    ///
    /// As with the ROC, a stream this context has sent on only moves forwards: an index
    /// below [`Self::srtcp_index`] fails with [`Error::BadConfig`] (it was used already,
    /// and reusing it would repeat a keystream, RFC 3711 §9.1), the current one changes
    /// nothing. An index above [`MAX_SRTCP_INDEX`] fails with [`Error::BadConfig`] too.
    pub fn set_srtcp_index(&mut self, ssrc: u32, index: u32) -> Result<()> {
        if index > MAX_SRTCP_INDEX {
            return Err(Error::BadConfig(
                "an SRTCP index is at most 2^31 - 1 (MAX_SRTCP_INDEX)",
            ));
        }
        if let Some(s) = self.streams.get_mut(&ssrc) {
            if s.sent && index < s.next_rtcp_index {
                return Err(Error::BadConfig(
                    "set_srtcp_index cannot move a stream this context sent on backwards",
                ));
            }
            s.next_rtcp_index = index;
            return Ok(());
        }
        self.check_room()?;
        let mut stream = Stream::new(self.config.replay_window, 0);
        stream.next_rtcp_index = index;
        self.streams.insert(ssrc, stream);
        Ok(())
    }

    /// Forgets an SSRC's stream (after an RTCP BYE, RFC 3550 §6.6) and says whether it
    /// did. A stream this context has protected packets of is kept (and `false`
    /// returned): forgetting it would restart its SRTCP index at 0 and let its SRTP
    /// indices be used again under the same key. Its slot is freed by a new context.
    pub fn remove_stream(&mut self, ssrc: u32) -> bool {
        match self.streams.get(&ssrc) {
            Some(s) if s.sent => false,
            Some(_) => self.streams.remove(&ssrc).is_some(),
            None => false,
        }
    }

    /// The number of SSRC streams held.
    pub fn stream_count(&self) -> usize {
        self.streams.len()
    }

    pub(crate) fn check_room(&self) -> Result<()> {
        if self.streams.len() >= self.config.max_streams {
            return Err(Error::TooManyStreams {
                limit: self.config.max_streams,
            });
        }
        Ok(())
    }

    /// Fails unless an unknown SSRC may get a stream on unprotect.
    pub(crate) fn admit(&self, ssrc: u32) -> Result<()> {
        if self.config.ssrc_policy == SsrcPolicy::Registered {
            return Err(Error::UnknownSsrc(ssrc));
        }
        self.check_room()
    }

    /// The stream of `ssrc`, created if absent (room already checked).
    pub(crate) fn stream_mut(&mut self, ssrc: u32) -> &mut Stream {
        let window = self.config.replay_window;
        self.streams
            .entry(ssrc)
            .or_insert_with(|| Stream::new(window, 0))
    }
}

/// The packet to protect, `buf[..len]`, or [`Error::BufferTooSmall`] when `len` is past
/// the buffer's end.
pub(crate) fn packet_to_protect(buf: &[u8], len: usize) -> Result<&[u8]> {
    buf.get(..len).ok_or(Error::BufferTooSmall {
        needed: len,
        got: buf.len(),
    })
}

/// Fails with [`Error::BufferTooSmall`] unless `buf` holds `out_len` bytes: the protected
/// packet with its trailer, MKI and tag.
pub(crate) fn room_for(buf: &[u8], out_len: usize) -> Result<()> {
    if buf.len() < out_len {
        return Err(Error::BufferTooSmall {
            needed: out_len,
            got: buf.len(),
        });
    }
    Ok(())
}

/// The key slot an incoming packet's MKI names (the only one when MKIs are not used).
pub(crate) fn slot_for_mki<'a>(keys: &'a mut [KeySlot], mki: &[u8]) -> Result<&'a mut KeySlot> {
    if mki.is_empty() {
        return keys.first_mut().ok_or(Error::UnknownMki);
    }
    keys.iter_mut()
        .find(|k| k.master.mki() == mki)
        .ok_or(Error::UnknownMki)
}

/// `index DIV key_derivation_rate` (RFC 3711 §4.3.1), the rate given as a shift.
pub(crate) fn key_id(kdr_shift: Option<u32>, index: u64) -> u64 {
    kdr_shift.map_or(0, |s| index >> s)
}

impl std::fmt::Debug for Context {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Context")
            .field("profile", &self.profile)
            .field("config", &self.config)
            .field(
                "keys",
                &self.keys.iter().map(|k| &k.master).collect::<Vec<_>>(),
            )
            .field("active", &self.active)
            .field("streams", &self.streams.len())
            .finish()
    }
}
