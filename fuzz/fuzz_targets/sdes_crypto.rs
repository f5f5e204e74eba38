//! SDES `a=crypto` lines (RFC 4568) and offers made of them. Whatever reads writes back to
//! a line that reads to the same attribute and writes identically again; `Display` and
//! `Debug` never show a key; a context built from a line protects what a second context
//! from the same line unprotects; and an offer that parses is answered with a line that
//! the offerer accepts, the two sides then talking in both directions.

#![no_main]

use chacha20::ChaCha20Rng;
use libfuzzer_sys::fuzz_target;
use rand_core::SeedableRng;
use srtp::sdes::{
    CryptoAttribute, CryptoSuite, Priority, accept_answer, answer_offer, parse_offer,
};
use srtp::{Config, Context};

/// One RTP packet through `tx` and back out of `rx`, byte for byte.
fn talks(tx: &mut Context, rx: &mut Context, seq: u16) {
    let mut buf = [0u8; 300];
    let rtp = [
        0x80,
        0,
        (seq >> 8) as u8,
        seq as u8,
        0,
        0,
        0,
        1,
        0,
        0,
        0,
        9,
        1,
        2,
        3,
    ];
    buf[..rtp.len()].copy_from_slice(&rtp);
    let n = tx.protect_rtp(&mut buf, rtp.len()).expect("protect");
    assert_eq!(rx.unprotect_rtp(&mut buf[..n]), Ok(rtp.len()));
    assert_eq!(buf[..rtp.len()], rtp);
}

/// The base64 of every key in a written line: the key parameters (third field) and the
/// value of `FEC_KEY=`.
fn keys_written(line: &str) -> Vec<&str> {
    let fields: Vec<&str> = line.split(' ').collect();
    let fec = fields.iter().filter_map(|f| f.strip_prefix("FEC_KEY="));
    fields
        .get(2)
        .copied()
        .into_iter()
        .chain(fec)
        .flat_map(|params| params.split(';'))
        .filter_map(|p| p.strip_prefix("inline:"))
        .filter_map(|k| k.split('|').next())
        .filter(|k| !k.is_empty())
        .collect()
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(attr) = CryptoAttribute::parse(text) {
        let written = attr.to_line();
        let again = CryptoAttribute::parse(&written).expect("a written line reads");
        assert_eq!(again, attr);
        assert_eq!(again.to_line(), written);
        let shown = format!("{attr} {attr:?}");
        for key in keys_written(&written) {
            // An optional parameter that happens to hold the same text is not a key.
            if !attr.params().optional.iter().any(|p| p.contains(key)) {
                assert!(!shown.contains(key), "a key was printed: {shown}");
            }
        }
        if let Ok(mut tx) = attr.context(&Config::default()) {
            let mut rx = attr
                .context(&Config::default())
                .expect("the same line again");
            talks(&mut tx, &mut rx, 1);
        }
    }
    if let Ok(offer) = parse_offer(text.lines()) {
        let mut rng = ChaCha20Rng::from_seed([data.len() as u8; 32]);
        for priority in [Priority::Offerer, Priority::Answerer] {
            let Ok(done) = answer_offer(&offer, &CryptoSuite::ALL, priority, &mut rng) else {
                continue;
            };
            let answer = CryptoAttribute::parse(&done.local().to_line()).expect("our answer reads");
            let theirs = accept_answer(&offer, &answer).expect("the offerer takes our answer");
            let (Ok(mut a), Ok(mut b)) = (
                done.contexts(&Config::default()),
                theirs.contexts(&Config::default()),
            ) else {
                continue;
            };
            talks(&mut a.send, &mut b.receive, 1);
            talks(&mut b.send, &mut a.receive, 2);
        }
    }
});
