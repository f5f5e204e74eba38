//! A sender never protects two packets under one SRTP or SRTCP index (RFC 3711 §9.1: a
//! repeated index repeats the AES-CM keystream or the GCM nonce). Protect keeps, per SSRC,
//! the highest index sent and a window behind it, as libsrtp's sender does.

mod common;
use common::*;
use srtp::{Config, Context, Error, ProtectionProfile as P};

const SSRC: u32 = 0x0bad_cafe;

fn sender(profile: P) -> Context {
    Context::new(profile, key(profile, 7), Config::default()).unwrap()
}

/// Protects `packet` in a buffer with room to spare; returns the result and the buffer.
fn try_protect(ctx: &mut Context, packet: &[u8]) -> (srtp::Result<usize>, Vec<u8>) {
    let mut buf = packet.to_vec();
    buf.resize(packet.len() + 64, 0xee);
    let r = ctx.protect_rtp(&mut buf, packet.len());
    (r, buf)
}

#[test]
fn protecting_one_sequence_number_twice_is_refused_and_changes_nothing() {
    for profile in P::ALL {
        let mut tx = sender(profile);
        let mut rx = sender(profile);
        let first = rtp(1, SSRC, 60);
        let wire = protect(&mut tx, &first);
        let usage = tx.key_usage();

        let mut again = first.clone();
        again[20] ^= 0xff; // other payload, same (SSRC, SEQ): the two-time pad
        let (r, buf) = try_protect(&mut tx, &again);
        assert_eq!(
            r,
            Err(Error::IndexReused {
                ssrc: SSRC,
                index: 1
            }),
            "{profile}"
        );
        // The caller's packet and the spare room are as they were.
        assert_eq!(buf[..again.len()], again[..], "{profile}");
        assert!(buf[again.len()..].iter().all(|&b| b == 0xee), "{profile}");
        // No packet was counted, the stream did not move.
        assert_eq!(tx.key_usage(), usage, "{profile}");
        assert_eq!(tx.roc(SSRC), Some(0), "{profile}");

        // The stream goes on as if the refused call never happened: a context that
        // protected only seq 1 and 2 writes the same bytes.
        let next = rtp(2, SSRC, 60);
        let mut reference = sender(profile);
        protect(&mut reference, &first);
        assert_eq!(
            protect(&mut tx, &next),
            protect(&mut reference, &next),
            "{profile}"
        );
        assert_eq!(unprotect(&mut rx, &wire).unwrap(), first, "{profile}");
    }
}

#[test]
fn an_index_never_sent_may_go_out_late_once() {
    let mut tx = sender(P::AeadAes128Gcm);
    let mut rx = sender(P::AeadAes128Gcm);
    let five = protect(&mut tx, &rtp(5, SSRC, 20));
    // 3 was never sent: it may go out after 5 (libsrtp allows it too) ...
    let three = protect(&mut tx, &rtp(3, SSRC, 20));
    // ... but only once.
    let (r, _) = try_protect(&mut tx, &rtp(3, SSRC, 20));
    assert_eq!(
        r,
        Err(Error::IndexReused {
            ssrc: SSRC,
            index: 3
        })
    );
    assert_eq!(unprotect(&mut rx, &five).unwrap(), rtp(5, SSRC, 20));
    assert_eq!(unprotect(&mut rx, &three).unwrap(), rtp(3, SSRC, 20));
}

/// Sequence numbers with no usable index are refused as too old and leave the buffer as
/// it was: one behind the send window (the default window is 128, so after 1000, 873 is
/// the oldest index still tracked), and one that would need a ROC below 0, which is
/// behind what the stream sent, not the end of the index space.
#[test]
fn an_index_behind_the_send_window_or_the_first_roc_is_too_old() {
    for (sent, late, highest) in [(&[1000u16, 873][..], 872u16, 1000u64), (&[10], 65530, 10)] {
        let mut tx = sender(P::AesCm128HmacSha1_80);
        for &seq in sent {
            protect(&mut tx, &rtp(seq, SSRC, 20));
        }
        let (r, buf) = try_protect(&mut tx, &rtp(late, SSRC, 20));
        assert_eq!(
            r,
            Err(Error::IndexTooOld {
                ssrc: SSRC,
                index: u64::from(late),
                highest
            })
        );
        assert_eq!(buf[..32], rtp(late, SSRC, 20)[..]);
    }
}

