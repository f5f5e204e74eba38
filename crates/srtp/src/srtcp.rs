//! SRTCP packet processing (RFC 3711 §3.4; RFC 7714 §9): protect and unprotect in place.
//!
//! Wire layout: `header | (encrypted) payload | E+index | MKI | tag` for the HMAC
//! profiles (§3.4), `header | ciphertext | tag | E+index | MKI` for GCM (RFC 7714 §9.1).
//! The SRTCP index is 31 bits and never wraps under one master key.

use crate::context::{Context, key_id, packet_to_protect, room_for, slot_for_mki};
use crate::error::{Error, Result};
use crate::profile::Transform;
use crate::session::Kind;

/// The largest SRTCP index (RFC 3711 §3.4).
pub const MAX_SRTCP_INDEX: u32 = 0x7fff_ffff;

fn check_rtcp_header(packet: &[u8], needed: usize) -> Result<u32> {
    match packet {
        [first, _, _, _, a, b, c, d, ..] => {
            if first >> 6 != 2 {
                return Err(Error::BadVersion(first >> 6));
            }
            if packet.len() < needed {
                return Err(Error::Truncated {
                    needed,
                    got: packet.len(),
                });
            }
            Ok(u32::from_be_bytes([*a, *b, *c, *d]))
        }
        _ => Err(Error::Truncated {
            needed,
            got: packet.len(),
        }),
    }
}

impl Context {
    /// Protects the RTCP packet (compound or single) in `buf[..len]` in place
    /// (RFC 3711 §3.4) and returns the SRTCP packet's length. `buf` needs room for the
    /// E+index word, the MKI and the tag. The sender SSRC's stream supplies the index,
    /// starting at 0 and counting up, so no index is used twice under one key (the stream
    /// of an SSRC this context sent on is never forgotten, see
    /// [`Context::remove_stream`]); past 2^31 - 1 protect fails with
    /// [`Error::IndexExhausted`].
    pub fn protect_rtcp(&mut self, buf: &mut [u8], len: usize) -> Result<usize> {
        let packet = packet_to_protect(buf, len)?;
        let ssrc = check_rtcp_header(packet, 8)?;
        let (tag_len, mki_len) = (self.profile.rtcp_tag_len(), self.mki_len);
        let out_len = len + 4 + tag_len + mki_len;
        room_for(buf, out_len)?;
        let slot = &self.keys[self.active];
        if slot.expired(Kind::Rtcp) {
            return Err(Error::KeyExpired);
        }
        let index = match self.streams.get(&ssrc) {
            Some(s) => s.next_rtcp_index,
            None => {
                self.check_room()?;
                0
            }
        };
        if index > MAX_SRTCP_INDEX {
            return Err(Error::IndexExhausted);
        }
        let transform = self.profile.transform();
        let encrypt = self.config.encrypt_rtcp && transform != Transform::Null;
        let r = key_id(self.kdr_shift, u64::from(index));
        let mut scratch = None;
        let keys = slot.session(self.profile, Kind::Rtcp, r, &mut scratch);
        if transform == Transform::AesGcm {
            keys.protect_rtcp_gcm(&mut buf[..len + 20], ssrc, index, encrypt);
            buf[len + 20..out_len].copy_from_slice(slot.master.mki());
        } else {
            let (body, rest) = buf.split_at_mut(len + 4);
            let (mki, tag) = rest.split_at_mut(mki_len);
            mki.copy_from_slice(slot.master.mki());
            keys.protect_rtcp_hmac(body, ssrc, index, encrypt, &mut tag[..tag_len]);
        }
        let active = self.active;
        self.keys[active].keep(Kind::Rtcp, r, scratch);
        self.keys[active].count(Kind::Rtcp);
        let stream = self.stream_mut(ssrc);
        stream.next_rtcp_index = index + 1;
        stream.sent = true;
        Ok(out_len)
    }

