//! Cryptex (RFC 9335): the known answers of its Appendix A, byte for byte both ways, for
//! AES_CM_128_HMAC_SHA1_80 and AEAD_AES_128_GCM; the empty extension of §5.1; plain
//! and cryptex packets side by side on one receiver; what is refused; every profile.

mod common;
use common::*;
use srtp::{Config, Context, Error, MasterKey, ProtectionProfile as P};

fn cryptex() -> Config {
    Config {
        cryptex: true,
        ..Config::default()
    }
}

/// A context with the master key and salt of RFC 9335 Appendix A for `profile`.
fn rfc_context(profile: P, config: Config) -> Context {
    let (key, salt) = match profile {
        P::AesCm128HmacSha1_80 => (
            "e1f97a0d3e018be0d64fa32c06de4139",
            "0ec675ad498afeebb6960b3aabe6",
        ),
        _ => (
            "000102030405060708090a0b0c0d0e0f",
            "a0a1a2a3a4a5a6a7a8a9aaab",
        ),
    };
    Context::new(
        profile,
        MasterKey::new(profile, &hex(key), &hex(salt)).unwrap(),
        config,
    )
    .unwrap()
}

/// The six RTP packets of Appendix A (the same for both suites), by name.
const PLAIN: [(&str, &str); 6] = [
    (
        "one-byte extension",
        "900f1235 decafbad cafebabe bede0001 51000200 abababab abababab abababab abababab",
    ),
    (
        "two-byte extension",
        "900f1236 decafbad cafebabe 10000001 05020002 abababab abababab abababab abababab",
    ),
    (
        "one-byte extension and CSRCs",
        "920f1238 decafbad cafebabe 0001e240 0000b26e bede0001 51000200 abababab abababab
         abababab abababab",
    ),
    (
        "two-byte extension and CSRCs",
        "920f1239 decafbad cafebabe 0001e240 0000b26e 10000001 05020002 abababab abababab
         abababab abababab",
    ),
    (
        "empty one-byte extension and CSRCs",
        "920f123a decafbad cafebabe 0001e240 0000b26e bede0000 abababab abababab abababab
         abababab",
    ),
    (
        "empty two-byte extension and CSRCs",
        "920f123b decafbad cafebabe 0001e240 0000b26e 10000000 abababab abababab abababab
         abababab",
    ),
];

/// Appendix A.1, AES-CTR (AES_CM_128_HMAC_SHA1_80), in the order of [`PLAIN`].
const AES_CM: [&str; 6] = [
    "900f1235 decafbad cafebabe c0de0001 eb923652 51c3e036 f8de27e9 c27ee3e0 b4651d9f
     bc4218a7 0244522f 34a5",
    "900f1236 decafbad cafebabe c2de0001 4ed9cc4e 6a712b30 96c5ca77 339d4204 ce0d7739
     6cab6958 5fbce381 94a5",
    "920f1238 decafbad cafebabe 8bb6e12b 5cff16dd c0de0001 92838c8c 09e58393 e1de3a9a
     74734d67 45671338 c3acf11d a2df8423 bee0",
    "920f1239 decafbad cafebabe f70e513e b90b9b25 c2de0001 bbed4848 faa64466 5f3d7f34
     125914e9 f4d0ae92 3c6f479b 95a0f7b5 3133",
    "920f123a decafbad cafebabe 7130b6ab fe2ab0e3 c0de0000 e3d9f64b 25c9e74c b4cf8e43
     fb92e378 1c2c0cea b6b3a499 a14c",
    "920f123b decafbad cafebabe cbf24c12 4330e1c8 c2de0000 599dd45b c9d687b6 03e8b59d
     771fd38e 88b170e0 cd31e125 eabe",
];

/// Appendix A.2, AES-GCM (AEAD_AES_128_GCM), in the order of [`PLAIN`].
const AES_GCM: [&str; 6] = [
    "900f1235 decafbad cafebabe c0de0001 39972dc9 572c4d99 e8fc355d e743fb2e 94f9d8ff
     54e72f41 93bbc5c7 4ffab0fa 9fa0fbeb",
    "900f1236 decafbad cafebabe c2de0001 bb75a4c5 45cd1f41 3bdb7daa 2b1e3263 de313667
     c9632490 81b35a65 f5cb6c88 b394235f",
    "920f1238 decafbad cafebabe 63bbccc4 a7f695c4 c0de0001 8ad7c71f ac70a80c 92866b4c
     6ba98546 ef913586 e95ffaaf fe956885 bb0647a8 bc094ac8",
    "920f1239 decafbad cafebabe 3680524f 8d312b00 c2de0001 c78d1200 38422bc1 11a7187a
     18246f98 0c059cc6 bc9df8b6 26394eca 344e4b05 d80fea83",
    "920f123a decafbad cafebabe 15b6bb43 37906fff c0de0000 b7b96453 7a2b03ab 7ba5389c
     e9331712 6b5d974d f30c6884 dcb651c5 e120c1da",
    "920f123b decafbad cafebabe dcb38c9e 48bf95f4 c2de0000 61ee432c f9203170 76613258
     d3ce4236 c06ac429 681ad084 13512dc9 8b5207d8",
];