#[test]
fn protect_keeps_working_across_the_sequence_wrap() {
    let mut tx = sender(P::AesCm128HmacSha1_80);
    let mut rx = sender(P::AesCm128HmacSha1_80);
    for seq in [65533u16, 65534, 65535, 0, 1, 2] {
        let p = rtp(seq, SSRC, 30);
        assert_eq!(unprotect(&mut rx, &protect(&mut tx, &p)).unwrap(), p);
    }
    assert_eq!(tx.roc(SSRC), Some(1));
    // 65535 of ROC 0 was sent; 65531 of ROC 0 was not.
    let (r, _) = try_protect(&mut tx, &rtp(65535, SSRC, 30));
    assert_eq!(
        r,
        Err(Error::IndexReused {
            ssrc: SSRC,
            index: 65535
        })
    );
    let late = rtp(65531, SSRC, 30);
    assert_eq!(unprotect(&mut rx, &protect(&mut tx, &late)).unwrap(), late);
    let (r, _) = try_protect(&mut tx, &rtp(1, SSRC, 30));
    assert_eq!(
        r,
        Err(Error::IndexReused {
            ssrc: SSRC,
            index: 65536 + 1
        })
    );
}

/// Forgetting a stream this context has sent on would restart its SRTCP index at 0 and
/// let its SRTP indices be used again: a sending stream is kept.
#[test]
fn a_sending_stream_is_not_forgotten() {
    let mut tx = sender(P::AesCm128HmacSha1_80);
    let rr = hex("81c90001 0bad cafe");
    let first_rtcp = protect_rtcp(&mut tx, &rr);
    protect(&mut tx, &rtp(9, SSRC, 20));
    assert!(!tx.remove_stream(SSRC));
    let (r, _) = try_protect(&mut tx, &rtp(9, SSRC, 20));
    assert_eq!(
        r,
        Err(Error::IndexReused {
            ssrc: SSRC,
            index: 9
        })
    );
    let second_rtcp = protect_rtcp(&mut tx, &rr);
    // The SRTCP index (the word after the packet) moved on: 0, then 1.
    assert_eq!(first_rtcp[8..12], [0x80, 0, 0, 0]);
    assert_eq!(second_rtcp[8..12], [0x80, 0, 0, 1]);
}

/// Moving a sending stream's ROC backwards would revisit indices already used.
#[test]
fn a_sending_stream_cannot_move_its_roc_back() {
    let mut tx = sender(P::AesCm128HmacSha1_80);
    tx.set_roc(SSRC, 3).unwrap();
    protect(&mut tx, &rtp(10, SSRC, 20));
    assert_eq!(
        tx.set_roc(SSRC, 2),
        Err(Error::BadConfig(
            "set_roc cannot move a stream this context sent on backwards"
        ))
    );
    let (r, _) = try_protect(&mut tx, &rtp(10, SSRC, 20));
    assert_eq!(
        r,
        Err(Error::IndexReused {
            ssrc: SSRC,
            index: 3 << 16 | 10
        })
    );
    // Forwards is fine: those indices are new.
    tx.set_roc(SSRC, 4).unwrap();
    protect(&mut tx, &rtp(10, SSRC, 20));
    assert_eq!(tx.roc(SSRC), Some(4));
}

/// A receiver report of SSRC `SSRC` (RFC 3550 §6.4.2, no report blocks).
fn rr() -> Vec<u8> {
    let mut p = vec![0x80, 0xc9, 0x00, 0x01];
    p.extend_from_slice(&SSRC.to_be_bytes());
    p
}

