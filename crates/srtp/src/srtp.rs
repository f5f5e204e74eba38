//! SRTP packet processing (RFC 3711 §3.3; RFC 7714 §8): protect and unprotect in place.
//!
//! Wire layout: `header | encrypted payload | MKI | tag` for the HMAC profiles (§3.1),
//! `header | ciphertext | tag | MKI` for GCM (RFC 7714 §8.1).

use crate::config::SsrcPolicy;
use crate::context::{Context, Stream, key_id, slot_for_mki};
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
    /// Protects the RTP packet in `buf[..len]` in place (RFC 3711 §3.3) and returns the
    /// SRTP packet's length. `buf` must have room for the MKI and the tag after the
    /// packet ([`Error::BufferTooSmall`] otherwise). Nothing is allocated once the SSRC's
    /// stream exists.
    pub fn protect_rtp(&mut self, buf: &mut [u8], len: usize) -> Result<usize> {
        let Some(packet) = buf.get(..len) else {
            return Err(Error::BufferTooSmall {
                needed: len,
                got: buf.len(),
            });
        };
        let rtp = rtp_packet::RtpPacket::parse(packet)?;
        let (hdr_len, seq, ssrc) = (rtp.header_len(), rtp.sequence_number(), rtp.ssrc());
        let (tag_len, mki_len) = (self.profile.rtp_tag_len(), self.mki_len);
        let out_len = len + tag_len + mki_len;
        if buf.len() < out_len {
            return Err(Error::BufferTooSmall {
                needed: out_len,
                got: buf.len(),
            });
        }
        let slot = &mut self.keys[self.active];
        if slot.srtp_protected >= slot.master.lifetime() {
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
            Some(h) => estimate(h, seq).ok_or(Error::IndexExhausted)?,
            None => u64::from(stream.initial_roc) << 16 | u64::from(seq),
        };
        let r = key_id(self.kdr_shift, index);
        let mut scratch = None;
        let keys = slot.session(self.profile, Kind::Rtp, r, &mut scratch);
        let (body, rest) = buf.split_at_mut(len);
        let (tag, mki) = if keys.is_aead() {
            let (t, m) = rest.split_at_mut(tag_len);
            (t, &mut m[..mki_len])
        } else {
            let (m, t) = rest.split_at_mut(mki_len);
            (&mut t[..tag_len], m)
        };
        mki.copy_from_slice(slot.master.mki());
        keys.protect_rtp(body, hdr_len, ssrc, index, tag);
        slot.keep(Kind::Rtp, r, scratch);
        slot.count(Kind::Rtp);
        stream.rtp.commit(index);
        Ok(out_len)
    }

    /// Unprotects the SRTP packet `packet` in place (RFC 3711 §3.3) and returns the
    /// length of the RTP packet now at its front. The packet is authenticated before
    /// anything is decrypted; a packet that fails changes neither the buffer nor the
    /// context.
    pub fn unprotect_rtp(&mut self, packet: &mut [u8]) -> Result<usize> {
        let len = packet.len();
        let hdr_len = header_len(packet)?;
        let (tag_len, mki_len) = (self.profile.rtp_tag_len(), self.mki_len);
        let needed = hdr_len + tag_len + mki_len;
        if len < needed {
            return Err(Error::Truncated { needed, got: len });
        }
        let (seq, ssrc) = seq_and_ssrc(packet);
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
        let r = key_id(self.kdr_shift, index);
        let mut scratch = None;
        let keys = slot.session(self.profile, Kind::Rtp, r, &mut scratch);
        let (body, rest) = packet.split_at_mut(payload_end);
        let tag = &rest[tag_at - payload_end..tag_at - payload_end + tag_len];
        keys.unprotect_rtp(body, hdr_len, ssrc, index, tag)
            .map_err(|_| Error::AuthenticationFailed)?;
        slot.keep(Kind::Rtp, r, scratch);
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
