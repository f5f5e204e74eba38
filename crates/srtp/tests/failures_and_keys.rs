//! Failing packets change nothing; MKI, key derivation rate, key lifetime, stream bound
//! and SSRC policy; every profile round-trips SRTP and SRTCP.

mod common;
use common::*;
use srtp::{Config, Context, Error, MasterKey, ProtectionProfile as P, SsrcPolicy};

const SSRC: u32 = 0xdead_beef;

#[test]
fn every_profile_round_trips_srtp_and_srtcp_with_csrcs_and_extensions() {
    for profile in P::ALL {
        for encrypt_rtcp in [true, false] {
            let (mut tx, mut rx) = pair(
                profile,
                Config {
                    encrypt_rtcp,
                    ..Config::default()
                },
            );
            // Two CSRCs and a one-byte-header extension.
            let mut p = hex("92 60 0001 00000000 deadbeef 11111111 22222222 bede0001 10ff0000");
            p.extend_from_slice(&[0x42; 77]);
            let wire = protect(&mut tx, &p);
            assert_eq!(wire.len(), p.len() + profile.rtp_tag_len());
            assert_eq!(wire[..28], p[..28], "{profile}: the header stays in clear");
            assert_eq!(
                wire[28..p.len()] != p[28..],
                profile != P::NullHmacSha1_80,
                "{profile}"
            );
            assert_eq!(unprotect(&mut rx, &wire).unwrap(), p, "{profile}");
            let rr = hex("81c90007 deadbeef 11111111 00000001 00000002 00000003 00000004 00000005");
            let wire = protect_rtcp(&mut tx, &rr);
            let encrypted = encrypt_rtcp && profile != P::NullHmacSha1_80;
            assert_eq!(wire[8..rr.len()] != rr[8..], encrypted, "{profile}");
            assert_eq!(unprotect_rtcp(&mut rx, &wire).unwrap(), rr, "{profile}");
        }
    }
}

#[test]
fn a_bad_tag_changes_neither_buffer_nor_state() {
    for profile in P::ALL {
        let (mut tx, mut rx) = pair(profile, Config::default());
        let good = protect(&mut tx, &rtp(65535, SSRC, 50));
        unprotect(&mut rx, &good).unwrap();
        let next = protect(&mut tx, &rtp(0, SSRC, 50));
        for at in [2, 12, next.len() - 1] {
            let mut bad = next.clone();
            bad[at] ^= 0x01;
            let before = bad.clone();
            assert_eq!(
                rx.unprotect_rtp(&mut bad),
                Err(Error::AuthenticationFailed),
                "{profile}"
            );
            assert_eq!(bad, before, "{profile}: buffer restored");
            assert_eq!(rx.roc(SSRC), Some(0), "{profile}: ROC unchanged");
        }
        // The genuine packet still passes: nothing was marked received.
        assert_eq!(unprotect(&mut rx, &next).unwrap(), rtp(0, SSRC, 50));
        assert_eq!(rx.roc(SSRC), Some(1));

        let rtcp = hex("81c90001 deadbeef");
        let wire = protect_rtcp(&mut tx, &rtcp);
        let mut bad = wire.clone();
        bad[9] ^= 0x40;
        let before = bad.clone();
        assert_eq!(
            rx.unprotect_rtcp(&mut bad),
            Err(Error::AuthenticationFailed)
        );
        assert_eq!(bad, before, "{profile}: SRTCP buffer restored");
        assert_eq!(unprotect_rtcp(&mut rx, &wire).unwrap(), rtcp);
    }
}

#[test]
fn a_failed_first_packet_creates_no_stream() {
    let (mut tx, mut rx) = pair(P::AeadAes128Gcm, Config::default());
    let mut wire = protect(&mut tx, &rtp(9, SSRC, 10));
    let last = wire.len() - 1;
    wire[last] ^= 1;
    assert_eq!(unprotect(&mut rx, &wire), Err(Error::AuthenticationFailed));
    assert_eq!(rx.stream_count(), 0);
    assert_eq!(rx.roc(SSRC), None);
}

#[test]
fn truncated_and_malformed_packets_are_typed_errors() {
    let (_, mut rx) = pair(P::AesCm128HmacSha1_80, Config::default());
    assert_eq!(
        rx.unprotect_rtp(&mut []),
        Err(Error::Truncated { needed: 12, got: 0 })
    );
    assert_eq!(
        rx.unprotect_rtp(&mut [0x80; 20]),
        Err(Error::Truncated {
            needed: 22,
            got: 20
        })
    );
    assert_eq!(rx.unprotect_rtp(&mut [0x00; 30]), Err(Error::BadVersion(0)));
    assert_eq!(
        rx.unprotect_rtcp(&mut [0x80; 21]),
        Err(Error::Truncated {
            needed: 22,
            got: 21
        })
    );
    let mut tx = pair(P::AesCm128HmacSha1_80, Config::default()).0;
    let p = rtp(1, SSRC, 10);
    let mut small = p.clone();
    assert_eq!(
        tx.protect_rtp(&mut small, p.len()),
        Err(Error::BufferTooSmall {
            needed: 32,
            got: 22
        })
    );
    assert_eq!(small, p);
}

