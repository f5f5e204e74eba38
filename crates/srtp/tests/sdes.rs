//! SDES `a=crypto` (RFC 4568): the grammar both ways, every error, offer/answer, and the
//! contexts built from the result.

use chacha20::ChaCha20Rng;
use rand_core::SeedableRng;
use srtp::sdes::{
    CryptoAttribute, CryptoSuite, FecOrder, InlineKey, Lifetime, Mki, Negotiated, Priority,
    SdesError, SessionParams, accept_answer, answer_offer, parse_offer,
};
use srtp::{Config, Context, Error, MAX_REPLAY_WINDOW, ProtectionProfile};

fn rng(seed: u8) -> ChaCha20Rng {
    ChaCha20Rng::from_seed([seed; 32])
}

const KEY_A: &str = "WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz";

fn parse(line: &str) -> Result<CryptoAttribute, SdesError> {
    CryptoAttribute::parse(line)
}

fn line_with(rest: &str) -> String {
    format!("a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:{KEY_A}{rest}")
}

/// An RTP packet (RFC 3550 §5.1) of 160 payload bytes in a buffer with room for a tag.
fn rtp(seq: u16, ssrc: u32) -> ([u8; 256], usize) {
    let mut buf = [0u8; 256];
    buf[0] = 0x80;
    buf[2..4].copy_from_slice(&seq.to_be_bytes());
    buf[4..8].copy_from_slice(&(u32::from(seq) * 160).to_be_bytes());
    buf[8..12].copy_from_slice(&ssrc.to_be_bytes());
    for (i, b) in buf[12..172].iter_mut().enumerate() {
        *b = i as u8 ^ 0x55;
    }
    (buf, 172)
}

/// `tx` protects packets and `rx` takes every one, in order, with the payload intact.
fn talks(tx: &mut Context, rx: &mut Context) {
    for seq in 0..20 {
        let (mut buf, len) = rtp(seq, 0x1234_5678);
        let plain = buf[..len].to_vec();
        let n = tx.protect_rtp(&mut buf, len).unwrap();
        assert_eq!(rx.unprotect_rtp(&mut buf[..n]), Ok(len));
        assert_eq!(&buf[..len], &plain[..]);
    }
    let rr = [0x81, 0xc9, 0, 1, 0x12, 0x34, 0x56, 0x78];
    let mut buf = [0u8; 64];
    buf[..8].copy_from_slice(&rr);
    let n = tx.protect_rtcp(&mut buf, 8).unwrap();
    assert_eq!(rx.unprotect_rtcp(&mut buf[..n]), Ok(8));
    assert_eq!(buf[..8], rr);
}

// ---------------------------------------------------------------------------------------
// The RFC's own example lines.

/// The offer example of RFC 4568: a line with key, lifetime, MKI and FEC_ORDER, and an
/// F8 line with two keys told apart by MKI.
#[test]
fn the_rfc_4568_example_lines_read_exactly() {
    let one = "a=crypto:1 AES_CM_128_HMAC_SHA1_80 \
               inline:WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz|2^20|1:4 FEC_ORDER=FEC_SRTP";
    let a = parse(one).unwrap();
    assert_eq!(a.tag(), 1);
    assert_eq!(a.suite(), CryptoSuite::AesCm128HmacSha1_80);
    assert_eq!(a.keys().len(), 1);
    let k = &a.keys()[0];
    assert_eq!(k.expose_key_salt(), b"YS___semctl () {\t220;}\n}\nunles");
    assert_eq!(k.lifetime(), Some(Lifetime::PowerOfTwo(20)));
    assert_eq!(k.lifetime().unwrap().packets(), 1 << 20);
    assert_eq!(k.mki(), Some(Mki::new(1, 4).unwrap()));
    assert_eq!(k.mki().unwrap().to_bytes(), [0, 0, 0, 1]);
    assert_eq!(a.params().fec_order, Some(FecOrder::FecSrtp));
    assert_eq!(a.to_line().as_str(), one);

    let two = "a=crypto:2 F8_128_HMAC_SHA1_80 \
               inline:MTIzNDU2Nzg5QUJDREUwMTIzNDU2Nzg5QUJjZGVm|2^20|1:4;\
               inline:QUJjZGVmMTIzNDU2Nzg5QUJDREUwMTIzNDU2Nzg5|2^20|2:4 FEC_ORDER=FEC_SRTP";
    let b = parse(two).unwrap();
    assert_eq!((b.tag(), b.suite()), (2, CryptoSuite::F8_128HmacSha1_80));
    assert_eq!(
        b.keys()[0].expose_key_salt(),
        b"123456789ABCDE0123456789ABcdef"
    );
    assert_eq!(
        b.keys()[1].expose_key_salt(),
        b"ABcdef123456789ABCDE0123456789"
    );
    assert_eq!(b.keys()[1].mki().unwrap().to_bytes(), [0, 0, 0, 2]);
    assert_eq!(b.to_line().as_str(), two);
    // F8 is read and written, but this crate has no f8 mode to run it.
    assert_eq!(
        b.profile(),
        Err(SdesError::UnsupportedSuite(CryptoSuite::F8_128HmacSha1_80))
    );
    assert!(matches!(
        b.context(&Config::default()),
        Err(SdesError::UnsupportedSuite(_))
    ));

    // The offer of the two, answered: F8 cannot be run, so the first line is taken.
    let offer = parse_offer([one, two]).unwrap();
    let done = answer_offer(
        &offer,
        &[
            CryptoSuite::F8_128HmacSha1_80,
            CryptoSuite::AesCm128HmacSha1_80,
        ],
        Priority::Answerer,
        &mut rng(1),
    )
    .unwrap();
    assert_eq!(done.local().tag(), 1);
}

