//! Packet index estimation (RFC 3711 §3.3.1 and Appendix A): the receiver's guess of the
//! 48-bit SRTP index `2^16 * ROC + SEQ` from a 16-bit sequence number and the highest
//! index seen so far.

/// Estimates the index of a packet with sequence number `seq`, given the highest index
/// `highest` received (or sent) so far. `None` when the guess falls before index 0 or past
/// the last ROC (2^32 - 1): no valid index exists.
pub(crate) fn estimate(highest: u64, seq: u16) -> Option<u64> {
    let roc = highest >> 16;
    let s_l = highest as u16;
    let v = if s_l < 0x8000 {
        if u32::from(seq) > u32::from(s_l) + 0x8000 {
            roc.checked_sub(1)?
        } else {
            roc
        }
    } else if u32::from(s_l) - 0x8000 > u32::from(seq) {
        roc + 1
    } else {
        roc
    };
    if v > u64::from(u32::MAX) {
        return None;
    }
    Some(v << 16 | u64::from(seq))
}

#[cfg(test)]
mod tests {
    use super::estimate;

    #[test]
    fn follows_appendix_a() {
        // In order.
        assert_eq!(estimate(100, 101), Some(101));
        // Across the wrap, forwards and backwards.
        assert_eq!(estimate(65535, 0), Some(65536));
        assert_eq!(estimate(65536 + 2, 65530), Some(65530));
        assert_eq!(estimate(65530, 5), Some(65536 + 5));
        // A late packet from before the stream's first ROC has no index.
        assert_eq!(estimate(10, 65530), None);
        // Half a sequence space ahead is still ahead; more is behind.
        assert_eq!(estimate(3 << 16 | 40000, 7000), Some(4 << 16 | 7000));
        assert_eq!(estimate(3 << 16 | 40000, 7233), Some(3 << 16 | 7233));
        // The last ROC cannot roll over.
        assert_eq!(estimate(u64::from(u32::MAX) << 16 | 65000, 3), None);
    }
}
