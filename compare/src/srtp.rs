//! SRTP protect and unprotect: the `srtp` crate against `webrtc-srtp` 0.17.
//!
//! Protect: each side receives the same plaintext RTP packet with an advancing sequence
//! number. Ours copies it into a reusable buffer and protects in place; webrtc-srtp takes
//! the slice and returns a newly allocated `Bytes` (its API). Unprotect: 8192 packets are
//! protected ahead of time (the two stacks produce identical bytes); each iteration copies
//! the next one into a work buffer, identically for both sides, and unprotects it. After
//! 8192 packets both sides build a fresh receiving context, so the replay windows never
//! see a packet twice. Both sides run a 128-packet replay window.

use crate::harness::{Target, Workload};
use std::hint::black_box;
use webrtc_srtp::context::Context as TheirContext;
use webrtc_srtp::option::{srtcp_replay_protection, srtp_replay_protection};
use webrtc_srtp::protection_profile::ProtectionProfile as TheirProfile;

const PACKETS: usize = 8192;
const SSRC: u32 = 0x1234_5678;

#[derive(Clone, Copy)]
struct Profile {
    ours: ::srtp::ProtectionProfile,
    theirs: TheirProfile,
}

fn master(p: Profile) -> (Vec<u8>, Vec<u8>) {
    let key: Vec<u8> = (0..p.ours.master_key_len() as u8).collect();
    let salt: Vec<u8> = (0..p.ours.master_salt_len() as u8)
        .map(|b| b ^ 0xa5)
        .collect();
    (key, salt)
}

fn ours(p: Profile) -> ::srtp::Context {
    let (k, s) = master(p);
    let key = ::srtp::MasterKey::new(p.ours, &k, &s).expect("lengths match the profile");
    ::srtp::Context::new(p.ours, key, ::srtp::Config::default()).expect("valid config")
}

fn theirs(p: Profile) -> TheirContext {
    let (k, s) = master(p);
    TheirContext::new(
        &k,
        &s,
        p.theirs,
        Some(srtp_replay_protection(128)),
        Some(srtcp_replay_protection(128)),
    )
    .expect("webrtc-srtp context")
}

fn rtp(payload: usize, seq: u16) -> Vec<u8> {
    let mut p = vec![0x80, 0x6f];
    p.extend_from_slice(&seq.to_be_bytes());
    p.extend_from_slice(&0x0001_e240u32.to_be_bytes());
    p.extend_from_slice(&SSRC.to_be_bytes());
    p.extend((0..payload).map(|i| i as u8));
    p
}

fn protect(name: &'static str, p: Profile, payload: usize, target: Target) -> Workload {
    let plain = rtp(payload, 0);
    let mut ctx = ours(p);
    let mut buf = vec![0u8; 1500];
    let mut seq = 0u16;
    let mut their_plain = plain.clone();
    let mut their_ctx = theirs(p);
    let mut their_seq = 0u16;
    Workload {
        name,
        ours: Box::new(move || {
            buf[..plain.len()].copy_from_slice(black_box(&plain));
            buf[2..4].copy_from_slice(&seq.to_be_bytes());
            seq = seq.wrapping_add(1);
            let n = ctx.protect_rtp(&mut buf, plain.len()).expect("protect");
            black_box(&buf[..n]);
        }),
        theirs: Box::new(move || {
            their_plain[2..4].copy_from_slice(&their_seq.to_be_bytes());
            their_seq = their_seq.wrapping_add(1);
            let out = their_ctx
                .encrypt_rtp(black_box(&their_plain))
                .expect("encrypt_rtp");
            black_box(out);
        }),
        target,
    }
}

fn unprotect(name: &'static str, p: Profile, payload: usize, target: Target) -> Workload {
    let mut tx = ours(p);
    let mut their_tx = theirs(p);
    let packets: Vec<Vec<u8>> = (0..PACKETS)
        .map(|i| {
            let plain = rtp(payload, i as u16);
            let mut b = vec![0u8; plain.len() + 16];
            b[..plain.len()].copy_from_slice(&plain);
            let n = tx.protect_rtp(&mut b, plain.len()).expect("protect");
            b.truncate(n);
            let t = their_tx.encrypt_rtp(&plain).expect("encrypt_rtp");
            assert_eq!(b[..], t[..], "both stacks protect to the same bytes");
            b
        })
        .collect();
    let their_packets = packets.clone();
    let (mut rx, mut i) = (ours(p), 0usize);
    let (mut their_rx, mut j) = (theirs(p), 0usize);
    let mut work = vec![0u8; 1500];
    let mut their_work = vec![0u8; 1500];
    Workload {
        name,
        ours: Box::new(move || {
            if i == PACKETS {
                rx = ours(p);
                i = 0;
            }
            let pkt = &packets[i];
            i += 1;
            work[..pkt.len()].copy_from_slice(black_box(pkt));
            let n = rx.unprotect_rtp(&mut work[..pkt.len()]).expect("unprotect");
            black_box(&work[..n]);
        }),
        theirs: Box::new(move || {
            if j == PACKETS {
                their_rx = theirs(p);
                j = 0;
            }
            let pkt = &their_packets[j];
            j += 1;
            their_work[..pkt.len()].copy_from_slice(black_box(pkt));
            let out = their_rx
                .decrypt_rtp(&their_work[..pkt.len()])
                .expect("decrypt_rtp");
            black_box(out);
        }),
        target,
    }
}

/// The SRTP workloads.
pub fn workloads() -> Vec<Workload> {
    let cm = Profile {
        ours: ::srtp::ProtectionProfile::AesCm128HmacSha1_80,
        theirs: TheirProfile::Aes128CmHmacSha1_80,
    };
    let gcm = Profile {
        ours: ::srtp::ProtectionProfile::AeadAes128Gcm,
        theirs: TheirProfile::AeadAes128Gcm,
    };
    vec![
        protect(
            "srtp protect AES_CM_128_HMAC_SHA1_80 160 B",
            cm,
            160,
            Target::FasterBy(1.5),
        ),
        unprotect(
            "srtp unprotect AES_CM_128_HMAC_SHA1_80 160 B",
            cm,
            160,
            Target::FasterBy(1.5),
        ),
        // The "Scale and speed" issue: AES-CM at 1200 bytes at least 1.1x webrtc-srtp, GCM
        // at 160 bytes at or under 150 ns on the project's machine.
        protect(
            "srtp protect AES_CM_128_HMAC_SHA1_80 1200 B",
            cm,
            1200,
            Target::FasterBy(1.1),
        ),
        unprotect(
            "srtp unprotect AES_CM_128_HMAC_SHA1_80 1200 B",
            cm,
            1200,
            Target::FasterBy(1.1),
        ),
        protect(
            "srtp protect AEAD_AES_128_GCM 160 B",
            gcm,
            160,
            Target::FasterByWithin(3.0, 150.0),
        ),
        unprotect(
            "srtp unprotect AEAD_AES_128_GCM 160 B",
            gcm,
            160,
            Target::FasterByWithin(3.0, 150.0),
        ),
        protect(
            "srtp protect AEAD_AES_128_GCM 1200 B",
            gcm,
            1200,
            Target::FasterBy(3.0),
        ),
        unprotect(
            "srtp unprotect AEAD_AES_128_GCM 1200 B",
            gcm,
            1200,
            Target::FasterBy(3.0),
        ),
    ]
}
