//! Rewriting the transport-wide sequence number of a packet built from another: an RTX
//! packet (RFC 4588) copies the header extensions of the packet it repairs, but it is a
//! new packet on the transport, so it needs a transport-wide sequence number of its own
//! (the draft numbers every packet sent on the transport); otherwise the peer's feedback
//! would report one number twice and the send history would never see the repair.

/// Overwrites, in the unprotected RTP packet `packet`, the value of header-extension
/// element `id` with `seq` (big-endian), when the packet carries that element with a
/// two-byte value in the one-byte (RFC 8285 §4.2) or two-byte (§4.3) form. Returns whether
/// it did; a packet without the element, or with one of another length, is left as it is.
pub(crate) fn transport_sequence(packet: &mut [u8], id: u8, seq: u16) -> bool {
    let Some(range) = element_value(packet, id) else {
        return false;
    };
    match packet.get_mut(range) {
        Some(value) if value.len() == 2 => {
            value.copy_from_slice(&seq.to_be_bytes());
            true
        }
        _ => false,
    }
}

/// Where the value of element `id` lies in `packet`, if it carries one.
fn element_value(packet: &[u8], id: u8) -> Option<std::ops::Range<usize>> {
    let first = *packet.first()?;
    if first & 0x10 == 0 {
        return None;
    }
    let start = 12 + 4 * usize::from(first & 0x0f);
    let profile = u16::from_be_bytes([*packet.get(start)?, *packet.get(start + 1)?]);
    let words = u16::from_be_bytes([*packet.get(start + 2)?, *packet.get(start + 3)?]);
    let body = start + 4;
    let end = body + 4 * usize::from(words);
    if end > packet.len() {
        return None;
    }
    let two_byte = profile & 0xfff0 == 0x1000;
    if profile != 0xbede && !two_byte {
        return None;
    }
    let mut at = body;
    while at < end {
        let b = *packet.get(at)?;
        let (element, len, header) = if two_byte {
            if b == 0 {
                at += 1;
                continue;
            }
            (b, usize::from(*packet.get(at + 1)?), 2)
        } else {
            let element = b >> 4;
            if element == 0 {
                at += 1;
                continue;
            }
            if element == 15 {
                return None;
            }
            (element, usize::from(b & 0x0f) + 1, 1)
        };
        let value = at + header..at + header + len;
        if value.end > end {
            return None;
        }
        if element == id {
            return Some(value);
        }
        at = value.end;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    /// V=2 X=1 PT=96 seq 1 ts 2 SSRC 3; one-byte extension: MID (id 1, "a"), padding,
    /// transport-wide sequence number (id 5) 0x0102; payload 0xEE.
    const ONE_BYTE: [u8; 25] = [
        0x90, 0x60, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3, 0xbe, 0xde, 0, 2, 0x10, b'a', 0, 0x51, 1, 2, 0,
        0, 0xee,
    ];

    #[test]
    fn the_element_is_found_past_other_elements_and_padding_and_rewritten() {
        let mut p = ONE_BYTE;
        assert!(transport_sequence(&mut p, 5, 0xabcd));
        let mut want = ONE_BYTE;
        want[20] = 0xab;
        want[21] = 0xcd;
        assert_eq!(p, want);
    }

    #[test]
    fn two_byte_form() {
        // Two-byte form (0x1000): id 5, length 2, 0x0102; padding to the word.
        let mut p = [
            0x90, 0x60, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3, 0x10, 0x00, 0, 1, 5, 2, 1, 2, 0xee,
        ];
        assert!(transport_sequence(&mut p, 5, 0x0304));
        assert_eq!(&p[18..20], &[3, 4]);
    }

    #[test]
    fn packets_without_the_element_or_malformed_are_left_alone() {
        let mut p = ONE_BYTE;
        assert!(!transport_sequence(&mut p, 7, 9));
        // Id 1 holds one byte, not two.
        assert!(!transport_sequence(&mut p, 1, 9));
        assert_eq!(p, ONE_BYTE);
        // No extension bit.
        let mut plain = [0x80, 0x60, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3, 0xee];
        assert!(!transport_sequence(&mut plain, 5, 9));
        // An extension length past the end.
        let mut long = ONE_BYTE;
        long[15] = 9;
        assert!(!transport_sequence(&mut long, 5, 9));
        // Truncated anywhere: never a panic.
        for n in 0..ONE_BYTE.len() {
            let mut cut = ONE_BYTE[..n].to_vec();
            let _ = transport_sequence(&mut cut, 5, 9);
        }
    }
}