/// The other forms the RFC shows: an MKI of 32 bytes, and CRLF line ends.
#[test]
fn an_mki_of_32_bytes_and_a_line_end_read() {
    let line = "a=crypto:1 AES_CM_128_HMAC_SHA1_80 \
                inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR|2^20|1:32\r\n";
    let a = parse(line).unwrap();
    let mki = a.keys()[0].mki().unwrap();
    assert_eq!(mki.length(), 32);
    assert_eq!(mki.to_bytes().len(), 32);
    assert_eq!(mki.to_bytes()[31], 1);
    assert_eq!(a.to_line().as_str(), line.trim_end());
    // `crypto:` without `a=`, and the bare value, read the same.
    assert_eq!(parse(&line[2..]).unwrap(), a);
    assert_eq!(
        CryptoAttribute::parse_value(line[9..].trim_end()).unwrap(),
        a
    );
    let context = a.context(&Config::default()).unwrap();
    assert_eq!(context.profile(), ProtectionProfile::AesCm128HmacSha1_80);
}

/// What ffmpeg writes into its SDP file (`-sdp_file`, libavformat 59), and what
/// GStreamer-based and SIP peers commonly write: no lifetime, no MKI.
#[test]
fn ffmpegs_line_reads() {
    let a =
        parse("a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:zRoxjWMYo52cU0PcIlbbR8ARuPOVLF4pPBDcD8vz")
            .unwrap();
    assert_eq!(a.keys()[0].lifetime(), None);
    assert_eq!(a.keys()[0].mki(), None);
    assert_eq!(a.params(), &SessionParams::default());
}

// ---------------------------------------------------------------------------------------
// Round trips.

#[test]
fn every_suite_round_trips_and_checks_its_key_length() {
    let mut r = rng(7);
    for (i, suite) in CryptoSuite::ALL.into_iter().enumerate() {
        let a = CryptoAttribute::generate(i as u32 + 1, suite, &mut r).unwrap();
        assert_eq!(a.keys()[0].expose_key_salt().len(), suite.key_salt_len());
        let line = a.to_line();
        assert!(line.starts_with(&format!("a=crypto:{} {} inline:", i + 1, suite.name())));
        let back = parse(&line).unwrap();
        assert_eq!(back, a, "{suite}");
        assert_eq!(back.to_line(), line);
        assert_eq!(suite.name().parse::<CryptoSuite>(), Ok(suite));
        // A key of every other length is refused with the suite's numbers.
        for other in CryptoSuite::ALL {
            let key = InlineKey::generate(other, &mut r);
            let got = key.expose_key_salt().len();
            let result = CryptoAttribute::new(1, suite, key);
            if got == suite.key_salt_len() {
                assert!(result.is_ok());
            } else {
                assert_eq!(
                    result.unwrap_err(),
                    SdesError::KeyLength {
                        suite,
                        expected: suite.key_salt_len(),
                        got
                    }
                );
            }
        }
    }
    assert_eq!(CryptoSuite::AesCm128HmacSha1_80.key_salt_len(), 30);
    assert_eq!(CryptoSuite::Aes192CmHmacSha1_32.key_salt_len(), 38);
    assert_eq!(CryptoSuite::Aes256CmHmacSha1_80.key_salt_len(), 46);
    assert_eq!(CryptoSuite::AeadAes128Gcm.key_salt_len(), 28);
    assert_eq!(CryptoSuite::AeadAes256Gcm.key_salt_len(), 44);
}

#[test]
fn suites_map_to_the_profiles_this_crate_runs() {
    use CryptoSuite as S;
    use ProtectionProfile as P;
    let runs = [
        (S::AesCm128HmacSha1_80, P::AesCm128HmacSha1_80),
        (S::AesCm128HmacSha1_32, P::AesCm128HmacSha1_32),
        (S::Aes256CmHmacSha1_80, P::AesCm256HmacSha1_80),
        (S::Aes256CmHmacSha1_32, P::AesCm256HmacSha1_32),
        (S::AeadAes128Gcm, P::AeadAes128Gcm),
        (S::AeadAes256Gcm, P::AeadAes256Gcm),
    ];
    for (suite, profile) in runs {
        assert_eq!(suite.profile(), Ok(profile));
        assert_eq!(CryptoSuite::from_profile(profile), Some(suite));
        assert_eq!(suite.name(), profile.name());
        assert_eq!(suite.key_len(), profile.master_key_len());
        assert_eq!(suite.salt_len(), profile.master_salt_len());
    }
    for suite in [
        S::F8_128HmacSha1_80,
        S::Aes192CmHmacSha1_80,
        S::Aes192CmHmacSha1_32,
    ] {
        assert_eq!(suite.profile(), Err(SdesError::UnsupportedSuite(suite)));
    }
    assert_eq!(CryptoSuite::from_profile(P::NullHmacSha1_80), None);
    // ABNF literals: case does not matter.
    assert_eq!(
        CryptoSuite::from_name("aead_aes_128_gcm"),
        Some(S::AeadAes128Gcm)
    );
}

#[test]
fn lifetimes_in_both_forms() {
    let lifetime =
        |text: &str| parse(&line_with(&format!("|{text}"))).map(|a| a.keys()[0].lifetime());
    assert_eq!(lifetime("2^0"), Ok(Some(Lifetime::PowerOfTwo(0))));
    assert_eq!(lifetime("2^31"), Ok(Some(Lifetime::PowerOfTwo(31))));
    assert_eq!(lifetime("2^48"), Ok(Some(Lifetime::PowerOfTwo(48))));
    assert_eq!(lifetime("1066"), Ok(Some(Lifetime::Packets(1066))));
    assert_eq!(
        lifetime("281474976710656"),
        Ok(Some(Lifetime::Packets(1 << 48)))
    );
    for bad in [
        "2^49",
        "2^",
        "2^x",
        "2^-1",
        "0",
        "281474976710657",
        "99999999999999999999999",
        "+5",
        "",
        "2^ 3",
        "0x10",
    ] {
        assert_eq!(lifetime(bad), Err(SdesError::BadLifetime), "{bad:?}");
    }
    for text in ["2^20", "1066"] {
        let line = line_with(&format!("|{text}"));
        assert_eq!(parse(&line).unwrap().to_line().as_str(), line);
    }
    // The lifetime bounds the key in the context (RFC 3711 §9.2).
    let a = parse(&line_with("|1066")).unwrap();
    let ctx = a.context(&Config::default()).unwrap();
    assert_eq!(ctx.key_usage().srtp_lifetime, 1066);
    assert_eq!(ctx.key_usage().srtcp_lifetime, 1066);
    let ctx = parse(&line_with("|2^40"))
        .unwrap()
        .context(&Config::default())
        .unwrap();
    assert_eq!(ctx.key_usage().srtp_lifetime, 1 << 40);
    assert_eq!(ctx.key_usage().srtcp_lifetime, 1 << 31);
    // Set by hand, the same bounds hold.
    let key = InlineKey::generate(CryptoSuite::AeadAes128Gcm, &mut rng(1));
    assert_eq!(
        key.clone().with_lifetime(Lifetime::Packets(0)).unwrap_err(),
        SdesError::BadLifetime
    );
    assert_eq!(
        key.with_lifetime(Lifetime::PowerOfTwo(49)).unwrap_err(),
        SdesError::BadLifetime
    );
}

