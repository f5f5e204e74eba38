//! The send history and retransmission (RFC 4588), and RTX unwrapping on receive.
//!
//! **History.** A ring of slots indexed by sequence number (`seq mod capacity`, the
//! capacity a power of two so that the ring stays aligned across the 16-bit wrap), each
//! holding one packet and when it was sent. A slot's buffer is allocated on first use
//! and reused afterwards, so once the ring has filled a steady stream allocates nothing
//! per packet. A packet is found only if its slot still holds it (same SSRC and sequence
//! number) and it is younger than the age bound.
//!
//! **RTX or plain.** With RTX negotiated, the slot keeps the packet *before* SRTP, and a
//! retransmission is a new packet of the RTX stream (RFC 4588 §4): RTX payload type, RTX
//! SSRC, the RTX stream's next sequence number, the original timestamp, marker, CSRCs and
//! header extensions, and the payload prefixed with the original sequence number (OSN,
//! 2 bytes). It is protected as a packet of the RTX SSRC, with that stream's own SRTP
//! index, so no index is ever used twice. Without RTX (a peer that negotiated only
//! `nack`), the slot keeps the datagram *as sent*, after SRTP, and a retransmission is
//! that same datagram again. Re-protecting the packet would need its SRTP index a second
//! time, which `srtp` refuses (`IndexReused`) because with other contents it would reuse
//! keystream; sending the identical ciphertext reveals nothing new (it is what libwebrtc
//! and libsrtp's `allow_repeat_tx` amount to for plain retransmission), and the
//! receiver's replay window accepts it exactly when the original never arrived.
//!
//! **Duplicate requests.** A packet retransmitted less than one RTT ago is not sent
//! again: the earlier retransmission is still on its way (RFC 4588 §7's advice, and what
//! every sender does). **Storms.** Retransmissions spend a token bucket
//! (`max_retransmit_bps`, a quarter second deep); a NACK naming more than the history
//! holds finds nothing for the rest, each miss counted.

use std::time::{Duration, Instant};

/// The smallest and largest history, in packets.
const MIN_SLOTS: usize = 16;
const MAX_SLOTS: usize = 4096;
/// Room reserved in a slot when it is first used: a packet of a 1500-byte MTU plus SRTP.
const SLOT_BYTES: usize = 1600;

#[derive(Debug, Default)]
struct Slot {
    used: bool,
    ssrc: u32,
    seq: u16,
    sent_at: Option<Instant>,
    resent_at: Option<Instant>,
    bytes: Vec<u8>,
}

/// Why a requested packet was not sent again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Refusal {
    /// Not in the history (never sent, overwritten, or too old).
    Missing,
    /// Sent again less than an RTT ago.
    Suppressed,
    /// The retransmission budget is spent.
    RateLimited,
}

/// The packets sent, for retransmission.
#[derive(Debug)]
pub(crate) struct SendHistory {
    slots: Vec<Slot>,
    capacity: usize,
    max_age: Duration,
    /// Token bucket of retransmitted bytes.
    tokens: f64,
    rate: f64,
    depth: f64,
    refilled: Option<Instant>,
}

impl SendHistory {
    /// A history of `packets` (rounded up to a power of two within 16..=4096) no older
    /// than `max_age`, retransmitting at most `max_bps`.
    pub(crate) fn new(packets: usize, max_age: Duration, max_bps: u64) -> Self {
        let capacity = packets.clamp(MIN_SLOTS, MAX_SLOTS).next_power_of_two();
        let rate = max_bps as f64 / 8.0;
        Self {
            slots: Vec::new(),
            capacity,
            max_age,
            tokens: rate / 4.0,
            rate,
            depth: rate / 4.0,
            refilled: None,
        }
    }

    fn index(&self, seq: u16) -> usize {
        usize::from(seq) & (self.capacity - 1)
    }

    /// Stores `bytes`, the packet of `ssrc` with sequence number `seq`, sent at `now`.
    pub(crate) fn store(&mut self, ssrc: u32, seq: u16, now: Instant, bytes: &[u8]) {
        let i = self.index(seq);
        while self.slots.len() <= i {
            self.slots.push(Slot::default());
        }
        let Some(slot) = self.slots.get_mut(i) else {
            return;
        };
        if slot.bytes.capacity() == 0 {
            slot.bytes.reserve(SLOT_BYTES.max(bytes.len()));
        }
        slot.bytes.clear();
        slot.bytes.extend_from_slice(bytes);
        slot.used = true;
        slot.ssrc = ssrc;
        slot.seq = seq;
        slot.sent_at = Some(now);
        slot.resent_at = None;
    }

