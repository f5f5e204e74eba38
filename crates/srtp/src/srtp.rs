//! SRTP packet processing (RFC 3711 §3.3; RFC 7714 §8): protect and unprotect in place.
//!
//! Wire layout: `header | encrypted payload | MKI | tag` for the HMAC profiles (§3.1),
//! `header | ciphertext | tag | MKI` for GCM (RFC 7714 §8.1).

use crate::config::SsrcPolicy;
use crate::context::{Context, Stream, key_id, packet_to_protect, room_for, slot_for_mki};
use crate::cryptex;
use crate::error::{Error, Result};
use crate::index::estimate;
use crate::profile::Transform;
use crate::session::Kind;
use std::collections::hash_map::Entry;

/// The RTP header length of a protected packet (RFC 3550 §5.1, §5.3.1): fixed header,
/// CSRC list and header extension. The padding count sits in the encrypted payload, so
/// this reads only what is in clear, unlike a full RTP parse.
fn header_len(packet: &[u8]) -> Result<usize> {
    let Some(&first) = packet.first() else {
        return Err(Error::Truncated { needed: 12, got: 0 });
    };
    if first >> 6 != 2 {
        return Err(Error::BadVersion(first >> 6));
    }
    let mut len = 12 + 4 * usize::from(first & 0x0f);
    if first & 0x10 != 0 {
        let Some(&[_, _, hi, lo]) = packet.get(len..len + 4) else {
            return Err(Error::Truncated {
                needed: len + 4,
                got: packet.len(),
            });
        };
        len += 4 + 4 * usize::from(u16::from_be_bytes([hi, lo]));
    }
    if packet.len() < len {
        return Err(Error::Truncated {
            needed: len,
            got: packet.len(),
        });
    }
    Ok(len)
}

fn seq_and_ssrc(packet: &[u8]) -> (u16, u32) {
    match packet {
        [_, _, s0, s1, _, _, _, _, a, b, c, d, ..] => (
            u16::from_be_bytes([*s0, *s1]),
            u32::from_be_bytes([*a, *b, *c, *d]),
        ),
        _ => (0, 0),
    }
}

impl Context {
    /// Whether cryptex (RFC 9335) applies: configured, and a profile that encrypts.
    fn cryptex(&self) -> bool {
        self.config.cryptex && self.profile.transform() != Transform::Null
    }