#[test]
fn mkis_and_their_bounds() {
    let mki = |text: &str| parse(&line_with(&format!("|{text}"))).map(|a| a.keys()[0].mki());
    assert_eq!(mki("1:1"), Ok(Some(Mki::new(1, 1).unwrap())));
    assert_eq!(mki("255:1"), Ok(Some(Mki::new(255, 1).unwrap())));
    assert_eq!(mki("0:128").unwrap().unwrap().to_bytes(), vec![0; 128]);
    assert_eq!(mki("001:4"), Ok(Some(Mki::new(1, 4).unwrap())));
    assert_eq!(
        mki("18446744073709551615:9").unwrap().unwrap().to_bytes(),
        [0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]
    );
    let length = SdesError::BadMki("the length must be 1 to 128 bytes");
    let fit = SdesError::BadMki("the value does not fit in its length");
    let value = SdesError::BadMki("the value must be a decimal number below 2^64");
    for (bad, error) in [
        ("256:1", &fit),
        ("65536:2", &fit),
        ("1:0", &length),
        ("1:129", &length),
        ("1:0128", &length),
        ("1:", &length),
        ("1:x", &length),
        (":4", &value),
        ("x:4", &value),
        ("18446744073709551616:9", &value),
    ] {
        assert_eq!(mki(bad), Err(error.clone()), "{bad:?}");
    }
    // Lifetime then MKI; an MKI before a lifetime is not the grammar.
    assert_eq!(
        parse(&line_with("|1:4|2^20")).unwrap_err(),
        SdesError::BadLifetime
    );
    assert_eq!(
        parse(&line_with("|2^20|1:4|x")).unwrap_err(),
        SdesError::Syntax("more than key|lifetime|MKI in a key")
    );
    // The MKI travels in each packet: the receiver finds the key by it.
    let a = parse(&line_with("|2^20|7:2")).unwrap();
    let (mut tx, mut rx) = (
        a.context(&Config::default()).unwrap(),
        a.context(&Config::default()).unwrap(),
    );
    let (mut buf, len) = rtp(1, 9);
    let n = tx.protect_rtp(&mut buf, len).unwrap();
    assert_eq!(n, len + 2 + 10);
    assert_eq!(buf[len..len + 2], [0, 7]);
    assert_eq!(rx.unprotect_rtp(&mut buf[..n]), Ok(len));
}

#[test]
fn several_keys_are_all_kept_and_selected_by_mki() {
    let mut r = rng(3);
    let suite = CryptoSuite::AesCm128HmacSha1_80;
    let k1 = InlineKey::generate(suite, &mut r).with_mki(Mki::new(1, 2).unwrap());
    let k2 = InlineKey::generate(suite, &mut r)
        .with_lifetime(Lifetime::PowerOfTwo(31))
        .unwrap()
        .with_mki(Mki::new(2, 2).unwrap());
    let a = CryptoAttribute::new(5, suite, k1.clone())
        .unwrap()
        .with_key(k2.clone())
        .unwrap();
    let line = a.to_line();
    assert_eq!(line.matches(";inline:").count(), 1);
    let back = parse(&line).unwrap();
    assert_eq!(back.keys(), &[k1.clone(), k2.clone()]);

    // The first key protects; a receiver with both takes packets of either.
    let mut rx = back.context(&Config::default()).unwrap();
    let mut tx1 = back.context(&Config::default()).unwrap();
    let mut tx2 = CryptoAttribute::new(5, suite, k2.clone())
        .unwrap()
        .context(&Config::default())
        .unwrap();
    for (seq, tx, mki) in [(1u16, &mut tx1, [0, 1]), (2, &mut tx2, [0, 2])] {
        let (mut buf, len) = rtp(seq, 3);
        let n = tx.protect_rtp(&mut buf, len).unwrap();
        assert_eq!(buf[len..len + 2], mki);
        assert_eq!(rx.unprotect_rtp(&mut buf[..n]), Ok(len));
    }

    // Several keys need distinct MKIs of one length.
    let bare = InlineKey::generate(suite, &mut r);
    let one = |k: &InlineKey| CryptoAttribute::new(5, suite, k.clone()).unwrap();
    assert_eq!(
        one(&bare).with_key(k1.clone()).unwrap_err(),
        SdesError::BadMki("several keys need an MKI each")
    );
    assert_eq!(
        one(&k1).with_key(k1.clone()).unwrap_err(),
        SdesError::BadMki("two keys have the same MKI")
    );
    let long = bare.clone().with_mki(Mki::new(3, 4).unwrap());
    assert_eq!(
        one(&k1).with_key(long).unwrap_err(),
        SdesError::BadMki("the MKIs of several keys differ in length")
    );
    let no_mki = format!("a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:{KEY_A};inline:{KEY_A}");
    assert_eq!(
        parse(&no_mki).unwrap_err(),
        SdesError::BadMki("several keys need an MKI each")
    );
}

// ---------------------------------------------------------------------------------------
// Session parameters.

