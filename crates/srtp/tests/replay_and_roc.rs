//! Rollover-counter estimation and replay protection across the 65535 → 0 wrap
//! (RFC 3711 §3.3.1, §3.3.2, Appendix A).

mod common;
use common::*;
use srtp::{Config, Error, ProtectionProfile as P};

const SSRC: u32 = 0x1234_5678;

fn streams() -> (srtp::Context, srtp::Context) {
    pair(P::AesCm128HmacSha1_80, Config::default())
}

#[test]
fn a_stream_starting_at_65530_crosses_the_wrap_in_order() {
    let (mut tx, mut rx) = streams();
    for i in 0..20u16 {
        let seq = 65530u16.wrapping_add(i);
        let plain = rtp(seq, SSRC, 40);
        assert_eq!(
            unprotect(&mut rx, &protect(&mut tx, &plain)).unwrap(),
            plain,
            "seq {seq}"
        );
    }
    assert_eq!(tx.roc(SSRC), Some(1));
    assert_eq!(rx.roc(SSRC), Some(1));
}

#[test]
fn reordering_across_the_wrap_keeps_the_right_roc() {
    let (mut tx, mut rx) = streams();
    let seqs: Vec<u16> = (0..12).map(|i| 65530u16.wrapping_add(i)).collect();
    let packets: Vec<(Vec<u8>, Vec<u8>)> = seqs
        .iter()
        .map(|&s| {
            let p = rtp(s, SSRC, 30);
            (protect(&mut tx, &p), p)
        })
        .collect();
    // Deliver: 65530, then 2 and 0 (after the wrap), then the late 65531..65535, then 1, 3..
    for i in [0usize, 8, 6, 1, 2, 3, 4, 5, 7, 9, 10, 11] {
        let (wire, plain) = &packets[i];
        assert_eq!(&unprotect(&mut rx, wire).unwrap(), plain, "packet {i}");
    }
    assert_eq!(rx.roc(SSRC), Some(1));
}

#[test]
fn a_thousand_lost_packets_across_the_wrap() {
    let (mut tx, mut rx) = streams();
    let first = rtp(65000, SSRC, 20);
    assert_eq!(
        unprotect(&mut rx, &protect(&mut tx, &first)).unwrap(),
        first
    );
    for seq in 65001..=65535u16 {
        protect(&mut tx, &rtp(seq, SSRC, 20));
    }
    for seq in 0..465u16 {
        protect(&mut tx, &rtp(seq, SSRC, 20));
    }
    // 1000 packets never arrived; the next one is seq 465 with ROC 1.
    let next = rtp(465, SSRC, 20);
    assert_eq!(unprotect(&mut rx, &protect(&mut tx, &next)).unwrap(), next);
    assert_eq!(rx.roc(SSRC), Some(1));
}

#[test]
fn a_duplicate_after_the_wrap_is_refused() {
    let (mut tx, mut rx) = streams();
    let mut wires = Vec::new();
    for i in 0..8u16 {
        let wire = protect(&mut tx, &rtp(65532u16.wrapping_add(i), SSRC, 10));
        unprotect(&mut rx, &wire).unwrap();
        wires.push(wire);
    }
    // seq 2 after the wrap is index 65536 + 2; seq 65533 before it is index 65533.
    assert_eq!(
        unprotect(&mut rx, &wires[6]),
        Err(Error::Replayed { index: 65538 })
    );
    assert_eq!(
        unprotect(&mut rx, &wires[1]),
        Err(Error::Replayed { index: 65533 })
    );
}

#[test]
fn packets_older_than_the_window_are_refused() {
    let (mut tx, mut rx) = streams();
    let old = protect(&mut tx, &rtp(100, SSRC, 10));
    for seq in 101..=228u16 {
        unprotect(&mut rx, &protect(&mut tx, &rtp(seq, SSRC, 10))).unwrap();
    }
    assert_eq!(
        unprotect(&mut rx, &old),
        Err(Error::TooOld {
            index: 100,
            highest: 228
        })
    );
}