/// The E flag and SRTCP index word of a protected HMAC-profile packet (RFC 3711 §3.4):
/// the four bytes after the RTCP packet.
fn e_index(wire: &[u8]) -> [u8; 4] {
    wire[8..12].try_into().unwrap()
}

/// `srtcp_index` reads the index the next packet carries; `set_srtcp_index` resumes a
/// sending stream there, on the wire, and the receiver takes it.
#[test]
fn the_srtcp_index_can_be_read_and_resumed() {
    let (mut tx, mut rx) = pair(P::AesCm128HmacSha1_80, Config::default());
    assert_eq!(tx.srtcp_index(SSRC), None);
    let wire = protect_rtcp(&mut tx, &rr());
    assert_eq!(e_index(&wire), [0x80, 0, 0, 0]);
    assert_eq!(tx.srtcp_index(SSRC), Some(1));
    assert_eq!(unprotect_rtcp(&mut rx, &wire), Ok(rr()));

    assert_eq!(tx.set_srtcp_index(SSRC, 1000), Ok(()));
    assert_eq!(tx.srtcp_index(SSRC), Some(1000));
    let wire = protect_rtcp(&mut tx, &rr());
    assert_eq!(e_index(&wire), [0x80, 0, 0x03, 0xe8]);
    assert_eq!(tx.srtcp_index(SSRC), Some(1001));
    assert_eq!(unprotect_rtcp(&mut rx, &wire), Ok(rr()));
    // The receive side reports nothing to send: it only received.
    assert_eq!(rx.srtcp_index(SSRC), Some(0));

    // A fresh context resuming where another left off, creating the stream.
    let (mut resumed, _) = pair(P::AesCm128HmacSha1_80, Config::default());
    assert_eq!(resumed.set_srtcp_index(SSRC, 1001), Ok(()));
    assert_eq!(resumed.stream_count(), 1);
    let wire = protect_rtcp(&mut resumed, &rr());
    assert_eq!(e_index(&wire), [0x80, 0, 0x03, 0xe9]);
    assert_eq!(unprotect_rtcp(&mut rx, &wire), Ok(rr()));
}

/// A stream this context has sent on never goes back to an index it used (RFC 3711
/// §9.1); one that has sent nothing may be set anywhere; no index beyond 2^31 - 1.
#[test]
fn set_srtcp_index_never_moves_a_sending_stream_backwards() {
    let mut tx = sender(P::AeadAes128Gcm);
    assert_eq!(tx.set_srtcp_index(SSRC, 50), Ok(()));
    assert_eq!(tx.set_srtcp_index(SSRC, 10), Ok(()), "nothing sent yet");
    protect_rtcp(&mut tx, &rr());
    assert_eq!(tx.srtcp_index(SSRC), Some(11));
    for used in [0, 10] {
        assert_eq!(
            tx.set_srtcp_index(SSRC, used),
            Err(Error::BadConfig(
                "set_srtcp_index cannot move a stream this context sent on backwards"
            ))
        );
    }
    assert_eq!(tx.srtcp_index(SSRC), Some(11));
    assert_eq!(tx.set_srtcp_index(SSRC, 11), Ok(()));
    assert_eq!(
        tx.set_srtcp_index(SSRC, srtp::MAX_SRTCP_INDEX + 1),
        Err(Error::BadConfig(
            "an SRTCP index is at most 2^31 - 1 (MAX_SRTCP_INDEX)"
        ))
    );
    // The last index is usable once, then the stream is exhausted.
    assert_eq!(tx.set_srtcp_index(SSRC, srtp::MAX_SRTCP_INDEX), Ok(()));
    protect_rtcp(&mut tx, &rr());
    let mut buf = rr();
    buf.resize(64, 0);
    assert_eq!(tx.protect_rtcp(&mut buf, 8), Err(Error::IndexExhausted));
    assert_eq!(tx.srtcp_index(SSRC), Some(srtp::MAX_SRTCP_INDEX + 1));
}
