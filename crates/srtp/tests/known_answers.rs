//! End-to-end known answers: libsrtp's validation packets (test/srtp_driver.c
//! `srtp_validate`), built on the RFC 3711 B.3 master key, through the public API.

mod common;
use common::*;
use srtp::{Config, Context, Error, MasterKey, ProtectionProfile as P};

const PLAIN_RTP: &str = "800f1234decafbadcafebabe abababababababababababababababab";
const PLAIN_RTCP: &str = "81c8000bcafebabe abababababababababababababababab";

fn ctx(profile: P) -> Context {
    let k = MasterKey::new(
        profile,
        &hex("E1F97A0D3E018BE0D64FA32C06DE4139"),
        &hex("0EC675AD498AFEEBB6960B3AABE6"),
    )
    .unwrap();
    Context::new(profile, k, Config::default()).unwrap()
}

#[test]
fn aes_cm_128_hmac_sha1_80_srtp_and_srtcp() {
    let srtp =
        hex("800f1234decafbadcafebabe 4e55dc4ce79978d88ca4d215949d2402 b78d6acc99ea179b8dbb");
    let srtcp =
        hex("81c8000bcafebabe 7128035be487b9bdbef89041f977a5a8 80000001 993e08cd54d6c1230798");
    let mut tx = ctx(P::AesCm128HmacSha1_80);
    assert_eq!(protect(&mut tx, &hex(PLAIN_RTP)), srtp);
    // libsrtp numbers its first SRTCP packet 1; ours starts at 0 as RFC 3711 §3.4 says.
    let first = protect_rtcp(&mut tx, &hex(PLAIN_RTCP));
    assert_eq!(first[24..28], [0x80, 0, 0, 0]);
    assert_eq!(protect_rtcp(&mut tx, &hex(PLAIN_RTCP)), srtcp);

    let mut rx = ctx(P::AesCm128HmacSha1_80);
    assert_eq!(unprotect(&mut rx, &srtp).unwrap(), hex(PLAIN_RTP));
    assert_eq!(unprotect_rtcp(&mut rx, &srtcp).unwrap(), hex(PLAIN_RTCP));
    assert_eq!(
        unprotect(&mut rx, &srtp),
        Err(Error::Replayed { index: 0x1234 })
    );
    assert_eq!(
        unprotect_rtcp(&mut rx, &srtcp),
        Err(Error::Replayed { index: 1 })
    );
}

#[test]
fn aes_cm_128_hmac_sha1_32_truncates_the_srtp_tag_only() {
    let srtp = hex("800f1234decafbadcafebabe 4e55dc4ce79978d88ca4d215949d2402 b78d6acc");
    let srtcp =
        hex("81c8000bcafebabe 7128035be487b9bdbef89041f977a5a8 80000001 993e08cd54d6c1230798");
    let mut tx = ctx(P::AesCm128HmacSha1_32);
    assert_eq!(protect(&mut tx, &hex(PLAIN_RTP)), srtp);
    protect_rtcp(&mut tx, &hex(PLAIN_RTCP));
    assert_eq!(protect_rtcp(&mut tx, &hex(PLAIN_RTCP)), srtcp);
    let mut rx = ctx(P::AesCm128HmacSha1_32);
    assert_eq!(unprotect(&mut rx, &srtp).unwrap(), hex(PLAIN_RTP));
}