#[test]
fn each_session_parameter_reads_and_writes() {
    let params = |rest: &str| parse(&line_with(rest)).map(|a| a.params().clone());
    let p = params(" KDR=0").unwrap();
    assert_eq!(p.kdr, Some(0));
    assert_eq!(params(" KDR=24").unwrap().kdr, Some(24));
    assert!(params(" UNENCRYPTED_SRTP").unwrap().unencrypted_srtp);
    assert!(params(" UNENCRYPTED_SRTCP").unwrap().unencrypted_srtcp);
    assert!(
        params(" UNAUTHENTICATED_SRTP")
            .unwrap()
            .unauthenticated_srtp
    );
    assert_eq!(
        params(" FEC_ORDER=SRTP_FEC").unwrap().fec_order,
        Some(FecOrder::SrtpFec)
    );
    assert_eq!(params(" WSH=64").unwrap().wsh, Some(64));
    assert_eq!(params(" WSH=4096").unwrap().wsh, Some(4096));
    let fec = params(&format!(" FEC_KEY=inline:{KEY_A}|2^20")).unwrap();
    assert_eq!(fec.fec_key.len(), 1);
    assert_eq!(fec.fec_key[0].lifetime(), Some(Lifetime::PowerOfTwo(20)));
    let optional = params(" -FUTURE_THING=3 -X").unwrap();
    assert_eq!(optional.optional, ["-FUTURE_THING=3", "-X"]);
    // ABNF literals are case-insensitive; tabs separate fields too.
    assert!(params("\tunencrypted_srtcp").unwrap().unencrypted_srtcp);

    // All of them in the grammar's order write back as they were.
    let all = format!(
        " KDR=3 UNENCRYPTED_SRTP UNENCRYPTED_SRTCP UNAUTHENTICATED_SRTP FEC_ORDER=FEC_SRTP \
         FEC_KEY=inline:{KEY_A}|1:1;inline:{KEY_A}|2:1 WSH=256 -EXT"
    );
    let a = parse(&line_with(&all)).unwrap();
    assert_eq!(a.to_line().as_str(), line_with(&all));
    assert_eq!(a.params().fec_key.len(), 2);
    // Another order reads to the same parameters and writes in the grammar's.
    let shuffled = parse(&line_with(&format!(
        " WSH=256 -EXT UNAUTHENTICATED_SRTP FEC_KEY=inline:{KEY_A}|1:1;inline:{KEY_A}|2:1 \
         UNENCRYPTED_SRTCP FEC_ORDER=FEC_SRTP KDR=3 UNENCRYPTED_SRTP"
    )))
    .unwrap();
    assert_eq!(shuffled, a);

    // Built by hand, checked the same way.
    let mut p = SessionParams::default();
    p.wsh = Some(63);
    let base = || parse(&line_with("")).unwrap();
    assert_eq!(
        base().with_params(p.clone()).unwrap_err(),
        SdesError::BadSessionParam("WSH")
    );
    p.wsh = None;
    p.kdr = Some(25);
    assert_eq!(
        base().with_params(p.clone()).unwrap_err(),
        SdesError::BadSessionParam("KDR")
    );
    p.kdr = Some(2);
    p.optional = vec!["NOT_OPTIONAL".into()];
    assert!(matches!(
        base().with_params(p.clone()),
        Err(SdesError::Syntax(_))
    ));
    p.optional.clear();
    p.fec_key = vec![InlineKey::generate(CryptoSuite::AeadAes128Gcm, &mut rng(1))];
    assert_eq!(
        base().with_params(p).unwrap_err(),
        SdesError::KeyLength {
            suite: CryptoSuite::AesCm128HmacSha1_80,
            expected: 30,
            got: 28
        }
    );
}

#[test]
fn bad_session_parameters_have_their_own_errors() {
    let err = |rest: &str| parse(&line_with(rest)).unwrap_err();
    for (rest, name) in [
        (" KDR=25", "KDR"),
        (" KDR=x", "KDR"),
        (" KDR=", "KDR"),
        (" KDR", "KDR"),
        (" KDR=100", "KDR"),
        (" WSH=63", "WSH"),
        (" WSH=6", "WSH"),
        (" WSH=99999999999", "WSH"),
        (" WSH", "WSH"),
        (" FEC_ORDER=BOTH", "FEC_ORDER"),
        (" FEC_ORDER", "FEC_ORDER"),
        (" FEC_KEY", "FEC_KEY"),
        (" UNENCRYPTED_SRTP=1", "UNENCRYPTED_SRTP"),
    ] {
        assert_eq!(err(rest), SdesError::BadSessionParam(name), "{rest:?}");
    }
    assert_eq!(
        err(" UNENCRYPTED_SRTCP UNENCRYPTED_SRTCP"),
        SdesError::DuplicateSessionParam("UNENCRYPTED_SRTCP")
    );
    assert_eq!(err(" KDR=1 kdr=2"), SdesError::DuplicateSessionParam("KDR"));
    assert_eq!(
        err(" LIFETIME_HINT=3"),
        SdesError::UnknownSessionParam("LIFETIME_HINT".into())
    );
    assert_eq!(
        err(" -"),
        SdesError::Syntax("an optional session parameter is empty")
    );
    // FEC_KEY's keys are checked like the line's.
    assert_eq!(
        err(" FEC_KEY=inline:AAAA"),
        SdesError::KeyLength {
            suite: CryptoSuite::AesCm128HmacSha1_80,
            expected: 30,
            got: 3
        }
    );
}