#[test]
fn mki_selects_among_several_master_keys() {
    let profile = P::AesCm128HmacSha1_80;
    let k = |fill, mki: &[u8]| key(profile, fill).with_mki(mki).unwrap();
    let mut tx = Context::with_keys(
        profile,
        vec![k(1, &[0, 1]), k(2, &[0, 2])],
        Config::default(),
    )
    .unwrap();
    let mut rx = Context::with_keys(
        profile,
        vec![k(1, &[0, 1]), k(2, &[0, 2])],
        Config::default(),
    )
    .unwrap();
    let a = protect(&mut tx, &rtp(1, SSRC, 10));
    assert_eq!(a[22..24], [0, 1], "MKI between payload and tag");
    tx.set_active_key(&[0, 2]).unwrap();
    let b = protect(&mut tx, &rtp(2, SSRC, 10));
    assert_eq!(b[22..24], [0, 2]);
    assert_ne!(a[12..22], b[12..22]);
    assert_eq!(unprotect(&mut rx, &b).unwrap(), rtp(2, SSRC, 10));
    assert_eq!(unprotect(&mut rx, &a).unwrap(), rtp(1, SSRC, 10));
    let mut c = protect(&mut tx, &rtp(3, SSRC, 10));
    c[23] = 9;
    assert_eq!(unprotect(&mut rx, &c), Err(Error::UnknownMki));
    let r = protect_rtcp(&mut tx, &hex("81c90001 deadbeef"));
    assert_eq!(
        unprotect_rtcp(&mut rx, &r).unwrap(),
        hex("81c90001 deadbeef")
    );
    // GCM puts the MKI after the tag (RFC 7714 §8.1).
    let g = P::AeadAes128Gcm;
    let mut tx = Context::new(g, key(g, 3).with_mki(&[7]).unwrap(), Config::default()).unwrap();
    let w = protect(&mut tx, &rtp(1, SSRC, 10));
    assert_eq!(w.len(), 22 + 16 + 1);
    assert_eq!(w[38], 7);
    assert_eq!(
        Context::with_keys(
            profile,
            vec![key(profile, 1), key(profile, 2)],
            Config::default()
        )
        .unwrap_err(),
        Error::BadConfig("several master keys need distinct MKIs")
    );
}

#[test]
fn a_nonzero_key_derivation_rate_rekeys_every_rate_packets() {
    let (mut tx, mut rx) = pair_with(P::AesCm128HmacSha1_80, |c| c.key_derivation_rate = 16);
    let (mut tx0, _) = pair(P::AesCm128HmacSha1_80, Config::default());
    let mut wires = Vec::new();
    for seq in 0..40u16 {
        let w = protect(&mut tx, &rtp(seq, SSRC, 16));
        let w0 = protect(&mut tx0, &rtp(seq, SSRC, 16));
        // r = index DIV 16 is 0 for the first 16 packets: same keys as a rate of 0.
        assert_eq!(w == w0, seq < 16, "seq {seq}");
        wires.push(w);
    }
    // Delivered out of order across the r boundaries.
    for i in [17usize, 3, 35, 16, 15, 0, 39, 20] {
        assert_eq!(
            unprotect(&mut rx, &wires[i]).unwrap(),
            rtp(i as u16, SSRC, 16)
        );
    }
    assert_eq!(
        Context::new(
            P::AesCm128HmacSha1_80,
            key(P::AesCm128HmacSha1_80, 1),
            Config {
                key_derivation_rate: 3,
                ..Config::default()
            }
        )
        .unwrap_err(),
        Error::BadConfig("key_derivation_rate must be 0 or a power of two up to 2^24")
    );
}

#[test]
fn key_lifetime_is_enforced_and_announced() {
    let profile = P::AeadAes128Gcm;
    let k = key(profile, 4).with_lifetime(6);
    let mut tx = Context::new(profile, k, Config::default()).unwrap();
    for seq in 0..6u16 {
        assert_eq!(tx.rekey_due(), seq >= 3, "seq {seq}");
        protect(&mut tx, &rtp(seq, SSRC, 8));
    }
    let mut buf = rtp(6, SSRC, 8);
    buf.resize(100, 0);
    assert_eq!(tx.protect_rtp(&mut buf, 20), Err(Error::KeyExpired));
    assert_eq!(tx.key_usage().srtp_protected, 6);
    assert_eq!(tx.key_usage().srtcp_lifetime, 6);
    let full = MasterKey::new(profile, &[0; 16], &[0; 12]).unwrap();
    assert_eq!(full.lifetime(), 1 << 48);
    let ctx = Context::new(profile, full, Config::default()).unwrap();
    assert_eq!(ctx.key_usage().srtcp_lifetime, 1 << 31);
    assert!(!ctx.rekey_due());
}