    /// Protects the RTP packet in `buf[..len]` in place (RFC 3711 §3.3) and returns the
    /// SRTP packet's length. `buf` must have room for the MKI and the tag after the
    /// packet ([`Error::BufferTooSmall`] otherwise). Nothing is allocated once the SSRC's
    /// stream exists.
    ///
    /// An index is never used twice: the stream remembers the highest index sent and
    /// which of the `replay_window` indices behind it were sent. A packet whose index was
    /// sent fails with [`Error::IndexReused`], one behind that window with
    /// [`Error::IndexTooOld`]; a late packet whose index was never sent is protected
    /// (as libsrtp's sender allows). On any error the buffer and the context are
    /// unchanged.
    ///
    /// With [`crate::Config::cryptex`] the CSRC list and header extension are encrypted
    /// too (RFC 9335); a packet with CSRCs and no extension gets an empty one, so `buf`
    /// then needs 4 more bytes of room and the returned length counts them. Without it,
    /// a packet whose extension is already marked 0xC0DE or 0xC2DE is refused with
    /// [`Error::CryptexNotNegotiated`], as unprotect refuses one.
    pub fn protect_rtp(&mut self, buf: &mut [u8], len: usize) -> Result<usize> {
        let packet = packet_to_protect(buf, len)?;
        let rtp = rtp_packet::RtpPacket::parse(packet)?;
        let (hdr_len, seq, ssrc) = (rtp.header_len(), rtp.sequence_number(), rtp.ssrc());
        let plan = if self.cryptex() {
            cryptex::SendPlan::plan(packet)?
        } else if cryptex::received(packet).is_some() {
            // Marked as encrypted but sent in clear: no receiver could read it.
            return Err(Error::CryptexNotNegotiated);
        } else {
            cryptex::SendPlan::Plain
        };
        let (hdr_len, len) = (hdr_len + plan.growth(), len + plan.growth());
        let (tag_len, mki_len) = (self.profile.rtp_tag_len(), self.mki_len);
        let out_len = len + tag_len + mki_len;
        room_for(buf, out_len)?;
        let slot = &mut self.keys[self.active];
        if slot.expired(Kind::Rtp) {
            return Err(Error::KeyExpired);
        }
        let (count, limit) = (self.streams.len(), self.config.max_streams);
        let stream = match self.streams.entry(ssrc) {
            Entry::Occupied(o) => o.into_mut(),
            Entry::Vacant(v) if count < limit => {
                v.insert(Stream::new(self.config.replay_window, 0))
            }
            Entry::Vacant(_) => return Err(Error::TooManyStreams { limit }),
        };
        let index = match stream.rtp.highest() {
            // No index: past the last ROC (exhausted) or before the first (too old).
            Some(h) => estimate(h, seq).ok_or(if h >> 16 == u64::from(u32::MAX) {
                Error::IndexExhausted
            } else {
                Error::IndexTooOld {
                    ssrc,
                    index: u64::from(seq),
                    highest: h,
                }
            })?,
            None => u64::from(stream.initial_roc) << 16 | u64::from(seq),
        };
        // The sender's replay check: nothing has been written yet.
        stream.rtp.check(index).map_err(|e| match e {
            Error::TooOld { index, highest } => Error::IndexTooOld {
                ssrc,
                index,
                highest,
            },
            _ => Error::IndexReused { ssrc, index },
        })?;
        let r = key_id(self.kdr_shift, index);
        let mut scratch = None;
        let keys = slot.session(self.profile, Kind::Rtp, r, &mut scratch);
        // Every check has passed: from here on the buffer is written.
        let cryptex = plan.apply(buf, len - plan.growth());
        let (body, rest) = buf.split_at_mut(len);
        let (tag, mki) = if keys.is_aead() {
            let (t, m) = rest.split_at_mut(tag_len);
            (t, &mut m[..mki_len])
        } else {
            let (m, t) = rest.split_at_mut(mki_len);
            (&mut t[..tag_len], m)
        };
        mki.copy_from_slice(slot.master.mki());
        keys.protect_rtp(body, hdr_len, ssrc, index, tag, cryptex);
        slot.keep(Kind::Rtp, r, scratch);
        slot.count(Kind::Rtp);
        stream.rtp.commit(index);
        stream.sent = true;
        Ok(out_len)
    }

    /// Unprotects the SRTP packet `packet` in place (RFC 3711 §3.3) and returns the
    /// length of the RTP packet now at its front. The packet is authenticated before
    /// anything is decrypted; a packet that fails changes neither the buffer nor the
    /// context. Authenticated packets count against the key's lifetime as protected ones
    /// do; past it every packet fails with [`Error::KeyExpired`].
    ///
    /// With [`crate::Config::cryptex`], a packet whose extension block is marked 0xC0DE
    /// or 0xC2DE has its CSRCs and extension decrypted and comes back marked 0xBEDE or
    /// 0x1000; plain SRTP packets are accepted as well (RFC 9335 §5.2). Without it, a
    /// marked packet fails with [`Error::CryptexNotNegotiated`].
    pub fn unprotect_rtp(&mut self, packet: &mut [u8]) -> Result<usize> {
        let len = packet.len();
        let hdr_len = header_len(packet)?;
        let (tag_len, mki_len) = (self.profile.rtp_tag_len(), self.mki_len);
        let needed = hdr_len + tag_len + mki_len;
        if len < needed {
            return Err(Error::Truncated { needed, got: len });
        }
        let (seq, ssrc) = seq_and_ssrc(packet);
        let cryptex = cryptex::received(packet);
        if cryptex.is_some() && !self.cryptex() {
            return Err(Error::CryptexNotNegotiated);
        }
        let (count, config) = (self.streams.len(), &self.config);
        let mut stream = self.streams.get_mut(&ssrc);
        let index = match &stream {
            Some(s) => {
                let index = match s.rtp.highest() {
                    Some(h) => estimate(h, seq).ok_or(if h >> 16 == u64::from(u32::MAX) {
                        Error::IndexExhausted
                    } else {
                        Error::TooOld {
                            index: u64::from(seq),
                            highest: h,
                        }
                    })?,
                    None => u64::from(s.initial_roc) << 16 | u64::from(seq),
                };
                s.rtp.check(index)?;
                index
            }
            None if config.ssrc_policy == SsrcPolicy::Registered => {
                return Err(Error::UnknownSsrc(ssrc));
            }
            None if count >= config.max_streams => {
                return Err(Error::TooManyStreams {
                    limit: config.max_streams,
                });
            }
            None => u64::from(seq),
        };
        let payload_end = len - tag_len - mki_len;
        let aead = self.profile.transform() == Transform::AesGcm;
        let (tag_at, mki_at) = if aead {
            (payload_end, payload_end + tag_len)
        } else {
            (payload_end + mki_len, payload_end)
        };
        let slot = slot_for_mki(&mut self.keys, &packet[mki_at..mki_at + mki_len])?;
        if slot.expired(Kind::Rtp) {
            return Err(Error::KeyExpired);
        }
        let r = key_id(self.kdr_shift, index);
        let mut scratch = None;
        let keys = slot.session(self.profile, Kind::Rtp, r, &mut scratch);
        let (body, rest) = packet.split_at_mut(payload_end);
        let tag = &rest[tag_at - payload_end..tag_at - payload_end + tag_len];
        keys.unprotect_rtp(body, hdr_len, ssrc, index, tag, cryptex)
            .map_err(|_| Error::AuthenticationFailed)?;
        if let Some(csrc_len) = cryptex {
            cryptex::unmark(body, csrc_len);
        }
        slot.keep(Kind::Rtp, r, scratch);
        slot.count(Kind::Rtp);
        match stream.as_mut() {
            Some(s) => s.rtp.commit(index),
            None => {
                let mut s = Stream::new(self.config.replay_window, 0);
                s.rtp.commit(index);
                self.streams.insert(ssrc, s);
            }
        }
        Ok(payload_end)
    }
}