/// Each parameter either changes the contexts as it says or is refused: nothing that
/// weakens protection is ignored.
#[test]
fn session_parameters_are_honoured_or_refused() {
    let ctx = |rest: &str| parse(&line_with(rest)).unwrap().context(&Config::default());
    let config = |rest: &str| parse(&line_with(rest)).unwrap().config(&Config::default());

    // KDR=n: a key derivation rate of 2^n.
    assert_eq!(config(" KDR=0").key_derivation_rate, 1);
    assert_eq!(config(" KDR=24").key_derivation_rate, 1 << 24);
    assert_eq!(config("").key_derivation_rate, 0);
    let kdr_base = Config {
        key_derivation_rate: 1 << 10,
        ..Config::default()
    };
    let plain = parse(&line_with("")).unwrap();
    assert_eq!(
        plain.config(&kdr_base).key_derivation_rate,
        0,
        "the line decides"
    );
    talks(&mut ctx(" KDR=2").unwrap(), &mut ctx(" KDR=2").unwrap());
    // Different rates derive different session keys after the first 2^n packets.
    let (mut tx, mut rx) = (ctx(" KDR=2").unwrap(), ctx("").unwrap());
    let (mut buf, len) = rtp(4, 1);
    let n = tx.protect_rtp(&mut buf, len).unwrap();
    assert_eq!(
        rx.unprotect_rtp(&mut buf[..n]),
        Err(Error::AuthenticationFailed)
    );

    // WSH: at least that window, at most the crate's largest.
    assert_eq!(config(" WSH=64").replay_window, 128);
    assert_eq!(config(" WSH=1000").replay_window, 1000);
    assert_eq!(config(" WSH=4000000").replay_window, MAX_REPLAY_WINDOW);

    // UNENCRYPTED_SRTCP: the E flag is 0 and the report travels in clear.
    assert!(!config(" UNENCRYPTED_SRTCP").encrypt_rtcp);
    assert!(config("").encrypt_rtcp);
    let (mut tx, mut rx) = (
        ctx(" UNENCRYPTED_SRTCP").unwrap(),
        ctx(" UNENCRYPTED_SRTCP").unwrap(),
    );
    let mut buf = [0u8; 64];
    let sr = [0x81, 0xc9, 0, 1, 0, 0, 0, 5];
    buf[..8].copy_from_slice(&sr);
    let n = tx.protect_rtcp(&mut buf, 8).unwrap();
    assert_eq!(buf[..8], sr);
    assert_eq!(buf[8] >> 7, 0, "E flag");
    assert_eq!(rx.unprotect_rtcp(&mut buf[..n]), Ok(8));
    talks(&mut tx, &mut rx);

    // UNENCRYPTED_SRTP with UNENCRYPTED_SRTCP on AES_CM_128_HMAC_SHA1_80: the NULL profile,
    // payloads in clear but authenticated.
    let null = parse(&line_with(" UNENCRYPTED_SRTP UNENCRYPTED_SRTCP")).unwrap();
    assert_eq!(null.profile(), Ok(ProtectionProfile::NullHmacSha1_80));
    let (mut tx, mut rx) = (
        null.context(&Config::default()).unwrap(),
        null.context(&Config::default()).unwrap(),
    );
    let (mut buf, len) = rtp(1, 2);
    let plain = buf[..len].to_vec();
    let n = tx.protect_rtp(&mut buf, len).unwrap();
    assert_eq!(n, len + 10);
    assert_eq!(&buf[..len], &plain[..], "in clear, as the line says");
    buf[20] ^= 1;
    assert_eq!(
        rx.unprotect_rtp(&mut buf[..n]),
        Err(Error::AuthenticationFailed)
    );
    buf[20] ^= 1;
    assert_eq!(rx.unprotect_rtp(&mut buf[..n]), Ok(len));

    // What cannot be honoured is refused.
    let refused = SdesError::UnsupportedSessionParam;
    assert_eq!(
        ctx(" UNENCRYPTED_SRTP").unwrap_err(),
        refused("UNENCRYPTED_SRTP")
    );
    assert_eq!(
        ctx(" UNAUTHENTICATED_SRTP").unwrap_err(),
        refused("UNAUTHENTICATED_SRTP")
    );
    assert_eq!(
        ctx(" UNENCRYPTED_SRTP UNENCRYPTED_SRTCP UNAUTHENTICATED_SRTP").unwrap_err(),
        refused("UNAUTHENTICATED_SRTP")
    );
    assert_eq!(
        ctx(&format!(" FEC_KEY=inline:{KEY_A}")).unwrap_err(),
        refused("FEC_KEY")
    );
    let gcm = |rest: &str| {
        let key = InlineKey::generate(CryptoSuite::AeadAes128Gcm, &mut rng(2));
        let a = CryptoAttribute::new(1, CryptoSuite::AeadAes128Gcm, key).unwrap();
        let mut line = a.to_line().to_string();
        line.push_str(rest);
        parse(&line).unwrap().context(&Config::default())
    };
    assert_eq!(
        gcm(" UNENCRYPTED_SRTP UNENCRYPTED_SRTCP").unwrap_err(),
        refused("UNENCRYPTED_SRTP")
    );
    let (mut tx, mut rx) = (
        gcm(" UNENCRYPTED_SRTCP").unwrap(),
        gcm(" UNENCRYPTED_SRTCP").unwrap(),
    );
    talks(&mut tx, &mut rx);
    let sha32 = format!(
        "a=crypto:1 AES_CM_128_HMAC_SHA1_32 inline:{KEY_A} UNENCRYPTED_SRTP UNENCRYPTED_SRTCP"
    );
    assert_eq!(
        parse(&sha32).unwrap().profile().unwrap_err(),
        refused("UNENCRYPTED_SRTP")
    );

    // FEC_ORDER orders FEC and SRTP; there is no FEC here, so it changes nothing.
    talks(
        &mut ctx(" FEC_ORDER=SRTP_FEC").unwrap(),
        &mut ctx(" FEC_ORDER=FEC_SRTP").unwrap(),
    );
    // Optional parameters are kept, and change nothing.
    talks(&mut ctx(" -SOMETHING").unwrap(), &mut ctx("").unwrap());
}

// ---------------------------------------------------------------------------------------
// Errors, each with its variant.