    /// The stored packet of `ssrc` numbered `seq`, to send again at `now` with round-trip
    /// time `rtt`; the caller copies it out and the send is recorded.
    pub(crate) fn take(
        &mut self,
        ssrc: u32,
        seq: u16,
        now: Instant,
        rtt: Duration,
    ) -> Result<&[u8], Refusal> {
        self.refill(now);
        let max_age = self.max_age;
        let i = self.index(seq);
        let slot = self.slots.get_mut(i).ok_or(Refusal::Missing)?;
        let fresh = slot
            .sent_at
            .is_some_and(|t| now.saturating_duration_since(t) <= max_age);
        if !slot.used || slot.ssrc != ssrc || slot.seq != seq || !fresh {
            return Err(Refusal::Missing);
        }
        if slot.resent_at.is_some_and(|t| now < t + rtt) {
            return Err(Refusal::Suppressed);
        }
        let cost = slot.bytes.len() as f64;
        if self.tokens < cost {
            return Err(Refusal::RateLimited);
        }
        self.tokens -= cost;
        slot.resent_at = Some(now);
        Ok(&slot.bytes)
    }

    fn refill(&mut self, now: Instant) {
        if let Some(last) = self.refilled {
            let secs = now.saturating_duration_since(last).as_secs_f64();
            self.tokens = (self.tokens + secs * self.rate).min(self.depth);
        }
        self.refilled = Some(now);
    }

    /// Forgets everything (our SSRC changed).
    pub(crate) fn clear(&mut self) {
        for slot in &mut self.slots {
            slot.used = false;
        }
    }
}

/// Writes into `out` the RTX packet (RFC 4588 §4) repairing `original` (an unprotected RTP
/// packet): `payload_type`, `ssrc` and `seq` replace the original's, the padding is
/// dropped, and the payload is the original sequence number followed by the original
/// payload. Returns the length written, or `None` when `original` does not parse or `out`
/// is too small.
pub(crate) fn wrap(
    original: &[u8],
    payload_type: u8,
    ssrc: u32,
    seq: u16,
    out: &mut [u8],
) -> Option<usize> {
    let packet = rtp_packet::RtpPacket::parse(original).ok()?;
    let header_len = packet.header_len();
    let payload = packet.payload();
    let len = header_len + 2 + payload.len();
    let out = out.get_mut(..len)?;
    let (header, rest) = out.split_at_mut(header_len);
    header.copy_from_slice(original.get(..header_len)?);
    let (osn, body) = rest.split_at_mut(2);
    rewrite_header(header, payload_type, seq, ssrc);
    osn.copy_from_slice(&packet.sequence_number().to_be_bytes());
    body.copy_from_slice(payload);
    Some(len)
}

/// Writes into `out` the original packet an RTX packet carries (RFC 4588 §4): payload
/// type `apt`, SSRC `media_ssrc`, the OSN as sequence number, the payload after the OSN.
/// Returns the original sequence number and the length, or `None` for a packet without
/// an OSN or an `out` too small.
pub(crate) fn unwrap(
    rtx: &rtp_packet::RtpPacket<'_>,
    bytes: &[u8],
    apt: u8,
    media_ssrc: u32,
    out: &mut Vec<u8>,
) -> Option<u16> {
    let header_len = rtx.header_len();
    let (osn, payload) = rtx.payload().split_at_checked(2)?;
    let osn = u16::from_be_bytes([*osn.first()?, *osn.get(1)?]);
    out.clear();
    out.extend_from_slice(bytes.get(..header_len)?);
    out.extend_from_slice(payload);
    rewrite_header(out.get_mut(..header_len)?, apt, osn, media_ssrc);
    Some(osn)
}