/// The receiver counts what it authenticates against the same lifetime (RFC 3711 §9.2):
/// a peer that keeps sending under an expired key is refused, even with a fresh sender.
#[test]
fn a_receiver_enforces_the_key_lifetime_too() {
    for profile in [P::AesCm128HmacSha1_80, P::AeadAes128Gcm] {
        let mut tx = Context::new(profile, key(profile, 4), Config::default()).unwrap();
        let mut rx =
            Context::new(profile, key(profile, 4).with_lifetime(3), Config::default()).unwrap();
        for seq in 0..3u16 {
            unprotect(&mut rx, &protect(&mut tx, &rtp(seq, SSRC, 8))).unwrap();
        }
        assert_eq!(rx.key_usage().srtp_protected, 3, "{profile}");
        let fourth = protect(&mut tx, &rtp(3, SSRC, 8));
        let mut buf = fourth.clone();
        assert_eq!(
            rx.unprotect_rtp(&mut buf),
            Err(Error::KeyExpired),
            "{profile}"
        );
        assert_eq!(buf, fourth, "{profile}");
        assert_eq!(rx.key_usage().srtp_protected, 3, "{profile}");
        // SRTCP under the same key has its own count, bounded by the same lifetime here.
        for _ in 0..3 {
            unprotect_rtcp(&mut rx, &protect_rtcp(&mut tx, &hex("81c90001 12345678"))).unwrap();
        }
        let late = protect_rtcp(&mut tx, &hex("81c90001 12345678"));
        assert_eq!(
            unprotect_rtcp(&mut rx, &late),
            Err(Error::KeyExpired),
            "{profile}"
        );
    }
}

#[test]
fn the_stream_bound_and_the_registered_policy_hold() {
    let (mut tx, mut rx) = pair_with(P::AesCm128HmacSha1_80, |c| c.max_streams = 3);
    for ssrc in 1..=3 {
        unprotect(&mut rx, &protect(&mut tx, &rtp(1, ssrc, 4))).unwrap();
    }
    assert_eq!(
        tx.protect_rtp(&mut [0u8; 64], 16).unwrap_err(),
        Error::Rtp(rtp_packet_error())
    );
    let mut buf = rtp(1, 4, 4);
    buf.resize(64, 0);
    assert_eq!(
        tx.protect_rtp(&mut buf, 16),
        Err(Error::TooManyStreams { limit: 3 })
    );
    let mut tx2 = pair(P::AesCm128HmacSha1_80, Config::default()).0;
    let w = protect(&mut tx2, &rtp(1, 4, 4));
    assert_eq!(
        unprotect(&mut rx, &w),
        Err(Error::TooManyStreams { limit: 3 })
    );
    assert!(rx.remove_stream(2));
    assert_eq!(unprotect(&mut rx, &w).unwrap(), rtp(1, 4, 4));

    let (mut tx, mut rx) = pair_with(P::AesCm128HmacSha1_80, |c| {
        c.ssrc_policy = SsrcPolicy::Registered
    });
    let w = protect(&mut tx, &rtp(1, 77, 4));
    assert_eq!(unprotect(&mut rx, &w), Err(Error::UnknownSsrc(77)));
    rx.set_roc(77, 0).unwrap();
    assert_eq!(unprotect(&mut rx, &w).unwrap(), rtp(1, 77, 4));
}

fn rtp_packet_error() -> rtp_packet::Error {
    rtp_packet::RtpPacket::parse(&[0u8; 16]).unwrap_err()
}

#[test]
fn thousands_of_ssrcs_each_keep_their_own_state() {
    let (mut tx, mut rx) = pair_with(P::AeadAes128Gcm, |c| c.max_streams = 5000);
    for round in 0..3u16 {
        for ssrc in 0..3000u32 {
            let p = rtp(
                65534u16.wrapping_add(round),
                ssrc.wrapping_mul(0x9e37_79b9),
                8,
            );
            assert_eq!(unprotect(&mut rx, &protect(&mut tx, &p)).unwrap(), p);
        }
    }
    assert_eq!(rx.stream_count(), 3000);
    // Every stream crossed the wrap on its own.
    assert_eq!(rx.roc(0x9e37_79b9), Some(1));
    assert_eq!(rx.roc(2999u32.wrapping_mul(0x9e37_79b9)), Some(1));
}

#[test]
fn contexts_move_between_threads() {
    fn send<T: Send + Sync>() {}
    send::<Context>();
}