#[test]
fn each_error_has_its_variant() {
    let suite = CryptoSuite::AesCm128HmacSha1_80;
    let cases: Vec<(String, SdesError)> = vec![
        ("".into(), SdesError::Empty),
        ("\r\n".into(), SdesError::Empty),
        ("a=crypto:".into(), SdesError::Empty),
        ("a=crypto:  \t".into(), SdesError::Empty),
        (
            "a=rtcp:9 IN IP4 0.0.0.0".into(),
            SdesError::Syntax("not an a=crypto attribute"),
        ),
        ("a=crypto:1".into(), SdesError::Syntax("no crypto suite")),
        (
            "a=crypto:1 AES_CM_128_HMAC_SHA1_80".into(),
            SdesError::Syntax("no key parameters"),
        ),
        (
            format!("a=crypto:x AES_CM_128_HMAC_SHA1_80 inline:{KEY_A}"),
            SdesError::BadTag,
        ),
        (
            format!("a=crypto:-1 AES_CM_128_HMAC_SHA1_80 inline:{KEY_A}"),
            SdesError::BadTag,
        ),
        (
            format!("a=crypto:1234567890 AES_CM_128_HMAC_SHA1_80 inline:{KEY_A}"),
            SdesError::BadTag,
        ),
        (
            format!("a=crypto:+1 AES_CM_128_HMAC_SHA1_80 inline:{KEY_A}"),
            SdesError::BadTag,
        ),
        (
            format!("a=crypto:1 AES_CM_128_HMAC_SHA1_81 inline:{KEY_A}"),
            SdesError::UnknownSuite("AES_CM_128_HMAC_SHA1_81".into()),
        ),
        (
            format!("a=crypto:1 NULL_HMAC_SHA1_80 inline:{KEY_A}"),
            SdesError::UnknownSuite("NULL_HMAC_SHA1_80".into()),
        ),
        (
            format!("a=crypto:1 AES-CM inline:{KEY_A}"),
            SdesError::Syntax("the crypto suite is not letters, digits and _"),
        ),
        (
            format!("a=crypto:1 AES_CM_128_HMAC_SHA1_80 uri:{KEY_A}"),
            SdesError::UnknownKeyMethod,
        ),
        (
            format!("a=crypto:1 AES_CM_128_HMAC_SHA1_80 {KEY_A}"),
            SdesError::Syntax("a key parameter is not method:info"),
        ),
        (
            format!("a=crypto:1 AES_CM_128_HMAC_SHA1_80 :{KEY_A}"),
            SdesError::Syntax("a key method is not letters, digits and _"),
        ),
        (
            format!("a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:{KEY_A};"),
            SdesError::Syntax("a key parameter is not method:info"),
        ),
        (
            "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:!!!!".into(),
            SdesError::BadBase64,
        ),
        (
            "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGV="
                .into(),
            SdesError::BadBase64,
        ),
        (
            "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:WVNf=X19".into(),
            SdesError::BadBase64,
        ),
        (
            "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:".into(),
            SdesError::KeyLength {
                suite,
                expected: 30,
                got: 0,
            },
        ),
        (
            // 29 bytes: one short.
            "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGU="
                .into(),
            SdesError::KeyLength {
                suite,
                expected: 30,
                got: 29,
            },
        ),
        (
            // 33 bytes: three too many.
            format!("a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:{KEY_A}AAAA"),
            SdesError::KeyLength {
                suite,
                expected: 30,
                got: 33,
            },
        ),
        (
            // A 128-bit key and salt for a 256-bit suite.
            format!("a=crypto:1 AES_256_CM_HMAC_SHA1_80 inline:{KEY_A}"),
            SdesError::KeyLength {
                suite: CryptoSuite::Aes256CmHmacSha1_80,
                expected: 46,
                got: 30,
            },
        ),
        (
            format!("a=crypto:1 AEAD_AES_128_GCM inline:{KEY_A}"),
            SdesError::KeyLength {
                suite: CryptoSuite::AeadAes128Gcm,
                expected: 28,
                got: 30,
            },
        ),
        (
            format!("a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:{KEY_A}|2^99"),
            SdesError::BadLifetime,
        ),
        (
            format!("a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:{KEY_A}|1:200"),
            SdesError::BadMki("the length must be 1 to 128 bytes"),
        ),
        (
            format!("a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:{KEY_A}\u{e9}"),
            SdesError::Syntax("a character that is not visible ASCII"),
        ),
    ];
    for (line, error) in cases {
        assert_eq!(parse(&line), Err(error), "{line:?}");
    }
    // Base64 without its padding is taken (some peers leave it off), and written with it.
    let mut r = rng(9);
    let a = CryptoAttribute::generate(1, CryptoSuite::Aes256CmHmacSha1_80, &mut r).unwrap();
    let padded = a.to_line();
    assert!(padded.ends_with('='));
    assert_eq!(parse(padded.trim_end_matches('=')).unwrap(), a);
    // Tags above nine digits are refused when built, too.
    assert_eq!(
        CryptoAttribute::generate(1_000_000_000, CryptoSuite::AeadAes128Gcm, &mut r).unwrap_err(),
        SdesError::BadTag
    );
    assert!(
        CryptoAttribute::generate(CryptoAttribute::MAX_TAG, CryptoSuite::AeadAes128Gcm, &mut r)
            .is_ok()
    );
}

// ---------------------------------------------------------------------------------------
// Offer and answer.

fn offer_of(lines: &[CryptoAttribute]) -> Vec<String> {
    lines.iter().map(|a| a.to_line().to_string()).collect()
}

#[test]
fn an_answer_takes_the_first_acceptable_line_and_keys_both_directions() {
    let mut r = rng(11);
    let offered = [
        CryptoAttribute::generate(1, CryptoSuite::AeadAes256Gcm, &mut r).unwrap(),
        CryptoAttribute::generate(2, CryptoSuite::AesCm128HmacSha1_80, &mut r).unwrap(),
        CryptoAttribute::generate(3, CryptoSuite::AesCm128HmacSha1_32, &mut r).unwrap(),
    ];
    let lines = offer_of(&offered);
    let offer = parse_offer(lines.iter().map(String::as_str)).unwrap();
    assert_eq!(offer, offered);
    let ours = [
        CryptoSuite::AesCm128HmacSha1_32,
        CryptoSuite::AesCm128HmacSha1_80,
    ];

    // The offerer's order: its second line is the first we accept.
    let done = answer_offer(&offer, &ours, Priority::Offerer, &mut r).unwrap();
    assert_eq!(done.local().tag(), 2);
    assert_eq!(done.local().suite(), CryptoSuite::AesCm128HmacSha1_80);
    assert_eq!(done.remote(), &offered[1]);
    assert_eq!(done.profile(), ProtectionProfile::AesCm128HmacSha1_80);
    assert_ne!(done.local().keys(), offered[1].keys(), "our key is our own");
    // Our order: the _32 line.
    let mine = answer_offer(&offer, &ours, Priority::Answerer, &mut r).unwrap();
    assert_eq!(mine.local().tag(), 3);
    // Nothing acceptable.
    assert_eq!(
        answer_offer(
            &offer,
            &[CryptoSuite::Aes256CmHmacSha1_32],
            Priority::Offerer,
            &mut r
        )
        .unwrap_err(),
        SdesError::NoAcceptableOffer
    );
    assert_eq!(
        answer_offer(&[], &ours, Priority::Offerer, &mut r).unwrap_err(),
        SdesError::NoAcceptableOffer
    );

    // The offerer takes the answer from its SDP text, and the two sides talk.
    let answer_line = done.local().to_line();
    let answer = CryptoAttribute::parse(&answer_line).unwrap();
    let theirs = accept_answer(&offered, &answer).unwrap();
    assert_eq!(theirs.local(), &offered[1]);
    assert_eq!(theirs.remote(), done.local());
    let mut a = done.contexts(&Config::default()).unwrap();
    let mut b = theirs.contexts(&Config::default()).unwrap();
    talks(&mut a.send, &mut b.receive);
    talks(&mut b.send, &mut a.receive);
    // Each direction has its own key: a side cannot unprotect what it sent itself.
    let (mut buf, len) = rtp(100, 5);
    let n = a.send.protect_rtp(&mut buf, len).unwrap();
    assert_eq!(
        a.receive.unprotect_rtp(&mut buf[..n]),
        Err(Error::AuthenticationFailed)
    );
}