/// Sets the payload type (keeping the marker bit), sequence number and SSRC of an RTP
/// header, and clears its padding bit (the payload is rewritten without padding).
fn rewrite_header(header: &mut [u8], payload_type: u8, seq: u16, ssrc: u32) {
    if let Some(b) = header.get_mut(0) {
        *b &= !0x20;
    }
    if let Some(b) = header.get_mut(1) {
        *b = (*b & 0x80) | (payload_type & 0x7f);
    }
    if let Some(s) = header.get_mut(2..4) {
        s.copy_from_slice(&seq.to_be_bytes());
    }
    if let Some(s) = header.get_mut(8..12) {
        s.copy_from_slice(&ssrc.to_be_bytes());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MS: Duration = Duration::from_millis(1);

    /// V=2, X=0, M=1 PT=96, seq 0x1234, ts 0x01020304, SSRC 0xAABBCCDD, payload 1..=4.
    const ORIGINAL: [u8; 16] = [
        0x80, 0xe0, 0x12, 0x34, 1, 2, 3, 4, 0xaa, 0xbb, 0xcc, 0xdd, 1, 2, 3, 4,
    ];

    #[test]
    fn rtx_wraps_with_the_osn_and_unwraps_to_the_original_bytes() {
        let mut out = [0u8; 64];
        let len = wrap(&ORIGINAL, 97, 0x1122_3344, 7, &mut out).unwrap();
        assert_eq!(
            &out[..len],
            [
                0x80, 0xe1, 0x00, 0x07, 1, 2, 3, 4, 0x11, 0x22, 0x33, 0x44, 0x12, 0x34, 1, 2, 3, 4
            ]
        );
        let rtx = rtp_packet::RtpPacket::parse(&out[..len]).unwrap();
        let mut back = Vec::new();
        let osn = unwrap(&rtx, &out[..len], 96, 0xaabb_ccdd, &mut back).unwrap();
        assert_eq!((osn, back.as_slice()), (0x1234, &ORIGINAL[..]));
    }

    #[test]
    fn an_rtx_packet_without_an_osn_is_refused() {
        let bytes = [0x80, 0x61, 0, 1, 0, 0, 0, 0, 0, 0, 0, 9, 0x12];
        let rtx = rtp_packet::RtpPacket::parse(&bytes).unwrap();
        assert_eq!(unwrap(&rtx, &bytes, 96, 1, &mut Vec::new()), None);
    }

    #[test]
    fn history_finds_fresh_packets_and_suppresses_repeats_within_an_rtt() {
        let t0 = Instant::now();
        let mut h = SendHistory::new(20, 1000 * MS, 8_000_000);
        assert_eq!(h.capacity, 32);
        for seq in 0..40u16 {
            h.store(9, seq, t0 + u32::from(seq) * MS, &[seq as u8; 100]);
        }
        let rtt = 50 * MS;
        let now = t0 + 100 * MS;
        assert_eq!(h.take(9, 5, now, rtt), Err(Refusal::Missing), "overwritten");
        assert_eq!(h.take(8, 30, now, rtt), Err(Refusal::Missing), "other SSRC");
        assert_eq!(h.take(9, 30, now, rtt), Ok(&[30u8; 100][..]));
        assert_eq!(h.take(9, 30, now + 49 * MS, rtt), Err(Refusal::Suppressed));
        assert!(h.take(9, 30, now + 50 * MS, rtt).is_ok());
        assert_eq!(
            h.take(9, 39, t0 + 1040 * MS, rtt),
            Err(Refusal::Missing),
            "older than a second"
        );
        h.clear();
        assert_eq!(h.take(9, 31, now, rtt), Err(Refusal::Missing));
    }

    #[test]
    fn the_token_bucket_bounds_a_storm() {
        let t0 = Instant::now();
        // 32 000 bit/s: a quarter second holds 1000 bytes, ten packets of 100.
        let mut h = SendHistory::new(64, 1000 * MS, 32_000);
        for seq in 0..64u16 {
            h.store(1, seq, t0, &[0; 100]);
        }
        let sent = (0..64u16)
            .filter(|&s| h.take(1, s, t0, 10 * MS).is_ok())
            .count();
        assert_eq!(sent, 10);
        assert_eq!(h.take(1, 63, t0, 10 * MS), Err(Refusal::RateLimited));
        // 100 ms later: 400 bytes more.
        let sent = (20..64u16)
            .filter(|&s| h.take(1, s, t0 + 100 * MS, 10 * MS).is_ok())
            .count();
        assert_eq!(sent, 4);
    }
}
