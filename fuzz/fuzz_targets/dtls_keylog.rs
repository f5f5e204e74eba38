//! The NSS key log parser (`dtls::keylog::KeyLogEntries::parse`) on arbitrary text: nothing
//! panics, every line is either kept or counted as skipped, every line an independent
//! reading calls a well-formed `CLIENT_RANDOM` line (48-byte secret) or DTLS 1.3 line (one
//! of the five TLS 1.3 labels, 32- or 48-byte secret) is found, and lines written by
//! `format_line` from the input's bytes read back to the same secrets.
#![no_main]

use dtls::keylog::{CLIENT_RANDOM_LABEL, Dtls13Secret, KeyLogEntries, format_line};
use libfuzzer_sys::fuzz_target;

/// A well-formed line read without the parser: `CLIENT_RANDOM <64 hex> <96 hex>`, or one of
/// the five TLS 1.3 labels with `<64 hex> <64 or 96 hex>`, split on spaces and tabs. The
/// DTLS 1.3 secret it names, if any, and the client random.
fn well_formed(line: &str) -> Option<(Option<Dtls13Secret>, [u8; 32])> {
    let fields: Vec<&str> = line.split([' ', '\t']).filter(|f| !f.is_empty()).collect();
    let [label, random, secret] = fields[..] else {
        return None;
    };
    let hex = |s: &str, n: usize| s.len() == n && s.bytes().all(|b| b.is_ascii_hexdigit());
    let which = match label {
        CLIENT_RANDOM_LABEL if hex(secret, 96) => None,
        "CLIENT_HANDSHAKE_TRAFFIC_SECRET"
        | "SERVER_HANDSHAKE_TRAFFIC_SECRET"
        | "CLIENT_TRAFFIC_SECRET_0"
        | "SERVER_TRAFFIC_SECRET_0"
        | "EXPORTER_SECRET"
            if hex(secret, 64) || hex(secret, 96) =>
        {
            Some(Dtls13Secret::from_label(label).expect("one of the five"))
        }
        _ => return None,
    };
    if !hex(random, 64) {
        return None;
    }
    let mut out = [0u8; 32];
    for (i, b) in out.iter_mut().enumerate() {
        *b = u8::from_str_radix(&random[2 * i..2 * i + 2], 16).ok()?;
    }
    Some((which, out))
}

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let entries = KeyLogEntries::parse(&text);
    let nonblank: Vec<&str> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    let good: Vec<(Option<Dtls13Secret>, [u8; 32])> =
        nonblank.iter().filter_map(|l| well_formed(l)).collect();
    assert_eq!(entries.skipped_lines() + good.len(), nonblank.len());
    assert!(entries.len() <= good.len());
    for (which, random) in &good {
        match which {
            None => assert!(entries.master_secret(random).is_some()),
            Some(w) => assert!(entries.dtls13_secret(*w, random).is_some()),
        }
    }
    if let (Some(random), Some(secret)) = (data.get(..32), data.get(32..80)) {
        let random: [u8; 32] = random.try_into().expect("32 bytes");
        let mut text = format_line(CLIENT_RANDOM_LABEL, &random, secret);
        for (i, which) in Dtls13Secret::ALL.into_iter().enumerate() {
            // Alternately a SHA-256 and a SHA-384 length.
            let len = if i % 2 == 0 { 32 } else { 48 };
            text += &format_line(which.label(), &random, &secret[..len]);
        }
        let all = KeyLogEntries::parse(&text);
        assert_eq!((all.len(), all.skipped_lines()), (6, 0));
        assert_eq!(all.master_secret(&random).map(|s| &s[..]), Some(secret));
        for (i, which) in Dtls13Secret::ALL.into_iter().enumerate() {
            let len = if i % 2 == 0 { 32 } else { 48 };
            assert_eq!(all.dtls13_secret(which, &random), Some(&secret[..len]));
        }
    }
});