fn known_answers(profile: P, protected: &[&str; 6]) {
    let (mut tx, mut rx) = (
        rfc_context(profile, cryptex()),
        rfc_context(profile, cryptex()),
    );
    for ((name, plain), want) in PLAIN.iter().zip(protected) {
        let (plain, want) = (hex(plain), hex(want));
        assert_eq!(protect(&mut tx, &plain), want, "{profile} {name}: protect");
        assert_eq!(
            unprotect(&mut rx, &want),
            Ok(plain),
            "{profile} {name}: unprotect"
        );
    }
}

/// RFC 9335 Appendix A.1.
#[test]
fn rfc9335_appendix_a1_aes_cm_128_hmac_sha1_80() {
    known_answers(P::AesCm128HmacSha1_80, &AES_CM);
}

/// RFC 9335 Appendix A.2.
#[test]
fn rfc9335_appendix_a2_aead_aes_128_gcm() {
    known_answers(P::AeadAes128Gcm, &AES_GCM);
}

/// §5.1: CSRCs without an extension get an empty 0xC0DE block, which gives the very
/// packet Appendix A protects from an explicit empty one-byte extension; the receiver
/// returns it with the empty 0xBEDE block (left as is, §5.2).
#[test]
fn csrcs_without_an_extension_get_an_empty_one() {
    for (profile, protected) in [
        (P::AesCm128HmacSha1_80, AES_CM[4]),
        (P::AeadAes128Gcm, AES_GCM[4]),
    ] {
        let mut tx = rfc_context(profile, cryptex());
        let bare =
            hex("820f123a decafbad cafebabe 0001e240 0000b26e abababab abababab abababab abababab");
        // Exactly the room the packet, the inserted block and the tag need.
        let mut buf = bare.clone();
        buf.resize(bare.len() + 4 + profile.rtp_tag_len(), 0);
        let n = tx.protect_rtp(&mut buf, bare.len()).unwrap();
        assert_eq!(buf[..n], hex(protected)[..], "{profile}");
        let mut rx = rfc_context(profile, cryptex());
        assert_eq!(
            unprotect(&mut rx, &buf[..n]),
            Ok(hex(PLAIN[4].1)),
            "{profile}"
        );
        // One byte less room fails and leaves buffer and context as they were.
        let mut tx = rfc_context(profile, cryptex());
        let mut small = bare.clone();
        small.resize(bare.len() + 3 + profile.rtp_tag_len(), 0);
        let before = small.clone();
        assert_eq!(
            tx.protect_rtp(&mut small, bare.len()),
            Err(Error::BufferTooSmall {
                needed: bare.len() + 4 + profile.rtp_tag_len(),
                got: small.len()
            })
        );
        assert_eq!(small, before);
        assert_eq!(tx.roc(0xcafebabe), None);
    }
}

/// §5.2: once negotiated, the sender picks per packet; a cryptex receiver takes both.
/// Plain SRTP of the same packet decrypts to the same bytes.
#[test]
fn a_cryptex_receiver_takes_plain_srtp_too() {
    for profile in [P::AesCm128HmacSha1_80, P::AeadAes128Gcm] {
        let mut rx = rfc_context(profile, cryptex());
        let mut plain_tx = rfc_context(profile, Config::default());
        let mut cryptex_tx = rfc_context(profile, cryptex());
        for (i, (name, p)) in PLAIN.iter().enumerate() {
            let p = hex(p);
            let tx = if i % 2 == 0 {
                &mut plain_tx
            } else {
                &mut cryptex_tx
            };
            let wire = protect(tx, &p);
            assert_eq!(unprotect(&mut rx, &wire), Ok(p), "{profile} {name}");
        }
    }
}