    /// Unprotects the SRTCP packet `packet` in place (RFC 3711 §3.4) and returns the
    /// length of the RTCP packet now at its front. Encrypted (E = 1) and unencrypted
    /// packets are both accepted; either way the tag is verified first, and a packet that
    /// fails changes neither the buffer nor the context. Authenticated packets count
    /// against the key's SRTCP lifetime; past it every packet fails with
    /// [`Error::KeyExpired`].
    pub fn unprotect_rtcp(&mut self, packet: &mut [u8]) -> Result<usize> {
        let len = packet.len();
        let (tag_len, mki_len) = (self.profile.rtcp_tag_len(), self.mki_len);
        let ssrc = check_rtcp_header(packet, 8 + 4 + tag_len + mki_len)?;
        let aead = self.profile.transform() == Transform::AesGcm;
        // Offsets of the E+index word and the MKI, and where the RTCP packet ends.
        let (trailer_at, mki_at, payload_end) = if aead {
            let mki_at = len - mki_len;
            (mki_at - 4, mki_at, mki_at - 4 - tag_len)
        } else {
            let mki_at = len - tag_len - mki_len;
            (mki_at - 4, mki_at, mki_at - 4)
        };
        let word = match packet.get(trailer_at..trailer_at + 4) {
            Some(&[a, b, c, d]) => u32::from_be_bytes([a, b, c, d]),
            _ => {
                return Err(Error::Truncated {
                    needed: trailer_at + 4,
                    got: len,
                });
            }
        };
        let encrypted = word >> 31 == 1;
        let index = word & MAX_SRTCP_INDEX;
        match self.streams.get(&ssrc) {
            Some(s) => s.rtcp.check(u64::from(index))?,
            None => self.admit(ssrc)?,
        }
        let slot = slot_for_mki(&mut self.keys, &packet[mki_at..mki_at + mki_len])?;
        if slot.expired(Kind::Rtcp) {
            return Err(Error::KeyExpired);
        }
        let r = key_id(self.kdr_shift, u64::from(index));
        let mut scratch = None;
        let keys = slot.session(self.profile, Kind::Rtcp, r, &mut scratch);
        let verified = if aead {
            keys.unprotect_rtcp_gcm(&mut packet[..mki_at], ssrc, index, encrypted)
        } else {
            let (body, tag) = packet.split_at_mut(mki_at + mki_len);
            keys.unprotect_rtcp_hmac(&mut body[..trailer_at + 4], ssrc, index, encrypted, tag)
        };
        verified.map_err(|_| Error::AuthenticationFailed)?;
        slot.keep(Kind::Rtcp, r, scratch);
        slot.count(Kind::Rtcp);
        self.stream_mut(ssrc).rtcp.commit(u64::from(index));
        Ok(payload_end)
    }
}

#[cfg(test)]
mod tests {
    use super::MAX_SRTCP_INDEX;
    use crate::{Config, Context, Error, MasterKey, ProtectionProfile, SRTCP_MAX_LIFETIME};

    fn ctx() -> Context {
        let p = ProtectionProfile::AesCm128HmacSha1_80;
        Context::new(
            p,
            MasterKey::new(p, &[3; 16], &[4; 14]).unwrap(),
            Config::default(),
        )
        .unwrap()
    }

    /// The 31-bit SRTCP index never wraps under one key (RFC 3711 §3.4, §9.2): the sender
    /// stops at 2^31 - 1, and the receiver takes index 0 after it as far too old.
    #[test]
    fn the_srtcp_index_does_not_wrap() {
        let (mut tx, mut rx) = (ctx(), ctx());
        let rr = [0x81, 0xc9, 0, 1, 0, 0, 0, 9];
        let mut buf = [0u8; 64];
        buf[..8].copy_from_slice(&rr);
        let n = tx.protect_rtcp(&mut buf, 8).unwrap();
        let first = buf[..n].to_vec();
        tx.set_srtcp_index(9, MAX_SRTCP_INDEX - 1).unwrap();
        let mut last = Vec::new();
        for _ in 0..2 {
            buf[..8].copy_from_slice(&rr);
            let n = tx.protect_rtcp(&mut buf, 8).unwrap();
            last = buf[..n].to_vec();
            assert_eq!(rx.unprotect_rtcp(&mut buf[..n]), Ok(8));
        }
        assert_eq!(last[8..12], [0xff, 0xff, 0xff, 0xff]);
        buf[..8].copy_from_slice(&rr);
        assert_eq!(tx.protect_rtcp(&mut buf, 8), Err(Error::IndexExhausted));
        let mut late = first.clone();
        assert_eq!(
            rx.unprotect_rtcp(&mut late),
            Err(Error::TooOld {
                index: 0,
                highest: u64::from(MAX_SRTCP_INDEX)
            })
        );
        assert_eq!(late, first);
    }

    /// RFC 3711 §9.2: after 2^31 SRTCP packets under one master key the receiver refuses
    /// the next, and the refusal changes neither buffer nor context.
    #[test]
    fn unprotect_stops_at_the_srtcp_key_lifetime() {
        let (mut tx, mut rx) = (ctx(), ctx());
        let rr = [0x81, 0xc9, 0, 1, 0, 0, 0, 9];
        let mut wire = || {
            let mut buf = [0u8; 64];
            buf[..8].copy_from_slice(&rr);
            let n = tx.protect_rtcp(&mut buf, 8).unwrap();
            buf[..n].to_vec()
        };
        rx.keys[0].srtcp_protected = SRTCP_MAX_LIFETIME - 1;
        let mut last = wire();
        assert_eq!(rx.unprotect_rtcp(&mut last), Ok(8));
        assert_eq!(rx.key_usage().srtcp_protected, SRTCP_MAX_LIFETIME);
        let sent = wire();
        let mut late = sent.clone();
        assert_eq!(rx.unprotect_rtcp(&mut late), Err(Error::KeyExpired));
        assert_eq!(late, sent);
        assert_eq!(rx.key_usage().srtcp_protected, SRTCP_MAX_LIFETIME);
        assert_eq!(rx.streams.get(&9).and_then(|s| s.rtcp.highest()), Some(0));
    }
}