#[test]
fn a_larger_window_accepts_older_packets() {
    let (mut tx, mut rx) = pair_with(P::AesCm128HmacSha1_80, |c| c.replay_window = 1024);
    let old = protect(&mut tx, &rtp(100, SSRC, 10));
    for seq in 101..=900u16 {
        unprotect(&mut rx, &protect(&mut tx, &rtp(seq, SSRC, 10))).unwrap();
    }
    assert_eq!(unprotect(&mut rx, &old).unwrap(), rtp(100, SSRC, 10));
}

#[test]
fn a_late_joiner_sets_the_roc() {
    let (mut tx, mut rx) = streams();
    tx.set_roc(SSRC, 7).unwrap();
    let wire = protect(&mut tx, &rtp(500, SSRC, 10));
    // Without the ROC the receiver assumes 0 and the tag fails.
    let mut fresh = pair(P::AesCm128HmacSha1_80, Config::default()).1;
    assert_eq!(
        unprotect(&mut fresh, &wire),
        Err(Error::AuthenticationFailed)
    );
    rx.set_roc(SSRC, 7).unwrap();
    assert_eq!(unprotect(&mut rx, &wire).unwrap(), rtp(500, SSRC, 10));
    assert_eq!(rx.roc(SSRC), Some(7));
}

#[test]
fn srtcp_has_its_own_window() {
    let (mut tx, mut rx) = streams();
    let sr = hex("80c80006 12345678 00000000 00000000 00000000 00000000 00000000");
    let wires: Vec<Vec<u8>> = (0..200).map(|_| protect_rtcp(&mut tx, &sr)).collect();
    assert_eq!(unprotect_rtcp(&mut rx, &wires[150]).unwrap(), sr);
    assert_eq!(unprotect_rtcp(&mut rx, &wires[23]).unwrap(), sr);
    assert_eq!(
        unprotect_rtcp(&mut rx, &wires[22]),
        Err(Error::TooOld {
            index: 22,
            highest: 150
        })
    );
    assert_eq!(
        unprotect_rtcp(&mut rx, &wires[150]),
        Err(Error::Replayed { index: 150 })
    );
    // SRTP with the same SSRC is unaffected.
    assert_eq!(
        unprotect(&mut rx, &protect(&mut tx, &rtp(1, SSRC, 4))).unwrap(),
        rtp(1, SSRC, 4)
    );
}

/// Every window size, powers of two or not, checks exactly the `size` indices up to the
/// highest: with the highest at H, H - (size - 1) is accepted once, H - size is too old,
/// a replay inside the window is refused and a newer packet accepted.
#[test]
fn windows_of_any_size_hold_exactly_that_many_packets() {
    for size in [64usize, 128, 192, 320, 1500] {
        let (mut tx, mut rx) = pair_with(P::AeadAes128Gcm, |c| c.replay_window = size);
        let n = size as u16 + 70;
        let wire: Vec<Vec<u8>> = (0..=n)
            .map(|s| protect(&mut tx, &rtp(s, SSRC, 8)))
            .collect();
        let h = usize::from(n);
        unprotect(&mut rx, &wire[h]).unwrap();
        // Every other packet of the window, newest to oldest, then each again.
        for k in (h + 1 - size..h).rev().step_by(2) {
            assert_eq!(
                unprotect(&mut rx, &wire[k]).unwrap(),
                rtp(k as u16, SSRC, 8),
                "size {size}, {k}"
            );
        }
        for k in (h + 1 - size..=h).rev() {
            let got = unprotect(&mut rx, &wire[k]);
            if (h - k) % 2 == 1 || k == h {
                assert_eq!(
                    got,
                    Err(Error::Replayed { index: k as u64 }),
                    "size {size}, {k}"
                );
            } else {
                assert_eq!(got.unwrap(), rtp(k as u16, SSRC, 8), "size {size}, {k}");
            }
        }
        let old = h - size;
        assert_eq!(
            unprotect(&mut rx, &wire[old]),
            Err(Error::TooOld {
                index: old as u64,
                highest: h as u64
            }),
            "size {size}"
        );
        let newer = protect(&mut tx, &rtp(n + 1, SSRC, 8));
        unprotect(&mut rx, &newer).unwrap();
        assert_eq!(
            unprotect(&mut rx, &wire[old + 1]),
            Err(Error::TooOld {
                index: old as u64 + 1,
                highest: h as u64 + 1
            }),
            "size {size}"
        );
    }
}