#[cfg(test)]
mod tests {
    use super::header_len;
    use crate::error::Error;
    use crate::{Config, Context, MasterKey, ProtectionProfile, SRTP_MAX_LIFETIME};

    /// RFC 3711 §9.2 bounds what one master key may process, received packets included:
    /// after 2^48 SRTP packets the receiver refuses the next, authentic or not, and the
    /// refusal changes neither buffer nor context.
    #[test]
    fn unprotect_stops_at_the_key_lifetime() {
        let p = ProtectionProfile::AesCm128HmacSha1_80;
        let ctx = || {
            Context::new(
                p,
                MasterKey::new(p, &[5; 16], &[6; 14]).unwrap(),
                Config::default(),
            )
            .unwrap()
        };
        let (mut tx, mut rx) = (ctx(), ctx());
        let wire = |tx: &mut Context, seq: u16| {
            let mut buf = [0u8; 64];
            buf[..14].copy_from_slice(&[0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 7, 0xAA, 0xBB]);
            buf[2..4].copy_from_slice(&seq.to_be_bytes());
            let n = tx.protect_rtp(&mut buf, 14).unwrap();
            buf[..n].to_vec()
        };
        let mut first = wire(&mut tx, 1);
        assert_eq!(rx.unprotect_rtp(&mut first), Ok(14));
        rx.keys[0].srtp_protected = SRTP_MAX_LIFETIME - 1;
        let mut last = wire(&mut tx, 2);
        assert_eq!(rx.unprotect_rtp(&mut last), Ok(14));
        assert_eq!(rx.key_usage().srtp_protected, SRTP_MAX_LIFETIME);
        let sent = wire(&mut tx, 3);
        let mut late = sent.clone();
        assert_eq!(rx.unprotect_rtp(&mut late), Err(Error::KeyExpired));
        assert_eq!(late, sent);
        assert_eq!(rx.key_usage().srtp_protected, SRTP_MAX_LIFETIME);
        assert_eq!(rx.roc(7), Some(0));
        // The stream did not move: index 3 was never accepted.
        assert_eq!(rx.streams.get(&7).and_then(|s| s.rtp.highest()), Some(2));
    }

    #[test]
    fn header_len_reads_csrcs_and_extension_only() {
        let mut p = vec![0x92, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1];
        p.extend_from_slice(&[0; 8]); // two CSRCs
        assert_eq!(
            header_len(&p),
            Err(Error::Truncated {
                needed: 24,
                got: 20
            })
        );
        p.extend_from_slice(&[0xBE, 0xDE, 0, 1, 1, 2, 3, 4]);
        assert_eq!(header_len(&p), Ok(28));
        assert_eq!(header_len(&[0x40; 12]), Err(Error::BadVersion(1)));
    }
}