#[test]
fn every_runnable_suite_negotiates_and_talks() {
    let mut r = rng(12);
    for suite in CryptoSuite::ALL {
        let offer = [CryptoAttribute::generate(1, suite, &mut r).unwrap()];
        let result = answer_offer(&offer, &CryptoSuite::ALL, Priority::Offerer, &mut r);
        if suite.profile().is_err() {
            assert_eq!(result.unwrap_err(), SdesError::NoAcceptableOffer, "{suite}");
            continue;
        }
        let done = result.unwrap();
        let back = accept_answer(&offer, done.local()).unwrap();
        let mut a = done.contexts(&Config::default()).unwrap();
        let mut b = back.contexts(&Config::default()).unwrap();
        talks(&mut a.send, &mut b.receive);
        talks(&mut b.send, &mut a.receive);
    }
}

#[test]
fn offers_with_lines_we_do_not_know() {
    let mut r = rng(13);
    let known = CryptoAttribute::generate(4, CryptoSuite::AesCm128HmacSha1_80, &mut r).unwrap();
    let known_line = known.to_line();
    let unknown_suite = format!("a=crypto:1 FUTURE_SUITE inline:{KEY_A}");
    let unknown_method = "a=crypto:2 AES_CM_128_HMAC_SHA1_80 uri:https://example.invalid/k";
    let unknown_param = format!("a=crypto:3 AES_CM_128_HMAC_SHA1_80 inline:{KEY_A} NEW_PARAM=1");
    let offer = parse_offer([
        unknown_suite.as_str(),
        unknown_method,
        unknown_param.as_str(),
        known_line.as_str(),
    ])
    .unwrap();
    assert_eq!(offer, std::slice::from_ref(&known));
    // Tags repeat across lines passed over as well.
    let again = format!("a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:{KEY_A}");
    assert_eq!(
        parse_offer([unknown_suite.as_str(), again.as_str()]).unwrap_err(),
        SdesError::DuplicateTag(1)
    );
    assert_eq!(
        parse_offer([known_line.as_str(), known_line.as_str()]).unwrap_err(),
        SdesError::DuplicateTag(4)
    );
    assert_eq!(
        answer_offer(
            &[known.clone(), known.clone()],
            &CryptoSuite::ALL,
            Priority::Offerer,
            &mut r
        )
        .unwrap_err(),
        SdesError::DuplicateTag(4)
    );
    // A malformed line fails the offer.
    let broken = "a=crypto:5 AES_CM_128_HMAC_SHA1_80 inline:!!";
    assert_eq!(
        parse_offer([known_line.as_str(), broken]).unwrap_err(),
        SdesError::BadBase64
    );
    assert_eq!(parse_offer([]).unwrap_err(), SdesError::Empty);
    // A line whose parameters cannot be honoured is not chosen; the next one is.
    let unauthenticated =
        format!("a=crypto:7 AES_CM_128_HMAC_SHA1_80 inline:{KEY_A} UNAUTHENTICATED_SRTP");
    let offer = parse_offer([unauthenticated.as_str(), known_line.as_str()]).unwrap();
    let done = answer_offer(&offer, &CryptoSuite::ALL, Priority::Offerer, &mut r).unwrap();
    assert_eq!(done.local().tag(), 4);
}

