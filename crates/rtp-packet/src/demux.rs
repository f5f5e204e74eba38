//! Classifying a datagram by its first bytes when RTP shares a port with RTCP, DTLS, STUN,
//! ZRTP and TURN channels (RFC 7983 §7, RFC 5761 §4).

/// What a datagram on a multiplexed port is (RFC 7983 §7).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PacketKind {
    /// STUN: first byte 0–3 (RFC 5389).
    Stun,
    /// ZRTP: first byte 16–19 (RFC 6189).
    Zrtp,
    /// DTLS: first byte 20–63 (RFC 6347 record content types).
    Dtls,
    /// TURN ChannelData: first byte 64–79 (RFC 5766).
    TurnChannel,
    /// RTP: first byte 128–191 and a second byte that is not an RTCP packet type.
    Rtp,
    /// RTCP: first byte 128–191 and packet type 192–223 (RFC 5761 §4).
    Rtcp,
    /// Anything else, including empty datagrams and a lone RTP/RTCP first byte.
    Other,
}

/// Classifies `datagram` by its first byte (RFC 7983 §7) and, for RTP/RTCP, its second
/// (RFC 5761 §4).
///
/// RTP and RTCP are told apart by the second byte: RTCP packet types 192–223 cover RTP
/// payload types 64–95 with the marker bit set, which is why those payload types must not
/// be used when RTP and RTCP share a port. Only the packet type is looked at; use
/// [`crate::RtpPacket::parse`] or an RTCP parser to validate the rest.
#[inline]
pub fn classify(datagram: &[u8]) -> PacketKind {
    match *datagram {
        [0..=3, ..] => PacketKind::Stun,
        [16..=19, ..] => PacketKind::Zrtp,
        [20..=63, ..] => PacketKind::Dtls,
        [64..=79, ..] => PacketKind::TurnChannel,
        [128..=191, 192..=223, ..] => PacketKind::Rtcp,
        [128..=191, _, ..] => PacketKind::Rtp,
        _ => PacketKind::Other,
    }
}