/// Without cryptex, a packet marked as cryptex is refused before anything is checked
/// or changed; plain SRTP is unchanged by the option.
#[test]
fn a_receiver_without_cryptex_refuses_marked_packets() {
    let mut rx = rfc_context(P::AesCm128HmacSha1_80, Config::default());
    assert_eq!(
        unprotect(&mut rx, &hex(AES_CM[0])),
        Err(Error::CryptexNotNegotiated)
    );
    assert_eq!(rx.roc(0xcafebabe), None);
    // Nor is one sent: the RFC's plaintext with its extension word already set to 0xC0DE
    // (one-byte) or 0xC2DE (two-byte), buffer untouched.
    let mut tx = rfc_context(P::AesCm128HmacSha1_80, Config::default());
    for (name, p) in PLAIN {
        let mut p = hex(p);
        let csrcs = 4 * usize::from(p[0] & 0x0f);
        if p[0] & 0x10 == 0 {
            continue;
        }
        let word = u16::from_be_bytes([p[12 + csrcs], p[13 + csrcs]]);
        let marked: u16 = if word == 0xbede { 0xc0de } else { 0xc2de };
        p[12 + csrcs..14 + csrcs].copy_from_slice(&marked.to_be_bytes());
        let mut buf = p.clone();
        buf.resize(p.len() + 16, 0);
        assert_eq!(
            tx.protect_rtp(&mut buf, p.len()),
            Err(Error::CryptexNotNegotiated),
            "{name}"
        );
        assert_eq!(buf[..p.len()], p[..], "{name}");
    }
    assert_eq!(tx.roc(0xcafebabe), None);
    // A packet with neither CSRCs nor an extension is the same either way.
    let p = rtp(7, 0xcafebabe, 40);
    let mut with = rfc_context(P::AeadAes128Gcm, cryptex());
    let mut without = rfc_context(P::AeadAes128Gcm, Config::default());
    assert_eq!(protect(&mut with, &p), protect(&mut without, &p));
}

/// Extensions cryptex cannot mark are refused (§5), with nothing written.
#[test]
fn extensions_other_than_rfc_8285_are_refused() {
    for profile in [P::AesCm128HmacSha1_80, P::AeadAes256Gcm] {
        let mut tx = Context::new(profile, key(profile, 3), cryptex()).unwrap();
        for id in [0x1001u16, 0xabcd, 0xc0de] {
            let mut p = hex("900f1235 decafbad cafebabe 00000001 51000200 abababab");
            p[12..14].copy_from_slice(&id.to_be_bytes());
            let mut buf = p.clone();
            buf.resize(p.len() + 16, 0);
            let before = buf.clone();
            assert_eq!(
                tx.protect_rtp(&mut buf, p.len()),
                Err(Error::CryptexExtension(id))
            );
            assert_eq!(buf, before);
        }
    }
}

/// Every profile: CSRCs and extension come out encrypted (not for NULL, which encrypts
/// nothing and so sends 0xBEDE), SRTCP is as without cryptex, and the receiver restores
/// the packet; a bit flipped in the encrypted CSRCs fails authentication.
#[test]
fn every_profile_round_trips_with_cryptex() {
    for profile in P::ALL {
        let (mut tx, mut rx) = pair(profile, cryptex());
        let p = hex("92 60 0001 00000000 deadbeef 11111111 22222222 bede0001 10ff0000 42424242");
        let wire = protect(&mut tx, &p);
        let null = profile == P::NullHmacSha1_80;
        assert_eq!(wire[..12], p[..12], "{profile}");
        assert_eq!(wire[20..22] == [0xbe, 0xde], null, "{profile}");
        assert_eq!(wire[20..22] == [0xc0, 0xde], !null, "{profile}");
        assert_eq!(
            wire[22..24],
            p[22..24],
            "{profile}: the length stays in clear"
        );
        assert_eq!(wire[12..20] != p[12..20], !null, "{profile}: CSRCs");
        assert_eq!(
            wire[24..28] != p[24..28],
            !null,
            "{profile}: extension body"
        );
        let mut bad = wire.clone();
        bad[13] ^= 1;
        assert_eq!(unprotect(&mut rx, &bad), Err(Error::AuthenticationFailed));
        assert_eq!(unprotect(&mut rx, &wire), Ok(p.clone()), "{profile}");
        let (mut plain_tx, _) = pair(profile, Config::default());
        let rr = hex("81c90007 deadbeef 11111111 00000001 00000002 00000003 00000004 00000005");
        assert_eq!(
            protect_rtcp(&mut tx, &rr),
            protect_rtcp(&mut plain_tx, &rr),
            "{profile}"
        );
    }
}