#[test]
fn the_answer_carries_the_shared_parameters() {
    let mut r = rng(14);
    let line = format!(
        "a=crypto:9 AES_CM_128_HMAC_SHA1_80 inline:{KEY_A}|2^20 KDR=4 UNENCRYPTED_SRTCP WSH=512"
    );
    let offer = parse_offer([line.as_str()]).unwrap();
    let done = answer_offer(&offer, &CryptoSuite::ALL, Priority::Offerer, &mut r).unwrap();
    let ours = done.local().params();
    assert!(ours.unencrypted_srtcp);
    assert_eq!(
        (ours.kdr, ours.wsh),
        (None, None),
        "declarative: the offerer's own"
    );
    let text = done.local().to_line();
    assert!(text.starts_with("a=crypto:9 AES_CM_128_HMAC_SHA1_80 inline:"));
    assert!(text.ends_with(" UNENCRYPTED_SRTCP"));
    // Each side's KDR goes with its own key: the receiving context takes the offer's.
    let contexts = done.contexts(&Config::default()).unwrap();
    assert!(format!("{:?}", contexts.receive).contains("key_derivation_rate: 16"));
    assert!(format!("{:?}", contexts.send).contains("key_derivation_rate: 0"));
    // One configuration for both does not fit two rates.
    assert_eq!(
        done.shared_config(&Config::default()).unwrap_err(),
        SdesError::Asymmetric("KDR")
    );
    let no_kdr =
        format!("a=crypto:9 AES_CM_128_HMAC_SHA1_80 inline:{KEY_A} UNENCRYPTED_SRTCP WSH=512");
    let offer = parse_offer([no_kdr.as_str()]).unwrap();
    let done = answer_offer(&offer, &CryptoSuite::ALL, Priority::Offerer, &mut r).unwrap();
    let shared = done.shared_config(&Config::default()).unwrap();
    assert_eq!(shared.replay_window, 512);
    assert!(!shared.encrypt_rtcp);

    // The offerer holds the answer to the shared parameters.
    let mut wrong = SessionParams::default();
    wrong.unencrypted_srtcp = false;
    let answer = done.local().clone().with_params(wrong).unwrap();
    assert_eq!(
        accept_answer(&offer, &answer).unwrap_err(),
        SdesError::AnswerMismatch(
            "UNENCRYPTED_SRTP, UNENCRYPTED_SRTCP or UNAUTHENTICATED_SRTP differ"
        )
    );
    let other_tag = CryptoAttribute::generate(8, CryptoSuite::AesCm128HmacSha1_80, &mut r).unwrap();
    assert_eq!(
        accept_answer(&offer, &other_tag).unwrap_err(),
        SdesError::AnswerMismatch("its tag was not offered")
    );
    let other_suite =
        CryptoAttribute::generate(9, CryptoSuite::AesCm128HmacSha1_32, &mut r).unwrap();
    assert_eq!(
        accept_answer(&offer, &other_suite).unwrap_err(),
        SdesError::AnswerMismatch("its crypto suite is not the one offered under its tag")
    );
    assert_eq!(
        Negotiated::new(other_tag, other_suite).unwrap_err(),
        SdesError::AnswerMismatch("the two lines have different tags")
    );
}

// ---------------------------------------------------------------------------------------
// Secrets stay secret.

#[test]
fn no_key_is_ever_printed() {
    let mut r = rng(15);
    let key = InlineKey::generate(CryptoSuite::AesCm128HmacSha1_80, &mut r)
        .with_mki(Mki::new(1, 1).unwrap());
    let fec = InlineKey::generate(CryptoSuite::AesCm128HmacSha1_80, &mut r);
    let mut params = SessionParams::default();
    params.fec_key = vec![fec.clone()];
    params.optional = vec!["-SECRETISH=c2VjcmV0".into(), "-OPAQUE;c2VjcmV0Mg|x".into()];
    let attr = CryptoAttribute::new(1, CryptoSuite::AesCm128HmacSha1_80, key.clone())
        .unwrap()
        .with_params(params)
        .unwrap();
    let line = attr.to_line();
    // The base64 of each key, and the optional parameter's value.
    let mut secrets: Vec<String> = line
        .split("inline:")
        .skip(1)
        .map(|s| s.split(['|', ';', ' ']).next().unwrap().to_owned())
        .collect();
    assert_eq!(secrets.len(), 2, "{secrets:?}");
    assert!(secrets.iter().all(|s| s.len() == 40));
    secrets.push("c2VjcmV0".into());
    let offer = [attr.clone().with_params(SessionParams::default()).unwrap()];
    let done = answer_offer(&offer, &CryptoSuite::ALL, Priority::Offerer, &mut r).unwrap();
    let contexts = done.contexts(&Config::default()).unwrap();
    let hex = |k: &InlineKey| -> Vec<String> {
        k.expose_key_salt()
            .windows(4)
            .map(|w| w.iter().map(|b| format!("{b:02x}")).collect())
            .collect()
    };
    let printed = [
        format!("{attr:?}"),
        format!("{attr:#?}"),
        attr.to_string(),
        format!("{key:?}"),
        key.to_string(),
        format!("{:?}", attr.params()),
        format!("{done:?}"),
        format!("{contexts:?}"),
        format!("{:?}", attr.master_keys().err()),
        format!("{offer:?}"),
    ];
    for text in &printed {
        for secret in &secrets {
            assert!(!text.contains(secret.as_str()), "{text}");
        }
        for k in [&key, &fec] {
            for h in hex(k) {
                assert!(!text.to_lowercase().contains(&h), "{text}");
            }
            assert!(
                !text.contains(&format!("{:?}", &k.expose_key_salt()[..4])),
                "{text}"
            );
        }
    }
    assert!(printed[0].contains("<30 bytes redacted>"));
    assert_eq!(
        attr.to_string(),
        "1 AES_CM_128_HMAC_SHA1_80 inline:<redacted>|1:1 FEC_KEY=inline:<redacted> \
         -SECRETISH=<redacted> -OPAQUE<redacted>"
    );
    // Errors carry no key material either, not even from a misspelt FEC_KEY.
    let typo = format!("a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:{KEY_A} FECKEY=inline:{KEY_A}");
    let e = parse(&typo).unwrap_err();
    assert_eq!(e, SdesError::UnknownSessionParam("FECKEY".into()));
    assert!(!format!("{e} {e:?}").contains(KEY_A));
    let e = parse(&format!(
        "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:{KEY_A}x"
    ))
    .unwrap_err();
    assert!(!format!("{e} {e:?}").contains(KEY_A));
}

/// Equal keys compare equal; the comparison covers every byte, the lifetime and the MKI.
#[test]
fn keys_compare_by_every_part() {
    let suite = CryptoSuite::AesCm128HmacSha1_80;
    let a = InlineKey::new(suite, &[1; 30]).unwrap();
    let mut other = [1u8; 30];
    other[29] = 2;
    assert_eq!(a, InlineKey::new(suite, &[1; 30]).unwrap());
    assert_ne!(a, InlineKey::new(suite, &other).unwrap());
    assert_ne!(a, a.clone().with_mki(Mki::new(1, 1).unwrap()));
    assert_ne!(a, a.clone().with_lifetime(Lifetime::Packets(5)).unwrap());
    assert_eq!(
        InlineKey::new(suite, &[1; 28]).unwrap_err(),
        SdesError::KeyLength {
            suite,
            expected: 30,
            got: 28
        }
    );
    // Two generators seeded alike give the same key, different seeds different ones.
    let g = |seed| InlineKey::generate(suite, &mut rng(seed));
    assert_eq!(g(1), g(1));
    assert_ne!(g(1), g(2));
}
