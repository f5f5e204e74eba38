//! Steady-state protect and unprotect allocate nothing, for every profile.

mod common;
use common::*;
use srtp::{Config, ProtectionProfile as P};

#[global_allocator]
static ALLOC: alloc_counter::CountingAllocator = alloc_counter::CountingAllocator;

#[test]
fn protect_and_unprotect_allocate_nothing_per_packet() {
    for profile in P::ALL {
        let (mut tx, mut rx) = pair(profile, Config::default());
        // The first packet creates the stream (one allocation each side, allowed).
        unprotect(&mut rx, &protect(&mut tx, &rtp(65500, 1, 160))).unwrap();
        unprotect_rtcp(&mut rx, &protect_rtcp(&mut tx, &hex("81c90001 00000001"))).unwrap();
        let mut buf = vec![0u8; 1500];
        let (allocations, ()) = alloc_counter::count(|| {
            let mut seq = 65501u16;
            for _ in 0..40 {
                for len in [160usize, 1200] {
                    buf[..12].copy_from_slice(&[0x80, 0x60, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]);
                    buf[2..4].copy_from_slice(&seq.to_be_bytes());
                    seq = seq.wrapping_add(1);
                    let n = tx.protect_rtp(&mut buf, 12 + len).unwrap();
                    rx.unprotect_rtp(&mut buf[..n]).unwrap();
                    buf[..8].copy_from_slice(&[0x81, 0xc9, 0, 1, 0, 0, 0, 1]);
                    let n = tx.protect_rtcp(&mut buf, 8).unwrap();
                    rx.unprotect_rtcp(&mut buf[..n]).unwrap();
                }
            }
        });
        assert_eq!(allocations, 0, "{profile}");
    }
}

/// Cryptex (RFC 9335) allocates nothing either: the extension word moves in place, and
/// the empty extension for CSRCs alone is inserted in the caller's buffer.
#[test]
fn cryptex_allocates_nothing_per_packet() {
    for profile in P::ALL {
        let (mut tx, mut rx) = pair(
            profile,
            Config {
                cryptex: true,
                ..Config::default()
            },
        );
        unprotect(&mut rx, &protect(&mut tx, &rtp(1, 1, 160))).unwrap();
        let mut buf = vec![0u8; 1500];
        let (allocations, ()) = alloc_counter::count(|| {
            for seq in 2..42u16 {
                // Two CSRCs, and every other packet a one-byte-header extension.
                let with_ext = seq % 2 == 0;
                let first = if with_ext { 0x92 } else { 0x82 };
                buf[..20].copy_from_slice(&[
                    first, 0x60, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 2, 2, 2, 2,
                ]);
                buf[2..4].copy_from_slice(&seq.to_be_bytes());
                let mut len = 20;
                if with_ext {
                    buf[20..28].copy_from_slice(&[0xbe, 0xde, 0, 1, 0x10, 0xff, 0, 0]);
                    len = 28;
                }
                let n = tx.protect_rtp(&mut buf, len + 160).unwrap();
                rx.unprotect_rtp(&mut buf[..n]).unwrap();
            }
        });
        assert_eq!(allocations, 0, "{profile}");
    }
}
